"""The `register_tile` micro-kernel as the schedules see it: which loop nests it
implements (`match`, `check`). Its code generation is in
`xrelax.lowering.register_tile`.

    tir.for %r = 0 to MR attributes {tir.tensorize = "register_tile"} {  // rows
      tir.for %l = 0 to NR {                                              // lanes
        tir.for %k1 = ... { ... tir.for %kn = ... {                       // reduce loops
          tir.block "C" (...) {
            [tir.init { tir.store <constant>, %C[idx] }]
            ... loads, arith/math ...
            tir.store %v, %C[idx]
    }}}}}

After the reduce loops, the lane loop may hold epilogue blocks: injective
blocks that read C at the element just computed and write another buffer
(bias, relu, a residual add); they run on the registers before the store.
MR and NR are compile-time constants; loop bodies may also hold
side-effect-free index arithmetic (the bindings of split loops). The tile
C[idx(r), lane] for every row r and lane l stays in vector registers for the
whole reduction. With an init, the reduction must run entirely inside the tile
(every reduce binding a reduce loop of the tile starting at 0): the registers
start from the init constant; without one they start from C's values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith
from xdsl.dialects.builtin import Float16Type, Float32Type, Float64Type, IntegerType
from xdsl.ir import Attribute, Operation

from xrelax.tir import ops as tir

NAME = "register_tile"
ATTR = "tir.tensorize"


def is_vector_dtype(t: Attribute) -> bool:
    """Element types whose lanes vector registers hold."""
    if isinstance(t, (Float16Type, Float32Type, Float64Type)):
        return True
    return isinstance(t, IntegerType) and t.width.data in (8, 16, 32, 64)


class NoMatch(Exception):
    """The loop nest is not what the micro-kernel implements (the message says why)."""


@dataclass
class TilePlan:
    rows: tir.ForOp
    lanes: tir.ForOp
    reduce_loops: list[tir.ForOp]
    block: tir.BlockOp
    store: tir.StoreOp
    init_value: Operation | None  # the constant the accumulators start from, if any
    mr: int
    nr: int
    epilogues: list[tir.BlockOp] = field(default_factory=list)
    inside: set[Operation] = field(default_factory=set)


def _const_extent(loop: tir.ForOp, what: str) -> int:
    ext = loop.upper.data - loop.lower.data
    if not ext.is_const() or (ext.value or 0) < 1:
        raise NoMatch(f"the {what} loop must have a constant extent, not {ext}")
    return int(ext.value or 0)


def _pure(op: Operation) -> bool:
    return isinstance(op, tir.ExprOp) or (op.dialect_name() == "arith" and not op.regions)


def _single_child(loop: tir.ForOp, what: str) -> Operation:
    """The one loop or block in `loop`'s body (pure index ops may precede it)."""
    nested = [op for op in loop.body.block.ops if not _pure(op)]
    if len(nested) != 1:
        raise NoMatch(f"the {what} loop must hold exactly one loop or block")
    return nested[0]


def match(rows: tir.ForOp) -> TilePlan:
    """The plan for a `register_tile` nest rooted at `rows`, or NoMatch."""
    mr = _const_extent(rows, "row")
    lanes = _single_child(rows, "row")
    if not isinstance(lanes, tir.ForOp):
        raise NoMatch("the row loop must hold the lane loop")
    nr = _const_extent(lanes, "lane")
    reduce_loops: list[tir.ForOp] = []
    lane_children = [op for op in lanes.body.block.ops if not _pure(op)]
    if not lane_children:
        raise NoMatch("the lane loop is empty")
    child, epilogues = lane_children[0], lane_children[1:]
    if any(not isinstance(e, tir.BlockOp) or e.init is not None or "reduce" in e.kinds
           for e in epilogues):
        raise NoMatch("after the reduction, the lane loop may only hold epilogue blocks")
    while isinstance(child, tir.ForOp):
        reduce_loops.append(child)
        child = _single_child(child, "reduction")
    if not isinstance(child, tir.BlockOp):
        raise NoMatch("the innermost loop must hold a tir.block")
    block = child
    body = [op for op in block.body.block.ops if not isinstance(op, tir.InitOp)]
    stores = [op for op in body if isinstance(op, tir.StoreOp)]
    if len(stores) != 1:
        raise NoMatch(f"block \"{block.block_name.data}\" must store exactly once")
    store = stores[0]
    for op in body:
        if op is store or isinstance(op, tir.LoadOp) or _pure(op):
            continue
        if op.regions or op.dialect_name() not in ("arith", "math"):
            raise NoMatch(f"block \"{block.block_name.data}\" contains {op.name}")
    if not is_vector_dtype(store.value.type):
        raise NoMatch(f"element type {store.value.type} has no vector form")
    init_value = _match_init(block, store, reduce_loops)
    for e in epilogues:
        _match_epilogue(e, store)
    plan = TilePlan(rows, lanes, reduce_loops, block, store, init_value, mr, nr,
                    epilogues=list(epilogues))  # type: ignore[arg-type]
    plan.inside = {op for op in rows.walk()}
    return plan


def _match_epilogue(block: tir.BlockOp, store: tir.StoreOp) -> None:
    """An epilogue reads the tile's output only where it was written and writes
    another buffer once; the rest is loads and scalar arithmetic."""
    stores = [op for op in block.body.block.ops if isinstance(op, tir.StoreOp)]
    if len(stores) != 1 or stores[0].buffer is store.buffer:
        raise NoMatch(f"epilogue \"{block.block_name.data}\" must store once, to another buffer")
    for op in block.body.block.ops:
        if isinstance(op, (tir.LoadOp, tir.StoreOp)) or _pure(op):
            continue
        if op.regions or op.dialect_name() not in ("arith", "math"):
            raise NoMatch(f"epilogue \"{block.block_name.data}\" contains {op.name}")


def _match_init(block: tir.BlockOp, store: tir.StoreOp,
                reduce_loops: list[tir.ForOp]) -> Operation | None:
    """The init's constant when the whole reduction runs inside the tile."""
    init = block.init
    if init is None:
        return None
    ops = list(init.body.block.ops)
    if (len(ops) != 2 or not isinstance(ops[0], arith.ConstantOp)
            or not isinstance(ops[1], tir.StoreOp) or ops[1].value is not ops[0].result
            or ops[1].buffer is not store.buffer
            or list(ops[1].indices) != list(store.indices)):
        raise NoMatch("the init must store one constant at the block's output index")
    ivs = {lp.induction_var: lp for lp in reduce_loops}
    for binding, kind in zip(block.bindings, block.kinds):
        if kind != "reduce":
            continue
        loop = ivs.get(binding)
        if loop is None or not (loop.lower.data.is_const() and loop.lower.data.value == 0):
            raise NoMatch("with an init, every reduce binding must be a reduce loop of the "
                          "tile starting at 0")
    return ops[0]


def check(loop: tir.ForOp) -> str | None:
    """None when `loop` roots a nest the micro-kernel implements, else why not."""
    try:
        match(loop)
    except NoMatch as err:
        return str(err)
    return None
