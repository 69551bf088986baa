"""Expression trees of the compute DSL (the bodies of `te.compute`).

An `Expr` is a typed, immutable tree: index variables (`IterVar`), symbolic
shape values, constants, tensor elements (`Load`), arithmetic, comparisons,
math functions, `if_then_else`, casts and reductions. Python operators build
it: `A[i, r] * B[r, j]`, `i * 2 + 1`, `x > 0.0`. Every node has a dtype: an
element type (`f32`, `i32`, `i1`, ...) or `index` for index arithmetic.

Typing is strict, as in MLIR: the operands of a binary op must have the same
dtype (use `cast`), except Python numbers, which take the dtype of the other
operand. `/` is float division; `//` and `%` round towards negative infinity
(Python's semantics) for ints and floats. `==` and `!=` build comparisons, so
expressions hash by identity and have no truth value.

`compute.py` turns these trees into tir ops; this file only builds and checks.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Union

from xdsl.dialects.builtin import AnyFloat, IndexType, IntegerType, Signedness, i1
from xdsl.ir import Attribute

from xrelax.tir.symbolic import SymExpr
from xrelax.tir.types import dtype_name, to_dtype

if TYPE_CHECKING:
    from xrelax.tir.compute import Tensor

INDEX = IndexType()
ExprLike = Union["Expr", SymExpr, int, float, bool]


# ---- dtypes ------------------------------------------------------------------

def as_dtype(dtype: Attribute | str) -> Attribute:
    """An element type from its name ('f32', 'bool', ...), or `index`."""
    if dtype == "index" or isinstance(dtype, IndexType):
        return INDEX
    return to_dtype(dtype)


def is_float(dtype: Attribute) -> bool:
    return isinstance(dtype, AnyFloat)


def is_bool(dtype: Attribute) -> bool:
    return dtype == i1


def is_int(dtype: Attribute) -> bool:
    """Integers wider than one bit, and `index` (both use arith's *i ops)."""
    return isinstance(dtype, IndexType) or (isinstance(dtype, IntegerType) and not is_bool(dtype))


def dtype_str(dtype: Attribute) -> str:
    return "index" if isinstance(dtype, IndexType) else dtype_name(dtype)


# ---- nodes -------------------------------------------------------------------

class Expr:
    """A node of a compute expression; see the module docstring."""

    dtype: Attribute
    __hash__ = object.__hash__

    def children(self) -> tuple[Expr, ...]:
        return ()

    def walk(self) -> Iterator[Expr]:
        """Every distinct node (a shared subtree once), parents before children."""
        seen: set[int] = set()
        stack: list[Expr] = [self]
        while stack:
            node = stack.pop()
            if id(node) not in seen:
                seen.add(id(node))
                yield node
                stack.extend(reversed(node.children()))

    def __bool__(self) -> bool:
        raise TypeError("a compute expression has no truth value: use te.if_then_else "
                        "for a choice and &, |, ~ for logic (not and/or/not/if)")

    # arithmetic
    def __add__(self, o: ExprLike) -> Expr: return binary("add", self, o)
    def __radd__(self, o: ExprLike) -> Expr: return binary("add", o, self)
    def __sub__(self, o: ExprLike) -> Expr: return binary("sub", self, o)
    def __rsub__(self, o: ExprLike) -> Expr: return binary("sub", o, self)
    def __mul__(self, o: ExprLike) -> Expr: return binary("mul", self, o)
    def __rmul__(self, o: ExprLike) -> Expr: return binary("mul", o, self)
    def __truediv__(self, o: ExprLike) -> Expr: return binary("div", self, o)
    def __rtruediv__(self, o: ExprLike) -> Expr: return binary("div", o, self)
    def __floordiv__(self, o: ExprLike) -> Expr: return binary("floordiv", self, o)
    def __rfloordiv__(self, o: ExprLike) -> Expr: return binary("floordiv", o, self)
    def __mod__(self, o: ExprLike) -> Expr: return binary("mod", self, o)
    def __rmod__(self, o: ExprLike) -> Expr: return binary("mod", o, self)
    def __pow__(self, o: ExprLike) -> Expr: return binary("pow", self, o)
    def __rpow__(self, o: ExprLike) -> Expr: return binary("pow", o, self)
    def __neg__(self) -> Expr: return unary("neg", self)
    def __abs__(self) -> Expr: return unary("abs", self)
    # logic (bool or bitwise on integers)
    def __and__(self, o: ExprLike) -> Expr: return binary("and", self, o)
    def __rand__(self, o: ExprLike) -> Expr: return binary("and", o, self)
    def __or__(self, o: ExprLike) -> Expr: return binary("or", self, o)
    def __ror__(self, o: ExprLike) -> Expr: return binary("or", o, self)
    def __invert__(self) -> Expr: return unary("not", self)
    # comparisons (reflected forms are handled by Python swapping lt/gt)
    def __lt__(self, o: ExprLike) -> Expr: return compare("lt", self, o)
    def __le__(self, o: ExprLike) -> Expr: return compare("le", self, o)
    def __gt__(self, o: ExprLike) -> Expr: return compare("gt", self, o)
    def __ge__(self, o: ExprLike) -> Expr: return compare("ge", self, o)
    def __eq__(self, o: ExprLike) -> Expr: return compare("eq", self, o)  # type: ignore[override]
    def __ne__(self, o: ExprLike) -> Expr: return compare("ne", self, o)  # type: ignore[override]


class IterVar(Expr):
    """An index variable over [0, extent): a spatial axis of a compute, or a
    reduce axis made by `reduce_axis`."""

    def __init__(self, name: str, extent: SymExpr, kind: str):
        self.name, self.extent, self.kind, self.dtype = name, extent, kind, INDEX

    def __repr__(self) -> str:
        return f"IterVar({self.name}, {self.kind}[{self.extent}])"


class SymValue(Expr):
    """The value of a symbolic shape expression (`n`, `n * 2`) as an index."""

    def __init__(self, expr: SymExpr):
        self.expr, self.dtype = expr, INDEX


class Const(Expr):
    def __init__(self, value: int | float | bool, dtype: Attribute):
        self.value, self.dtype = value, dtype


class Load(Expr):
    """An element of a tensor: `A[i, j]`."""

    def __init__(self, tensor: Tensor, indices: tuple[Expr, ...]):
        self.tensor, self.indices, self.dtype = tensor, indices, tensor.dtype

    def children(self) -> tuple[Expr, ...]:
        return self.indices


class BinOp(Expr):
    """`op` is add, sub, mul, div, floordiv, mod, pow, max, min, and, or."""

    def __init__(self, op: str, a: Expr, b: Expr):
        self.op, self.a, self.b, self.dtype = op, a, b, a.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.a, self.b)


class Compare(Expr):
    """`op` is lt, le, gt, ge, eq, ne; the result is a bool (i1)."""

    def __init__(self, op: str, a: Expr, b: Expr):
        self.op, self.a, self.b, self.dtype = op, a, b, i1

    def children(self) -> tuple[Expr, ...]:
        return (self.a, self.b)


class Unary(Expr):
    """A one-operand function (exp, log, ..., neg, abs, not) of the same dtype."""

    def __init__(self, op: str, x: Expr):
        self.op, self.x, self.dtype = op, x, x.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.x,)


class Select(Expr):
    def __init__(self, cond: Expr, a: Expr, b: Expr):
        self.cond, self.a, self.b, self.dtype = cond, a, b, a.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.cond, self.a, self.b)


class Cast(Expr):
    def __init__(self, x: Expr, dtype: Attribute):
        self.x, self.dtype = x, dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.x,)


class Reinterpret(Expr):
    """The bits of x read as another dtype of the same width (`arith.bitcast`)."""

    def __init__(self, x: Expr, dtype: Attribute):
        self.x, self.dtype = x, dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.x,)


class Reduce(Expr):
    """`combiner` (sum, prod, max, min) of `body` over every point of `axes`."""

    def __init__(self, combiner: str, body: Expr, axes: tuple[IterVar, ...]):
        self.combiner, self.body, self.axes, self.dtype = combiner, body, axes, body.dtype

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


# ---- conversion of Python values ---------------------------------------------

def as_expr(value: ExprLike, like: Attribute | None = None) -> Expr:
    """`value` as an expression; a Python number takes the dtype `like`
    (index for ints and f32 for floats when there is none)."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, SymExpr):
        return Const(value.value, INDEX) if value.is_const() else SymValue(value)
    if isinstance(value, bool):
        if like is not None and not is_bool(like):
            raise TypeError(f"a Python bool used with a {dtype_str(like)} operand")
        return Const(value, i1)
    if isinstance(value, numbers.Integral):
        dtype = INDEX if like is None else like
        if is_bool(dtype):
            raise TypeError(f"the integer {value} used with a bool operand (use True/False)")
        return Const(float(value) if is_float(dtype) else int(value), dtype)
    if isinstance(value, numbers.Real):
        dtype = as_dtype("f32") if like is None else like
        if not is_float(dtype):
            raise TypeError(f"the float constant {value} used with a {dtype_str(dtype)} "
                            "operand: use an int, or te.cast")
        return Const(float(value), dtype)
    raise TypeError(f"cannot use {value!r} in a compute expression")


def _unify(op: str, a: ExprLike, b: ExprLike) -> tuple[Expr, Expr]:
    """Both operands as expressions of one dtype (Python numbers adapt)."""
    if isinstance(a, Expr) or not isinstance(b, Expr):
        a = as_expr(a)
        b = as_expr(b, a.dtype)
    else:
        a = as_expr(a, b.dtype)
    if a.dtype != b.dtype:
        raise TypeError(f"mismatched dtypes in '{op}': {dtype_str(a.dtype)} and "
                        f"{dtype_str(b.dtype)} (convert one with te.cast)")
    return a, b


def binary(op: str, a: ExprLike, b: ExprLike) -> Expr:
    a, b = _unify(op, a, b)
    dt = a.dtype
    if op in ("and", "or"):
        if is_float(dt):
            raise TypeError(f"'{op}' needs bool or integer operands, not {dtype_str(dt)}")
    elif is_bool(dt):
        raise TypeError(f"'{op}' is not defined on bool operands (cast them first)")
    elif op == "div" and not is_float(dt):
        raise TypeError(f"'/' is float division; for {dtype_str(dt)} operands use '//' "
                        "(floor division)")
    elif op == "pow" and not is_float(dt):
        raise TypeError(f"power needs float operands, not {dtype_str(dt)}")
    return BinOp(op, a, b)


def compare(op: str, a: ExprLike, b: ExprLike) -> Expr:
    a, b = _unify(op, a, b)
    if is_bool(a.dtype) and op not in ("eq", "ne"):
        raise TypeError(f"bools compare only with == and !=, not '{op}'")
    return Compare(op, a, b)


FLOAT_FUNCS = ("exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "erf", "floor", "ceil", "round",
               *(TRIG_FUNCS := ("sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
                                "asinh", "acosh", "atanh")))


def unary(op: str, x: ExprLike) -> Expr:
    x = as_expr(x)
    if op in FLOAT_FUNCS and not is_float(x.dtype):
        raise TypeError(f"{op} needs a float operand, not {dtype_str(x.dtype)} "
                        "(convert it with te.cast)")
    if op == "not" and is_float(x.dtype):
        raise TypeError("'~' needs a bool or integer operand")
    if op in ("neg", "abs") and is_bool(x.dtype):
        raise TypeError(f"{op} is not defined on bools")
    return Unary(op, x)


# ---- the functions users call -------------------------------------------------

def exp(x: ExprLike) -> Expr: return unary("exp", x)
def log(x: ExprLike) -> Expr: return unary("log", x)
def sqrt(x: ExprLike) -> Expr: return unary("sqrt", x)
def rsqrt(x: ExprLike) -> Expr: return unary("rsqrt", x)
def tanh(x: ExprLike) -> Expr: return unary("tanh", x)
def sigmoid(x: ExprLike) -> Expr: return unary("sigmoid", x)
def erf(x: ExprLike) -> Expr: return unary("erf", x)
def trig(name: str, x: ExprLike) -> Expr:
    """A trigonometric or hyperbolic function by name (`sin`, ..., `atanh`; see TRIG_FUNCS)."""
    if name not in TRIG_FUNCS:
        raise ValueError(f"no function named {name!r} (known: {', '.join(TRIG_FUNCS)})")
    return unary(name, x)
def floor(x: ExprLike) -> Expr: return unary("floor", x)
def ceil(x: ExprLike) -> Expr: return unary("ceil", x)
def round(x: ExprLike) -> Expr: return unary("round", x)  # noqa: A001 (half to even)
def abs(x: ExprLike) -> Expr: return unary("abs", x)  # noqa: A001
def neg(x: ExprLike) -> Expr: return unary("neg", x)
def power(a: ExprLike, b: ExprLike) -> Expr: return binary("pow", a, b)
def maximum(a: ExprLike, b: ExprLike) -> Expr: return binary("max", a, b)
def minimum(a: ExprLike, b: ExprLike) -> Expr: return binary("min", a, b)


def const(value: int | float | bool, dtype: Attribute | str) -> Expr:
    """A constant of an explicit dtype: `te.const(0, "i64")`."""
    return as_expr(value, as_dtype(dtype))


def cast(dtype: Attribute | str, x: ExprLike) -> Expr:
    """`x` converted to `dtype` (ints are signed; float to int truncates)."""
    target = as_dtype(dtype)
    x = as_expr(x)
    return x if x.dtype == target else Cast(x, target)


def reinterpret(dtype: Attribute | str, x: ExprLike) -> Expr:
    """The bits of `x` as `dtype`, which has the same bit width (f32 <-> i32,
    i8 <-> ui8, ...; not bool)."""
    target, x = as_dtype(dtype), as_expr(x)
    width = {"f16": 16, "bf16": 16, "f32": 32, "f64": 64}
    bits = [width.get(dtype_str(t)) or getattr(getattr(t, "width", None), "data", None)
            for t in (x.dtype, target)]
    if is_bool(x.dtype) or is_bool(target) or bits[0] != bits[1] or bits[0] is None:
        raise ValueError(f"cannot reinterpret {dtype_str(x.dtype)} as {dtype_str(target)}: "
                         "the bit widths differ (or one is bool)")
    return x if x.dtype == target else Reinterpret(x, target)


def if_then_else(cond: ExprLike, a: ExprLike, b: ExprLike) -> Expr:
    """`a` where `cond` holds, else `b` (an `arith.select`). Both sides are
    computed, so loads inside either side get their indices clamped into the
    buffer: `if_then_else(j > 0, A[j - 1], 0.0)` pads without reading outside A."""
    cond = as_expr(cond)
    if not is_bool(cond.dtype):
        raise TypeError(f"the condition of if_then_else must be a bool, not "
                        f"{dtype_str(cond.dtype)} (compare it, e.g. x > 0)")
    a, b = _unify("if_then_else", a, b)
    return Select(cond, a, b)


def _reduce(combiner: str, body: ExprLike, axis: IterVar | Sequence[IterVar]) -> Expr:
    axes = tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)
    if not axes:
        raise ValueError(f"te.{combiner} needs at least one reduce axis")
    for ax in axes:
        if not isinstance(ax, IterVar) or ax.kind != "reduce":
            what = f"'{ax.name}', a {ax.kind} axis" if isinstance(ax, IterVar) else repr(ax)
            raise ValueError(f"te.{combiner} over {what}: reduce over axes made by "
                             "te.reduce_axis")
    if len({id(ax) for ax in axes}) != len(axes):
        raise ValueError(f"te.{combiner} lists a reduce axis twice")
    body = as_expr(body)
    if is_bool(body.dtype) or isinstance(body.dtype, IndexType):
        raise TypeError(f"te.{combiner} needs a float or integer body, not "
                        f"{dtype_str(body.dtype)} (convert it with te.cast)")
    return Reduce(combiner, body, axes)


def sum(expr: ExprLike, axis: IterVar | Sequence[IterVar]) -> Expr:  # noqa: A001
    """The sum of `expr` over the reduce axes `axis` (one or a list)."""
    return _reduce("sum", expr, axis)


def prod(expr: ExprLike, axis: IterVar | Sequence[IterVar]) -> Expr:
    return _reduce("prod", expr, axis)


def max(expr: ExprLike, axis: IterVar | Sequence[IterVar]) -> Expr:  # noqa: A001
    """A max *reduction*; the element-wise maximum of two values is `maximum`."""
    return _reduce("max", expr, axis)


def min(expr: ExprLike, axis: IterVar | Sequence[IterVar]) -> Expr:  # noqa: A001
    """A min *reduction*; the element-wise minimum of two values is `minimum`."""
    return _reduce("min", expr, axis)


def reduce_identity(combiner: str, dtype: Attribute) -> int | float:
    """The value a reduction starts from: 0, 1, -inf / +inf (or the int limits)."""
    if combiner in ("sum", "prod"):
        return {"sum": 0, "prod": 1}[combiner]
    if is_float(dtype):
        return float("-inf") if combiner == "max" else float("inf")
    assert isinstance(dtype, IntegerType)
    bits = dtype.width.data
    if dtype.signedness.data == Signedness.UNSIGNED:
        return 0 if combiner == "max" else 2 ** bits - 1
    return -(2 ** (bits - 1)) if combiner == "max" else 2 ** (bits - 1) - 1


def iter_vars_in(expr: Expr) -> list[IterVar]:
    """The distinct index variables an expression mentions, in walk order."""
    seen: dict[int, IterVar] = {}
    for node in expr.walk():
        if isinstance(node, IterVar):
            seen.setdefault(id(node), node)
    return list(seen.values())

