"""More element-wise relax operators: activations with parameters (leaky_relu,
elu, selu, celu, hard_sigmoid, hard_swish, softplus, softsign, mish,
thresholded_relu, shrink), logic and bit operations, integer division and
remainders in C's and numpy's conventions, and float predicates (isnan, isinf,
sign).

They share the rules of `ops_elementwise.py` (same dtypes, numpy broadcasting
for binary ops, "float" ops on float tensors only); each class docstring is
the op's definition. Float parameters (`alpha`, ...) are properties.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, opt_prop_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, tensor_operand
from xrelax.relax.ops_elementwise import BinaryOp, FloatUnaryOp, UnaryOp
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import Expr, is_bool, is_float
from xrelax.tir.types import dtype_name


def _number(props: dict[str, Any], key: str, op_name: str) -> float:
    v = props[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
        raise TypeInferenceError(f"{op_name}: {key} must be a number, got {v!r}")
    return float(v)


class ParamUnaryOp(FloatUnaryOp):
    """A float activation with float parameters (the properties in DEFAULTS)."""

    FORMULA: ClassVar[Callable[..., Expr]]

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        for key in cls.DEFAULTS:
            _number(props, key, cls.name)
        return super().infer(types, props)

    def scalar(self, x: Expr) -> Expr:
        params = {k: float(self.prop(k)) for k in self.DEFAULTS}
        return type(self).FORMULA(x, **params)


@irdl_op_definition
class LeakyReluOp(ParamUnaryOp):
    """x if x >= 0 else alpha * x (alpha: default 0.01)."""

    name = "relax.leaky_relu"
    alpha = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"alpha": 0.01}
    FORMULA: ClassVar[Callable[..., Expr]] = staticmethod(lambda x, alpha: te.if_then_else(x >= 0, x, x * alpha))


@irdl_op_definition
class EluOp(ParamUnaryOp):
    """x if x >= 0 else alpha * (exp(x) - 1) (alpha: default 1)."""

    name = "relax.elu"
    alpha = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"alpha": 1.0}
    FORMULA: ClassVar[Callable[..., Expr]] = staticmethod(lambda x, alpha: te.if_then_else(x >= 0, x, (te.exp(x) - 1.0) * alpha))


@irdl_op_definition
class SeluOp(ParamUnaryOp):
    """gamma * (x if x > 0 else alpha * (exp(x) - 1)), with the self-normalizing
    constants as defaults (alpha 1.67326..., gamma 1.05070...)."""

    name = "relax.selu"
    alpha = opt_prop_def(Attribute)
    gamma = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"alpha": 1.6732632423543772,
                                          "gamma": 1.0507009873554805}
    FORMULA: ClassVar[Callable[..., Expr]] = staticmethod(lambda x, alpha, gamma: te.if_then_else(
        x > 0, x * gamma, (te.exp(x) - 1.0) * (alpha * gamma)))


@irdl_op_definition
class CeluOp(ParamUnaryOp):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1)) (alpha: default 1, not 0)."""

    name = "relax.celu"
    alpha = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"alpha": 1.0}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        if _number(props, "alpha", cls.name) == 0:
            raise TypeInferenceError(f"{cls.name}: alpha must not be 0")
        return super().infer(types, props)

    FORMULA: ClassVar[Callable[..., Expr]] = staticmethod(lambda x, alpha: te.maximum(x, 0.0) + te.minimum(
        (te.exp(x * (1.0 / alpha)) - 1.0) * alpha, 0.0))


@irdl_op_definition
class HardSigmoidOp(ParamUnaryOp):
    """max(0, min(1, alpha * x + beta)) (alpha: default 0.2, beta: 0.5)."""

    name = "relax.hard_sigmoid"
    alpha = opt_prop_def(Attribute)
    beta = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"alpha": 0.2, "beta": 0.5}
    FORMULA: ClassVar[Callable[..., Expr]] = staticmethod(lambda x, alpha, beta: te.maximum(
        te.minimum(x * alpha + beta, 1.0), 0.0))


@irdl_op_definition
class HardSwishOp(FloatUnaryOp):
    """x * max(0, min(1, x / 6 + 1 / 2))."""

    name = "relax.hard_swish"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x: x * te.maximum(te.minimum(x * (1.0 / 6.0) + 0.5, 1.0), 0.0))


@irdl_op_definition
class SoftplusOp(FloatUnaryOp):
    """log(1 + exp(x)), computed as max(x, 0) + log(1 + exp(-|x|)) (no overflow)."""

    name = "relax.softplus"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x: te.maximum(x, 0.0) + te.log(te.exp(-te.abs(x)) + 1.0))


@irdl_op_definition
class SoftsignOp(FloatUnaryOp):
    """x / (1 + |x|)."""

    name = "relax.softsign"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x: x / (te.abs(x) + 1.0))


@irdl_op_definition
class MishOp(FloatUnaryOp):
    """x * tanh(softplus(x))."""

    name = "relax.mish"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x: x * te.tanh(
        te.maximum(x, 0.0) + te.log(te.exp(-te.abs(x)) + 1.0)))


@irdl_op_definition
class ThresholdedReluOp(ParamUnaryOp):
    """x if x > alpha else 0 (alpha: default 1)."""

    name = "relax.thresholded_relu"
    alpha = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"alpha": 1.0}
    FORMULA: ClassVar[Callable[..., Expr]] = staticmethod(lambda x, alpha: te.if_then_else(x > alpha, x, 0.0))


@irdl_op_definition
class ShrinkOp(UnaryOp):
    """x - bias if x > lambd, x + bias if x < -lambd, else 0 (bias: default 0,
    lambd: 0.5); on ints the parameters must be whole numbers."""

    name = "relax.shrink"
    bias = opt_prop_def(Attribute)
    lambd = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"bias": 0.0, "lambd": 0.5}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = super().infer(types, props)
        for key in cls.DEFAULTS:
            _number(props, key, cls.name)
        return x

    def scalar(self, x: Expr) -> Expr:
        bias, lambd = float(self.prop("bias")), float(self.prop("lambd"))
        if not is_float(x.dtype):
            # a whole threshold compares exactly; a fractional one rounds towards 0
            xl, b = te.cast("f64", x), bias
            out = te.if_then_else(xl > lambd, xl - b, te.if_then_else(xl < -lambd, xl + b, 0.0))
            return te.cast(x.dtype, out)
        return te.if_then_else(x > lambd, x - bias, te.if_then_else(x < -lambd, x + bias, 0.0))


# ---- trigonometric and hyperbolic functions ------------------------------------------------


class TrigOp(FloatUnaryOp):
    """A trigonometric or hyperbolic function of a float tensor (C's libm)."""

    def scalar(self, x: Expr) -> Expr:
        return te.trig(self.name.split(".")[1], x)


def _trig(fn: str, doc: str) -> type[TensorOp]:
    cls = type(f"{fn.capitalize()}Op", (TrigOp,), {"name": f"relax.{fn}", "__doc__": doc,
                                                   "__module__": __name__})
    return irdl_op_definition(cls)


TRIG_OPS = [_trig(fn, doc) for fn, doc in (
    ("sin", "The sine (radians)."), ("cos", "The cosine (radians)."),
    ("tan", "The tangent (radians)."), ("asin", "The arcsine (NaN outside [-1, 1])."),
    ("acos", "The arccosine (NaN outside [-1, 1])."), ("atan", "The arctangent."),
    ("sinh", "The hyperbolic sine."), ("cosh", "The hyperbolic cosine."),
    ("asinh", "The inverse hyperbolic sine."),
    ("acosh", "The inverse hyperbolic cosine (NaN below 1)."),
    ("atanh", "The inverse hyperbolic tangent (NaN outside [-1, 1])."))]


# ---- predicates and sign -----------------------------------------------------------------


class FloatPredicateOp(FloatUnaryOp):
    """A bool result of a float test."""

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = super().infer(types, props)
        assert isinstance(x, TensorType)
        return TensorType(x.dims, "bool", ndim=x.ndim)


@irdl_op_definition
class IsNanOp(FloatPredicateOp):
    """Whether x is NaN (bool result)."""

    name = "relax.isnan"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x: x != x)


@irdl_op_definition
class IsInfOp(FloatPredicateOp):
    """Whether x is +inf (if detect_positive, default true) or -inf (if
    detect_negative, default true); bool result."""

    name = "relax.isinf"
    detect_positive = opt_prop_def(Attribute)
    detect_negative = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"detect_positive": True, "detect_negative": True}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        for key in cls.DEFAULTS:
            if not isinstance(props[key], bool):
                raise TypeInferenceError(f"{cls.name}: {key} must be true or false")
        return super().infer(types, props)

    def scalar(self, x: Expr) -> Expr:
        pos, neg = self.prop("detect_positive"), self.prop("detect_negative")
        out: Expr = te.const(False, "bool")
        if pos:
            out = x == math.inf
        if neg:
            out = (out | (x == -math.inf)) if pos else (x == -math.inf)
        return out


@irdl_op_definition
class SignOp(UnaryOp):
    """-1, 0 or 1 by the sign of x; NaN stays NaN."""

    name = "relax.sign"

    def scalar(self, x: Expr) -> Expr:
        if is_float(x.dtype):
            return te.if_then_else(x > 0.0, 1.0, te.if_then_else(x < 0.0, -1.0, x * 0.0))
        one, zero = te.const(1, x.dtype), te.const(0, x.dtype)
        return te.if_then_else(x > 0, one, te.if_then_else(x < 0, zero - one, zero))


# ---- logic and bits ------------------------------------------------------------------------


class BoolBinaryOp(BinaryOp):
    """A logical op on bool tensors."""

    DTYPES: ClassVar[str] = "any"

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        t = super().infer(types, props)
        assert isinstance(t, TensorType)
        if not is_bool(t.dtype):
            raise TypeInferenceError(f"{cls.name}: needs bool tensors, got {dtype_name(t.dtype)}")
        return t


@irdl_op_definition
class LogicalAndOp(BoolBinaryOp):
    """lhs and rhs (bool)."""

    name = "relax.logical_and"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: x & y)


@irdl_op_definition
class LogicalOrOp(BoolBinaryOp):
    """lhs or rhs (bool)."""

    name = "relax.logical_or"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: x | y)


@irdl_op_definition
class LogicalXorOp(BoolBinaryOp):
    """lhs != rhs (bool)."""

    name = "relax.logical_xor"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: x != y)


@irdl_op_definition
class LogicalNotOp(UnaryOp):
    """not x (bool)."""

    name = "relax.logical_not"
    DTYPES: ClassVar[str] = "any"

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        if not is_bool(x.dtype):
            raise TypeInferenceError(f"{cls.name}: needs a bool tensor, got {dtype_name(x.dtype)}")
        return x

    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x: ~x)


class IntBinaryOp(BinaryOp):
    """A bit operation on integer tensors."""

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        t = super().infer(types, props)
        assert isinstance(t, TensorType)
        if is_float(t.dtype):
            raise TypeInferenceError(f"{cls.name}: needs integer tensors, got "
                                     f"{dtype_name(t.dtype)}")
        return t


@irdl_op_definition
class BitwiseAndOp(IntBinaryOp):
    """lhs & rhs on integers."""

    name = "relax.bitwise_and"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: x & y)


@irdl_op_definition
class BitwiseOrOp(IntBinaryOp):
    """lhs | rhs on integers."""

    name = "relax.bitwise_or"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: x | y)


@irdl_op_definition
class BitwiseXorOp(IntBinaryOp):
    """lhs ^ rhs on integers."""

    name = "relax.bitwise_xor"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: (x | y) & ~(x & y))


@irdl_op_definition
class BitwiseNotOp(UnaryOp):
    """~x on integers."""

    name = "relax.bitwise_not"

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = super().infer(types, props)
        assert isinstance(x, TensorType)
        if is_float(x.dtype):
            raise TypeInferenceError(f"{cls.name}: needs an integer tensor, got "
                                     f"{dtype_name(x.dtype)}")
        return x

    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x: ~x)


# ---- division and remainders ------------------------------------------------------------


def _unsigned(e: Expr) -> bool:
    return dtype_name(e.dtype).startswith("ui")


def _special(y: Expr) -> Expr:
    """Divisors C's division traps on: 0, and -1 (for INT_MIN)."""
    return (y == 0) if _unsigned(y) else (y == 0) | (y == -1)


def _safe(y: Expr) -> Expr:
    return te.if_then_else(_special(y), 1, y)


def _trunc_div(x: Expr, y: Expr) -> Expr:
    if is_float(x.dtype):
        q = x / y
        return te.if_then_else(q < 0.0, te.ceil(q), te.floor(q))
    q = x // _safe(y)
    if _unsigned(x):
        return te.if_then_else(y == 0, 0, q)
    exact = q * _safe(y) == x
    q = te.if_then_else(exact | ((x < 0) == (y < 0)), q, q + 1)
    return te.if_then_else(y == 0, 0, te.if_then_else(y == -1, -x, q))


@irdl_op_definition
class TruncDivideOp(BinaryOp):
    """lhs / rhs rounded towards zero (C's integer division; on floats,
    trunc(lhs / rhs)); an int division by 0 gives 0."""

    name = "relax.trunc_divide"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(_trunc_div)


def _by_infinity(x: Expr, y: Expr) -> Expr:
    """A finite float x over an infinite y: the quotient is 0 exactly, but
    x - q * y computes 0 * inf (NaN)."""
    inf = float("inf")
    return (te.abs(y) == inf) & (te.abs(x) < inf)


def _floor_mod(x: Expr, y: Expr) -> Expr:
    if is_float(x.dtype):  # x mod +-inf: x, or y when their signs differ (numpy)
        keep = (x == 0.0) | ((x < 0.0) == (y < 0.0))
        return te.if_then_else(_by_infinity(x, y), te.if_then_else(keep, x, y), x % y)
    return te.if_then_else(_special(y), 0, x % _safe(y))


@irdl_op_definition
class FloorModOp(BinaryOp):
    """The remainder with the sign of rhs (numpy's `%`, Python's); `x mod 0` is
    0 on ints, NaN on floats."""

    name = "relax.floor_mod"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(_floor_mod)


def _fmod(x: Expr, y: Expr) -> Expr:
    if is_float(x.dtype):  # (C's fmod(x, +-inf) is x)
        return te.if_then_else(_by_infinity(x, y), x, x - _trunc_div(x, y) * y)
    return te.if_then_else(_special(y), 0, x - _trunc_div(x, y) * y)


@irdl_op_definition
class TruncModOp(BinaryOp):
    """The remainder with the sign of lhs (C's `fmod` and `%`); `x mod 0` is 0
    on ints, NaN on floats."""

    name = "relax.trunc_mod"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(_fmod)


# ---- shifts --------------------------------------------------------------------------------


def _power_of_two(y: Expr) -> Expr:
    """2 ** y in y's integer dtype (0 when y is negative or at least the width)."""
    bits = y.dtype.width.data  # type: ignore[attr-defined]
    out: Expr = te.const(0, y.dtype)
    for k in range(bits):
        value = 1 << k
        if not _unsigned(y) and value >= 2 ** (bits - 1):
            value -= 2 ** bits
        out = te.if_then_else(y == k, te.const(value, y.dtype), out)
    return out


@irdl_op_definition
class LeftShiftOp(IntBinaryOp):
    """lhs << rhs on integers (bits shifted out are lost; a shift by the width
    or more gives 0)."""

    name = "relax.left_shift"
    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: x * _power_of_two(y))


@irdl_op_definition
class RightShiftOp(IntBinaryOp):
    """lhs >> rhs: on unsigned integers a shift by the width or more gives 0; on
    signed ones it is the floor division by 2 ** rhs (an arithmetic shift), and
    a shift out of [0, width) gives the sign (-1 or 0)."""

    name = "relax.right_shift"

    @staticmethod
    def _shift(x: Expr, y: Expr) -> Expr:
        p = _power_of_two(y)
        zero = te.const(0, x.dtype)
        gone = zero if _unsigned(x) else te.if_then_else(x < 0, zero - te.const(1, x.dtype), zero)
        return te.if_then_else(p == 0, gone, x // te.if_then_else(p == 0, te.const(1, x.dtype), p))

    COMPUTE: ClassVar[Callable[..., Any]] = staticmethod(lambda x, y: RightShiftOp._shift(x, y))


MATH_OPS: list[type[TensorOp]] = [
    LeakyReluOp, EluOp, SeluOp, CeluOp, HardSigmoidOp, HardSwishOp, SoftplusOp, SoftsignOp,
    MishOp, ThresholdedReluOp, ShrinkOp, IsNanOp, IsInfOp, SignOp,
    LogicalAndOp, LogicalOrOp, LogicalXorOp, LogicalNotOp,
    BitwiseAndOp, BitwiseOrOp, BitwiseXorOp, BitwiseNotOp,
    TruncDivideOp, FloorModOp, TruncModOp, LeftShiftOp, RightShiftOp, *TRIG_OPS,
]
