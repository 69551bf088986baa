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

from xrelax.relax.op_base import TensorOp, TypeInferenceError, normalize_axis, tensor_operand
from xrelax.relax.ops_create import dtype_prop, scalar_of
from xrelax.relax.ops_manip import flat_index, required, result_dims, sym_array, sym_list
from xrelax.relax.ops_reduce import int_list, product
from xrelax.relax.types import TensorType, TupleType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_bool, is_float, is_int
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


SEQUENCE_OPS: list[type[TensorOp]] = [SymbolicTensorOp, ArangeOp]
