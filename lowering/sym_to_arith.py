"""Emit arith ops computing a symbolic expression from its variables' values.

Used wherever symbolic shapes become run-time values: kernel loop bounds,
allocation sizes, shape checks in host code.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.dialects import arith
from xdsl.dialects.builtin import IndexType, IntegerAttr
from xdsl.ir import Operation, SSAValue

from xrelax.tir.symbolic import Call, SymExpr, Var


class SymEmitter:
    """Computes symbolic expressions as `index` values, each at most once.

    `emit_op` appends an op where the values are needed (a place that every
    later use is dominated by, e.g. a function's entry block); `env` maps each
    symbolic variable to its value.
    """

    def __init__(self, env: dict[str, SSAValue], emit_op: Callable[[Operation], None]):
        self.env = env
        self.emit_op = emit_op
        self.cache: dict[SymExpr, SSAValue] = {}
        self.consts: dict[int, SSAValue] = {}

    def _op(self, op: Operation) -> SSAValue:
        self.emit_op(op)
        return op.results[0]

    def const(self, value: int) -> SSAValue:
        if value not in self.consts:
            self.consts[value] = self._op(arith.ConstantOp(IntegerAttr(value, IndexType())))
        return self.consts[value]

    def value(self, expr: SymExpr) -> SSAValue:
        if expr in self.cache:
            return self.cache[expr]
        if expr.is_const():
            result = self.const(expr.value or 0)
        else:
            result = None
            for mono, coeff in expr.terms:
                term = self._monomial(mono, coeff)
                result = term if result is None else self._op(arith.AddiOp(result, term))
        assert result is not None
        self.cache[expr] = result
        return result

    def _monomial(self, mono: tuple, coeff: int) -> SSAValue:
        if not mono:
            return self.const(coeff)
        value = None
        for atom in mono:
            a = self._atom(atom)
            value = a if value is None else self._op(arith.MuliOp(value, a))
        assert value is not None
        if coeff != 1:
            value = self._op(arith.MuliOp(value, self.const(coeff)))
        return value

    def _atom(self, atom: Var | Call) -> SSAValue:
        if isinstance(atom, Var):
            if atom.name not in self.env:
                raise KeyError(f"symbolic variable '{atom.name}' has no run-time value here")
            return self.env[atom.name]
        a, b = (self.value(arg) for arg in atom.args)
        if atom.kind == "floordiv":
            return self._op(arith.FloorDivSIOp(a, b))
        if atom.kind == "mod":  # a - floordiv(a, b) * b has the sign of b, like Python's %
            q = self._op(arith.FloorDivSIOp(a, b))
            return self._op(arith.SubiOp(a, self._op(arith.MuliOp(q, b))))
        if atom.kind == "min":
            return self._op(arith.MinSIOp(a, b))
        return self._op(arith.MaxSIOp(a, b))
