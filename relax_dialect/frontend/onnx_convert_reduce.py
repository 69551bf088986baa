"""Converters of ONNX reductions (ReduceSum, ..., ArgMax, CumSum, TopK) and
normalizations (BatchNormalization, LayerNormalization, InstanceNormalization,
GroupNormalization, RMSNormalization, LRN, LpNormalization,
MeanVarianceNormalization).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend.onnx_convert_shape import norm_axis
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.compute_expr import is_float
from xrelax.tir.types import dtype_name

# ---- reductions ----------------------------------------------------------------------------


def _reduce_axes(node: Node) -> list[int] | None:
    """The reduced axes (None: all), from the attribute or (newer opsets) the input."""
    since = 13 if node.op_type == "ReduceSum" else 18
    axes = node.axes(1, "axes", since)
    rank = node.rank(0)
    if axes is None or len(axes) == 0:
        noop = node.attr("noop_with_empty_axes", 0) if node.opset >= since else 0
        return [] if noop else None
    return sorted({norm_axis(node, a, rank) for a in axes})


def _scalar(node: Node, value: float) -> Known:
    elem = elem_of_relax(node.dtype(0))
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


def reduce_(node: Node, kind: str) -> Value:
    axes = _reduce_axes(node)
    keepdims = bool(node.attr("keepdims", 1))
    x = node.tensor(0)
    if axes == []:
        return _elementwise_part(node, kind, x)
    props: dict[str, Any] = {"keepdims": keepdims}
    if axes is not None:
        props["axis"] = axes
    dims = node.shape(0)
    if any(isinstance(d, int) and d == 0 for d in
           (dims if axes is None else [dims[a] for a in axes])) and kind in ("max", "min"):
        raise node.fail("reducing an empty axis with max or min is not supported")
    if kind in ("sum", "mean", "max", "min", "prod"):
        if kind == "mean" and not is_float(node.dtype(0)):
            return node.op("cast", node.op("divide", node.op("sum", node.op(
                "cast", x, dtype="f64"), **props), _count(node, axes)), dtype=dtype_name(
                node.dtype(0)))
        return node.op(kind, x, **props)
    if kind == "l1":
        return node.op("sum", node.op("abs", x), **props)
    if kind == "sum_square":
        return node.op("sum", node.op("multiply", x, x), **props)
    if kind == "l2":
        if not is_float(node.dtype(0)):
            y = node.op("cast", x, dtype="f64")
            s = node.op("sqrt", node.op("sum", node.op("multiply", y, y), **props))
            return node.op("cast", s, dtype=dtype_name(node.dtype(0)))
        return node.op("sqrt", node.op("sum", node.op("multiply", x, x), **props))
    if kind == "log_sum":
        return node.op("log", node.op("sum", x, **props))
    if kind == "log_sum_exp":
        top = node.op("max", x, **{**props, "keepdims": True})
        shifted = node.op("exp", node.op("subtract", x, top))
        total = node.op("log", node.op("sum", shifted, **props))
        top = top if keepdims else node.op("max", x, **props)
        return node.op("add", total, top)
    raise AssertionError(kind)


def _count(node: Node, axes: list[int] | None) -> Known:
    from xrelax.relax.frontend.onnx_values import sym_array

    dims = node.shape(0)
    total: Any = 1
    for a in (range(len(dims)) if axes is None else axes):
        total = total * dims[a]
    return Known(sym_array([total], ()), 7) if not isinstance(total, int) else \
        Known(np.array(float(total)), 11)


def _elementwise_part(node: Node, kind: str, x: SSAValue) -> Value:
    """A reduction over no axes (noop_with_empty_axes): the element-wise part."""
    if kind == "l1":
        return node.op("abs", x)
    if kind in ("sum_square",):
        return node.op("multiply", x, x)
    if kind == "l2":
        return node.op("abs", x)
    if kind == "log_sum":
        return node.op("log", x)
    return x


for _op, _kind in (("ReduceSum", "sum"), ("ReduceMean", "mean"), ("ReduceMax", "max"),
                   ("ReduceMin", "min"), ("ReduceProd", "prod"), ("ReduceL1", "l1"),
                   ("ReduceL2", "l2"), ("ReduceSumSquare", "sum_square"),
                   ("ReduceLogSum", "log_sum"), ("ReduceLogSumExp", "log_sum_exp")):
    converter(_op)(lambda node, k=_kind: reduce_(node, k))


def _arg(node: Node, kind: str) -> Value:
    rank = node.rank(0)
    axis = norm_axis(node, node.attr("axis", 0), rank)
    keepdims = bool(node.attr("keepdims", 1))
    x = node.tensor(0)
    if node.attr("select_last_index", 0):
        # the first extreme of the reversed axis, mirrored
        d = node.shape(0)[axis]
        rev = node.op("take", x, _reversed_positions(node, d), axis=axis)
        first = node.op(kind, rev, axis=axis, keepdims=keepdims)
        last = Known(np.array(d - 1, dtype=np.int64), 7) if isinstance(d, int) else None
        if last is None:
            raise node.fail("select_last_index needs a static dim")
        return node.op("subtract", last, first)
    return node.op(kind, x, axis=axis, keepdims=keepdims)


def _reversed_positions(node: Node, d: Any) -> Known:
    if not isinstance(d, int):
        raise node.fail("select_last_index needs a static dim")
    return Known(np.arange(d - 1, -1, -1, dtype=np.int64), 7)


converter("ArgMax")(lambda node: _arg(node, "argmax"))
converter("ArgMin")(lambda node: _arg(node, "argmin"))


# ---- normalization ----------------------------------------------------------------------


@converter("BatchNormalization")
def batch_norm(node: Node) -> list[Value | None]:
    node.ignore("momentum", "is_test", "consumed_inputs")
    if node.attr("training_mode", 0):
        raise node.fail("training_mode = 1 (batch statistics) is not supported")
    if node.opset < 9 and not node.attr("spatial", 1):
        raise node.fail("spatial = 0 (per-element statistics) is not supported")
    eps = float(node.attr("epsilon", 1e-5))
    args = [node.tensor(i) for i in range(5)]
    dtype = dtype_name(node.dtype(0))
    args = [a if dtype_name(a.type.dtype) == dtype else node.op("cast", a, dtype=dtype)
            for a in args]  # type: ignore[union-attr]
    y = node.op("batch_norm", *args, axis=1, epsilon=eps)
    return [y] + [None] * (len(node.proto.output) - 1)
