"""Vector code for `tir.for vectorized` loops (called by convert-tir-to-std).

A vectorized loop `tir.for vectorized %j = lo to hi` becomes code on
`vector<V x T>` values, lane `l` of a chunk computing iteration `base + l`:
- a constant extent E with 2 <= E <= 64: one chunk of V = E lanes, no loop;
- otherwise (a larger or a symbolic extent): V lanes, V from the loop's
  `tir.vector_lanes` attribute (the schedule sets it from the target), else
  the first of 16, 8, 4, 2 that divides a constant extent, else 16; a main
  `scf.for` over chunks of V * U lanes (U = 4 chunks per step, each with its
  own accumulators, when the loop has reductions; else U = 1), an `scf.for`
  over the remaining whole chunks, and a scalar `scf.for` over the last
  `extent mod V` iterations (the original body, unchanged). A symbolic
  extent is guarded by `lo < hi`.
Ops that do not depend on the loop variable (invariant) are emitted once,
before the loops. When the loop is not legal to vectorize, nothing is emitted
and the caller lowers it as a plain `scf.for`.

Reductions into a scalar accumulator: `%a = load B[inv]; %r = op(%a, %x);
store %r, B[inv]` with `%x` a vector value and op one of REDUCTIONS (float
add/mul/max/min, integer add/mul/and/or/xor/max/min) becomes vector
accumulators started at op's identity, combined lane-wise in the loop; after
the loop the U accumulators are combined, reduced across lanes by halving
(a tree of shuffles) and combined with B's value, which is stored back;
the scalar tail then continues on B. Numeric effect: a float sum or product
is computed in a different order than the sequential one (V * U partial
results and a tree), like any vectorized or parallel sum: results differ
from the sequential loop by rounding (typically far less than its error);
max/min and integer reductions are exact. No fast-math flag is used for this.

A float division by an invariant value becomes a multiplication by its
reciprocal, computed once (`x / s` -> `x * (1 / s)`: at most 1 ulp more
error than the division; softmax's normalization is the case in point).

Legality (conservative: anything not listed gives up):
- the body is straight-line: only `tir.block`s (inlined, iteration variables
  replaced by their bindings; a `tir.init` gives up: the schedule moves inits
  into blocks of their own), `tir.load`, `tir.store`, `tir.expr`,
  `arith.constant`, and other arith/math ops without regions. No `tir.for`,
  `tir.if` or `tir.alloc_buffer`;
- every value is classified as *invariant* (does not depend on the loop
  variable), *lane index* (`loopvar + invariant`: the loop variable, and
  `arith.addi`/`arith.subi` of a lane index and an invariant) or *vector*;
- a lane index may only be the LAST index of a load or store (contiguous,
  unit stride) or a binding; any other use (`%j * 2`, `index_cast`, a
  comparison, a non-last index) gives up;
- a load whose indices are all invariant is a scalar load (broadcast where a
  vector needs it); a load whose last index is a lane index is a
  `vector.load`; other indices must be invariant;
- a store is a `vector.store` (last index a lane index) or the store of a
  reduction (above); any other store to an invariant address gives up;
- a buffer stored to in the loop must be accessed (loaded and stored) with
  the very same index values everywhere in the loop, so lanes never see each
  other's writes (no loop-carried dependence through memory); an
  accumulator's buffer is accessed by its reduction only;
- an op on at least one vector operand must be an elementwise arith/math op
  that the vector -> llvm lowering supports on vectors (no cmp/select, no
  floor/ceil division, no int<->float or int<->int casts: xDSL's arith
  rejects those on vectors; see ELEMENTWISE) whose data type is f16/f32/f64
  or i8..i64; invariant operands are broadcast with `vector.broadcast`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.dialects import arith, math, scf, vector
from xdsl.dialects.builtin import (
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    FloatAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    VectorType,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from xrelax.lowering.arith_to_llvm import INTRINSIC_BINARY, ONE_TO_ONE
from xrelax.lowering.math_to_llvm import INLINE, INTRINSICS, LIBM
from xrelax.tir import ops as tir

MAX_LANES = 64
CHUNK_LANES = (16, 8, 4, 2)
DEFAULT_LANES = 16
UNROLL_REDUCTIONS = 4
LANES_ATTR = "tir.vector_lanes"

INV, LANE, VEC = "invariant", "lane index", "vector"

# Elementwise ops whose vector forms the vector -> llvm lowering supports.
ELEMENTWISE: frozenset[type[Operation]] = frozenset(
    [s for s, _ in ONE_TO_ONE] + [s for s, _ in INTRINSIC_BINARY]
    + [s for s, _ in INTRINSICS] + [s for s, _ in LIBM] + [s for s, _ in INLINE]
    + [arith.NegfOp, arith.ExtFOp, arith.TruncFOp, math.RsqrtOp]
)  # fmt: skip

_INF = float("inf")
# reduction op -> identity (a float, or an int / a function of the bit width for ints)
REDUCTIONS: dict[type[Operation], object] = {
    arith.AddfOp: -0.0, arith.MulfOp: 1.0,
    arith.MaximumfOp: -_INF, arith.MinimumfOp: _INF,
    arith.MaxnumfOp: -_INF, arith.MinnumfOp: _INF,
    arith.AddiOp: 0, arith.MuliOp: 1,
    arith.AndIOp: -1, arith.OrIOp: 0, arith.XOrIOp: 0,
    arith.MaxSIOp: lambda w: -(1 << (w - 1)), arith.MinSIOp: lambda w: (1 << (w - 1)) - 1,
    arith.MaxUIOp: 0, arith.MinUIOp: -1,
}  # fmt: skip


class _GiveUp(Exception):
    """The loop is not (known to be) legal to vectorize."""


def is_vector_dtype(t: Attribute) -> bool:
    """Element types that vector load/store and arithmetic handle lane by lane."""
    if isinstance(t, (Float16Type, Float32Type, Float64Type)):
        return True
    return isinstance(t, IntegerType) and t.width.data in (8, 16, 32, 64)


def chunk_lanes(extent: int) -> int | None:
    """Lanes per chunk for a loop of `extent` iterations with no scalar tail, or None."""
    if 2 <= extent <= MAX_LANES:
        return extent
    return next((v for v in CHUNK_LANES if extent > MAX_LANES and extent % v == 0), None)


def _lanes_for(loop: tir.ForOp, extent: int | None) -> int:
    attr = loop.attributes.get(LANES_ATTR)
    if isinstance(attr, IntegerAttr) and attr.value.data in CHUNK_LANES:
        return attr.value.data
    if extent is not None:
        return chunk_lanes(extent) or DEFAULT_LANES
    return DEFAULT_LANES


def try_vectorize(lowering, loop: tir.ForOp, dst: Block, lb: SSAValue, ub: SSAValue) -> bool:
    """Emit vector code for `loop` into `dst` and return True, or emit nothing
    and return False when the loop is not vectorizable (see the module doc)."""
    ext = loop.upper.data - loop.lower.data
    extent = int(ext.value or 0) if ext.is_const() else None
    if extent is not None and extent < 2:
        return False
    try:
        plan = _Analysis(loop).run()
    except _GiveUp:
        return False
    if extent is not None and extent <= MAX_LANES:
        em = _Emitter(lowering, plan, extent, dst)
        em.preheader()
        accs = em.chunk(lb, dst, em.identities())
        em.finish_reductions([accs], dst)
        return True
    lanes = _lanes_for(loop, extent)
    unroll = UNROLL_REDUCTIONS if plan.reductions else 1
    if extent is None:  # guard: hoisted loads must not run for an empty loop
        cond = arith.CmpiOp(lb, ub, "slt")
        dst.add_op(cond)
        then = Block()
        _Emitter(lowering, plan, lanes, then).loops(loop, lb, ub, None, unroll)
        then.add_op(scf.YieldOp())
        dst.add_op(scf.IfOp(cond.result, [], Region(then)))
    else:
        _Emitter(lowering, plan, lanes, dst).loops(loop, lb, ub, extent, unroll)
    return True


# ---- analysis ---------------------------------------------------------------------

@dataclass
class _Reduction:
    """`load B[idx] -> combine(acc, x) -> store B[idx]` into a scalar accumulator."""

    load: tir.LoadOp
    combine: Operation
    store: tir.StoreOp
    acc_first: bool  # combine(acc, x) rather than combine(x, acc)

    @property
    def other(self) -> SSAValue:
        return self.combine.operands[1 if self.acc_first else 0]


@dataclass
class _Plan:
    """The loop body as straight-line ops (BlockOps mark where bindings start),
    the kind of each non-invariant value defined in it, and its reductions."""

    iv: SSAValue
    ops: list[Operation] = field(default_factory=list)
    kinds: dict[SSAValue, str] = field(default_factory=dict)
    alias: dict[SSAValue, SSAValue] = field(default_factory=dict)
    reductions: list[_Reduction] = field(default_factory=list)

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
        self.uses: dict[SSAValue, int] = {}  # buffer -> number of loads and stores
        self.stored: set[SSAValue] = set()
        self.invariant_stores: list[tir.StoreOp] = []

    def run(self) -> _Plan:
        self.flatten(self.body)
        for op in self.plan.ops:
            self.classify(op)
        for buf in self.stored:
            if len(self.accesses[buf]) != 1:
                raise _GiveUp  # lanes could see each other's writes
        for store in self.invariant_stores:
            self.plan.reductions.append(self.reduction(store))
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
            if self.plan.kind(op.value) == LANE:
                raise _GiveUp
            if self.access(op.buffer, op.indices, op.value.type, True) != VEC:
                self.invariant_stores.append(op)  # a reduction, or give up
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
        self.uses[buf] = self.uses.get(buf, 0) + 1
        if store:
            self.stored.add(buf)
        if not kinds or kinds[-1] == INV:
            return INV
        if not is_vector_dtype(dtype):
            raise _GiveUp
        return VEC

    def reduction(self, store: tir.StoreOp) -> _Reduction:
        """The reduction that `store` (to an invariant address) ends, or give up."""
        combine = store.value.owner
        if not isinstance(combine, Operation) or type(combine) not in REDUCTIONS:
            raise _GiveUp
        if store.value.uses.get_length() != 1 or self.plan.kind(store.value) != VEC:
            raise _GiveUp
        if not is_vector_dtype(store.value.type):
            raise _GiveUp
        for acc_first in (True, False):
            acc = combine.operands[0 if acc_first else 1]
            load = acc.owner
            if (isinstance(load, tir.LoadOp) and load.buffer is store.buffer
                    and acc.uses.get_length() == 1 and self.uses.get(store.buffer) == 2
                    and self.plan.kind(combine.operands[1 if acc_first else 0]) == VEC):
                self.plan.kinds[acc] = "accumulator"
                return _Reduction(load, combine, store, acc_first)
        raise _GiveUp

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


def _identity(red: _Reduction, vt: VectorType) -> arith.ConstantOp:
    value = REDUCTIONS[type(red.combine)]
    elem = vt.element_type
    if isinstance(elem, IntegerType):
        w = elem.width.data
        v = value(w) if callable(value) else value
        return arith.ConstantOp(DenseIntOrFPElementsAttr.from_list(vt, [v] * vt.get_shape()[0]))
    return arith.ConstantOp(DenseIntOrFPElementsAttr.from_list(vt, [value] * vt.get_shape()[0]))


# ---- emission -----------------------------------------------------------------------

class _Emitter:
    """Emits the vectorized loop: invariant code once into `pre`, then chunks of
    `lanes` lanes carrying one vector accumulator per reduction."""

    def __init__(self, lowering, plan: _Plan, lanes: int, pre: Block):
        self.lw, self.plan, self.lanes, self.pre = lowering, plan, lanes, pre
        self.splats: dict[SSAValue, SSAValue] = {}
        self.recips: dict[Operation, SSAValue] = {}
        self.red_of = {r.combine: i for i, r in enumerate(plan.reductions)}
        self.red_loads = {r.load: i for i, r in enumerate(plan.reductions)}
        self.red_stores = {r.store for r in plan.reductions}

    def vtype(self, elem: Attribute) -> VectorType:
        return VectorType(elem, [self.lanes])

    def is_invariant(self, op: Operation) -> bool:
        if isinstance(op, (tir.StoreOp, tir.BlockOp)) or op in self.red_loads:
            return False
        return not op.results or self.plan.kind(op.results[0]) == INV

    # -- once, before the loop
    def preheader(self) -> None:
        for op in self.plan.ops:
            if isinstance(op, tir.BlockOp):
                for var, binding in zip(op.iter_vars, op.bindings):
                    if self.plan.kind(binding) == INV:
                        self.lw.vmap[var] = self.lw.v(binding)
            elif self.is_invariant(op):
                self.lw.lower_op(op, self.pre)
            elif (isinstance(op, arith.DivfOp) and self.plan.kind(op.operands[1]) == INV
                  and self.plan.kind(op.operands[0]) == VEC):
                d = self.lw.v(op.operands[1])
                one = arith.ConstantOp(FloatAttr(1.0, d.type))
                recip = arith.DivfOp(one.result, d)
                self.pre.add_ops([one, recip])
                self.recips[op] = self.splat(recip.result)

    def identities(self) -> list[SSAValue]:
        accs = []
        for red in self.plan.reductions:
            c = _identity(red, self.vtype(red.store.value.type))
            self.pre.add_op(c)
            accs.append(c.result)
        return accs

    def vec(self, v: SSAValue) -> SSAValue:
        """The vector for v: its vector value, or a broadcast of an invariant
        (emitted once, before the loop)."""
        return self.splat(self.lw.v(v))

    def splat(self, new: SSAValue) -> SSAValue:
        """A lowered value as a vector (broadcast once, before the loop)."""
        if isinstance(new.type, VectorType):
            return new
        if new not in self.splats:
            splat = vector.BroadcastOp(new, self.vtype(new.type))
            self.pre.add_op(splat)
            self.splats[new] = splat.vector
        return self.splats[new]

    # -- one chunk
    def chunk(self, base: SSAValue, dst: Block, accs: list[SSAValue]) -> list[SSAValue]:
        """The chunk whose lane 0 is iteration `base`, appended to dst; returns
        the updated accumulators."""
        accs = list(accs)
        self.lw.vmap[self.plan.iv] = base
        for op in self.plan.ops:
            if isinstance(op, tir.BlockOp):
                for var, binding in zip(op.iter_vars, op.bindings):
                    if self.plan.kind(binding) != INV:
                        self.lw.vmap[var] = self.lw.v(binding)
            elif isinstance(op, tir.StoreOp):
                if op not in self.red_stores:
                    self.store(op, dst)
            elif op in self.red_loads:
                self.lw.vmap[op.result] = accs[self.red_loads[op]]
            elif op in self.red_of:
                i = self.red_of[op]
                red = self.plan.reductions[i]
                x = self.vec(red.other)
                args = [accs[i], x] if red.acc_first else [x, accs[i]]
                new = _vector_op(op, args, self.lanes)
                dst.add_op(new)
                accs[i] = new.results[0]
            elif self.is_invariant(op):
                continue  # emitted in the preheader
            elif op.results and self.plan.kind(op.results[0]) == VEC:
                self.vector_value(op, dst)
            else:  # lane-0 index arithmetic: scalar code
                self.lw.lower_op(op, dst)
        return accs

    def vector_value(self, op: Operation, dst: Block) -> None:
        if isinstance(op, tir.LoadOp):
            indices = [self.lw.v(i) for i in op.indices]
            new = vector.LoadOp(self.lw.v(op.buffer), indices, self.vtype(op.result.type))
        elif op in self.recips:
            new = arith.MulfOp(self.vec(op.operands[0]), self.recips[op],
                               op.properties.get("fastmath"))  # type: ignore[arg-type]
        else:
            new = _vector_op(op, [self.vec(o) for o in op.operands], self.lanes)
        new.results[0].name_hint = op.results[0].name_hint
        dst.add_op(new)
        self.lw.vmap[op.results[0]] = new.results[0]

    def store(self, op: tir.StoreOp, dst: Block) -> None:
        indices = [self.lw.v(i) for i in op.indices]
        dst.add_op(vector.StoreOp(self.vec(op.value), self.lw.v(op.buffer), indices))

    # -- the loops
    def _index(self, op: Operation, dst: Block) -> SSAValue:
        dst.add_op(op)
        return op.results[0]

    def _round_down(self, lb: SSAValue, ub: SSAValue, step: int, dst: Block) -> SSAValue:
        """lb + ((ub - lb) / step) * step (the end of the whole steps)."""
        c = self.lw.sym.const(step)
        ext = self._index(arith.SubiOp(ub, lb), dst)
        q = self._index(arith.DivSIOp(ext, c), dst)
        return self._index(arith.AddiOp(lb, self._index(arith.MuliOp(q, c), dst)), dst)

    def _chunk_loop(self, lo: SSAValue, hi: SSAValue, per_step: int,
                    accs: list[list[SSAValue]]) -> list[list[SSAValue]]:
        """scf.for over [lo, hi) by per_step chunks; returns the final accumulators."""
        flat = [a for group in accs for a in group]
        body = Block(arg_types=[IndexType()] + [a.type for a in flat])
        body.args[0].name_hint = self.plan.iv.name_hint
        it = iter(body.args[1:])
        groups = [[next(it) for _ in group] for group in accs]
        new_groups = []
        for u, group in enumerate(groups):
            base = body.args[0]
            if u:
                base = self._index(arith.AddiOp(base, self.lw.sym.const(u * self.lanes)), body)
            new_groups.append(self.chunk(base, body, group))
        body.add_op(scf.YieldOp(*[a for g in new_groups for a in g]))
        step = self.lw.sym.const(per_step * self.lanes)
        loop = scf.ForOp(lo, hi, step, flat, Region(body))
        self.pre.add_op(loop)
        res = iter(loop.results)
        return [[next(res) for _ in group] for group in accs]

    def loops(self, loop: tir.ForOp, lb: SSAValue, ub: SSAValue, extent: int | None,
              unroll: int) -> None:
        self.preheader()
        ident = self.identities()
        chunks_total = None if extent is None else extent // self.lanes
        if chunks_total is not None and chunks_total < unroll:
            unroll = 1
        groups = [ident for _ in range(unroll)]
        pos = lb
        if unroll > 1:
            main_end = self._round_down(lb, ub, unroll * self.lanes, self.pre)
            groups = self._chunk_loop(pos, main_end, unroll, groups)
            pos = main_end
        vec_end = self._round_down(pos, ub, self.lanes, self.pre)
        if chunks_total is None or unroll == 1 or chunks_total % unroll:
            first = self._chunk_loop(pos, vec_end, 1, [groups[0]])  # the remaining chunks
            groups = first + groups[1:]
        self.finish_reductions(groups, self.pre)
        if extent is None or extent % self.lanes:
            self.scalar_tail(loop, vec_end, ub)

    def finish_reductions(self, groups: list[list[SSAValue]], dst: Block) -> None:
        """Combine the accumulator groups, reduce across lanes, fold into B."""
        for i, red in enumerate(self.plan.reductions):
            acc = groups[0][i]
            for g in groups[1:]:
                acc = self._combine(red, acc, g[i], dst)
            h = self._horizontal(red, acc, dst)
            self.lw.lower_op(red.load, dst)  # B's value (invariant address)
            old = self.lw.v(red.load.result)
            args = [old, h] if red.acc_first else [h, old]
            new = type(red.combine).create(operands=args, result_types=[h.type],
                                           properties=dict(red.combine.properties))
            dst.add_op(new)
            self.lw.vmap[red.store.value] = new.results[0]
            self.lw.lower_op(red.store, dst)

    def _combine(self, red: _Reduction, a: SSAValue, b: SSAValue, dst: Block) -> SSAValue:
        new = type(red.combine).create(operands=[a, b], result_types=[a.type],
                                       properties=dict(red.combine.properties))
        dst.add_op(new)
        return new.results[0]

    def _horizontal(self, red: _Reduction, v: SSAValue, dst: Block) -> SSAValue:
        """Reduce the lanes of v: halves combined while the width is even, then
        the remaining lanes one by one."""
        n = v.type.get_shape()[0]
        elem = v.type.element_type
        while n % 2 == 0 and n > 1:
            half = n // 2
            lo = vector.ShuffleOp(v, v, DenseArrayBase.from_list(i64, list(range(half))),
                                  result_type=VectorType(elem, [half]))
            hi = vector.ShuffleOp(v, v, DenseArrayBase.from_list(i64, list(range(half, n))),
                                  result_type=VectorType(elem, [half]))
            dst.add_ops([lo, hi])
            v = self._combine(red, lo.results[0], hi.results[0], dst)
            n = half
        lanes = []
        for k in range(n):
            e = vector.ExtractOp(v, [k], elem)
            dst.add_op(e)
            lanes.append(e.results[0])
        acc = lanes[0]
        for lane in lanes[1:]:
            acc = self._combine(red, acc, lane, dst)
        return acc

    def scalar_tail(self, loop: tir.ForOp, lo: SSAValue, hi: SSAValue) -> None:
        body = Block(arg_types=[IndexType()])
        body.args[0].name_hint = loop.induction_var.name_hint
        self.lw.vmap[loop.induction_var] = body.args[0]
        self.lw.lower_block(loop.body.block, body)
        body.add_op(scf.YieldOp())
        self.pre.add_op(scf.ForOp(lo, hi, self.lw.sym.const(1), [], Region(body)))

