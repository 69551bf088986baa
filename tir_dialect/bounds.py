"""Prove tir.load / tir.store indices in bounds at compile time.

Every index value of a kernel gets a *range* `[lo, hi]` whose ends are
symbolic expressions over the kernel's symbolic variables and one *loop
variable* `$tK` per enclosing `tir.for` (the loop's induction value minus its
lower bound, so every variable is non-negative, as `SymExpr` assumes):

- an induction variable of `tir.for %i = L to U` is `L + $t` with
  `0 <= $t <= U - L - 1`; a block iteration variable is its binding;
- `arith.constant`, `tir.expr`, `addi`, `subi`, `muli`, `minsi`, `maxsi`,
  `floordivsi` / `ceildivsi` / `divsi` / `remsi` by a positive constant,
  `index_cast`, `extsi` and `select` combine ranges; anything else (a value
  loaded from memory, a shift, ...) has no range.

An access `A[i0, ..., ik]` is *proved* when each `lo >= 0` and
`hi <= dim - 1`. To prove `G >= 0`, the loop variables are eliminated
innermost first: `G` is monotone in each (by the signs of its coefficients),
so the variable is replaced by 0 or by its upper bound, and `min`/`max`
terms are replaced by the argument that bounds them (`8 * i + min(8, n -
8 * i) - 1 <= n - 1`: tiles with a tail). Facts help: an enclosing loop
runs only when `U - L - 1 >= 0`, a `tir.if` branch only when its condition
(comparisons joined by `andi`) holds; `G - F >= 0` for a fact `F >= 0` also
proves `G >= 0`. What remains depends on the symbolic variables alone and is
decided by interval bounds, with `c * (x floordiv c) = x - x mod c`.

Machine integers wrap; the analysis reasons about true integers. Additions
and multiplications give the true value modulo 2**64, so a proved index
(which lies in `[0, dim)`) is computed exactly; the other ops (`min`, `max`,
division, comparisons) need operands that fit in int64, which is checked
from numeric bounds: every symbolic variable is at most `VAR_MAX` and every
buffer has fewer than `COUNT_MAX` elements (the runtime guarantees both, see
docs/syntax.md "Run-time safety"). Symbolic expressions that a kernel
computes at run time (loop bounds, local buffer sizes, `tir.expr`, the
composite dims of its buffer parameters) must fit too: `unsafe_exprs` lists
those that could overflow, for a run-time check.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType
from xdsl.ir import Block, BlockArgument, Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.symbolic import Call, SymExpr, Var, floordiv, floormod, sym_max, sym_min
from xrelax.tir.types import BufferType

VAR_MAX = (1 << 48) - 1  # a symbolic variable's value at run time is in [0, VAR_MAX]
COUNT_MAX = 1 << 48  # a buffer holds fewer elements than this
INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
MAX_CANDIDATES = 32  # bounds kept per elimination step (min/max choices branch)
MAX_SPLITS = 4  # min/max terms split into cases per proof


@dataclass(frozen=True)
class Range:
    """The value is congruent, modulo 2**width of its type, to an integer in
    [lo, hi] (an end is None when unbounded). When [lo, hi] fits the type, or
    `machine` is set (the result of min, max, select, division), the value
    itself lies in it. `lo == hi`: known exactly."""

    lo: SymExpr | None
    hi: SymExpr | None
    machine: bool = False  # a bound of the machine value itself (min, max, ...)

    @property
    def exact(self) -> bool:
        return self.lo is not None and self.lo == self.hi

    @staticmethod
    def of(e: SymExpr) -> Range:
        return Range(e, e)


UNKNOWN = Range(None, None)


def _is_loop_var(name: str) -> bool:
    return name.startswith("$t")


class KernelBounds:
    """The bounds analysis of one kernel (ranges are computed on demand)."""

    def __init__(self, kernel: tir.FuncOp):
        self.kernel = kernel
        self.ranges: dict[SSAValue, Range | None] = {}
        self.loop_vars: dict[str, tuple[SymExpr, int]] = {}  # name -> (max value, depth)
        self.loop_of: dict[tir.ForOp, str] = {}
        self.counts = self._buffer_counts()
        self.dim_facts, self.dim_atoms = self._dim_facts()

    # ---- numeric bounds (overflow) ------------------------------------------------
    def _buffer_counts(self) -> list[SymExpr]:
        """Element counts of the kernel's buffers (each below COUNT_MAX at run
        time), for bounding products of dims numerically."""
        counts = []
        for arg in self.kernel.args:
            if isinstance(arg.type, BufferType) and arg.type.rank:
                count = SymExpr.const(1)
                for d in arg.type.dims:
                    count = count * d
                counts.append(count)
        return counts

    def _dim_facts(self) -> tuple[list[SymExpr], dict[Call, SymExpr]]:
        """Every dim of a buffer parameter is >= 0 (it is the size of a real
        array). A dim `a floordiv k + c` also names its division: `a floordiv
        k` is `$dK - c` for a new variable $dK >= 0, so what the division
        bounds is seen as non-negative."""
        facts: list[SymExpr] = []
        atoms: dict[Call, SymExpr] = {}
        buffers = [a.type for a in self.kernel.args if isinstance(a.type, BufferType)]
        buffers += [op.result.type for op in self.kernel.walk()  # checked at entry
                    if isinstance(op, tir.AllocBufferOp)]
        for btype in buffers:
            for d in btype.dims:  # type: ignore[attr-defined]
                if d.as_var() is not None or d.is_const() or not self.fits(d):
                    continue
                facts.append(d)
                calls = [(m, c) for m, c in d.terms if m]
                atom = calls[0][0][0] if len(calls) == 1 and len(calls[0][0]) == 1 else None
                if not (isinstance(atom, Call) and calls[0][1] == 1 and atom not in atoms):
                    continue
                atoms[atom] = SymExpr.var(f"$d{len(atoms)}") - (d - SymExpr({(atom,): 1}))
                k = atom.args[1].value
                if atom.kind == "floordiv" and k is not None and k > 0:
                    x, q = atom.args[0], atoms[atom]  # 0 <= x - k * q <= k - 1
                    facts += [x - q * k, q * k + (k - 1) - x]
        return facts, atoms

    def _name_dims(self, e: SymExpr) -> SymExpr:
        for atom, value in self.dim_atoms.items():
            e = _replace_atom(e, atom, value)
        return e

    def numeric(self, e: SymExpr) -> tuple[int, int]:
        """Integer bounds of e's value, with variables in their run-time ranges."""
        lo = hi = 0
        for mono, coeff in e.terms:
            mlo, mhi = 1, 1
            for atom in mono:
                alo, ahi = self._numeric_atom(atom)
                cands = (mlo * alo, mlo * ahi, mhi * alo, mhi * ahi)
                mlo, mhi = min(cands), max(cands)
            if len(mono) > 1 and mlo >= 0 and self._counted(mono):
                mhi = min(mhi, COUNT_MAX)
            tlo, thi = sorted((coeff * mlo, coeff * mhi))
            lo, hi = lo + tlo, hi + thi
        return lo, hi

    def _counted(self, mono: tuple) -> bool:
        """Whether a product of variables is at most some buffer's element count."""
        term = SymExpr({mono: 1})
        return any((c - term).bounds()[0] >= 0 for c in self.counts)

    def _numeric_atom(self, atom: Var | Call) -> tuple[int, int]:
        if isinstance(atom, Var):
            if _is_loop_var(atom.name):
                return 0, max(self.numeric(self.loop_vars[atom.name][0])[1], 0)
            return 0, VAR_MAX
        (alo, ahi), (blo, bhi) = (self.numeric(a) for a in atom.args)
        if atom.kind == "min":
            return min(alo, blo), min(ahi, bhi)
        if atom.kind == "max":
            return max(alo, blo), max(ahi, bhi)
        if atom.kind == "mod" and blo > 0:
            return 0, bhi - 1
        if atom.kind == "floordiv" and blo > 0:
            return min(alo // blo, alo // bhi), max(ahi // blo, ahi // bhi)
        return INT64_MIN * 4, INT64_MAX * 4  # unknown: never fits

    def fits(self, e: SymExpr, bits: int = 64) -> bool:
        """Whether e, and every argument of its non-linear terms, fits in a
        signed integer of `bits` bits (int64 for the arguments)."""
        lo, hi = self.numeric(e)
        if not (-(1 << (bits - 1)) <= lo and hi < (1 << (bits - 1))):
            return False
        return all(self.fits(arg) for mono, _ in e.terms for atom in mono
                   if isinstance(atom, Call) for arg in atom.args)

    def machine(self, r: Range, bits: int = 64) -> Range:
        """What a range says of the machine value: itself when it fits the
        type, else nothing (the value may have wrapped)."""
        if r.machine or (r.lo is not None and r.hi is not None and self.fits(r.lo, bits)
                         and (r.exact or self.fits(r.hi, bits))):
            return r
        return UNKNOWN

    # ---- ranges of index values ---------------------------------------------------
    def loop_var(self, loop: tir.ForOp) -> str:
        if loop not in self.loop_of:
            name = f"$t{len(self.loop_of)}"
            depth = sum(1 for _ in _ancestors(loop, tir.ForOp))
            self.loop_of[loop] = name
            self.loop_vars[name] = (self._name_dims(loop.upper.data - loop.lower.data - 1), depth)
        return self.loop_of[loop]

    def range_of(self, v: SSAValue) -> Range:
        if v not in self.ranges:
            self.ranges[v] = UNKNOWN  # SSA has no cycles; this only guards recursion
            self.ranges[v] = self._compute_range(v)
        return self.ranges[v]  # type: ignore[return-value]

    def _compute_range(self, v: SSAValue) -> Range:
        if isinstance(v, BlockArgument):
            owner = v.block.parent_op()
            if isinstance(owner, tir.ForOp) and v is owner.induction_var:
                return Range.of(owner.lower.data + SymExpr.var(self.loop_var(owner)))
            if isinstance(owner, tir.BlockOp):
                return self.range_of(owner.bindings[v.index])
            return UNKNOWN
        op = v.owner
        assert isinstance(op, Operation)
        if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr):
            return Range.of(SymExpr.const(op.value.value.data))
        if isinstance(op, tir.ExprOp):
            return Range.of(op.expr.data) if self.fits(op.expr.data) else UNKNOWN
        if isinstance(op, (arith.IndexCastOp, arith.ExtSIOp)):
            # the same value when it fits the narrower of the two types
            src = op.operands[0]
            bits = min(_width(src.type), _width(op.results[0].type))
            return self.machine(self.range_of(src), bits)
        if not op.results or not all(_is_int(x.type) for x in (*op.operands, *op.results)):
            return UNKNOWN
        return _combine(self, op, [self.range_of(x) for x in op.operands])

    # ---- proofs --------------------------------------------------------------------
    def prove_nonneg(self, goal: SymExpr, facts: list[SymExpr]) -> bool:
        """Whether goal >= 0 wherever the facts (each >= 0) hold, and the
        dims of the buffer parameters are >= 0."""
        facts = [self._name_dims(f) for f in facts + self.dim_facts]
        return self._prove(self._name_dims(goal), facts, 0)

    def _prove(self, goal: SymExpr, facts: list[SymExpr], splits: int) -> bool:
        """A min or max term is split into its two cases (`max(a, b)` is `a`
        where `a >= b`); then loop variables are eliminated."""
        atom = _first_min_max(goal)
        if atom is not None and splits < MAX_SPLITS:
            a, b = atom.args
            for pick, other in ((a, b), (b, a)):
                case = pick - other if atom.kind == "max" else other - pick
                if not self._prove(_replace_atom(goal, atom, pick),
                                   [_replace_atom(f, atom, pick) for f in facts] + [case],
                                   splits + 1):
                    return False
            return True
        facts = facts + [d for f in facts if (d := _linear_fact(f)) is not None]
        facts = [_tighten(f) for f in facts]
        facts = [f for f in dict.fromkeys(facts) if f.bounds()[0] < 0]  # drop empty ones
        candidates = [goal] + [goal - f for f in facts]
        candidates += [goal - f - g for i, f in enumerate(facts) for g in facts[i:]]
        for g in candidates:
            for bound in self.lower_bounds(g):
                if _nonneg(bound):
                    return True
        return False

    def lower_bounds(self, e: SymExpr) -> list[SymExpr]:
        """Lower bounds of e free of loop variables (several: min/max choices)."""
        order = sorted((n for n in _all_vars(e) if _is_loop_var(n)),
                       key=lambda n: -self.loop_vars[n][1])
        frontier = [e]
        for name in order:
            nxt: list[SymExpr] = []
            for cand in frontier:
                for b in self._eliminate(cand, name, lower=True):
                    if b not in nxt:
                        nxt.append(b)
            frontier = nxt[:MAX_CANDIDATES]
        return [b for b in frontier if not any(_is_loop_var(n) for n in _all_vars(b))]

    def _eliminate(self, e: SymExpr, name: str, lower: bool) -> list[SymExpr]:
        """Bounds of e (lower or upper) with the loop variable `name` removed."""
        if not lower:
            return [-b for b in self._eliminate(-e, name, True)]
        e = _split_floordivs(e, name)
        # first the non-linear terms that mention it: each becomes a bound of itself
        choices: list[list[SymExpr]] = []
        linear: dict[tuple, int] = {}
        for mono, coeff in e.terms:
            atoms = [a for a in mono if isinstance(a, Call) and name in _all_vars_atom(a)]
            if not atoms:
                linear[mono] = coeff
                continue
            if len(mono) != 1:
                return []  # a product with a non-linear factor: not handled
            options = self._atom_bounds(mono[0], name, want_lower=coeff > 0)
            if not options:
                return []
            choices.append([SymExpr.const(coeff) * o for o in options])
        base = SymExpr(linear)
        results = []
        for picked in product(*choices) if choices else [()]:
            total = base
            for p in picked:
                total = total + p
            if name in _all_vars_atom_list(total):
                results += self._eliminate(total, name, True)  # new atoms, e.g. nested
            else:
                results += self._eliminate_poly(total, name)
            if len(results) >= MAX_CANDIDATES:
                break
        return results[:MAX_CANDIDATES]

    def _atom_bounds(self, atom: Call, name: str, want_lower: bool) -> list[SymExpr]:
        """Bounds of a min/max/floordiv/mod term that mentions loop variable `name`."""
        a, b = atom.args
        if atom.kind in ("min", "max"):
            if (atom.kind == "max") == want_lower:  # max >= a and max >= b (min <= both)
                return [a, b]
            la, lb = (self._eliminate(x, name, want_lower) for x in (a, b))
            make = sym_min if atom.kind == "min" else sym_max
            return [make(x, y) for x in la[:4] for y in lb[:4]]
        k = b.value
        if k is None or k <= 0 or name in b.free_vars():
            return []
        if atom.kind == "mod":
            return [SymExpr.const(0 if want_lower else k - 1)]
        # floordiv: (a - (k - 1)) / k <= a floordiv k <= a / k, kept exact when
        # the caller's coefficient is a multiple of k (see _eliminate_poly)
        inner = self._eliminate(a, name, want_lower)
        return [floordiv(x, k) for x in inner[:4]]

    def _eliminate_poly(self, e: SymExpr, name: str) -> list[SymExpr]:
        """A lower bound of a polynomial in the loop variable t >= 0 (t <= its max)."""
        coeffs: dict[int, dict[tuple, int]] = {}
        t = Var(name)
        for mono, coeff in e.terms:
            power = sum(1 for a in mono if a == t)
            rest = tuple(a for a in mono if a != t)
            coeffs.setdefault(power, {})[rest] = coeff
        polys = {p: SymExpr(c) for p, c in coeffs.items() if p > 0}
        if not polys:
            return [e]
        if all(_nonneg(c) for c in polys.values()):
            return [e.substitute({name: 0})]
        if all(_nonneg(-c) for c in polys.values()):
            return [e.substitute({name: self.loop_vars[name][0]})]
        return []

    # ---- accesses ------------------------------------------------------------------
    def facts_at(self, op: Operation) -> list[SymExpr]:
        """What holds where op runs: enclosing loops ran, tir.if conditions held."""
        facts: list[SymExpr] = []
        skip = self._loops_before_init(op)
        for parent, child in _ancestor_pairs(op):
            if isinstance(parent, tir.ForOp) and parent not in skip:
                facts.append(parent.upper.data - parent.lower.data - 1)
            elif isinstance(parent, tir.IfOp):
                in_then = child is parent.then_region.block
                facts += self._condition_facts(parent.cond, negate=not in_then)
        return facts

    def _loops_before_init(self, op: Operation) -> set[tir.ForOp]:
        """Inside a tir.init, which may run before its reduction loops (even when
        they run zero times), the facts of those loops do not hold."""
        init = next(_ancestors(op, tir.InitOp), None)
        if init is None:
            return set()
        block = init.parent_op()
        assert isinstance(block, tir.BlockOp)
        loops = list(_ancestors(block, tir.ForOp))  # innermost first
        driving: set[str] = set()
        for binding, kind in zip(block.bindings, block.kinds):
            if kind == "reduce":
                r = self.range_of(binding)
                if r.lo is None or r.hi is None:
                    return set(loops)  # cannot tell which loops drive it
                driving |= _all_vars(r.lo) | _all_vars(r.hi)
        driving &= {self.loop_var(lp) for lp in loops}
        if not driving:
            return set()
        outermost = max(i for i, lp in enumerate(loops) if self.loop_var(lp) in driving)
        return set(loops[:outermost + 1])

    def _condition_facts(self, cond: SSAValue, negate: bool) -> list[SymExpr]:
        op = cond.owner
        if isinstance(op, arith.AndIOp) and not negate:
            return (self._condition_facts(op.lhs, False) + self._condition_facts(op.rhs, False))
        if isinstance(op, arith.OrIOp) and negate:  # not (a or b) = not a and not b
            return (self._condition_facts(op.lhs, True) + self._condition_facts(op.rhs, True))
        if not isinstance(op, arith.CmpiOp):
            return []
        bits = _width(op.lhs.type)
        ra, rb = (self.machine(self.range_of(x), bits) for x in (op.lhs, op.rhs))
        if not (ra.exact and rb.exact):
            return []
        a, b = ra.lo, rb.lo
        assert a is not None and b is not None
        pred = ["eq", "ne", "slt", "sle", "sgt", "sge", "ult", "ule", "ugt", "uge"][
            op.predicate.value.data]
        if pred.startswith("u"):  # unsigned = signed when both are non-negative
            if not (self.prove_nonneg(a, []) and self.prove_nonneg(b, [])):
                return []
            pred = "s" + pred[1:]
        if negate:
            pred = {"eq": "ne", "ne": "eq", "slt": "sge", "sle": "sgt", "sgt": "sle",
                    "sge": "slt"}[pred]
        return {"eq": [b - a, a - b], "ne": [], "slt": [b - a - 1], "sle": [b - a],
                "sgt": [a - b - 1], "sge": [a - b]}[pred]

    def in_bounds_where_used(self, load: tir.LoadOp) -> bool:
        """Whether the load is in bounds wherever its value is used: each use is
        an `arith.select` that picks it only when its condition proves the
        access (`select(i < n, A[i], B[i - n])`: the load may run, out of
        bounds, but then its value is dropped)."""
        return self._used_only_where(load, load.result, [], depth=0)

    def _used_only_where(self, load: tir.LoadOp, value: SSAValue, facts: list[SymExpr],
                         depth: int) -> bool:
        uses = list(value.uses)
        if not uses or depth > 4:
            return False
        for use in uses:
            select = use.operation
            if not isinstance(select, arith.SelectOp) or use.index == 0:
                if not facts or not self.in_bounds(load, facts):
                    return False
                continue
            here = facts + self._condition_facts(select.cond, use.index == 2)
            if not (self.in_bounds(load, here)
                    or self._used_only_where(load, select.result, here, depth + 1)):
                return False
        return True

    def in_bounds(self, access: tir.LoadOp | tir.StoreOp,
                  extra_facts: list[SymExpr] | None = None) -> bool:
        """Whether every index of the access is proved within the buffer's dims."""
        btype = access.buffer.type
        assert isinstance(btype, BufferType)
        facts = self.facts_at(access) + (extra_facts or [])
        for index, dim in zip(access.indices, btype.dims):
            r = self.range_of(index)
            if r.lo is None or r.hi is None or not self.fits(dim):
                return False
            if not self.prove_nonneg(r.lo, facts):
                return False
            if not self.prove_nonneg(dim - 1 - r.hi, facts):
                return False
        return True

    def data_sized(self, loop: tir.ForOp) -> bool:
        """Whether the loop runs at most as many times as some buffer has
        elements (or 2**32 times): not a loop that would run for years."""
        extent = loop.upper.data - loop.lower.data
        if self.numeric(extent)[1] <= 1 << 32:
            return True
        return any(_nonneg(c - extent) for c in self.counts)

    def unsafe_exprs(self) -> list[tuple[Operation, SymExpr]]:
        """Symbolic expressions the kernel computes at run time that could
        overflow int64: loop bounds, local buffer dims, tir.expr, composite
        dims of buffer parameters."""
        found: list[tuple[Operation, SymExpr]] = []
        for arg in self.kernel.args:
            if isinstance(arg.type, BufferType):
                found += [(self.kernel, d) for d in arg.type.dims
                          if d.as_var() is None and not self.fits(d)]
        for op in self.kernel.walk():
            exprs: list[SymExpr] = []
            if isinstance(op, tir.ForOp):
                exprs = [op.lower.data, op.upper.data]  # (the loop compares, never subtracts)
            elif isinstance(op, tir.ExprOp):
                exprs = [op.expr.data]
            elif isinstance(op, tir.AllocBufferOp):
                exprs = list(op.result.type.dims)  # type: ignore[attr-defined]
            found += [(op, e) for e in exprs if not self.fits(e)]
        return found


def _combine(kb: KernelBounds, op: Operation, rs: list[Range]) -> Range:
    """The range of an integer arith op's result from its operands' ranges."""
    def both(f, x, y):
        return None if x is None or y is None else f(x, y)

    if isinstance(op, arith.AddiOp):  # ring operations: congruences add and multiply
        return Range(both(SymExpr.__add__, rs[0].lo, rs[1].lo),
                     both(SymExpr.__add__, rs[0].hi, rs[1].hi))
    if isinstance(op, arith.SubiOp):
        return Range(both(SymExpr.__sub__, rs[0].lo, rs[1].hi),
                     both(SymExpr.__sub__, rs[0].hi, rs[1].lo))
    if isinstance(op, arith.MuliOp):
        if rs[0].exact and rs[1].exact:
            return Range.of(rs[0].lo * rs[1].lo)  # type: ignore[operator]
        for a, b in (rs, rs[::-1]):
            if b.exact and b.lo.is_const():  # type: ignore[union-attr]
                c = b.lo.value or 0  # type: ignore[union-attr]
                lo = None if a.lo is None else a.lo * c
                hi = None if a.hi is None else a.hi * c
                return Range(lo, hi) if c >= 0 else Range(hi, lo)
        return UNKNOWN
    # the other ops see machine values: a range says something only if it fits
    bits = _width(op.operands[-1].type)
    r = _combine_machine(kb, op, [kb.machine(r, bits) for r in rs])
    return Range(r.lo, r.hi, machine=True)


def _combine_machine(kb: KernelBounds, op: Operation, rs: list[Range]) -> Range:
    def low(f, x, y, either: bool):
        if x is None or y is None:
            return (x if y is None else y) if either else None
        return f(x, y)

    if isinstance(op, arith.MinSIOp):  # min <= either bound; >= needs both
        return Range(low(sym_min, rs[0].lo, rs[1].lo, False),
                     low(sym_min, rs[0].hi, rs[1].hi, True))
    if isinstance(op, arith.MaxSIOp):
        return Range(low(sym_max, rs[0].lo, rs[1].lo, True),
                     low(sym_max, rs[0].hi, rs[1].hi, False))
    if isinstance(op, arith.SelectOp):
        a, b = rs[1], rs[2]
        return Range(low(sym_min, a.lo, b.lo, False), low(sym_max, a.hi, b.hi, False))
    if isinstance(op, (arith.FloorDivSIOp, arith.CeilDivSIOp, arith.DivSIOp, arith.RemSIOp)):
        k = rs[1].lo.value if rs[1].exact else None  # type: ignore[union-attr]
        if k is None or k <= 0:
            return UNKNOWN
        a = rs[0]

        def div(x: SymExpr | None) -> SymExpr | None:
            if x is None:
                return None
            return -floordiv(-x, k) if isinstance(op, arith.CeilDivSIOp) else floordiv(x, k)

        if isinstance(op, (arith.FloorDivSIOp, arith.CeilDivSIOp)):
            return Range(div(a.lo), div(a.hi))
        nonneg = a.lo is not None and kb.prove_nonneg(a.lo, [])
        if isinstance(op, arith.DivSIOp):  # truncation = floor for a >= 0
            return Range(div(a.lo), div(a.hi)) if nonneg else UNKNOWN
        if nonneg and a.exact:
            return Range.of(a.lo % k)  # type: ignore[operator]
        lo = SymExpr.const(0) if nonneg else SymExpr.const(1 - k)
        return Range(lo, SymExpr.const(k - 1))
    return UNKNOWN


def _width(t: object) -> int:
    return t.width.data if isinstance(t, IntegerType) else 64


def _is_int(t: object) -> bool:
    return isinstance(t, (IntegerType, IndexType))


def _split_floordivs(e: SymExpr, name: str) -> SymExpr:
    """c * (x floordiv k) = (c / k) * (x - x mod k) where k divides c, for the
    terms that mention `name`: keeps x correlated with the rest of e."""
    out = SymExpr.const(0)
    for mono, coeff in e.terms:
        atom = mono[0] if len(mono) == 1 else None
        k = atom.args[1].value if isinstance(atom, Call) and atom.kind == "floordiv" else None
        if k is not None and k > 0 and coeff % k == 0 and name in _all_vars_atom(atom):
            x = atom.args[0]  # type: ignore[union-attr]
            out = out + SymExpr.const(coeff // k) * (x - floormod(x, k))
        else:
            out = out + SymExpr({mono: coeff})
    return out


def _first_min_max(e: SymExpr) -> Call | None:
    """A min or max term of e (outermost first)."""
    for mono, _ in e.terms:
        for atom in mono:
            if isinstance(atom, Call):
                if atom.kind in ("min", "max"):
                    return atom
                for arg in atom.args:
                    if (inner := _first_min_max(arg)) is not None:
                        return inner
    return None


_MAKE = {"min": sym_min, "max": sym_max, "floordiv": floordiv, "mod": floormod}


def _replace_atom(e: SymExpr, target: Call, value: SymExpr) -> SymExpr:
    """e with every occurrence of the term `target` replaced by value."""
    total = SymExpr.const(0)
    for mono, coeff in e.terms:
        term = SymExpr.const(coeff)
        for atom in mono:
            if atom == target:
                term = term * value
            elif isinstance(atom, Call):
                a, b = (_replace_atom(x, target, value) for x in atom.args)
                term = term * _MAKE[atom.kind](a, b)
            else:
                term = term * SymExpr({(atom,): 1})
        total = total + term
    return total


def _tighten(f: SymExpr) -> SymExpr:
    """f >= 0 over integers, divided by the gcd g of its non-constant
    coefficients with the constant rounded down (2 * n - 1 >= 0: n - 1 >= 0)."""
    g = 0
    for mono, coeff in f.terms:
        if mono:
            g = _gcd(g, abs(coeff))
    if g <= 1:
        return f
    return SymExpr({mono: (coeff // g if mono else coeff // g) for mono, coeff in f.terms})


def _linear_fact(f: SymExpr) -> SymExpr | None:
    """A weaker fact without floordiv terms: from f >= 0, where
    (x - k + 1) / k <= x floordiv k <= x / k, scaled to integers
    (`(n + 7) floordiv 8 - 1 >= 0` gives `n - 1 >= 0`)."""
    scale = 1
    for mono, _ in f.terms:
        for atom in mono:
            if isinstance(atom, Call) and atom.kind == "floordiv":
                k = atom.args[1].value
                if len(mono) != 1 or k is None or k <= 0:
                    return None
                scale = scale * k // _gcd(scale, k)
    if scale == 1 or scale > 1 << 20:
        return None
    out = SymExpr.const(0)
    for mono, coeff in f.terms:
        atom = mono[0] if mono else None
        if isinstance(atom, Call) and atom.kind == "floordiv":
            x, k = atom.args[0], atom.args[1].value or 1
            bound = x if coeff > 0 else x - (k - 1)
            out = out + SymExpr.const(coeff * (scale // k)) * bound
        else:
            out = out + SymExpr({mono: coeff * scale})
    return out


def _nonneg(e: SymExpr, depth: int = 3) -> bool:
    """e >= 0 for all non-negative variables, by interval bounds after
    rewriting c * (x floordiv k) as (c / k) * (x - x mod k), one divisor k at
    a time (x may hold more divisions: they are rewritten next)."""
    if e.bounds()[0] >= 0:
        return True
    if depth == 0:
        return False
    atoms = [mono[0] for mono, _ in e.terms if len(mono) == 1 and isinstance(mono[0], Call)
             and mono[0].kind == "floordiv" and (mono[0].args[1].value or 0) > 0]
    divisors = sorted({a.args[1].value for a in atoms})  # type: ignore[misc]
    return any(_nonneg(_split_divisions(e, {k}), depth - 1) for k in divisors)


def _split_divisions(e: SymExpr, divisors: set[int]) -> SymExpr:
    scale = 1
    for k in divisors:
        scale = scale * k // _gcd(scale, k)
    out = SymExpr.const(0)
    for mono, coeff in e.terms:
        c = coeff * scale
        atom = mono[0] if len(mono) == 1 else None
        if isinstance(atom, Call) and atom.kind == "floordiv" and atom.args[1].value in divisors:
            x, k = atom.args[0], atom.args[1].value
            out = out + SymExpr.const(c // k) * (x - floormod(x, k))  # type: ignore[operator]
        else:
            out = out + SymExpr({mono: c})
    return out


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def _all_vars(e: SymExpr) -> set[str]:
    return e.free_vars()


def _all_vars_atom(atom: Call) -> set[str]:
    return atom.args[0].free_vars() | atom.args[1].free_vars()


def _all_vars_atom_list(e: SymExpr) -> set[str]:
    """Variables that occur inside non-linear terms of e."""
    names: set[str] = set()
    for mono, _ in e.terms:
        for atom in mono:
            if isinstance(atom, Call):
                names |= _all_vars_atom(atom)
    return names


def _ancestors(op: Operation, kind: type):
    parent = op.parent_op()
    while parent is not None:
        if isinstance(parent, kind):
            yield parent
        parent = parent.parent_op()


def _ancestor_pairs(op: Operation):
    """(parent op, the block of it that contains op) from the innermost out."""
    child: Operation = op
    while True:
        block: Block | None = child.parent_block()
        parent = child.parent_op()
        if parent is None or block is None:
            return
        yield parent, block
        if isinstance(parent, tir.FuncOp):
            return
        child = parent
