"""Tensors of computed values and scans along an axis: symbolic_tensor (shape
arithmetic as data), arange, one_hot, tril/triu, cumsum, topk.

Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, prop_def, result_def

from xrelax.relax.op_base import (
    TensorOp,
    TypeInferenceError,
    known_shape,
    normalize_axis,
    tensor_operand,
)
from xrelax.relax.ops_create import dtype_prop
from xrelax.relax.ops_manip import flat_index, required, sym_array, sym_list
from xrelax.relax.ops_reduce import int_list
from xrelax.relax.types import TensorType, TupleType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_bool, is_float, is_int, reduce_identity
from xrelax.tir.symbolic import SymExpr, floordiv, sym_max
from xrelax.tir.types import dtype_name

# ---- symbolic_tensor, arange ------------------------------------------------------------


class ExprPropOp(TensorOp):
    """An op whose `values`/`start`/`end`/`step` properties may be symbolic:
    `make` stores ints and SymExprs as `#tir.expr`s, keeps floats."""

    EXPR_PROPS: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def make(cls, *operands: Any, **props: Any):
        for key in cls.EXPR_PROPS:
            v = props.get(key)
            if isinstance(v, (list, tuple)):
                props[key] = sym_array(v)
            elif v is not None and not isinstance(v, float):
                props[key] = sym_array([v]).data[0]
        if isinstance(props.get("shape"), (list, tuple)):
            props["shape"] = list(props["shape"])
        return super().make(*operands, **props)


@irdl_op_definition
class SymbolicTensorOp(ExprPropOp):
    """A tensor of `shape` (static ints; default [len(values)]) and integer
    `dtype` (default i64) holding the symbolic expressions `values` in row-major
    order: `relax.symbolic_tensor {values = [n, n * 4]}` is the data of a shape
    computation (ONNX's `Shape`), evaluated where the function runs."""

    name = "relax.symbolic_tensor"
    values = prop_def(Attribute)
    shape = opt_prop_def(Attribute)
    dtype = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"shape": None, "dtype": "i64"}
    EXPR_PROPS: ClassVar[tuple[str, ...]] = ("values",)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        values = sym_list(required(props, "values", cls.name), cls.name, "values")
        shape = [len(values)] if props["shape"] is None else int_list(props["shape"], cls.name,
                                                                      "shape")
        if math.prod(shape) != len(values):
            raise TypeInferenceError(f"{cls.name}: {len(values)} values do not fill the shape "
                                     f"{shape}")
        dtype = dtype_prop(props["dtype"], cls.name)
        if not is_int(dtype):
            raise TypeInferenceError(f"{cls.name}: the dtype must be an integer type, got "
                                     f"{dtype_name(dtype)}")
        return TensorType(shape, dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        values = sym_list(self.prop("values"), self.name, "values")

        def element(*i: Any) -> Any:
            pos = flat_index(i, t.dims)
            out = te.cast(t.dtype, values[-1])
            for k in range(len(values) - 2, -1, -1):
                out = te.if_then_else(pos == k, te.cast(t.dtype, values[k]), out)
            return out

        return te.compute(t.dims, element, name="T_symbolic_tensor")


def _arange_length(start: Any, end: Any, step: Any, op_name: str) -> SymExpr:
    if any(isinstance(v, float) for v in (start, end, step)):
        if not all(isinstance(v, (int, float)) for v in (start, end, step)):
            raise TypeInferenceError(f"{op_name}: a float range needs constant start, end "
                                     "and step")
        if step == 0:
            raise TypeInferenceError(f"{op_name}: step must not be 0")
        return SymExpr.const(max(math.ceil((end - start) / step), 0))
    start, end, step = (SymExpr.lift(v) for v in (start, end, step))
    if not step.is_const() or step == 0:
        raise TypeInferenceError(f"{op_name}: step must be a non-zero integer, got {step}")
    s = step.value or 0
    span = end - start if s > 0 else start - end
    return sym_max(floordiv(span + (abs(s) - 1), abs(s)), 0)


@irdl_op_definition
class ArangeOp(ExprPropOp):
    """[start, start + step, ...) up to `end` (exclusive), of `dtype` (default
    i64): numpy.arange. start, end and step are ints or symbolic expressions
    (step a non-zero int), or all constants when one is a float. The length is
    max(ceil((end - start) / step), 0); element i is start + i * step,
    computed in the dtype."""

    name = "relax.arange"
    start = opt_prop_def(Attribute)
    end = prop_def(Attribute)
    step = opt_prop_def(Attribute)
    dtype = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"start": 0, "step": 1, "dtype": "i64"}
    EXPR_PROPS: ClassVar[tuple[str, ...]] = ("start", "end", "step")

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        dtype = dtype_prop(props["dtype"], cls.name)
        if is_bool(dtype):
            raise TypeInferenceError(f"{cls.name}: the dtype must be a number type")
        bounds = [props["start"], required(props, "end", cls.name), props["step"]]
        for v, key in zip(bounds, ("start", "end", "step")):
            if isinstance(v, float) and not is_float(dtype):
                raise TypeInferenceError(f"{cls.name}: {key} = {v} is a float but the dtype "
                                         f"is {dtype_name(dtype)}")
            if isinstance(v, bool) or not isinstance(v, (int, float, SymExpr)):
                raise TypeInferenceError(f"{cls.name}: {key} must be a number or a symbolic "
                                         f"expression, got {v!r}")
        return TensorType([_arange_length(*bounds, cls.name)], dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        start, step = self.prop("start"), self.prop("step")
        if is_float(t.dtype):
            return te.compute(t.dims, lambda i: te.cast(t.dtype, i) * float(step) + float(start),
                              name="T_arange")
        return te.compute(t.dims, lambda i: te.cast(t.dtype, i * SymExpr.lift(step).value
                                                    + SymExpr.lift(start)), name="T_arange")


# ---- cumsum, topk ------------------------------------------------------------------------


def _axis(props: dict[str, Any], op_name: str, ndim: int) -> int:
    axis = props["axis"]
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeInferenceError(f"{op_name}: axis must be an integer, got {axis!r}")
    if ndim == 0:
        raise TypeInferenceError(f"{op_name}: x must have rank >= 1")
    return normalize_axis(axis, ndim, op_name)


def _flag(props: dict[str, Any], key: str, op_name: str) -> bool:
    if not isinstance(props[key], bool):
        raise TypeInferenceError(f"{op_name}: {key} must be true or false, got {props[key]!r}")
    return props[key]


class ScanOp(TensorOp):
    """A running combination (COMBINE: "sum" or "prod") along `axis`."""

    COMBINE: ClassVar[str] = "sum"
    x = operand_def(TensorType)
    axis = opt_prop_def(Attribute)
    exclusive = opt_prop_def(Attribute)
    reverse = opt_prop_def(Attribute)
    result = result_def(TensorType)
    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": 0, "exclusive": False, "reverse": False}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        if is_bool(x.dtype):
            raise TypeInferenceError(f"{cls.name}: is not defined on bool tensors")
        _axis(props, cls.name, len(known_shape(x, cls.name)))
        _flag(props, "exclusive", cls.name)
        _flag(props, "reverse", cls.name)
        return x

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        axis = _axis(self.props(), self.name, x.ndim)
        exclusive, reverse = self.prop("exclusive"), self.prop("reverse")
        r = te.reduce_axis(x.shape[axis], "r")

        def element(*i: Any) -> Any:
            j = i[axis]
            if reverse:
                keep = r > j if exclusive else r >= j
            else:
                keep = r < j if exclusive else r <= j
            at = (*i[:axis], r, *i[axis + 1:])
            if self.COMBINE == "prod":
                return te.prod(te.if_then_else(keep, x[at], te.const(1, x.dtype)), axis=r)
            return te.sum(te.if_then_else(keep, x[at], te.const(0, x.dtype)), axis=r)

        return te.compute(x.shape, element, name=f"T_cum{self.COMBINE}")


@irdl_op_definition
class CumsumOp(ScanOp):
    """The running sum along `axis` (default 0): out[i] = sum of x[j] for j <= i
    (j < i with `exclusive`; j >= i, or j > i, with `reverse`). Numbers only;
    the result has the type of x."""

    name = "relax.cumsum"


@irdl_op_definition
class CumprodOp(ScanOp):
    """The running product along `axis` (default 0), with cumsum's `exclusive`
    and `reverse` (an empty product is 1)."""

    name = "relax.cumprod"
    COMBINE: ClassVar[str] = "prod"


@irdl_op_definition
class TopkOp(ExprPropOp):
    """The `k` largest (or with largest = false, smallest) elements along
    `axis` (default -1), in order, and their i64 indices: a tuple (values,
    indices), each of x's shape with k at the axis. Equal elements keep their
    order (the lower index first). k is an int or a symbolic expression at most
    the dim."""

    name = "relax.topk"
    x = operand_def(TensorType)
    k = prop_def(Attribute)
    axis = opt_prop_def(Attribute)
    largest = opt_prop_def(Attribute)
    result = result_def(TupleType)
    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": -1, "largest": True}
    EXPR_PROPS: ClassVar[tuple[str, ...]] = ("k",)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        dims = list(known_shape(x, cls.name))
        axis = _axis(props, cls.name, len(dims))
        _flag(props, "largest", cls.name)
        k = SymExpr.lift(required(props, "k", cls.name))
        if k.bounds()[1] < 0 or (k.is_const() and dims[axis].is_const()
                                 and (k.value or 0) > (dims[axis].value or 0)):
            raise TypeInferenceError(f"{cls.name}: k = {k} is out of range for a dim of "
                                     f"{dims[axis]}")
        dims[axis] = k
        return TupleType([TensorType(dims, x.dtype), TensorType(dims, "i64")])

    def legalize(self, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
        (x,) = inputs
        axis = _axis(self.props(), self.name, x.ndim)
        largest = self.prop("largest")
        t = self.result.type
        assert isinstance(t, TupleType)
        d = x.shape[axis]

        def at(i: Sequence[Any], v: Any) -> tuple[Any, ...]:
            return (*i[:axis], v, *i[axis + 1:])

        def rank(*i: Any) -> Any:  # how many elements come before x[i]
            j = te.reduce_axis(d, "j")
            a, b = x[at(i, j)], x[i]
            before = (a > b if largest else a < b) | ((a == b) & (j < i[axis]))
            return te.sum(te.if_then_else(before, te.const(1, "i64"), te.const(0, "i64")), axis=j)

        ranks = te.compute(x.shape, rank, name="T_topk_rank")

        def pick(values: bool) -> Any:
            def element(*i: Any) -> Any:
                j = te.reduce_axis(d, "j")
                hit = ranks[at(i, j)] == te.cast("i64", i[axis])
                if values:
                    low = te.const(reduce_identity("max", x.dtype), x.dtype)
                    return te.max(te.if_then_else(hit, x[at(i, j)], low), axis=j)
                return te.max(te.if_then_else(hit, te.cast("i64", j), te.const(-1, "i64")), axis=j)
            return element

        dims = t.types[0].dims  # type: ignore[union-attr]
        return [te.compute(dims, pick(True), name="T_topk_values"),
                te.compute(dims, pick(False), name="T_topk_indices")]


SEQUENCE_OPS: list[type[TensorOp]] = [SymbolicTensorOp, ArangeOp, CumsumOp, CumprodOp, TopkOp]
