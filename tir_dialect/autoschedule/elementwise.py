"""Default schedule of element-wise, broadcast, injective and row-reduction kernels.

`schedule_elementwise_and_reductions(kernel, target)` rewrites the kernel's
top-level loop nests (those holding only serial loops without annotations,
so nests that a contraction schedule tiled are left alone):

1. **Row reductions keep their loop order.** A reduction block whose nest is
   `spatial..., reduce...` and every load that depends on a reduce loop has
   the innermost reduce loop's variable as its last index (softmax's max and sum, layer_norm's mean and variance,
   sum/mean/max/argmax over the last axis) gets its init in a block of its
   own, just before the reduce loops; the reduce loop stays innermost, walking
   memory contiguously into a scalar accumulator (vectorize turns it into
   vector accumulators). Other reductions are left to `split_reduction`.
2. **One pass over the rows.** Consecutive top-level nests over the same
   outer loop are fused into one loop when rows are independent: every
   buffer written in the group is accessed, in every block, at an index
   position holding the row variable (the same position for all accesses of
   that buffer). Softmax's five nests become one loop over rows, whose row
   stays in L1 between its steps; the row loop is parallelized later.
3. **Adjacent loops over a row are fused** when equal bounds and
   same-index accesses make it legal: a buffer written by either loop is
   accessed everywhere at the same indices, or is one loop's accumulator
   only (an init block moves up first when nothing before it touches its
   buffer). Softmax's exp and sum become one pass.
4. **An intermediate lives in the output** when the output is written by a
   single store, in a block that reads the intermediate at the same indices
   and is its last reader, and the output is never read: softmax's
   exponentials are stored in the result and scaled in place, so no
   [rows, cols] temporary is allocated (and paged in) per call.
5. **Innermost loops are vectorized**: an innermost serial loop whose
   variable is used only as the LAST index of loads and stores becomes
   `vectorized` (extent at least 4; a store that does not use the variable
   must be a reduction's; a long loop with no loop around it stays serial,
   for `parallelize_nests`, and LLVM vectorizes it), with `tir.vector_lanes` = the target's lanes for the
   accessed dtype (16 f32 lanes on AVX-512, 8 on AVX2).

Returns whether the kernel changed. Semantics are preserved exactly (the
vectorizer documents its float-reduction order).
"""

from __future__ import annotations

from collections.abc import Iterable

from xdsl.dialects.builtin import IntegerAttr, StringAttr, i64
from xdsl.ir import Block, Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.schedule.loops import reorder
from xrelax.tir.autoschedule.parallel import PARALLEL_MIN_WORK
from xrelax.tir.schedule import perfect_nest
from xrelax.tir.target import Target
from xrelax.tir.types import BufferType

LANES_ATTR = "tir.vector_lanes"
_LANE_CHOICES = (16, 8, 4, 2)
MIN_VECTOR_EXTENT = 4
_ITEMSIZE = {"f16": 2, "f32": 4, "f64": 8, "i8": 1, "i16": 2, "i32": 4, "i64": 8}


def schedule_elementwise_and_reductions(kernel: tir.FuncOp, target: Target) -> bool:
    """Schedule `kernel` as described in the module doc; True if it changed."""
    nests = [op for op in kernel.body.block.ops if isinstance(op, tir.ForOp) and _plain(op)]
    if not nests:
        return False
    changed = False
    for nest in nests:
        for block in [b for b in nest.walk() if isinstance(b, tir.BlockOp)]:
            changed |= separate_row_init(block)
    changed |= fuse_row_nests(kernel)
    for loop in [op for op in kernel.body.block.ops if isinstance(op, tir.ForOp) and _plain(op)]:
        changed |= fuse_adjacent_loops(loop.body.block)
    changed |= reuse_output_for_intermediates(kernel)
    for nest in [op for op in kernel.body.block.ops if isinstance(op, tir.ForOp) and _plain(op)]:
        changed |= order_transposing_nest(nest)
    for loop in [op for op in kernel.walk() if isinstance(op, tir.ForOp)]:
        changed |= vectorize_innermost(loop, target)
    return changed


def order_transposing_nest(nest: tir.ForOp) -> bool:
    """An injective nest that reads a buffer in another dim order than it
    writes (a transpose: [n, h, w, c] -> [n, c, h, w], e.g. the epilogue of a
    convolution that computed in channels-last) walks the loop of each
    variable at the later of its two positions, ties in the store's order:
    n, h, c, w. What one iteration of the outer loops touches of either
    buffer (a [c, w] slab of both) then stays in L1, instead of one of them
    being walked with a large stride over the whole buffer."""
    blocks = [op for op in nest.walk() if isinstance(op, tir.BlockOp)]
    if len(blocks) != 1:
        return False
    block = blocks[0]
    loops = perfect_nest(block)
    if not loops or loops[0] is not nest:
        return False
    if "reduce" in block.kinds or block.init is not None:
        return False
    var_of = {lp.induction_var: v for lp, v in zip(loops, block.iter_vars)}
    if [b for b in block.bindings] != [lp.induction_var for lp in loops] or len(var_of) != len(loops):
        return False
    stores = [op for op in block.body.block.ops if isinstance(op, tir.StoreOp)]
    if len(stores) != 1 or list(stores[0].indices) != list(block.iter_vars):
        return False
    order = list(block.iter_vars)
    perms = [list(ld.indices) for ld in block.body.block.ops if isinstance(ld, tir.LoadOp)
             and len(ld.indices) == len(order) and set(ld.indices) == set(order)
             and list(ld.indices) != order]
    if not perms:
        return False
    load_pos = {v: i for i, v in enumerate(perms[0])}
    key = {v: (max(i, load_pos[v]), i) for i, v in enumerate(order)}
    wanted = sorted(order, key=lambda v: key[v])
    if wanted == order:
        return False
    by_var = dict(zip(block.iter_vars, loops))
    reorder([by_var[v] for v in wanted])
    return True


def _plain(nest: tir.ForOp) -> bool:
    """Only serial loops without annotations (not scheduled by anything else)."""
    return all(op.kind.data == "serial" and not op.attributes
               for op in nest.walk() if isinstance(op, tir.ForOp))


# ---- values and accesses ---------------------------------------------------------------

def _root(value: SSAValue) -> SSAValue:
    """A block iteration variable stands for its binding (through nested blocks)."""
    while True:
        owner = value.owner
        if isinstance(owner, Block) and isinstance(owner.parent_op(), tir.BlockOp):
            block = owner.parent_op()
            assert isinstance(block, tir.BlockOp)
            value = block.bindings[list(block.iter_vars).index(value)]
            continue
        return value


def _accesses(root: Operation) -> Iterable[tir.LoadOp | tir.StoreOp]:
    return (op for op in root.walk() if isinstance(op, (tir.LoadOp, tir.StoreOp)))


def _written(ops: Iterable[Operation]) -> set[SSAValue]:
    return {a.buffer for op in ops for a in _accesses(op) if isinstance(a, tir.StoreOp)}


# ---- 1. row reductions ----------------------------------------------------------------

def separate_row_init(block: tir.BlockOp) -> bool:
    """Give a row reduction's init a block of its own before its reduce loops."""
    init = block.init
    if init is None or "reduce" not in block.kinds:
        return False
    chain = perfect_nest(block)
    loops = [next((i for i, lp in enumerate(chain) if b is lp.induction_var), None)
             for b in block.bindings]
    if None in loops or sorted(loops) != list(range(len(chain))):  # type: ignore[type-var]
        return False
    kinds = [k for _, k in sorted(zip(loops, block.kinds))]  # per loop, outermost first
    spatial = kinds.count("spatial")
    if kinds != ["spatial"] * spatial + ["reduce"] * (len(kinds) - spatial):
        return False
    innermost = chain[-1].induction_var
    reduce_loops = {lp.induction_var for lp in chain[spatial:]}
    reading = [a for a in _accesses(block) if isinstance(a, tir.LoadOp)
               and any(_root(i) in reduce_loops for i in a.indices)]
    if not reading or any(_root(a.indices[-1]) is not innermost for a in reading):
        return False  # not a row reduction (a contraction, or a reduction over a non-last axis)
    reduce_vars = {v for v, k in zip(block.iter_vars, block.kinds) if k == "reduce"}
    if any(o in reduce_vars for op in init.walk() for o in op.operands):
        return False
    first_reduce = chain[spatial]
    spatial_pos = [i for i, k in enumerate(block.kinds) if k == "spatial"]
    new = tir.BlockOp(f"{block.block_name.data}_init",
                      [block.bindings[i] for i in spatial_pos], ["spatial"] * len(spatial_pos),
                      [block.iter_doms.data[i].data for i in spatial_pos])
    mapping = {}
    for arg, i in zip(new.iter_vars, spatial_pos):
        arg.name_hint = block.iter_vars[i].name_hint
        mapping[block.iter_vars[i]] = arg
    for op in init.body.block.ops:
        new.body.block.add_op(op.clone(mapping))
    parent = first_reduce.parent_block()
    assert parent is not None
    parent.insert_op_before(new, first_reduce)
    block.body.block.erase_op(init)
    return True


# ---- 2. one loop over the rows ----------------------------------------------------------

def _row_positions(nest: tir.ForOp, written: set[SSAValue]) -> dict[SSAValue, set[int]] | None:
    """For each written buffer, the index positions that hold the row variable in
    every access of this nest; None if a block does not bind the row variable
    as a spatial iteration variable."""
    row = nest.induction_var
    for block in (b for b in nest.walk() if isinstance(b, tir.BlockOp)):
        bound = [k for b, k in zip(block.bindings, block.kinds) if _root(b) is row]
        if bound != ["spatial"]:
            return None
    positions: dict[SSAValue, set[int]] = {}
    for access in _accesses(nest):
        if access.buffer not in written:
            continue
        here = {p for p, i in enumerate(access.indices) if _root(i) is row}
        positions[access.buffer] = positions.get(access.buffer, here) & here
    return positions


def _rows_independent(nests: list[tir.ForOp]) -> bool:
    written = _written(nests)
    per_buffer: dict[SSAValue, set[int]] = {}
    for nest in nests:
        pos = _row_positions(nest, written)
        if pos is None:
            return False
        for buf, p in pos.items():
            per_buffer[buf] = per_buffer.get(buf, p) & p
    return all(per_buffer.get(b) for b in written)


def _same_bounds(a: tir.ForOp, b: tir.ForOp) -> bool:
    return a.lower.data == b.lower.data and a.upper.data == b.upper.data


def _fuse(loops: list[tir.ForOp]) -> tir.ForOp:
    """One loop running the bodies of `loops` in order (same bounds)."""
    first = loops[0]
    fused = tir.ForOp(first.lower.data, first.upper.data)
    fused.induction_var.name_hint = first.induction_var.name_hint
    parent = first.parent_block()
    assert parent is not None
    parent.insert_op_before(fused, first)
    for loop in loops:
        for op in list(loop.body.block.ops):
            op.detach()
            fused.body.block.add_op(op)
        loop.induction_var.replace_all_uses_with(fused.induction_var)
        loop.parent_block().erase_op(loop)  # type: ignore[union-attr]
    return fused


def fuse_row_nests(kernel: tir.FuncOp) -> bool:
    """Fuse runs of consecutive top-level nests over the same rows (see step 2)."""
    changed = False
    group: list[tir.ForOp] = []
    runs: list[list[tir.ForOp]] = []
    for op in list(kernel.body.block.ops):
        if isinstance(op, tir.AllocBufferOp):
            continue
        if not (isinstance(op, tir.ForOp) and _plain(op)):
            runs.append(group)
            group = []
            continue
        if group and _same_bounds(group[0], op) and _rows_independent(group + [op]):
            group.append(op)
        else:
            runs.append(group)
            group = [op]
    runs.append(group)
    for run in runs:
        if len(run) > 1:
            _fuse(run)
            changed = True
    return changed


# ---- 3. adjacent loops of a row ---------------------------------------------------------

def _index_key(access: tir.LoadOp | tir.StoreOp, var: SSAValue, alias: SSAValue) -> tuple:
    return tuple(var if _root(i) is alias else _root(i) for i in access.indices)


def _fusable(a: tir.ForOp, b: tir.ForOp) -> bool:
    if not _same_bounds(a, b) or not _plain(a) or not _plain(b):
        return False
    if any(isinstance(op, tir.ForOp) for op in list(a.walk())[1:] + list(b.walk())[1:]):
        return False  # innermost loops only
    va, vb = a.induction_var, b.induction_var
    keys: dict[SSAValue, set[tuple]] = {}
    where: dict[SSAValue, set[int]] = {}
    for side, loop, var in ((0, a, va), (1, b, vb)):
        for access in _accesses(loop):
            keys.setdefault(access.buffer, set()).add(_index_key(access, va, var))
            where.setdefault(access.buffer, set()).add(side)
    for buf in _written([a, b]):
        if len(keys[buf]) != 1:
            return False
        (key,) = keys[buf]
        if va not in key and len(where[buf]) != 1:
            return False  # an accumulator that the other loop reads or writes
    return True


def _hoist_inits(body: Block) -> None:
    """Move each loop-free block up past siblings that do not access its buffers."""
    for op in list(body.ops):
        if not isinstance(op, tir.BlockOp) or any(isinstance(o, tir.ForOp) for o in op.walk()):
            continue
        mine = {a.buffer for a in _accesses(op)}
        used = {v for inner in op.walk() for v in inner.operands}
        target = op
        prev = op.prev_op
        while prev is not None and not (mine & {a.buffer for a in _accesses(prev)}) \
                and not used & set(prev.results):  # nor past a value it uses
            target = prev
            prev = prev.prev_op
        if target is not op:
            op.detach()
            body.insert_op_before(op, target)


def fuse_adjacent_loops(body: Block) -> bool:
    """Fuse runs of adjacent innermost loops of `body` (see step 3)."""
    _hoist_inits(body)
    changed = False
    op = body.first_op
    while op is not None:
        nxt = op.next_op
        if isinstance(op, tir.ForOp) and isinstance(nxt, tir.ForOp) and _fusable(op, nxt):
            op = _fuse([op, nxt])
            changed = True
            continue
        op = nxt
    return changed


# ---- 4. intermediates in the output ------------------------------------------------------

def reuse_output_for_intermediates(kernel: tir.FuncOp) -> bool:
    """Replace a local buffer by an output parameter (see step 4)."""
    changed = False
    order = {op: n for n, op in enumerate(kernel.walk())}
    for alloc in [op for op in kernel.body.block.ops if isinstance(op, tir.AllocBufferOp)]:
        local = alloc.result
        if any(_in_tensorized_loop(u.operation) for u in local.uses):
            continue  # a micro-kernel's buffer: its code generator relies on it
        for out in kernel.args:
            if out.type != local.type or not _reusable(out, local, order):
                continue
            local.replace_all_uses_with(out)
            kernel.body.block.erase_op(alloc)
            changed = True
            break
    return changed


def _in_tensorized_loop(op: Operation) -> bool:
    parent = op.parent_op()
    while parent is not None:
        if isinstance(parent, tir.ForOp) and "tir.tensorize" in parent.attributes:
            return True
        parent = parent.parent_op()
    return False


def _reusable(out: SSAValue, local: SSAValue, order: dict[Operation, int]) -> bool:
    uses = [u.operation for u in out.uses]
    if len(uses) != 1 or not isinstance(uses[0], tir.StoreOp) or uses[0].buffer is not out:
        return False
    store = uses[0]
    block = store.parent_op()
    if not isinstance(block, tir.BlockOp):
        return False
    key = [_root(i) for i in store.indices]
    loads = [op for op in block.body.block.ops if isinstance(op, tir.LoadOp)
             and op.buffer is local and [_root(i) for i in op.indices] == key
             and order[op] < order[store]]
    if not loads:
        return False
    others = [u.operation for u in local.uses if u.operation not in loads]
    return all(order[op] < order[block] for op in others)


# ---- 5. vectorize ---------------------------------------------------------------------

def vectorize_innermost(loop: tir.ForOp, target: Target) -> bool:
    """Mark an innermost, plain loop `vectorized` when its variable is only ever
    the last index of the accesses that use it (contiguous)."""
    if loop.kind.data != "serial" or loop.attributes or not _plain(loop):
        return False
    ext = loop.upper.data - loop.lower.data
    var = loop.induction_var
    reducing = any(isinstance(b, tir.BlockOp) and any(
        _root(v) is var and k == "reduce" for v, k in zip(b.bindings, b.kinds))
        for b in loop.walk())
    if not reducing and not isinstance(loop.parent_op(), (tir.ForOp, tir.BlockOp)) and (
            not ext.is_const() or (ext.value or 0) >= PARALLEL_MIN_WORK):
        return False  # a long top-level loop is the only one to run in parallel
    if any(isinstance(op, tir.ForOp) for op in list(loop.walk())[1:]):
        return False
    if ext.is_const() and (ext.value or 0) < MIN_VECTOR_EXTENT:
        return False
    dtypes = []
    for access in _accesses(loop):
        roots = [_root(i) for i in access.indices]
        if any(r is var for r in roots[:-1]):
            return False
        if roots and roots[-1] is var:
            dtypes.append(access.buffer.type)
        elif isinstance(access, tir.StoreOp) and not reducing:
            return False  # every iteration writes the same element
    if not dtypes:
        return False
    sizes = [_ITEMSIZE.get(_dtype(t), 4) for t in dtypes]
    lanes = target.lanes(min(sizes))
    lanes = next((v for v in _LANE_CHOICES if v <= lanes), 2)
    loop.properties["kind"] = StringAttr("vectorized")
    loop.attributes[LANES_ATTR] = IntegerAttr(lanes, i64)
    return True


def _dtype(t) -> str:
    if isinstance(t, BufferType):
        return str(t.dtype)
    return ""
