"""Default schedule for contractions: register-tiled micro-kernels, no tuning.

A *contraction* here is any reduction block in a perfect loop nest (one loop
per iteration variable, spatial loops before reduce loops, as legalize-ops
makes them) that writes its output at exactly its spatial variables, with the
last output index a spatial variable `l` that some operand reads contiguously
(last index `l` or `l + invariant`): matmul, batch matmul, dense, 1x1 and
stride-1 convolutions over NCHW, pooling-like reductions. Nothing is keyed on
op names: the rule reads the block structure.

The nest becomes tiles of MR rows x NR lanes for the `register_tile`
micro-kernel (`xrelax.tir.register_tile`):

    for <other spatial loops>                 (the outermost with work: parallel)
      for lo = 0 to L / NR                    lane tiles
        for ro = 0 to R / MR                  row tiles
          tile(MR, NR)                        rows ro*MR + r, lanes lo*NR + l, every reduce loop inside
        tile(R % MR, NR)                      the row remainder (constant), or a loop of 1-row tiles (symbolic)
      <the same for the lane remainder L % NR>

The lane variable is the last output index; the row variable is a spatial
variable of the output that no contiguous (vector) load reads, so one vector
load serves every row (matmul: i; NCHW convolution: the output channel);
NR = up to 4 (AVX-512) or 2 (AVX2) vector registers of lanes and MR rows
fill the remaining registers with accumulators (6 x 4 x 16 floats on
AVX-512, 6 x 2 x 8 on AVX2). A lane extent of at most NR + V/2 lanes is
taken whole (56 = 3 x 16 + 8), so no remainder tile is needed. A static row
extent is split into tiles of equal size as far as it goes (7 rows: 4 + 3,
not 6 + 1; 14: 5 + 5 + 4).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr, StringAttr
from xdsl.ir import Block, Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.register_tile import ATTR, NAME, NoMatch, is_vector_dtype, match
from xrelax.tir.schedule import perfect_nest
from xrelax.tir.schedule.blocks import decompose_reduction
from xrelax.tir.symbolic import SymExpr, floordiv
from xrelax.tir.target import Target
from xrelax.tir.types import BufferType, itemsize

MAX_ROWS = 8
# below this many multiply-adds a kernel stays on one thread
PARALLEL_MIN_WORK = 1 << 15


@dataclass
class _Contraction:
    block: tir.BlockOp
    chain: list[tir.ForOp]  # one loop per iteration variable, outermost first
    var_loop: dict[SSAValue, tir.ForOp]  # iteration variable -> its loop
    spatial: list[SSAValue]
    reduce: list[SSAValue]
    lane: SSAValue
    row: SSAValue


@dataclass
class _Nest:
    """A reduction block in a perfect nest, spatial loops first, writing
    exactly its spatial variables."""

    block: tir.BlockOp
    chain: list[tir.ForOp]
    var_loop: dict[SSAValue, tir.ForOp]
    spatial: list[SSAValue]
    reduce: list[SSAValue]
    store: tir.StoreOp
    out_idx: list[SSAValue]

    @property
    def loads(self) -> list[tir.LoadOp]:
        return [op for op in self.block.body.block.ops if isinstance(op, tir.LoadOp)
                and op.buffer is not self.store.buffer]


def _nest(block: tir.BlockOp) -> _Nest | None:
    if "reduce" not in block.kinds or block.init is None:
        return None
    chain = perfect_nest(block)
    if len(chain) != len(block.bindings):
        return None
    ivs = {lp.induction_var for lp in chain}  # the body uses them only through bindings
    if any(v in ivs for op in block.body.walk() for v in op.operands):
        return None
    if any((lp.upper.data - lp.lower.data).is_const()
           and ((lp.upper.data - lp.lower.data).value or 0) <= 0 for lp in chain):
        return None  # an empty loop: nothing to tile
    var_loop: dict[SSAValue, tir.ForOp] = {}
    for var, binding in zip(block.iter_vars, block.bindings):
        loop = next((lp for lp in chain if lp.induction_var is binding), None)
        if loop is None or loop in var_loop.values() or loop.kind.data != "serial":
            return None
        if not (loop.lower.data.is_const() and loop.lower.data.value == 0):
            return None
        var_loop[var] = loop
    kinds = dict(zip(block.iter_vars, block.kinds))
    loop_kinds = [kinds[v] for lp in chain for v in block.iter_vars if var_loop[v] is lp]
    if loop_kinds != sorted(loop_kinds, key=lambda k: k == "reduce"):
        return None  # spatial loops must come first
    stores = [op for op in block.body.block.ops if isinstance(op, tir.StoreOp)]
    if len(stores) != 1 or not is_vector_dtype(stores[0].value.type):
        return None
    out_idx = list(stores[0].indices)
    spatial = [v for v in block.iter_vars if kinds[v] == "spatial"]
    if not out_idx or sorted(map(id, out_idx)) != sorted(map(id, spatial)):
        return None
    return _Nest(block, chain, var_loop, spatial,
                 [v for v in block.iter_vars if kinds[v] == "reduce"], stores[0], out_idx)


def _row_for(n: _Nest, lane: SSAValue, vector_loads: list[tir.LoadOp]) -> SSAValue | None:
    """The row variable: a spatial variable that no vector load reads, the
    output index next to the lane if it qualifies, else the longest."""
    others = [v for v in n.spatial if v is not lane]
    candidates = [v for v in others if not any(_mentions(ld, v) for ld in vector_loads)]
    if not candidates:
        return others[-1] if others else None
    if len(n.out_idx) > 1 and n.out_idx[-2] in candidates:
        return n.out_idx[-2]
    return max(candidates, key=lambda v: _extent_hint(n.var_loop[v]))


def _with_lane(n: _Nest, lane: SSAValue) -> _Contraction | None:
    if n.out_idx[-1] is not lane:
        return None
    vector_loads = [ld for ld in n.loads if _reads_along(ld, lane)]
    if not vector_loads:
        return None
    row = _row_for(n, lane, vector_loads)
    if row is None:
        return None
    return _Contraction(n.block, n.chain, n.var_loop, n.spatial, n.reduce, lane, row)


def _analyse(block: tir.BlockOp) -> _Contraction | None:
    n = _nest(block)
    return _with_lane(n, n.out_idx[-1]) if n is not None else None


# ---- the layouts a contraction wants ----------------------------------------------------

def _tile_fill(n: _Nest, lane: SSAValue, target: Target) -> float:
    """How well a lane extent fills a register tile (1.0 = perfectly): the
    share of vector lanes in use, halved when one vector per row is all the
    extent gives (too few independent accumulators). 64 or 56 lanes: 1.0 and
    0.875; 16: 0.5; 14: 0.44; 7: 0.22. A symbolic extent counts as long."""
    lanes = target.lanes(itemsize(n.store.value.type))
    width = (4 if target.vector_registers >= 32 else 2) * lanes
    ext = n.var_loop[lane].upper.data
    if not ext.is_const():
        return 1.0
    used = min(int(ext.value or 0), width)
    if used <= 0:
        return 0.0  # an empty loop fills nothing
    vectors = -(-used // lanes)
    return used / (vectors * lanes) * min(1.0, vectors / 2)


def _move_to_last(position: int, rank: int) -> list[int]:
    return [d for d in range(rank) if d != position] + [position]


# a permuted buffer that costs a pass over memory at run time (not a constant
# weight, not a kernel-local buffer) counts as this much of a register tile
RUNTIME_PERMUTE_COST = 0.5


def layout_plan(block: tir.BlockOp, target: Target,
                permute_cost: Callable[[SSAValue], float | None]) -> dict[SSAValue, list[int]]:
    """Buffers whose dims this contraction wants permuted, with the permutation
    (new dim k = old dim perm[k]), so that some spatial variable becomes the
    last index of the output and of an operand: the register tile's lanes.
    Empty when the block tiles well as it is (or cannot be helped).
    `permute_cost(buffer)` is None for a buffer that may not change layout,
    0 for one whose new layout costs nothing per run (a local buffer, a
    constant weight, folded at compile time), 1 for one that must be permuted
    at every run; a plan's score is the tile it fills minus
    RUNTIME_PERMUTE_COST per run-time permutation (the rewrite of producers
    and callers is the caller's business).

    A convolution over NCHW with a stride, or with a narrow output row,
    asks for its weight as [C, KH, KW, O] and its output as [N, H, W, O]
    (lanes along output channels); `x @ W^T` asks for W as [K, N]."""
    n = _nest(block)
    if n is None or _is_vector_product(n):
        return {}
    current = _with_lane(n, n.out_idx[-1])
    current_fill = _tile_fill(n, n.out_idx[-1], target) if current is not None else 0.0
    if current_fill >= 0.75:
        return {}
    best: tuple[float, dict[SSAValue, list[int]]] | None = None
    for lane in n.spatial:
        if lane is n.out_idx[-1] and current is not None:
            continue
        plan: dict[SSAValue, list[int]] = {}
        cost = 0.0
        out = n.store.buffer
        if n.out_idx[-1] is not lane:
            out_cost = permute_cost(out)
            if out_cost is None:
                continue
            plan[out] = _move_to_last(n.out_idx.index(lane), len(n.out_idx))
            cost += out_cost
        vector_loads = [ld for ld in n.loads if _reads_along(ld, lane)]
        if not vector_loads:
            for ld in n.loads:
                idx = list(ld.indices)
                direct = [i for i in idx if i is lane]
                in_cost = permute_cost(ld.buffer)
                if (len(direct) != 1 or ld.buffer in plan or in_cost is None
                        or any(_value_mentions(i, lane) for i in idx if i is not lane)):
                    continue
                plan[ld.buffer] = _move_to_last(idx.index(lane), len(idx))
                cost += in_cost
                vector_loads = [ld]
                break
        if not vector_loads or _row_for(n, lane, vector_loads) is None:
            continue
        score = _tile_fill(n, lane, target) - RUNTIME_PERMUTE_COST * cost
        if score > current_fill and (best is None or score > best[0]):
            best = (score, plan)
    return best[1] if best is not None else {}


def tile_quality(block: tir.BlockOp, target: Target) -> float:
    """How well the block fills a register tile in its current layout (see
    `_tile_fill`); 0 when it is no contraction that tiles. The layout
    rewrite checks that a layout a kernel adopts from its producer leaves
    every contraction's tile as good as it was."""
    n = _nest(block)
    if n is None:
        return 0.0
    c = _with_lane(n, n.out_idx[-1])
    return _tile_fill(n, c.lane, target) if c is not None else 0.0


def _is_vector_product(n: _Nest) -> bool:
    """A matrix-vector product (one spatial variable with more than one
    iteration) whose operands all read the innermost reduce variable
    contiguously, e.g. `x[1, K] @ W[N, K]^T`: no register tile to fill; the
    row-reduction schedule streams every operand row contiguously as it is."""
    if sum(_extent_hint(n.var_loop[v]) > 1 for v in n.spatial) > 1 or not n.reduce:
        return False
    inner = n.reduce[-1]
    return all(ld.indices and ld.indices[-1] is inner for ld in n.loads
               if any(_value_mentions(i, inner) for i in ld.indices))


def _extent_hint(loop: tir.ForOp) -> int:
    ext = loop.upper.data - loop.lower.data
    return int(ext.value or 0) if ext.is_const() else 1 << 30


def _mentions(op: Operation, var: SSAValue) -> bool:
    seen: set[SSAValue] = set()
    todo = list(op.operands)
    while todo:
        v = todo.pop()
        if v is var:
            return True
        if v in seen:
            continue
        seen.add(v)
        owner = v.owner
        if isinstance(owner, Operation) and not isinstance(owner, tir.LoadOp):
            todo += owner.operands
    return False


def _reads_along(load: tir.LoadOp, lane: SSAValue) -> bool:
    """The load's last index is `lane` or `lane +/- something not mentioning lane`."""
    last = load.indices[-1] if load.indices else None
    if last is None:
        return False
    if last is lane:
        return True
    owner = last.owner
    if isinstance(owner, (arith.AddiOp, arith.SubiOp)):
        a, b = owner.operands
        if a is lane:
            return not _value_mentions(b, lane)
        if isinstance(owner, arith.AddiOp) and b is lane:
            return not _value_mentions(a, lane)
    return False


def _value_mentions(v: SSAValue, var: SSAValue) -> bool:
    if v is var:
        return True
    owner = v.owner
    return isinstance(owner, Operation) and _mentions(owner, var)


# ---- building the tiled nest -----------------------------------------------------------

def _index_const(block: Block, n: int) -> SSAValue:
    op = arith.ConstantOp(IntegerAttr(n, IndexType()))
    block.add_op(op)
    return op.result


Base = Callable[[Block], SSAValue]  # emits the first row/lane of a tile into a block


@dataclass
class _Epilogue:
    """An injective block that reads the contraction's local result once per
    element (bias, relu, a residual add): run on the registers of each tile."""

    block: tir.BlockOp
    root: tir.ForOp  # its loop nest, erased once every tile has a copy
    from_contraction: list[SSAValue]  # per iteration variable: the contraction's variable


def _find_epilogue(c: _Contraction) -> _Epilogue | None:
    """The consumer of the contraction's local output that can run in its tiles."""
    store = next(op for op in c.block.body.block.ops if isinstance(op, tir.StoreOp))
    local = store.buffer
    if not isinstance(local.owner, tir.AllocBufferOp):
        return None
    readers = []
    for use in local.uses:
        op = use.operation
        if c.block.is_ancestor(op):
            continue
        if not isinstance(op, tir.LoadOp):
            return None
        readers.append(op)
    blocks = {r.parent_op() for r in readers}
    if len(blocks) != 1:
        return None
    block = blocks.pop()
    if not isinstance(block, tir.BlockOp) or "reduce" in block.kinds or block.init is not None:
        return None
    chain = perfect_nest(block)
    if (len(chain) != len(block.bindings) or not chain
            or any(lp.kind.data != "serial" or lp.attributes for lp in chain)
            or [lp.induction_var for lp in chain] != list(block.bindings)):
        return None
    root = chain[0]
    if c.chain[0].next_op is not root:
        return None  # something runs between the contraction and its epilogue
    out_idx = list(store.indices)
    from_c: dict[SSAValue, SSAValue] = {}
    for load in readers:
        if not _unit_dims_as_variables(load, block):
            return None
        idx = list(load.indices)
        if sorted(map(id, idx)) != sorted(map(id, block.iter_vars)):
            return None
        for d, var in enumerate(idx):
            if from_c.setdefault(var, out_idx[d]) is not out_idx[d]:
                return None
    stores = [op for op in block.body.block.ops if isinstance(op, tir.StoreOp)]
    if len(stores) != 1 or stores[0].buffer is local:
        return None
    e_store = stores[0]
    if list(map(id, e_store.indices)) and not all(i in from_c for i in e_store.indices):
        return None
    lane_var = next(v for v, cv in from_c.items() if cv is c.lane)
    if not e_store.indices or e_store.indices[-1] is not lane_var:
        return None  # the epilogue must write along the tile's lanes
    for op in block.body.block.ops:
        if isinstance(op, tir.LoadOp) and op.buffer is not local:
            idx = list(op.indices)
            if any(_value_mentions(i, lane_var) for i in idx[:-1]) or (
                    idx and _value_mentions(idx[-1], lane_var) and idx[-1] is not lane_var):
                return None
        elif not (isinstance(op, (tir.LoadOp, tir.StoreOp)) or op.dialect_name() in ("arith", "math")):
            return None
    return _Epilogue(block, root, [from_c[v] for v in block.iter_vars])


def _unit_dims_as_variables(load: tir.LoadOp, block: tir.BlockOp) -> bool:
    """Index a dim of extent 1 that a broadcast reads at constant 0 with the
    block's own iteration variable of extent 1 (the same value, 0), so that
    the load's indices are exactly the block's variables. False if some index
    is neither."""
    btype = load.buffer.type
    assert isinstance(btype, BufferType)
    unit_vars = [v for v, d in zip(block.iter_vars, block.iter_doms.data)
                 if d.data.is_const() and d.data.value == 1]
    idx = list(load.indices)
    for d, i in enumerate(idx):
        if i in block.iter_vars:
            continue
        owner = i.owner
        value = getattr(getattr(owner, "value", None), "value", None)
        dim = btype.dims[d]
        if not (isinstance(owner, arith.ConstantOp) and getattr(value, "data", None) == 0
                and dim.is_const() and dim.value == 1):
            return False
        free = [v for v in unit_vars if v not in idx]
        if not free:
            return False
        idx[d] = free[0]
    load.operands = [load.buffer, *idx]
    return True


@dataclass
class _KBlock:
    """The reduction blocked for the cache: `var` runs in chunks of `size`; the
    chunk loop `outer` is outside the tiles, the tile runs one chunk."""

    var: SSAValue
    size: int
    outer: SSAValue  # the chunk loop's induction variable


def _tile(c: _Contraction, mr: int, nr: int, row_base: Base, lane_base: Base,
          outer: dict[SSAValue, SSAValue], epilogue: _Epilogue | None = None,
          kblock: _KBlock | None = None) -> tir.ForOp:
    """for r = 0 to mr {tensorize} { for l = 0 to nr { reduce loops { block } [epilogue] } }"""
    rows = tir.ForOp(0, mr)
    rows.attributes[ATTR] = StringAttr(NAME)
    rows.induction_var.name_hint = (c.row.name_hint or "r") + "_i"
    lanes = tir.ForOp(0, nr)
    lanes.induction_var.name_hint = (c.lane.name_hint or "l") + "_i"
    rows.body.block.add_op(lanes)
    tile_body = lanes.body.block
    row = arith.AddiOp(row_base(tile_body), rows.induction_var)
    lane = arith.AddiOp(lane_base(tile_body), lanes.induction_var)
    tile_body.add_ops([row, lane])
    parent = tile_body
    reduce_ivs: dict[SSAValue, SSAValue] = {}
    chunk_of: list[tuple[SSAValue, tir.ForOp]] = []
    for var in c.reduce:
        src = c.var_loop[var]
        if kblock is not None and var is kblock.var:
            loop = tir.ForOp(0, kblock.size)
            chunk_of.append((var, loop))
        else:
            loop = tir.ForOp(src.lower.data, src.upper.data)
        loop.induction_var.name_hint = src.induction_var.name_hint
        parent.add_op(loop)
        parent = loop.body.block
        reduce_ivs[var] = loop.induction_var
    for var, loop in chunk_of:  # var = chunk * size + the tile's own loop variable
        assert kblock is not None
        base = _scaled(kblock.outer, kblock.size)(parent)
        whole = arith.AddiOp(base, loop.induction_var)
        parent.add_op(whole)
        reduce_ivs[var] = whole.result
    binding_of: dict[SSAValue, SSAValue] = {}
    for var in c.block.iter_vars:
        if var is c.row:
            binding_of[var] = row.result
        elif var is c.lane:
            binding_of[var] = lane.result
        elif var in reduce_ivs:
            binding_of[var] = reduce_ivs[var]
        else:
            binding_of[var] = outer[var]
    new_block = c.block.clone()
    new_block.operands = [binding_of[v] for v in c.block.iter_vars]
    parent.add_op(new_block)
    if epilogue is not None:
        tail = epilogue.block.clone()
        tail.operands = [binding_of[v] for v in epilogue.from_contraction]
        tile_body.add_op(tail)
    match(rows)  # raises NoMatch when the micro-kernel cannot implement the tile
    return rows


def _scaled(iv: SSAValue, factor: int, offset: int = 0) -> Base:
    def emit(block: Block) -> SSAValue:
        value = arith.MuliOp(iv, _index_const(block, factor))
        block.add_op(value)
        if not offset:
            return value.result
        total = arith.AddiOp(value.result, _index_const(block, offset))
        block.add_op(total)
        return total.result
    return emit


def _constant(n: int) -> Base:
    return lambda block: _index_const(block, n)


def _dim_tiles(extent: SymExpr, tile: int, body: Callable[[int, Base], list[Operation]],
               name: str) -> list[Operation]:
    """Ops covering [0, extent) with tiles of `tile` (a loop of full tiles and
    the remainder); `body(size, base)` builds the ops of one tile of `size`."""
    ops: list[Operation] = []
    if extent.is_const():
        n = int(extent.value or 0)
        full, rem = n // tile, n % tile
        if full == 1:
            ops += body(tile, _constant(0))
        elif full > 1:
            loop = tir.ForOp(0, full)
            loop.induction_var.name_hint = name + "_o"
            loop.body.block.add_ops(body(tile, _scaled(loop.induction_var, tile)))
            ops.append(loop)
        if rem:
            ops += body(rem, _constant(full * tile))
        return ops
    full_expr = floordiv(extent, tile)
    loop = tir.ForOp(0, full_expr)
    loop.induction_var.name_hint = name + "_o"
    loop.body.block.add_ops(body(tile, _scaled(loop.induction_var, tile)))
    rest = tir.ForOp(full_expr * tile, extent)  # the symbolic remainder: tiles of one
    rest.induction_var.name_hint = name + "_r"
    rest.body.block.add_ops(body(1, _scaled(rest.induction_var, 1)))
    return [loop, rest]


def schedule_contraction(block: tir.BlockOp, target: Target, parallel: bool = True,
                         fuse_epilogue: bool = True) -> bool:
    """Tile `block` for the register_tile micro-kernel; False (unchanged) when
    it is not a contraction this rule handles."""
    c = _analyse(block)
    if c is None:
        return False
    store = next(op for op in block.body.block.ops if isinstance(op, tir.StoreOp))
    lanes_per_vec = target.lanes(itemsize(store.value.type))
    max_vecs = 4 if target.vector_registers >= 32 else 2
    lane_ext = c.var_loop[c.lane].upper.data
    row_ext = c.var_loop[c.row].upper.data
    nr = max_vecs * lanes_per_vec
    if lane_ext.is_const() and (lane_ext.value or 0) <= nr + lanes_per_vec // 2:
        nr = int(lane_ext.value or 1)
    vecs = -(-nr // lanes_per_vec)
    mr = max(1, min(MAX_ROWS, (target.vector_registers - vecs - 2) // vecs))
    if row_ext.is_const():
        rows = int(row_ext.value or 1)
        mr = min(mr, rows)
        # balanced row tiles: 7 rows as 4 + 3, not 6 + a 1-row tile (whose few
        # accumulators wait on the FMA latency)
        tiles = -(-rows // mr)
        mr = -(-rows // tiles)

    # other spatial loops, in their original order, around the tiles
    others = sorted([v for v in c.spatial if v not in (c.row, c.lane)],
                    key=lambda v: c.chain.index(c.var_loop[v]))

    def outer_nest() -> tuple[list[tir.ForOp], dict[SSAValue, SSAValue]]:
        loops: list[tir.ForOp] = []
        ivs: dict[SSAValue, SSAValue] = {}
        for var in others:
            src = c.var_loop[var]
            loop = tir.ForOp(src.lower.data, src.upper.data)
            loop.induction_var.name_hint = src.induction_var.name_hint
            if loops:
                loops[-1].body.block.add_op(loop)
            loops.append(loop)
            ivs[var] = loop.induction_var
        return loops, ivs

    def row_tiles(nr_: int, lane_base: Base, ivs: dict[SSAValue, SSAValue],
                  kblock: _KBlock | None, epilogue: _Epilogue | None) -> list[Operation]:
        def row_tile(mr_: int, row_base: Base) -> list[Operation]:
            return [_tile(c, mr_, nr_, row_base, lane_base, ivs, epilogue, kblock)]
        return _dim_tiles(row_ext, mr, row_tile, c.row.name_hint or "row")

    def around(loops: list[tir.ForOp], ops: list[Operation]) -> list[Operation]:
        if not loops:
            return ops
        loops[-1].body.block.add_ops(ops)
        return [loops[0]]

    kchunk = _reduction_chunk(c, nr, itemsize(store.value.type), mr)
    chunk_loops: set[tir.ForOp] = set()
    lane_outer = kchunk is not None or _lane_operand_is_big(c, itemsize(store.value.type))
    # unblocked: the other spatial loops go around the lane tiles
    outer_loops, outer = outer_nest() if not lane_outer else ([], {})
    epilogue: _Epilogue | None = None
    if kchunk is None:
        epilogue = _find_epilogue(c) if fuse_epilogue else None

        def lane_tile(nr_: int, lane_base: Base) -> list[Operation]:
            if not lane_outer:
                return row_tiles(nr_, lane_base, outer, None, epilogue)
            # lane tile -> the other spatial loops -> row tiles: each lane panel
            # of a big operand (the weights) is read from memory once
            loops, ivs = outer_nest()
            return around(loops, row_tiles(nr_, lane_base, ivs, None, epilogue))
    else:
        # lane tile -> reduction chunk -> every row tile: the chunk of the lane
        # panel (a weight panel) stays in the cache while all rows use it; the
        # tiles accumulate into the output, zeroed first by the init's own nest
        var, size = kchunk
        decompose_reduction(c.block, c.chain[0])

        def lane_tile(nr_: int, lane_base: Base) -> list[Operation]:
            extent = c.var_loop[var].upper.data
            chunks = tir.ForOp(0, int(extent.value or 0) // size)
            chunks.induction_var.name_hint = (var.name_hint or "k") + "_o"
            chunk_loops.add(chunks)
            loops, ivs = outer_nest()  # inside the chunk, around the row tiles
            chunks.body.block.add_ops(around(loops, row_tiles(
                nr_, lane_base, ivs, _KBlock(var, size, chunks.induction_var), None)))
            return [chunks]

    try:
        tiles = _dim_tiles(lane_ext, nr, lane_tile, c.lane.name_hint or "lane")
    except NoMatch:
        return False  # (blocked: the init is split off, which computes the same)
    root = around(outer_loops, tiles)
    if parallel and _work(c) >= PARALLEL_MIN_WORK:
        _parallelize(root, target, chunk_loops)
    anchor = c.chain[0]
    parent = anchor.parent_block()
    assert parent is not None
    for op in root:
        parent.insert_op_before(op, anchor)
    parent.erase_op(anchor)
    if epilogue is not None:
        epilogue.root.parent_block().erase_op(epilogue.root)  # type: ignore[union-attr]
    return True


# a lane panel (all reduction steps x NR lanes, e.g. K x NR weights) bigger
# than CHUNK_ABOVE is read in chunks of at most PANEL_BYTES, which stay in the
# cache while every row tile reads them (small: the rows of a panel are often
# a power of two apart, and such rows compete for a few cache sets)
CHUNK_ABOVE = 192 * 1024
PANEL_BYTES = 32 * 1024


def _reduction_chunk(c: _Contraction, nr: int, item: int, mr: int) -> tuple[SSAValue, int] | None:
    """(reduce variable, chunk) when the reduction should be blocked: its lane
    panel (all reduce iterations x NR lanes) is over CHUNK_ABOVE and more
    than one row tile reads it. The outermost reduce variable with a
    static extent is cut into the largest divisor that keeps a chunk's panel
    within PANEL_BYTES (at least 8 iterations of it)."""
    if not c.reduce or c.block.init is None:
        return None
    extents = [c.var_loop[v].upper.data for v in c.reduce]
    if not all(e.is_const() for e in extents):
        return None
    sizes = [int(e.value or 0) for e in extents]
    total = 1
    for n in sizes:
        total *= n
    if total * nr * item <= CHUNK_ABOVE:
        return None
    readers = _extent_hint(c.var_loop[c.row]) // mr
    for v in c.spatial:
        if v not in (c.row, c.lane):
            readers *= _extent_hint(c.var_loop[v])
    if readers <= 1:
        return None  # each weight is read once anyway
    for var, n in zip(c.reduce, sizes):
        rest = total // n
        limit = min(n - 1, PANEL_BYTES // max(1, rest * nr * item))  # small: no long search
        best = next((d for d in range(limit, 0, -1) if n % d == 0), None)
        if best is not None and best >= 8:
            return var, best
    return None


# an operand read along the lanes (the weights) bigger than this is read once:
# the lane tiles go outside the other spatial loops
LANE_OPERAND_BYTES = 512 * 1024


def _lane_operand_is_big(c: _Contraction, item: int) -> bool:
    """All reduce iterations x all lanes (e.g. the whole weight) exceed
    LANE_OPERAND_BYTES and some spatial loop besides rows and lanes would
    otherwise read it again per iteration."""
    others = [v for v in c.spatial if v not in (c.row, c.lane)]
    if not any(_extent_hint(c.var_loop[v]) > 1 for v in others):
        return False
    total = item * _extent_hint(c.var_loop[c.lane])
    for v in c.reduce:
        total *= _extent_hint(c.var_loop[v])
    return total > LANE_OPERAND_BYTES


def _work(c: _Contraction) -> int:
    total = 1
    for loop in c.chain:
        total *= _extent_hint(loop)
    return total


def _parallelize(root: list[Operation], target: Target,
                 serial: set[tir.ForOp] = frozenset()) -> None:  # type: ignore[assignment]
    """Mark the outermost loop with at least `cores` iterations parallel (the
    tiles of different iterations write disjoint outputs); the loops in
    `serial` (reduction chunks) are looked through, never made parallel."""
    level = root
    while level:
        loops = [op for op in level if isinstance(op, tir.ForOp)]
        if not loops or ATTR in loops[0].attributes:
            return
        first = loops[0]
        if first not in serial and _extent_hint(first) >= max(2, target.cores):
            first.properties["kind"] = StringAttr("parallel")
            return
        if len(level) != 1:
            return  # several nests side by side: leave them serial
        level = list(first.body.block.ops)
