"""Vector code for `tir.for vectorized` loops (called by convert-tir-to-std).

A vectorized loop `tir.for vectorized %j = lo to lo + E` becomes straight-line
code on `vector<V x T>` values, lane `l` computing iteration `lo + l`:
one chunk of V = E lanes when 2 <= E <= 64, else an `scf.for` stepping by
V over E / V chunks, with V the first of 16, 8, 4, 2 that divides E.
When the loop is not legal to vectorize, nothing is emitted and the caller
lowers it as a plain `scf.for`.

Legality (conservative: anything not listed gives up):
- the extent `upper - lower` is a compile-time constant (see above);
- the body is straight-line: only `tir.block`s (inlined, iteration variables
  replaced by their bindings; a `tir.init` gives up), `tir.load`,
  `tir.store`, `tir.expr`, `arith.constant`, and other arith/math ops
  without regions. No `tir.for`, `tir.if` or `tir.alloc_buffer`;
- every value is classified as *invariant* (does not depend on the loop
  variable), *lane index* (`loopvar + invariant`: the loop variable, and
  `arith.addi`/`arith.subi` of a lane index and an invariant) or *vector*;
- a lane index may only be the LAST index of a load or store (contiguous,
  unit stride) or a binding; any other use (`%j * 2`, `index_cast`, a
  comparison, a non-last index) gives up;
- a load whose indices are all invariant is a scalar load (broadcast where a
  vector needs it); a load whose last index is a lane index is a
  `vector.load`; other indices must be invariant;
- every store must be a `vector.store` (last index a lane index): a store to
  an invariant address (a reduction into a scalar accumulator) gives up;
- a buffer stored to in the loop must be accessed (loaded and stored) with
  the very same index values everywhere in the loop, so lanes never see each
  other's writes (no loop-carried dependence through memory);
- an op on at least one vector operand must be an elementwise arith/math op
  that the vector -> llvm lowering supports on vectors (no cmp/select, no
  floor/ceil division, no int<->float or int<->int casts: xDSL's arith
  rejects those on vectors; see ELEMENTWISE) whose data type is f16/f32/f64 or i8..i64; invariant operands are
  broadcast with `vector.broadcast`.
Invariant ops (and lane-index arithmetic, which computes lane 0's index) are
emitted as scalar ops by the usual `KernelLowering.lower_op`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith, math, scf, vector
from xdsl.dialects.builtin import (
    Float16Type,
    Float32Type,
    Float64Type,
    IndexType,
    IntegerType,
    VectorType,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from xrelax.lowering.arith_to_llvm import INTRINSIC_BINARY, ONE_TO_ONE
from xrelax.lowering.math_to_llvm import INTRINSICS, LIBM
from xrelax.tir import ops as tir

MAX_LANES = 64
CHUNK_LANES = (16, 8, 4, 2)

INV, LANE, VEC = "invariant", "lane index", "vector"

# Elementwise ops whose vector forms the vector -> llvm lowering supports.
ELEMENTWISE: frozenset[type[Operation]] = frozenset(
    [s for s, _ in ONE_TO_ONE] + [s for s, _ in INTRINSIC_BINARY]
    + [s for s, _ in INTRINSICS] + [s for s, _ in LIBM]
    + [arith.NegfOp, arith.ExtFOp, arith.TruncFOp, math.RsqrtOp]
)  # fmt: skip


class _GiveUp(Exception):
    """The loop is not (known to be) legal to vectorize."""


def is_vector_dtype(t: Attribute) -> bool:
    """Element types that vector load/store and arithmetic handle lane by lane."""
    if isinstance(t, (Float16Type, Float32Type, Float64Type)):
        return True
    return isinstance(t, IntegerType) and t.width.data in (8, 16, 32, 64)


def chunk_lanes(extent: int) -> int | None:
    """Lanes per chunk for a loop of `extent` iterations, or None."""
    if 2 <= extent <= MAX_LANES:
        return extent
    return next((v for v in CHUNK_LANES if extent > MAX_LANES and extent % v == 0), None)


def try_vectorize(lowering, loop: tir.ForOp, dst: Block, lb: SSAValue, ub: SSAValue) -> bool:
    """Emit vector code for `loop` into `dst` and return True, or emit nothing
    and return False when the loop is not vectorizable (see the module doc)."""
    extent = loop.upper.data - loop.lower.data
    if not extent.is_const():
        return False
    lanes = chunk_lanes(extent.value or 0)
    if lanes is None:
        return False
    try:
        plan = _Analysis(loop).run()
    except _GiveUp:
        return False
    if lanes == extent.value:
        _Emitter(lowering, plan, lanes).emit(lb, dst)
        return True
    body = Block(arg_types=[IndexType()])
    body.args[0].name_hint = loop.induction_var.name_hint
    _Emitter(lowering, plan, lanes).emit(body.args[0], body)
    body.add_op(scf.YieldOp())
    dst.add_op(scf.ForOp(lb, ub, lowering.sym.const(lanes), [], Region(body)))
    return True


# ---- analysis ---------------------------------------------------------------------

@dataclass
class _Plan:
    """The loop body as straight-line ops (BlockOps mark where bindings start)
    and the kind of each non-invariant value defined in it."""

    iv: SSAValue
    ops: list[Operation] = field(default_factory=list)
    kinds: dict[SSAValue, str] = field(default_factory=dict)
    alias: dict[SSAValue, SSAValue] = field(default_factory=dict)

    def resolve(self, v: SSAValue) -> SSAValue:
        """A block iteration variable stands for its binding."""
        while v in self.alias:
            v = self.alias[v]
        return v

    def kind(self, v: SSAValue) -> str:
        v = self.resolve(v)
        if v is self.iv:
            return LANE
        return self.kinds.get(v, INV)  # values from outside the loop are invariant


class _Analysis:
    """Decides legality (raising _GiveUp) and classifies values."""

    def __init__(self, loop: tir.ForOp):
        self.plan = _Plan(loop.induction_var)
        self.body = loop.body.block
        # buffer -> index tuples of its accesses, and whether it is stored to
        self.accesses: dict[SSAValue, set[tuple[SSAValue, ...]]] = {}
        self.stored: set[SSAValue] = set()

    def run(self) -> _Plan:
        self.flatten(self.body)
        for op in self.plan.ops:
            self.classify(op)
        for buf in self.stored:
            if len(self.accesses[buf]) != 1:
                raise _GiveUp  # lanes could see each other's writes
        return self.plan

    def flatten(self, block: Block) -> None:
        for op in block.ops:
            if isinstance(op, tir.BlockOp):
                for var, binding in zip(op.iter_vars, op.bindings):
                    self.plan.alias[var] = binding
                self.plan.ops.append(op)
                self.flatten(op.body.block)
            elif isinstance(op, (tir.ForOp, tir.IfOp, tir.InitOp, tir.AllocBufferOp)):
                raise _GiveUp
            elif op.regions or len(op.results) > 1:
                raise _GiveUp
            else:
                self.plan.ops.append(op)

    def set_kind(self, op: Operation, kind: str) -> None:
        if kind != INV:
            self.plan.kinds[op.results[0]] = kind

    def classify(self, op: Operation) -> None:
        if isinstance(op, tir.BlockOp):
            return
        if isinstance(op, tir.LoadOp):
            self.set_kind(op, self.access(op.buffer, op.indices, op.result.type, False))
        elif isinstance(op, tir.StoreOp):
            if self.access(op.buffer, op.indices, op.value.type, True) != VEC:
                raise _GiveUp  # a store to the same address in every lane
            if self.plan.kind(op.value) == LANE:
                raise _GiveUp
        elif isinstance(op, (tir.ExprOp, arith.ConstantOp)):
            pass
        elif type(op).__module__ in (arith.__name__, math.__name__):
            self.set_kind(op, self.compute_kind(op))
        else:
            raise _GiveUp

    def access(self, buf: SSAValue, indices, dtype: Attribute, store: bool) -> str:
        """VEC for a contiguous access, INV for one at an invariant address."""
        kinds = [self.plan.kind(i) for i in indices]
        if any(k != INV for k in kinds[:-1]) or (kinds and kinds[-1] == VEC):
            raise _GiveUp  # a lane index before the last one, or a gather
        self.accesses.setdefault(buf, set()).add(tuple(self.plan.resolve(i) for i in indices))
        if store:
            self.stored.add(buf)
        if not kinds or kinds[-1] == INV:
            return INV
        if not is_vector_dtype(dtype):
            raise _GiveUp
        return VEC

    def compute_kind(self, op: Operation) -> str:
        """The kind of an arith/math op's result from its operands' kinds."""
        kinds = [self.plan.kind(o) for o in op.operands]
        if all(k == INV for k in kinds):
            return INV
        if LANE in kinds:
            return self.lane_arith(op, kinds)
        if type(op) not in ELEMENTWISE or not is_vector_dtype(op.results[0].type):
            raise _GiveUp
        if not all(is_vector_dtype(o.type) for o in op.operands):
            raise _GiveUp
        return VEC

    @staticmethod
    def lane_arith(op: Operation, kinds: list[str]) -> str:
        """`lane + invariant`, `invariant + lane`, `lane - invariant` are lane indices."""
        if isinstance(op, arith.AddiOp) and sorted(kinds) == sorted([LANE, INV]):
            return LANE
        if isinstance(op, arith.SubiOp) and kinds == [LANE, INV]:
            return LANE
        raise _GiveUp


def _vector_op(op: Operation, operands: list[SSAValue], lanes: int) -> Operation:
    """A copy of the elementwise op `op` on the vector `operands`."""
    rt = VectorType(op.results[0].type, [lanes])
    return type(op).create(operands=operands, result_types=[rt],
                           properties=dict(op.properties), attributes=dict(op.attributes))


# ---- emission -----------------------------------------------------------------------

class _Emitter:
    """Emits the vectorized body as chunks of `lanes` lanes."""

    def __init__(self, lowering, plan: _Plan, lanes: int):
        self.lw, self.plan, self.lanes = lowering, plan, lanes
        self.splats: dict[SSAValue, SSAValue] = {}

    def vtype(self, elem: Attribute) -> VectorType:
        return VectorType(elem, [self.lanes])

    def emit(self, base: SSAValue, dst: Block) -> None:
        """The chunk whose lane 0 is iteration `base`, appended to dst."""
        self.lw.vmap[self.plan.iv] = base
        self.splats = {}
        for op in self.plan.ops:
            if isinstance(op, tir.BlockOp):
                for var, binding in zip(op.iter_vars, op.bindings):
                    self.lw.vmap[var] = self.lw.v(binding)
            elif isinstance(op, tir.StoreOp):
                self.store(op, dst)
            elif op.results and self.plan.kinds.get(op.results[0]) == VEC:
                self.vector_value(op, dst)
            else:  # invariant or lane-0 index: scalar code
                self.lw.lower_op(op, dst)

    def vec(self, v: SSAValue, dst: Block) -> SSAValue:
        """The vector for v: its vector value, or a broadcast of an invariant."""
        new = self.lw.v(v)
        if isinstance(new.type, VectorType):
            return new
        if new not in self.splats:
            splat = vector.BroadcastOp(new, self.vtype(new.type))
            dst.add_op(splat)
            self.splats[new] = splat.vector
        return self.splats[new]

    def vector_value(self, op: Operation, dst: Block) -> None:
        if isinstance(op, tir.LoadOp):
            indices = [self.lw.v(i) for i in op.indices]
            new = vector.LoadOp(self.lw.v(op.buffer), indices, self.vtype(op.result.type))
        else:
            new = _vector_op(op, [self.vec(o, dst) for o in op.operands], self.lanes)
        new.results[0].name_hint = op.results[0].name_hint
        dst.add_op(new)
        self.lw.vmap[op.results[0]] = new.results[0]

    def store(self, op: tir.StoreOp, dst: Block) -> None:
        indices = [self.lw.v(i) for i in op.indices]
        dst.add_op(vector.StoreOp(self.vec(op.value, dst), self.lw.v(op.buffer), indices))
