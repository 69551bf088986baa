"""Index expressions of a loop nest as symbolic expressions, and back.

The schedule primitives reason about *index values* (block bindings, guard
conditions, buffer indices) as `SymExpr`s whose variables are loop induction
variables, block iteration variables and the kernel's symbolic variables.
Each SSA value that stands for a variable gets a name that cannot clash with
a symbolic variable (`%v3`); `Names` keeps the mapping both ways.

- `to_expr(value, names)`: the expression an index value computes (through
  `arith` integer ops and `tir.expr`), or None when it is not one (a load);
- `Emitter`: the ops that compute an expression, inserted before an anchor
  op, with the part that only depends on symbolic variables in one
  `tir.expr` and loop-variable terms added outermost first, so the innermost
  loop variable is the last operand (`invariant + %ii`: what the vectorizer
  recognizes as a lane index);
- `interval(expr, ranges)`: bounds of an expression over loop ranges.
"""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr, IntegerType
from xdsl.ir import Block, BlockArgument, Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.symbolic import Call, SymExpr, Var, floordiv, floormod, sym_max, sym_min


_BINARY = {
    arith.AddiOp: lambda a, b: a + b,
    arith.SubiOp: lambda a, b: a - b,
    arith.MuliOp: lambda a, b: a * b,
    arith.FloorDivSIOp: floordiv,
    arith.DivSIOp: floordiv,  # index values of a valid program are non-negative
    arith.DivUIOp: floordiv,
    arith.RemSIOp: floormod,
    arith.RemUIOp: floormod,
    arith.MinSIOp: sym_min,
    arith.MinUIOp: sym_min,
    arith.MaxSIOp: sym_max,
    arith.MaxUIOp: sym_max,
}
_GUARD_OPS = (arith.CmpiOp, arith.AndIOp)


class Names:
    """Variable names for SSA values inside symbolic expressions."""

    def __init__(self) -> None:
        self.of: dict[SSAValue, str] = {}
        self.value: dict[str, SSAValue] = {}

    def var(self, value: SSAValue) -> SymExpr:
        name = self.of.get(value)
        if name is None:
            name = f"%v{len(self.of)}"
            self.of[value] = name
            self.value[name] = value
        return SymExpr.var(name)

    def name(self, value: SSAValue) -> str:
        return str(self.var(value))

    def is_value_var(self, name: str) -> bool:
        return name in self.value


def is_index_op(op: Operation) -> bool:
    """A side-effect-free op computing an index: what loop bodies may hold
    besides loops, blocks and guards."""
    if isinstance(op, tir.ExprOp) or (isinstance(op, arith.ConstantOp)
                                      and isinstance(op.result.type, (IndexType, IntegerType))):
        return True
    return type(op) in _BINARY or isinstance(op, _GUARD_OPS)


def to_expr(value: SSAValue, names: Names, leaves: dict[SSAValue, SymExpr] | None = None,
            ) -> SymExpr | None:
    """The expression `value` computes; block arguments (loop and iteration
    variables) become variables, `leaves` maps other values to expressions."""
    if leaves and value in leaves:
        return leaves[value]
    if isinstance(value, BlockArgument):
        return names.var(value)
    op = value.owner
    if isinstance(op, tir.ExprOp):
        return op.expr.data
    if isinstance(op, arith.ConstantOp) and isinstance(op.value, IntegerAttr):
        return SymExpr.const(op.value.value.data)
    fn = _BINARY.get(type(op))  # type: ignore[arg-type]
    if fn is None:
        return None
    a = to_expr(op.operands[0], names, leaves)
    b = to_expr(op.operands[1], names, leaves)
    if a is None or b is None:
        return None
    try:
        return fn(a, b)
    except ZeroDivisionError:
        return None


def guard_conditions(cond: SSAValue, names: Names) -> list[tuple[SymExpr, SymExpr]] | None:
    """A guard condition as `lhs < rhs` facts (a conjunction of comparisons)."""
    op = cond.owner
    if isinstance(op, arith.AndIOp):
        a = guard_conditions(op.lhs, names)
        b = guard_conditions(op.rhs, names)
        return None if a is None or b is None else a + b
    if not isinstance(op, arith.CmpiOp):
        return None
    lhs, rhs = to_expr(op.lhs, names), to_expr(op.rhs, names)
    if lhs is None or rhs is None:
        return None
    pred = op.predicate.value.data  # 0 eq 1 ne 2 slt 3 sle 4 sgt 5 sge 6 ult 7 ule 8 ugt 9 uge
    if pred in (2, 6):
        return [(lhs, rhs)]
    if pred in (3, 7):
        return [(lhs, rhs + 1)]
    if pred in (4, 8):
        return [(rhs, lhs)]
    if pred in (5, 9):
        return [(rhs, lhs + 1)]
    return None


# ---- intervals ------------------------------------------------------------------

Range = tuple[SymExpr, SymExpr]  # inclusive [lo, hi]


def _nonneg(e: SymExpr) -> bool:
    return e.bounds()[0] >= 0


def interval(expr: SymExpr, ranges: dict[str, Range]) -> Range | None:
    """[lo, hi] of `expr` when each variable named in `ranges` takes any value
    of its range (other variables stay as they are), or None when unknown."""
    lo, hi = SymExpr.const(0), SymExpr.const(0)
    for mono, coeff in expr.terms:
        tlo, thi = SymExpr.const(1), SymExpr.const(1)
        for atom in mono:
            r = _atom_interval(atom, ranges)
            if r is None:
                return None
            if not (_nonneg(tlo) and _nonneg(r[0])):
                return None
            tlo, thi = tlo * r[0], thi * r[1]
        if coeff >= 0:
            lo, hi = lo + tlo * coeff, hi + thi * coeff
        else:
            lo, hi = lo + thi * coeff, hi + tlo * coeff
    return lo, hi


def _atom_interval(atom: Var | Call, ranges: dict[str, Range]) -> Range | None:
    if isinstance(atom, Var):
        if atom.name in ranges:
            return ranges[atom.name]
        e = SymExpr.var(atom.name)
        return e, e
    a, b = atom.args
    if not any(v in ranges for v in a.free_vars() | b.free_vars()):
        e = SymExpr({(atom,): 1})
        return e, e
    ra = interval(a, ranges)
    if ra is None:
        return None
    if atom.kind in ("min", "max"):
        rb = interval(b, ranges)
        if rb is None:
            return None
        fn = sym_min if atom.kind == "min" else sym_max
        return fn(ra[0], rb[0]), fn(ra[1], rb[1])
    c = b.value
    if c is None or c <= 0 or not _nonneg(ra[0]):
        return None
    if atom.kind == "floordiv":
        return floordiv(ra[0], c), floordiv(ra[1], c)
    return SymExpr.const(0), SymExpr.const(c - 1)


def provably_less(lhs: SymExpr, rhs: SymExpr, ranges: dict[str, Range]) -> bool:
    """lhs < rhs for every value of the ranged variables."""
    a, b = interval(lhs, ranges), interval(rhs, ranges)
    if a is None or b is None:
        return False
    return (b[0] - a[1]).bounds()[0] >= 1


# ---- emission -------------------------------------------------------------------

class Emitter:
    """Emits the ops computing index expressions before `anchor`, each once."""

    def __init__(self, anchor: Operation, names: Names, depth: dict[str, int] | None = None):
        self.anchor = anchor
        self.names = names
        self.depth = depth or {}  # loop variable name -> nesting depth (outer first)
        self.cache: dict[SymExpr, SSAValue] = {}

    def _op(self, op: Operation) -> SSAValue:
        block = self.anchor.parent_block()
        assert block is not None
        block.insert_op_before(op, self.anchor)
        return op.results[0]

    def const(self, value: int) -> SSAValue:
        return self.value(SymExpr.const(value))

    def value(self, expr: SymExpr) -> SSAValue:
        if expr in self.cache:
            return self.cache[expr]
        local = [(m, c) for m, c in expr.terms if self._mentions_values(m)]
        invariant = SymExpr({m: c for m, c in expr.terms if not self._mentions_values(m)})
        if not local:
            if expr.is_const():
                result = self._op(arith.ConstantOp(IntegerAttr(expr.value or 0, IndexType())))
            else:
                result = self._op(tir.ExprOp(expr))
            self.cache[expr] = result
            return result
        local.sort(key=lambda mc: max(self._depth(a) for a in mc[0]))
        result: SSAValue | None = None
        if invariant != SymExpr.const(0):
            result = self.value(invariant)
        for mono, coeff in local:
            neg = coeff < 0 and result is not None
            key = SymExpr({mono: -coeff if neg else coeff})
            if key not in self.cache:
                self.cache[key] = self._term(mono, -coeff if neg else coeff)
            term = self.cache[key]
            if result is None:
                result = term
            else:
                result = self._op((arith.SubiOp if neg else arith.AddiOp)(result, term))
        assert result is not None
        self.cache[expr] = result
        return result

    def _term(self, mono: tuple, coeff: int) -> SSAValue:
        value: SSAValue | None = None
        for atom in mono:
            a = self._atom(atom)
            value = a if value is None else self._op(arith.MuliOp(value, a))
        assert value is not None
        if coeff != 1:
            value = self._op(arith.MuliOp(value, self.const(coeff)))
        return value

    def _atom(self, atom: Var | Call) -> SSAValue:
        if isinstance(atom, Var):
            if self.names.is_value_var(atom.name):
                return self.names.value[atom.name]
            return self.value(SymExpr.var(atom.name))
        key = SymExpr({(atom,): 1})
        if key in self.cache:
            return self.cache[key]
        result = self._call(atom)
        self.cache[key] = result
        return result

    def _call(self, atom: Call) -> SSAValue:
        a, b = (self.value(x) for x in atom.args)
        if atom.kind == "min":
            return self._op(arith.MinSIOp(a, b))
        if atom.kind == "max":
            return self._op(arith.MaxSIOp(a, b))
        # symbolic divisors are extents: non-negative, and never 0 where the code runs
        nonneg = atom.args[0].bounds()[0] >= 0 and atom.args[1].bounds()[0] >= 0 \
            and atom.args[1] != SymExpr.const(0)
        if atom.kind == "floordiv":
            return self._op((arith.DivSIOp if nonneg else arith.FloorDivSIOp)(a, b))
        if nonneg:
            return self._op(arith.RemSIOp(a, b))
        q = self._op(arith.FloorDivSIOp(a, b))
        return self._op(arith.SubiOp(a, self._op(arith.MuliOp(q, b))))

    def _mentions_values(self, mono: tuple) -> bool:
        return any(self._atom_mentions(a) for a in mono)

    def _atom_mentions(self, atom: Var | Call) -> bool:
        if isinstance(atom, Var):
            return self.names.is_value_var(atom.name)
        return any(self.names.is_value_var(v) for a in atom.args for v in a.free_vars())

    def _depth(self, atom: Var | Call) -> int:
        names = {atom.name} if isinstance(atom, Var) else set().union(
            *(a.free_vars() for a in atom.args))
        return max((self.depth.get(n, 0) for n in names), default=0)

    def less_than(self, pairs: list[tuple[SymExpr, SymExpr]]) -> SSAValue:
        """An i1 that holds when every `lhs < rhs`."""
        cond: SSAValue | None = None
        for lhs, rhs in pairs:
            c = self._op(arith.CmpiOp(self.value(lhs), self.value(rhs), "slt"))
            cond = c if cond is None else self._op(arith.AndIOp(cond, c))
        assert cond is not None
        return cond


def erase_dead_index_ops(values: list[SSAValue]) -> None:
    """Erase the index ops computing `values` that no longer have uses."""
    todo = [v.owner for v in values if isinstance(v.owner, Operation)]
    while todo:
        op = todo.pop()
        if not isinstance(op, Operation) or op.parent is None or not is_index_op(op):
            continue
        if any(r.uses for r in op.results):
            continue
        operands = list(op.operands)
        parent = op.parent_block()
        assert isinstance(parent, Block)
        parent.erase_op(op)
        todo += [v.owner for v in operands if isinstance(v.owner, Operation)]
