"""Element-wise relax operators: unary math, binary arithmetic with numpy
broadcasting, comparisons, `where`, `clip`, `cast`.

Each op states its semantics, its type inference and its legalization here.

Dtype rules (checked by type inference, with the op named in the error):
- operands of binary ops and `where`'s two branches have one dtype (no implicit
  promotion: use `relax.cast`); the result has that dtype, except comparisons,
  whose result is `bool`;
- "float" ops (exp, log, sqrt, rsqrt, sigmoid, tanh, erf, gelu, silu, power)
  take float tensors only; "number" ops take ints and floats, not bools;
  `floor`, `ceil` and `round` are the identity on ints (as in TVM);
- `divide` is true division on floats and *floor* division on ints (numpy's
  `//`, TVM's `floor_divide`), with numpy's answers where C's would trap:
  `x / 0 == 0` and `INT_MIN / -1 == INT_MIN` (wrapping).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, tensor_operand
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import Expr, is_bool, is_float
from xrelax.tir.symbolic import SymExpr, prove_different, prove_equal
from xrelax.tir.types import dtype_name, to_dtype

# ---- broadcasting -------------------------------------------------------------------


def broadcast_dims(shapes: Sequence[Sequence[SymExpr]], op_name: str) -> list[SymExpr]:
    """numpy broadcasting of symbolic shapes: align on the right; a dim of 1
    stretches; other dims must be provably equal."""
    ndim = max((len(s) for s in shapes), default=0)
    out: list[SymExpr] = []
    for j in range(ndim):
        dims = [s[len(s) - ndim + j] for s in shapes if len(s) - ndim + j >= 0]
        chosen: SymExpr | None = None
        for d in dims:
            if d == 1:
                continue
            if chosen is None:
                chosen = d
            elif not prove_equal(chosen, d):
                why = "they differ" if prove_different(chosen, d) else "they are not provably equal"
                raise TypeInferenceError(f"{op_name}: cannot broadcast dim {chosen} with {d} "
                                         f"({why}; use relax.match_cast to assert a shape)")
        out.append(chosen if chosen is not None else SymExpr.const(1))
    return out


def broadcast_types(types: Sequence[Attribute], op_name: str) -> tuple[list[SymExpr] | None, int | None]:
    """The broadcast shape, or (None, rank) when some operand's dims are unknown."""
    tensors = [tensor_operand(t, op_name, f"operand #{i}") for i, t in enumerate(types)]
    if all(t.dims is not None for t in tensors):
        return broadcast_dims([t.dims for t in tensors], op_name), None  # type: ignore[misc]
    ranks = [t.ndim for t in tensors]
    return None, (None if None in ranks else max(ranks))  # type: ignore[type-var]


def broadcast_index(t: te.Tensor, out_axes: Sequence[Any]) -> Any:
    """Element of `t` for the output index `out_axes`, with numpy broadcasting."""
    offset = len(out_axes) - t.ndim
    idx = [SymExpr.const(0) if d == 1 else out_axes[offset + j] for j, d in enumerate(t.shape)]
    return t[tuple(idx)] if idx else t[()]


def _same_dtype(types: Sequence[TensorType], op_name: str) -> Attribute:
    dtypes = {t.dtype for t in types}
    if len(dtypes) != 1:
        raise TypeInferenceError(f"{op_name}: operands have different dtypes "
                                 f"{', '.join(dtype_name(t.dtype) for t in types)} (use relax.cast)")
    return types[0].dtype


def _check_kind(op_name: str, dtype: Attribute, kind: str) -> None:
    """`kind` is "float" (float dtypes only), "number" (no bools) or "any"."""
    if kind == "float" and not is_float(dtype):
        raise TypeInferenceError(f"{op_name}: needs a float tensor, got {dtype_name(dtype)} "
                                 "(use relax.cast)")
    if kind == "number" and is_bool(dtype):
        raise TypeInferenceError(f"{op_name}: is not defined on bool tensors (use relax.cast)")


def _op_label(op: TensorOp) -> str:
    return f"T_{op.name.split('.')[1]}"


# ---- binary ------------------------------------------------------------------------------


class BinaryOp(TensorOp):
    """`lhs OP rhs` element-wise, with numpy broadcasting; same dtypes."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    COMPUTE: ClassVar[Callable[[Any, Any], Any]]
    BOOL_RESULT: ClassVar[bool] = False
    DTYPES: ClassVar[str] = "number"

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        a, b = (tensor_operand(t, cls.name, f"operand #{i}") for i, t in enumerate(types))
        dtype = _same_dtype([a, b], cls.name)
        _check_kind(cls.name, dtype, cls.DTYPES)
        dims, ndim = broadcast_types([a, b], cls.name)
        return TensorType(dims, "bool" if cls.BOOL_RESULT else dtype, ndim=ndim)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        a, b = inputs
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        fn = type(self).COMPUTE
        return te.compute(t.dims, lambda *i: fn(broadcast_index(a, i), broadcast_index(b, i)),
                          name=_op_label(self))


@irdl_op_definition
class AddOp(BinaryOp):
    """Element-wise sum."""

    name = "relax.add"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(lambda x, y: x + y)


@irdl_op_definition
class SubtractOp(BinaryOp):
    """Element-wise difference `lhs - rhs`."""

    name = "relax.subtract"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(lambda x, y: x - y)


@irdl_op_definition
class MultiplyOp(BinaryOp):
    """Element-wise product."""

    name = "relax.multiply"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(lambda x, y: x * y)


def _divide(x: Expr, y: Expr) -> Expr:
    if is_float(x.dtype):
        return x / y
    # floor division; a zero divisor gives 0 and -1 gives the wrapping negation,
    # as in numpy, instead of the hardware trap of sdiv
    zero, minus_one = y == 0, y == -1
    q = x // te.if_then_else(zero | minus_one, 1, y)
    return te.if_then_else(zero, 0, te.if_then_else(minus_one, -x, q))


@irdl_op_definition
class DivideOp(BinaryOp):
    """`lhs / rhs`: true division on floats; on ints, floor division (numpy's
    `//`), with `x / 0 == 0` and `INT_MIN / -1 == INT_MIN` as in numpy."""

    name = "relax.divide"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(_divide)


@irdl_op_definition
class PowerOp(BinaryOp):
    """`lhs ** rhs` on floats (C's `pow`: a negative base needs an integral exponent)."""

    name = "relax.power"
    DTYPES: ClassVar[str] = "float"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(te.power)


@irdl_op_definition
class MaximumOp(BinaryOp):
    """Element-wise maximum; NaN if either float operand is NaN (numpy's `maximum`)."""

    name = "relax.maximum"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(te.maximum)


@irdl_op_definition
class MinimumOp(BinaryOp):
    """Element-wise minimum; NaN if either float operand is NaN (numpy's `minimum`)."""

    name = "relax.minimum"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(te.minimum)


def _ordered(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """An ordering comparison that also orders bools (False < True), as numpy does."""
    def fn(x: Expr, y: Expr) -> Expr:
        if is_bool(x.dtype):
            x, y = te.cast("i8", x), te.cast("i8", y)
        return compare(x, y)
    return staticmethod(fn)  # type: ignore[return-value]


class CompareOp(BinaryOp):
    """A comparison: operands of any one dtype, a bool result; floats compare as
    IEEE does (NaN is unequal to everything, itself included)."""

    BOOL_RESULT: ClassVar[bool] = True
    DTYPES: ClassVar[str] = "any"


@irdl_op_definition
class EqualOp(CompareOp):
    """`lhs == rhs` element-wise (bool result)."""

    name = "relax.equal"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(lambda x, y: x == y)


@irdl_op_definition
class NotEqualOp(CompareOp):
    """`lhs != rhs` element-wise (bool result; true where either is NaN)."""

    name = "relax.not_equal"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(lambda x, y: x != y)


@irdl_op_definition
class LessOp(CompareOp):
    """`lhs < rhs` element-wise (bool result)."""

    name = "relax.less"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = _ordered(lambda x, y: x < y)


@irdl_op_definition
class LessEqualOp(CompareOp):
    """`lhs <= rhs` element-wise (bool result)."""

    name = "relax.less_equal"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = _ordered(lambda x, y: x <= y)


@irdl_op_definition
class GreaterOp(CompareOp):
    """`lhs > rhs` element-wise (bool result)."""

    name = "relax.greater"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = _ordered(lambda x, y: x > y)


@irdl_op_definition
class GreaterEqualOp(CompareOp):
    """`lhs >= rhs` element-wise (bool result)."""

    name = "relax.greater_equal"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = _ordered(lambda x, y: x >= y)


@irdl_op_definition
class WhereOp(TensorOp):
    """`x` where `cond` holds, else `y`, element-wise; the three operands
    broadcast together (numpy's `where`). `cond` is bool; `x` and `y` share a
    dtype, which is the result's."""

    name = "relax.where"
    cond = operand_def(TensorType)
    x = operand_def(TensorType)
    y = operand_def(TensorType)
    result = result_def(TensorType)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        c, a, b = (tensor_operand(t, cls.name, f"operand #{i}") for i, t in enumerate(types))
        if not is_bool(c.dtype):
            raise TypeInferenceError(f"{cls.name}: the condition must be a bool tensor, got "
                                     f"{dtype_name(c.dtype)} (compare it, e.g. relax.not_equal)")
        dtype = _same_dtype([a, b], cls.name)
        dims, ndim = broadcast_types([c, a, b], cls.name)
        return TensorType(dims, dtype, ndim=ndim)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        c, a, b = inputs
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        return te.compute(t.dims, lambda *i: te.if_then_else(
            broadcast_index(c, i), broadcast_index(a, i), broadcast_index(b, i)),
            name=_op_label(self))


# ---- unary ---------------------------------------------------------------------------------


class UnaryOp(TensorOp):
    """`f(x)` element-wise; the result has the type of x."""

    x = operand_def(TensorType)
    result = result_def(TensorType)

    COMPUTE: ClassVar[Callable[[Any], Any]]
    DTYPES: ClassVar[str] = "number"

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        _check_kind(cls.name, x.dtype, cls.DTYPES)
        return x

    def scalar(self, x: Expr) -> Expr:
        """The result element for the operand element `x`."""
        return type(self).COMPUTE(x)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        return te.compute(x.shape, lambda *i: self.scalar(x[i] if i else x[()]),
                          name=_op_label(self))


class FloatUnaryOp(UnaryOp):
    """A unary op defined on float tensors only."""

    DTYPES: ClassVar[str] = "float"


@irdl_op_definition
class ReluOp(UnaryOp):
    """max(x, 0)."""

    name = "relax.relu"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(lambda x: te.maximum(x, 0))


@irdl_op_definition
class NegOp(UnaryOp):
    """-x (wrapping on ints)."""

    name = "relax.neg"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.neg)


@irdl_op_definition
class AbsOp(UnaryOp):
    """|x| (on ints, |INT_MIN| wraps to INT_MIN, as in numpy)."""

    name = "relax.abs"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.abs)


@irdl_op_definition
class ExpOp(FloatUnaryOp):
    """e ** x."""

    name = "relax.exp"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.exp)


@irdl_op_definition
class LogOp(FloatUnaryOp):
    """The natural logarithm (-inf at 0, NaN below)."""

    name = "relax.log"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.log)


@irdl_op_definition
class SqrtOp(FloatUnaryOp):
    """The square root (NaN below 0)."""

    name = "relax.sqrt"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.sqrt)


@irdl_op_definition
class RsqrtOp(FloatUnaryOp):
    """1 / sqrt(x)."""

    name = "relax.rsqrt"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.rsqrt)


@irdl_op_definition
class SigmoidOp(FloatUnaryOp):
    """1 / (1 + exp(-x))."""

    name = "relax.sigmoid"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.sigmoid)


@irdl_op_definition
class TanhOp(FloatUnaryOp):
    """The hyperbolic tangent."""

    name = "relax.tanh"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.tanh)


@irdl_op_definition
class ErfOp(FloatUnaryOp):
    """The error function."""

    name = "relax.erf"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(te.erf)


def _gelu(x: Expr, approximate: str) -> Expr:
    if approximate == "tanh":
        inner = math.sqrt(2 / math.pi) * (x + 0.044715 * (x * x * x))
        return 0.5 * x * (1.0 + te.tanh(inner))
    return 0.5 * x * (1.0 + te.erf(x * (1 / math.sqrt(2))))


@irdl_op_definition
class GeluOp(FloatUnaryOp):
    """The Gaussian error linear unit. Property `approximate`: "none" (the
    default) is the exact `0.5 * x * (1 + erf(x / sqrt(2)))`; "tanh" is
    `0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x**3)))`."""

    name = "relax.gelu"
    approximate = opt_prop_def(Attribute)  # checked by infer, which names the op
    DEFAULTS: ClassVar[dict[str, Any]] = {"approximate": "none"}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        if props["approximate"] not in ("none", "tanh"):
            raise TypeInferenceError(f'{cls.name}: approximate must be "none" or "tanh", '
                                     f"got {props['approximate']!r}")
        return super().infer(types, props)

    def scalar(self, x: Expr) -> Expr:
        return _gelu(x, self.prop("approximate"))


@irdl_op_definition
class SiluOp(FloatUnaryOp):
    """x * sigmoid(x) (also called swish)."""

    name = "relax.silu"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(lambda x: x * te.sigmoid(x))


def _float_only(fn: Callable[[Expr], Expr]) -> Callable[[Expr], Expr]:
    """`fn` on floats, the identity on ints (an int is already integral)."""
    return staticmethod(lambda x: fn(x) if is_float(x.dtype) else x)  # type: ignore[return-value]


@irdl_op_definition
class FloorOp(UnaryOp):
    """The largest integer <= x (the identity on ints)."""

    name = "relax.floor"
    COMPUTE: ClassVar[Callable[[Any], Any]] = _float_only(te.floor)


@irdl_op_definition
class CeilOp(UnaryOp):
    """The smallest integer >= x (the identity on ints)."""

    name = "relax.ceil"
    COMPUTE: ClassVar[Callable[[Any], Any]] = _float_only(te.ceil)


@irdl_op_definition
class RoundOp(UnaryOp):
    """The nearest integer, halves to even (numpy's `round`: 2.5 -> 2, -0.5 -> -0);
    the identity on ints."""

    name = "relax.round"
    COMPUTE: ClassVar[Callable[[Any], Any]] = _float_only(te.round)


@irdl_op_definition
class ClipOp(UnaryOp):
    """min(max(x, min), max). Properties `min` and `max` are numbers (floats
    or ints), each optional (default: unbounded); min <= max. On int tensors
    the bounds must be integral. NaN in x stays NaN."""

    name = "relax.clip"
    min = opt_prop_def(Attribute)  # checked by infer, which names the op
    max = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"min": -math.inf, "max": math.inf}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = super().infer(types, props)
        lo, hi = props["min"], props["max"]
        for what, v in (("min", lo), ("max", hi)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
                raise TypeInferenceError(f"{cls.name}: {what} must be a number, got {v!r}")
            dtype = x.dtype  # type: ignore[union-attr]
            if is_float(dtype) or math.isinf(v):
                continue
            if float(v) != int(v):
                raise TypeInferenceError(f"{cls.name}: {what} = {v} is not an integer, but "
                                         f"the tensor is {dtype_name(dtype)}")
            bits = dtype.width.data
            if not -(2 ** (bits - 1)) <= v < 2 ** (bits - 1):
                raise TypeInferenceError(f"{cls.name}: {what} = {v} is out of the range of "
                                         f"{dtype_name(dtype)}")
        if lo > hi:
            raise TypeInferenceError(f"{cls.name}: min ({lo}) is greater than max ({hi})")
        return x

    def scalar(self, x: Expr) -> Expr:
        for bound, fn in ((self.prop("min"), te.maximum), (self.prop("max"), te.minimum)):
            if not math.isinf(bound):
                x = fn(x, float(bound) if is_float(x.dtype) else int(bound))
        return x


@irdl_op_definition
class CastOp(UnaryOp):
    """x converted to the dtype named by property `dtype` ("f16", "i32", "bool",
    ...), as numpy's `astype`: float to int truncates towards zero (values out
    of range are undefined), anything to bool is `x != 0`, bool is 0 / 1."""

    name = "relax.cast"
    dtype = opt_prop_def(Attribute)  # required; checked by infer, which names the op
    DTYPES: ClassVar[str] = "any"

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = super().infer(types, props)
        if "dtype" not in props:
            raise TypeInferenceError(f'{cls.name}: needs the property dtype (e.g. {{dtype = "f16"}})')
        name = props["dtype"]
        if not isinstance(name, (str, Attribute)):
            raise TypeInferenceError(f'{cls.name}: the property dtype must name a dtype ("f16", '
                                     f'"i32", "bool", ...), got {name!r}')
        try:
            dtype = to_dtype(name)
        except ValueError as err:
            raise TypeInferenceError(f"{cls.name}: {err}") from None
        assert isinstance(x, TensorType)
        return TensorType(x.dims, dtype, ndim=x.ndim)

    def scalar(self, x: Expr) -> Expr:
        assert isinstance(self.result.type, TensorType)
        return te.cast(self.result.type.dtype, x)


ELEMENTWISE_OPS: list[type[TensorOp]] = [
    AddOp, SubtractOp, MultiplyOp, DivideOp, PowerOp, MaximumOp, MinimumOp,
    EqualOp, NotEqualOp, LessOp, LessEqualOp, GreaterOp, GreaterEqualOp, WhereOp,
    ReluOp, NegOp, AbsOp, ExpOp, LogOp, SqrtOp, RsqrtOp, SigmoidOp, TanhOp, ErfOp,
    GeluOp, SiluOp, FloorOp, CeilOp, RoundOp, ClipOp, CastOp,
]
