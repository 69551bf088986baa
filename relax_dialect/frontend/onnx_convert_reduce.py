"""Converters of ONNX reductions (ReduceSum, ..., ArgMax, CumSum, TopK) and
normalizations (BatchNormalization, LayerNormalization, InstanceNormalization,
GroupNormalization, RMSNormalization, LRN, LpNormalization,
MeanVarianceNormalization).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_convert_shape import norm_axis
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import (
    Known,
    Value,
    elem_of_relax,
    numpy_dtype_of,
    sym_array,
)
from xrelax.tir.compute_expr import is_float
from xrelax.tir.types import dtype_name

# ---- reductions ----------------------------------------------------------------------------


def _reduce_axes(node: Node) -> list[int] | None:
    """The reduced axes (None: all), from the attribute or (newer opsets) the input."""
    since = 13 if node.op_type == "ReduceSum" else 18
    axes = [] if node.opset >= since and node.present(1) and node.shape(1) == [0] else \
        node.axes(1, "axes", since)
    rank = node.rank(0)
    if axes is None or len(axes) == 0:
        noop = node.attr("noop_with_empty_axes", 0) if node.opset >= since else 0
        return [] if noop else None
    return sorted({norm_axis(node, a, rank) for a in axes})


def _scalar(node: Node, value: float) -> Known:
    elem = elem_of_relax(node.dtype(0))
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


PRE = {"l1": "abs", "l2": "square", "sum_square": "square"}
COMBINE = {"sum": "sum", "mean": "sum", "l1": "sum", "l2": "sum", "sum_square": "sum",
           "log_sum": "sum", "max": "max", "min": "min", "prod": "prod"}


def _masked(node: Node, y: SSAValue, combine: str, flags: list[Any]) -> SSAValue:
    """y reduced (keeping every dim) over the axes whose run-time flag is set;
    along a reduced axis every element holds the result."""
    for a, f in enumerate(flags):
        reduced = node.op(combine, y, axis=[a], keepdims=True)
        y = node.op("where", dyn.flag_tensor(node, f), reduced, y)
    return y


def _runtime_axes_reduce(node: Node, kind: str) -> Value:
    """A reduction over axes given by a run-time tensor: the rank is known (the
    axes tensor has a static length), which axes are reduced is not."""
    keepdims = bool(node.attr("keepdims", 1))
    node.ignore("noop_with_empty_axes")  # (the axes are not empty: their length is static)
    dims = node.shape(0)
    shape = node.shape(1)
    if len(shape) != 1 or not isinstance(shape[0], int):
        raise node.fail(f"the run-time axes (#1, '{node.proto.input[1]}') must be a 1-D tensor "
                        f"of static length, not of shape {shape}")
    if dtype_name(node.dtype(1)) not in ("i32", "i64"):
        raise node.fail(f"the run-time axes (#1, '{node.proto.input[1]}') must be int64, not "
                        f"{dtype_name(node.dtype(1))}")
    count = shape[0]
    x = node.tensor(0)
    flags = dyn.runtime_values(node, "axis_flag", [node.input(1)], x, len(dims),
                               f"{dyn._base(node)}_reduced")
    ends = [d - f * d + f for d, f in zip(dims, flags)]
    if any(isinstance(d, int) and d == 0 for d in dims):
        # an empty input: if an empty axis is reduced every result is the
        # reduction of nothing, else the result is empty too
        y = node.op("full", shape=ends, fill_value=_empty_value(node, kind),
                    dtype=dtype_name(node.dtype(0)))
        return y if keepdims else node.op("reshape", y, shape=dyn.runtime_values(
            node, "kept_dim", [node.input(1)], x, len(dims) - count, dyn._base(node)))
    y = x
    if kind in PRE:
        y = node.op("abs", x) if PRE[kind] == "abs" else node.op("multiply", x, x)
    if kind == "log_sum_exp":
        top = _masked(node, x, "max", flags)
        y = node.op("add", node.op("log", _masked(node, node.op("exp", node.op(
            "subtract", x, top)), "sum", flags)), top)
    else:
        y = _masked(node, y, COMBINE[kind], flags)
    if kind == "mean":
        count_e: Any = 1
        for d, f in zip(dims, flags):
            count_e = count_e * (f * d + 1 - f)
        n = node.op("cast", node.graph.materialize(Known(sym_array([count_e], ()), 7)),
                    dtype=dtype_name(node.dtype(0)))
        y = node.op("divide", y, n)
    elif kind == "l2":
        y = node.op("sqrt", y)
    elif kind == "log_sum":
        y = node.op("log", y)
    from xrelax.relax.frontend.onnx_dynamic import _exprs

    y = node.op("strided_slice", y, axes=list(range(len(dims))), begin=_exprs([0] * len(dims)),
                end=_exprs(ends))
    if keepdims:
        return y
    kept = dyn.runtime_values(node, "kept_dim", [node.input(1)], x, len(dims) - count,
                              dyn._base(node))
    return node.op("reshape", y, shape=kept)


def _empty_value(node: Node, kind: str) -> Any:
    """The reduction of no elements."""
    import math

    from xrelax.tir.compute_expr import reduce_identity

    if kind in ("max", "min"):
        return reduce_identity(kind, node.dtype(0))
    value = {"prod": 1.0, "log_sum": -math.inf, "log_sum_exp": -math.inf,
             "mean": math.nan}.get(kind, 0.0)
    return value if is_float(node.dtype(0)) else int(0 if math.isnan(value) else value)


def reduce_(node: Node, kind: str) -> Value:
    if kind in ("max", "min") and dtype_name(node.dtype(0)) == "i1":  # any / all
        node.inputs[0] = node.op("cast", node.tensor(0), dtype="i8")
        # (> 0, not a cast: the max of no elements is the i8 minimum, -128, so
        # any() of nothing is false; all() of nothing, 127, is true)
        zero = Known(np.array(0, np.int8), elem_of_relax("i8"))
        return node.op("greater", reduce_(node, kind), zero)
    since = 13 if node.op_type == "ReduceSum" else 18
    if node.opset >= since and dyn.is_runtime(node.input(1)) and node.shape(1) != [0]:
        return _runtime_axes_reduce(node, kind)
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
    node.ignore("is_test", "consumed_inputs")
    training = bool(node.attr("training_mode", 0))
    momentum = float(node.attr("momentum", 0.9))  # (used in training only)
    if node.opset < 9 and not node.attr("spatial", 1):
        raise node.fail("spatial = 0 (per-element statistics) is not supported")
    eps = float(node.attr("epsilon", 1e-5))
    args = [node.tensor(i) for i in range(5)]
    dtype = dtype_name(node.dtype(0))
    args = [a if dtype_name(a.type.dtype) == dtype else node.op("cast", a, dtype=dtype)
            for a in args]  # type: ignore[union-attr]
    if not training:
        y = node.op("batch_norm", *args, axis=1, epsilon=eps)
        return [y] + [None] * (len(node.proto.output) - 1)
    # training_mode = 1: normalized with the batch's statistics (over every dim
    # but the channels; the variance is the population's), and the running
    # statistics moved towards them by 1 - momentum
    x, scale, bias, running_mean, running_var = args
    axes = [a for a in range(node.rank(0)) if a != 1]
    mean = node.op("mean", x, axis=axes)
    centered = node.op("subtract", x, node.op("reshape", mean, shape=[-1] + [1] * (len(axes) - 1)))
    var = node.op("mean", node.op("multiply", centered, centered), axis=axes)
    y = node.op("batch_norm", x, scale, bias, mean, var, axis=1, epsilon=eps)
    keep, move = _scalar(node, momentum), _scalar(node, 1.0 - momentum)

    def moved(old: SSAValue, new: SSAValue) -> SSAValue:
        return node.op("add", node.op("multiply", old, keep), node.op("multiply", new, move))

    return [y, moved(running_mean, mean), moved(running_var, var)]


def _stash(node: Node, x: SSAValue, stash: bool) -> SSAValue:
    """x in f32 when the statistics are stashed in f32 (stash_type = 1) and x is narrower."""
    name = dtype_name(x.type.dtype)  # type: ignore[union-attr]
    return node.op("cast", x, dtype="f32") if stash and name in ("f16", "bf16") else x


def _like(node: Node, v: SSAValue, ref: SSAValue) -> SSAValue:
    want = dtype_name(ref.type.dtype)  # type: ignore[union-attr]
    return v if dtype_name(v.type.dtype) == want else node.op("cast", v, dtype=want)  # type: ignore


def _stash_type(node: Node) -> bool:
    stash = node.attr("stash_type", 1)
    if stash not in (1, 10, 11, 16):
        raise node.fail(f"stash_type {stash} is not supported")
    return stash == 1


@converter("InstanceNormalization")
def instance_norm(node: Node) -> Value:
    eps = float(node.attr("epsilon", 1e-5))
    x = node.tensor(0)
    args = [_like(node, node.tensor(i), x) for i in (1, 2)]
    return node.op("instance_norm", x, *args, epsilon=eps)


@converter("GroupNormalization")
def group_norm(node: Node) -> Value:
    eps = float(node.attr("epsilon", 1e-5))
    groups = node.attr("num_groups")
    stash = _stash_type(node) if node.opset >= 21 else True
    x = node.tensor(0)
    c = node.shape(0)[1]
    scale, bias = node.tensor(1), node.tensor(2)
    if node.opset < 21 and node.shape(1)[0] != c:  # opset 18: one scale and bias per group
        if not isinstance(c, int):
            raise node.fail("per-group scale and bias need a static channel count")
        owner = Known(np.arange(c, dtype=np.int64) // (c // groups), 7)
        scale, bias = (node.op("take", t, owner, axis=0) for t in (scale, bias))
    xs = _stash(node, x, stash)
    scale, bias = _like(node, scale, xs), _like(node, bias, xs)
    return _like(node, node.op("group_norm", xs, scale, bias, num_groups=groups, epsilon=eps), x)


def _normalized(node: Node, i: int, dims: list[Any], axis: int, ref: SSAValue) -> SSAValue:
    """Input i (scale or bias) in the shape of the normalized dims."""
    target = dims[axis:]
    t = _like(node, node.tensor(i), ref)
    if node.shape(i) != target:
        t = node.op("broadcast_to", t, shape=target)
    return t


@converter("LayerNormalization")
def layer_norm(node: Node) -> list[Value]:
    dims = node.shape(0)
    axis = norm_axis(node, node.attr("axis", -1), len(dims))
    eps = float(node.attr("epsilon", 1e-5))
    stash = _stash_type(node)
    x = node.tensor(0)
    xs = _stash(node, x, stash)
    axes = list(range(axis, len(dims)))
    scale = _normalized(node, 1, dims, axis, xs)
    if node.present(2):
        bias = _normalized(node, 2, dims, axis, xs)
    else:
        bias = node.op("zeros", shape=dims[axis:], dtype=dtype_name(xs.type.dtype))
    wants_stats = any(node.proto.output[1:])
    if not wants_stats:
        return [_like(node, node.op("layer_norm", xs, scale, bias, axes=axes, epsilon=eps), x)]
    mean = node.op("mean", xs, axis=axes, keepdims=True)
    centered = node.op("subtract", xs, mean)
    var = node.op("mean", node.op("multiply", centered, centered), axis=axes, keepdims=True)
    inv = node.op("rsqrt", node.op("add", var, _scalar_of(node, eps, xs)))
    y = node.op("add", node.op("multiply", node.op("multiply", centered, inv), scale), bias)
    return [_like(node, y, x), mean, inv]


def _scalar_of(node: Node, value: float, like: SSAValue) -> Known:
    elem = elem_of_relax(like.type.dtype)  # type: ignore[union-attr]
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


@converter("RMSNormalization")
def rms_norm(node: Node) -> Value:
    dims = node.shape(0)
    axis = norm_axis(node, node.attr("axis", -1), len(dims))
    eps = float(node.attr("epsilon", 1e-5))
    x = node.tensor(0)
    xs = _stash(node, x, _stash_type(node))
    scale = _like(node, node.tensor(1), xs)
    y = node.op("rms_norm", xs, scale, axes=list(range(axis, len(dims))), epsilon=eps)
    return _like(node, y, x)


@converter("LRN")
def lrn(node: Node) -> Value:
    return node.op("lrn", node.tensor(0), size=node.attr("size"),
                   alpha=float(node.attr("alpha", 1e-4)), beta=float(node.attr("beta", 0.75)),
                   bias=float(node.attr("bias", 1.0)))


@converter("LpNormalization")
def lp_norm(node: Node) -> Value:
    axis = norm_axis(node, node.attr("axis", -1), node.rank(0))
    p = node.attr("p", 2)
    x = node.tensor(0)
    if p == 1:
        norm = node.op("sum", node.op("abs", x), axis=[axis], keepdims=True)
    elif p == 2:
        norm = node.op("sqrt", node.op("sum", node.op("multiply", x, x), axis=[axis],
                                       keepdims=True))
    else:
        raise node.fail(f"p must be 1 or 2, got {p}")
    # a zero norm gives 0, not 0 / 0
    zero = _scalar_of(node, 0.0, x)
    return node.op("where", node.op("equal", norm, zero), zero, node.op("divide", x, norm))


@converter("MeanVarianceNormalization")
def mean_variance_norm(node: Node) -> Value:
    axes = [norm_axis(node, a, node.rank(0)) for a in node.attr("axes", [0, 2, 3])]
    x = node.tensor(0)
    mean = node.op("mean", x, axis=axes, keepdims=True)
    centered = node.op("subtract", x, mean)
    var = node.op("mean", node.op("multiply", centered, centered), axis=axes, keepdims=True)
    std = node.op("add", node.op("sqrt", var), _scalar_of(node, 1e-9, x))
    return node.op("divide", centered, std)
