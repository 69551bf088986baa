"""Converters of element-wise ONNX ops: arithmetic, comparisons, logic,
activations, Cast, Clip, Where, Identity, Dropout.

When every input is known at import time (a constant, or shape arithmetic),
the result is computed here with numpy (`fold`) so shape computations stay
symbolic expressions; otherwise the matching relax op is emitted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import (
    Known,
    Value,
    elem_of_relax,
    numpy_dtype_of,
    onnx_dtype_name,
    relax_dtype,
)
from xrelax.relax.types import TensorType
from xrelax.tir.compute_expr import is_bool, is_float
from xrelax.tir.symbolic import SymExpr, floordiv, floormod, sym_max, sym_min
from xrelax.tir.types import dtype_name

FOLD_LIMIT = 1 << 16  # largest numeric result computed at import time (elements)

# ---- folding ---------------------------------------------------------------------------


def _lower(v: Any) -> float:
    return SymExpr.lift(v).bounds()[0] if isinstance(v, SymExpr) else v


def _sym_div(a: Any, b: Any) -> Any:
    """ONNX integer division (towards zero) of ints and expressions."""
    if isinstance(a, SymExpr) or isinstance(b, SymExpr):
        if _lower(a) >= 0 and _lower(b) > 0:
            return floordiv(a, b)
        raise ValueError("signs unknown")
    if b == 0:
        raise ValueError("division by zero")
    q = abs(a) // abs(b)
    return q if (a < 0) == (b < 0) else -q


def _sym_mod(a: Any, b: Any) -> Any:
    if isinstance(a, SymExpr) or isinstance(b, SymExpr):
        if _lower(b) > 0 or (isinstance(b, int) and b > 0):
            return floormod(a, b)
        raise ValueError("sign unknown")
    if b == 0:
        raise ValueError("division by zero")
    return a % b


def _sym_compare(op: str) -> Callable[[Any, Any], bool]:
    def fn(a: Any, b: Any) -> bool:
        if not isinstance(a, SymExpr) and not isinstance(b, SymExpr):
            return {"eq": a == b, "lt": a < b, "gt": a > b, "le": a <= b, "ge": a >= b}[op]
        lo, hi = (SymExpr.lift(a) - SymExpr.lift(b)).bounds()
        known = {"eq": (lo == hi == 0, lo > 0 or hi < 0), "lt": (hi < 0, lo >= 0),
                 "gt": (lo > 0, hi <= 0), "le": (hi <= 0, lo > 0), "ge": (lo >= 0, hi < 0)}
        yes, no = known[op]
        if yes or no:
            return bool(yes)
        raise ValueError("undecidable")
    return fn


def _object_op(fn: Callable[..., Any], arrays: list[np.ndarray]) -> np.ndarray:
    out = np.frompyfunc(fn, len(arrays), 1)(*arrays)
    return np.asarray(out, dtype=object)


def fold(node: Node, numeric: Callable[..., np.ndarray] | None,
         symbolic: Callable[..., Any] | None = None, elem: int | None = None) -> Known | None:
    """The result computed at import time when every input is known (and a
    numeric result is small), else None. `symbolic(a, b)` computes one element
    of int / SymExpr operands; it raises ValueError when it cannot decide."""
    if not node.inputs or not all(isinstance(v, Known) for v in node.inputs):
        return None
    ks: list[Known] = node.inputs  # type: ignore[assignment]
    out_elem = elem if elem is not None else ks[0].elem
    if any(k.symbolic for k in ks):
        if symbolic is None:
            return None
        try:
            data = _object_op(symbolic, [k.data.astype(object) for k in ks])
        except (ValueError, TypeError, ZeroDivisionError):
            return None
        return Known(data, out_elem)
    if numeric is None:
        return None
    shape = np.broadcast_shapes(*(k.data.shape for k in ks))
    if math.prod(shape) > FOLD_LIMIT:
        return None
    with np.errstate(all="ignore"):
        data = numeric(*(k.data for k in ks))
    want = numpy_dtype_of(out_elem)
    if want is None:
        return None
    return Known(np.asarray(data).astype(want), out_elem)


# ---- helpers ----------------------------------------------------------------------------


def legacy_broadcast(node: Node, a: Value, b: Value) -> tuple[Value, Value]:
    """Opsets before 7: with `broadcast = 1`, B lines up with A from `axis`."""
    if node.opset >= 7:
        return a, b
    node.ignore("consumed_inputs")
    if not node.attr("broadcast", 0):
        node.read.add("axis")
        return a, b
    ra, rb = node.rank(0), node.rank(1)
    axis = node.attr("axis", ra - rb)
    if axis < 0:
        axis += ra
    if axis == ra - rb:
        return a, b
    new_shape = [*node.shape(1), *([1] * (ra - rb - axis))]
    if isinstance(b, Known):
        return a, Known(b.data.reshape([d for d in new_shape]), b.elem)
    return a, node.op("reshape", b, shape=new_shape)


def binary(node: Node, name: str, numeric: Callable[..., Any] | None,
           symbolic: Callable[..., Any] | None = None, bool_result: bool = False) -> Value:
    node.inputs[0], node.inputs[1] = legacy_broadcast(node, node.inputs[0], node.inputs[1])
    folded = fold(node, numeric, symbolic, elem=9 if bool_result else None)
    if folded is not None:
        return folded
    return node.op(name, *dyn.equal_dims(node, [node.tensor(0), node.tensor(1)]))


def unary(node: Node, name: str, numeric: Callable[..., Any] | None = None,
          symbolic: Callable[..., Any] | None = None, **props: Any) -> Value:
    node.ignore("consumed_inputs")
    folded = fold(node, numeric, symbolic)
    if folded is not None:
        return folded
    return node.op(name, node.tensor(0), **props)


def cast_to(node: Node, v: Value, dtype: str) -> SSAValue:
    x = node.graph.materialize(v)
    t = x.type
    assert isinstance(t, TensorType)
    return x if dtype_name(t.dtype) == dtype else node.op("cast", x, dtype=dtype)


def require_float(node: Node, i: int = 0) -> None:
    if not is_float(node.dtype(i)):
        raise node.fail(f"input #{i} must be a float tensor, got {dtype_name(node.dtype(i))}")


# ---- arithmetic -------------------------------------------------------------------------

for _op, _name, _np, _sym in (("Add", "add", np.add, lambda a, b: a + b),
                              ("Sub", "subtract", np.subtract, lambda a, b: a - b),
                              ("Mul", "multiply", np.multiply, lambda a, b: a * b)):
    converter(_op)(lambda node, n=_name, f=_np, s=_sym: binary(node, n, f, s))


def _np_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if np.issubdtype(a.dtype, np.integer):
        if np.any(b == 0):
            raise ValueError("division by zero")
        q = np.abs(a) // np.abs(b)
        return np.where((a < 0) == (b < 0), q, -q)
    return a / b


@converter("Div")
def div(node: Node) -> Value:
    node.inputs[0], node.inputs[1] = legacy_broadcast(node, node.inputs[0], node.inputs[1])
    try:
        folded = fold(node, _np_div, _sym_div)
    except ValueError:
        folded = None
    if folded is not None:
        return folded
    integer = not is_float(node.dtype(0))
    return node.op("trunc_divide" if integer else "divide", node.tensor(0), node.tensor(1))


@converter("Mod")
def mod(node: Node) -> Value:
    fmod = node.attr("fmod", 0)
    if fmod not in (0, 1):
        raise node.fail(f"fmod must be 0 or 1, got {fmod}")
    if fmod == 0:
        return binary(node, "floor_mod", lambda a, b: np.where(b == 0, 0, np.mod(a, np.where(
            b == 0, 1, b))), _sym_mod)
    return binary(node, "trunc_mod", lambda a, b: np.fmod(a, b) if a.dtype.kind == "f" else
                  np.where(b == 0, 0, np.fmod(a, np.where(b == 0, 1, b))))


@converter("Pow")
def pow_(node: Node) -> Value:
    base = dtype_name(node.dtype(0))
    if not is_float(node.dtype(0)):  # integer powers, exactly through f64
        if is_bool(node.dtype(0)):
            raise node.fail("Pow of a bool tensor is not defined")
        x, y = cast_to(node, node.input(0), "f64"), cast_to(node, node.input(1), "f64")
        return node.op("cast", node.op("power", x, y), dtype=base)
    y = cast_to(node, node.input(1), base)
    x = node.tensor(0)
    node.inputs[1] = y
    _, yv = legacy_broadcast(node, x, y)
    return node.op("power", x, node.graph.materialize(yv))


def variadic(node: Node, name: str, numeric: Callable[..., Any], symbolic: Any) -> Value:
    node.ignore("consumed_inputs")
    if not node.inputs:
        raise node.fail("needs at least one input")
    folded = fold(node, numeric, symbolic)
    if folded is not None:
        return folded
    out = node.tensor(0)
    for i in range(1, len(node.inputs)):
        out = node.op(name, out, node.tensor(i))
    return out


def _reduce_all(fn: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def apply(*args: Any) -> Any:
        out = args[0]
        for a in args[1:]:
            out = fn(out, a)
        return out
    return apply


converter("Sum")(lambda node: variadic(node, "add", _reduce_all(np.add),
                                        _reduce_all(lambda a, b: a + b)))
converter("Max")(lambda node: variadic(node, "maximum", _reduce_all(np.maximum),
                                        _reduce_all(sym_max)))
converter("Min")(lambda node: variadic(node, "minimum", _reduce_all(np.minimum),
                                        _reduce_all(sym_min)))


@converter("Mean")
def mean(node: Node) -> Value:
    total = variadic(node, "add", _reduce_all(np.add), None)
    count = Known(np.array(len(node.inputs), dtype=numpy_dtype_of(elem_of_relax(
        node.dtype(0)))), elem_of_relax(node.dtype(0)))
    return node.op("divide", total, count)


# ---- comparisons and logic ----------------------------------------------------------------

for _op, _name, _np, _key in (("Equal", "equal", np.equal, "eq"), ("Less", "less", np.less, "lt"),
                              ("Greater", "greater", np.greater, "gt"),
                              ("LessOrEqual", "less_equal", np.less_equal, "le"),
                              ("GreaterOrEqual", "greater_equal", np.greater_equal, "ge")):
    converter(_op)(lambda node, n=_name, f=_np, k=_key: binary(node, n, f, _sym_compare(k),
                                                               bool_result=True))

for _op, _name, _np in (("And", "logical_and", np.logical_and),
                        ("Or", "logical_or", np.logical_or),
                        ("Xor", "logical_xor", np.logical_xor),
                        ("BitwiseAnd", "bitwise_and", np.bitwise_and),
                        ("BitwiseOr", "bitwise_or", np.bitwise_or),
                        ("BitwiseXor", "bitwise_xor", np.bitwise_xor)):
    converter(_op)(lambda node, n=_name, f=_np: binary(node, n, f))

converter("Not")(lambda node: unary(node, "logical_not", np.logical_not))
converter("BitwiseNot")(lambda node: unary(node, "bitwise_not", np.invert))


@converter("Where")
def where(node: Node) -> Value:
    cond = node.known(0)
    if cond is not None and not cond.symbolic and all(node.known(i) is not None for i in (1, 2)):
        x, y = node.known(1), node.known(2)
        assert x is not None and y is not None
        if x.symbolic or y.symbolic:
            data = np.where(cond.data, x.data.astype(object), y.data.astype(object))
            return Known(np.asarray(data, dtype=object), x.elem)
        folded = fold(node, lambda c, a, b: np.where(c, a, b), elem=x.elem)
        if folded is not None:
            return folded
    return node.op("where", *dyn.equal_dims(node, [node.tensor(i) for i in range(3)]))


# ---- unary math ---------------------------------------------------------------------------

for _op, _name, _np in (("Exp", "exp", np.exp), ("Log", "log", np.log),
                        ("Sqrt", "sqrt", np.sqrt), ("Tanh", "tanh", np.tanh),
                        ("Erf", "erf", None), ("Floor", "floor", np.floor),
                        ("Ceil", "ceil", np.ceil), ("Round", "round", np.round),
                        ("Sigmoid", "sigmoid", None), ("Relu", "relu", None),
                        ("Softplus", "softplus", None), ("Softsign", "softsign", None),
                        ("Mish", "mish", None), ("IsNaN", "isnan", None),
                        ("Sign", "sign", np.sign), ("Sin", "sin", np.sin), ("Cos", "cos", np.cos),
                        ("Tan", "tan", np.tan), ("Asin", "asin", np.arcsin),
                        ("Acos", "acos", np.arccos), ("Atan", "atan", np.arctan),
                        ("Sinh", "sinh", np.sinh), ("Cosh", "cosh", np.cosh),
                        ("Asinh", "asinh", np.arcsinh), ("Acosh", "acosh", np.arccosh),
                        ("Atanh", "atanh", np.arctanh)):
    converter(_op)(lambda node, n=_name, f=_np: unary(node, n, f))

converter("Neg")(lambda node: unary(node, "neg", np.negative, lambda a: -a))
converter("Abs")(lambda node: unary(node, "abs", np.abs,
                                     lambda a: a if _lower(a) >= 0 else abs(a)))


@converter("Reciprocal")
def reciprocal(node: Node) -> Value:
    node.ignore("consumed_inputs")
    require_float(node)
    folded = fold(node, lambda x: 1 / x)
    if folded is not None:
        return folded
    one = Known(np.array(1, dtype=numpy_dtype_of(elem_of_relax(node.dtype(0)))),
                elem_of_relax(node.dtype(0)))
    return node.op("divide", one, node.tensor(0))


@converter("IsInf")
def isinf(node: Node) -> Value:
    return node.op("isinf", node.tensor(0), detect_positive=bool(node.attr("detect_positive", 1)),
                   detect_negative=bool(node.attr("detect_negative", 1)))


def _activation(op_type: str, name: str, **defaults: float) -> None:
    def convert(node: Node) -> Value:
        node.ignore("consumed_inputs")
        props = {k: float(node.attr(k, v)) for k, v in defaults.items()}
        return node.op(name, node.tensor(0), **props)
    converter(op_type)(convert)


_activation("LeakyRelu", "leaky_relu", alpha=0.01)
_activation("Elu", "elu", alpha=1.0)
_activation("Selu", "selu", alpha=1.67326319217681884765625, gamma=1.05070102214813232421875)
_activation("Celu", "celu", alpha=1.0)
_activation("HardSigmoid", "hard_sigmoid", alpha=0.2, beta=0.5)
_activation("ThresholdedRelu", "thresholded_relu", alpha=1.0)
_activation("Shrink", "shrink", bias=0.0, lambd=0.5)
converter("HardSwish")(lambda node: node.op("hard_swish", node.tensor(0)))


@converter("Gelu")
def gelu(node: Node) -> Value:
    approximate = node.attr("approximate", "none")
    if approximate not in ("none", "tanh"):
        raise node.fail(f"approximate must be 'none' or 'tanh', got '{approximate}'")
    return node.op("gelu", node.tensor(0), approximate=approximate)


@converter("Swish")
def swish(node: Node) -> Value:
    alpha = float(node.attr("alpha", 1.0))
    x = node.tensor(0)
    scaled = x if alpha == 1.0 else node.op("multiply", x, _scalar_like(node, alpha, 0))
    return node.op("multiply", x, node.op("sigmoid", scaled))


@converter("PRelu")
def prelu(node: Node) -> Value:
    node.ignore("consumed_inputs")
    x, slope = node.tensor(0), node.tensor(1)
    if node.opset < 7 and node.rank(1) == 1 and node.rank(0) >= 3:
        # before opset 7 a [C] slope applies along the channel dim (dim 1)
        slope = node.op("reshape", slope, shape=[node.shape(1)[0]] + [1] * (node.rank(0) - 2))
    zero = _scalar_like(node, 0, 0)
    return node.op("where", node.op("less", x, zero), node.op("multiply", x, slope), x)


def _scalar_like(node: Node, value: float, i: int) -> Known:
    elem = elem_of_relax(node.dtype(i))
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


# ---- casts, clip, identity ----------------------------------------------------------------


def _cast(node: Node, v: Value, elem: int) -> Value:
    dtype = relax_dtype(elem)
    if dtype is None:
        raise node.fail(f"cannot cast to {onnx_dtype_name(elem)}: relax has no such dtype")
    if isinstance(v, Known):
        if v.symbolic and dtype in ("i32", "i64", "i16"):
            return Known(v.data, elem)
        if not v.symbolic and v.data.size <= FOLD_LIMIT and numpy_dtype_of(elem) is not None:
            with np.errstate(all="ignore"):
                return Known(v.data.astype(numpy_dtype_of(elem)), elem)
    return cast_to(node, v, dtype)


@converter("Cast")
def cast(node: Node) -> Value:
    node.ignore("saturate")
    if node.attr("round_mode", "up") != "up":
        raise node.fail("only round_mode = 'up' is supported")
    return _cast(node, node.input(0), node.attr("to"))


@converter("CastLike")
def cast_like(node: Node) -> Value:
    node.ignore("saturate")
    if node.attr("round_mode", "up") != "up":
        raise node.fail("only round_mode = 'up' is supported")
    return _cast(node, node.input(0), elem_of_relax(node.dtype(1)))


@converter("BitCast")
def bit_cast(node: Node) -> Value:
    to = node.attr("to")
    target = relax_dtype(to)
    if target is None:
        raise node.fail(f"the target dtype {onnx_dtype_name(to)} is not supported")
    known = node.known(0)
    if known is not None and not known.symbolic and target != "bf16":
        data = np.ascontiguousarray(known.data)
        want = numpy_dtype_of(to)
        if data.itemsize != want.itemsize:
            raise node.fail(f"{data.dtype} and {want} differ in width")
        return Known(data.view(want), to)
    return node.op("bitcast", node.tensor(0), dtype=target)


@converter("Clip")
def clip(node: Node) -> Value:
    node.ignore("consumed_inputs")
    if node.opset < 11:
        lo, hi = node.attr("min", -math.inf), node.attr("max", math.inf)
        return node.op("clip", node.tensor(0), min=float(lo), max=float(hi))
    x = node.tensor(0)
    bounds: dict[str, Any] = {}
    for i, key, fn in ((1, "min", "maximum"), (2, "max", "minimum")):
        if not node.present(i):
            continue
        k = node.known(i)
        if k is not None and not k.symbolic and k.data.size == 1:
            v = k.data.reshape(()).item()
            bounds[key] = float(v) if is_float(node.dtype(0)) else int(v)
        else:
            x = node.op(fn, x, node.tensor(i))
    return node.op("clip", x, **bounds) if bounds else x


@converter("Identity")
def identity(node: Node) -> Value:
    v = node.input(0)
    if v is None:
        raise node.fail("input #0 is required")
    return v


@converter("Dropout")
def dropout(node: Node) -> list[Value | None]:
    node.ignore("seed", "ratio", "is_test", "consumed_inputs")
    ratio = node.known(1)
    no_drop = ratio is not None and not ratio.symbolic and float(ratio.data.reshape(-1)[0]) == 0
    if node.present(2) and not no_drop:  # (a ratio of 0 drops nothing, training or not)
        mode = node.known(2)
        if mode is None:
            raise node.fail("training_mode is a run-time tensor and the ratio is not a known "
                            "0: random dropout is not supported")
        if bool(mode.data.reshape(-1)[0]):
            raise node.fail("training_mode = true (random dropout) is not supported")
    x = node.input(0)
    assert x is not None
    mask = None
    if len(node.proto.output) > 1 and node.proto.output[1]:
        mask = node.op("ones", shape=node.shape(0), dtype="bool")
    return [x, mask]
