"""Converters of ONNX indexing, scanning and quantization ops: GatherElements,
GatherND, Scatter / ScatterElements / ScatterND, CumSum, TopK, Einsum, Resize /
Upsample, QuantizeLinear, DequantizeLinear (per tensor, per axis or blocked),
DynamicQuantizeLinear, and the
losses NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax import ops as rx
from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_convert_shape import norm_axis
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.compute_expr import is_float
from xrelax.tir.types import dtype_name

# ---- gathers and scatters ---------------------------------------------------------------


@converter("GatherElements")
def gather_elements(node: Node) -> Value:
    axis = norm_axis(node, node.attr("axis", 0), node.rank(0))
    return node.op("gather_elements", node.tensor(0), node.tensor(1), axis=axis)


@converter("GatherND")
def gather_nd(node: Node) -> Value:
    return node.op("gather_nd", node.tensor(0), node.tensor(1),
                   batch_dims=node.attr("batch_dims", 0))


@converter("Scatter", "ScatterElements")
def scatter_elements(node: Node) -> Value:
    axis = norm_axis(node, node.attr("axis", 0), node.rank(0))
    reduction = node.attr("reduction", "none")
    return node.op("scatter_elements", node.tensor(0), node.tensor(1), node.tensor(2),
                   axis=axis, reduction=reduction)


@converter("ScatterND")
def scatter_nd(node: Node) -> Value:
    return node.op("scatter_nd", node.tensor(0), node.tensor(1), node.tensor(2),
                   reduction=node.attr("reduction", "none"))


# ---- scans ----------------------------------------------------------------------------------


@converter("CumSum", "CumProd")
def cumsum(node: Node) -> Value:
    flags = {"exclusive": bool(node.attr("exclusive", 0)), "reverse": bool(node.attr("reverse", 0))}
    name = "cumsum" if node.op_type == "CumSum" else "cumprod"
    rank = node.rank(0)
    if not dyn.is_runtime(node.input(1)):
        axis = norm_axis(node, int(node.require_known(1, "axis").items()[0]), rank)
        return node.op(name, node.tensor(0), axis=axis, **flags)
    # a run-time axis: the sum along each axis, the one named chosen
    axis = node.op("reshape", node.op("cast", node.tensor(1), dtype="i64"), shape=[])
    axis = node.op("floor_mod", axis, Known(np.array(rank, np.int64), 7))
    out = node.op(name, node.tensor(0), axis=rank - 1, **flags)
    for a in range(rank - 2, -1, -1):
        pick = node.op("equal", axis, Known(np.array(a, np.int64), 7))
        out = node.op("where", pick, node.op(name, node.tensor(0), axis=a, **flags), out)
    return out


@converter("TopK")
def topk(node: Node) -> list[Value]:
    axis = norm_axis(node, node.attr("axis", -1), node.rank(0))
    largest = bool(node.attr("largest", 1))
    node.ignore("sorted")  # the results are always sorted, which any order allows
    if node.opset < 10:
        k: Any = node.attr("k")
    elif dyn.is_runtime(node.input(1)):
        (k,) = dyn.runtime_values(node, "value", [node.input(1)], node.input(0), 1,
                                  dyn._base(node))
    else:
        k = node.require_known(1, "K").items()[0]
    t = node.op("topk", node.tensor(0), k=k, axis=axis, largest=largest)
    return [node.emit(rx.GetItemOp(t, 0)), node.emit(rx.GetItemOp(t, 1))]


# ---- einsum -----------------------------------------------------------------------------------


@converter("Einsum")
def einsum(node: Node) -> Value:
    equation = node.attr("equation").replace(" ", "")
    operands = [node.tensor(i) for i in range(len(node.inputs))]
    return node.op("einsum", *operands, subscripts=equation)


# ---- quantization ---------------------------------------------------------------------------


def _per_axis(node: Node, v: SSAValue, axis: int, rank: int) -> SSAValue:
    """A 1-D scale or zero point along `axis` of a rank-`rank` tensor, broadcastable."""
    dims = v.type.dims  # type: ignore[union-attr]
    if len(dims) == 0 or rank == 0 or (len(dims) == 1 and dims[0] == 1):
        return v
    if len(dims) != 1:
        raise node.fail("blocked quantization (a scale of rank > 1) is not supported")
    axis = norm_axis(node, axis, rank)
    shape = [1] * rank
    shape[axis] = dims[0]
    return node.op("reshape", v, shape=shape)


def _scale_of(node: Node, v: SSAValue, axis: int, rank: int, block: int) -> SSAValue:
    """A scale or zero point broadcastable to x: per tensor or per axis, or
    (block > 0) with the rank of x, each entry along `axis` covering `block`
    consecutive elements of x."""
    if block < 0:
        raise node.fail(f"block_size must not be negative, got {block}")
    if block == 0:
        return _per_axis(node, v, axis, rank)
    if v.type.ndim != rank:  # type: ignore[union-attr]
        raise node.fail(f"blocked quantization needs a scale of the rank of x ({rank}), got "
                        f"{v.type}")  # type: ignore[union-attr]
    axis = norm_axis(node, axis, rank)
    extent = node.shape(0)[axis]
    owner = node.op("divide", node.op("arange", end=extent),  # (floor division on ints)
                    Known(np.array(block, np.int64), 7))
    return node.op("take", v, owner, axis=axis)


def _cast(node: Node, v: SSAValue, dtype: str) -> SSAValue:
    return v if dtype_name(v.type.dtype) == dtype else node.op("cast", v, dtype=dtype)  # type: ignore


QUANT_RANGES = {"i8": (-128, 127), "ui8": (0, 255), "i16": (-32768, 32767), "i32": (-2**31, 2**31 - 1)}


@converter("DequantizeLinear")
def dequantize(node: Node) -> Value:
    block = node.attr("block_size", 0)
    rank = node.rank(0)
    axis = node.attr("axis", 1)
    scale = node.tensor(1)
    out = dtype_name(scale.type.dtype)  # type: ignore[union-attr]
    if node.has("output_dtype"):
        from xrelax.relax.frontend.onnx_values import relax_dtype

        out = relax_dtype(node.attr("output_dtype")) or out
    x = _cast(node, node.tensor(0), "f32")
    if node.present(2):
        zp = _cast(node, node.tensor(2), "f32")
        x = node.op("subtract", x, _scale_of(node, zp, axis, rank, block))
    y = node.op("multiply", x, _scale_of(node, _cast(node, scale, "f32"), axis, rank, block))
    return _cast(node, y, out)


@converter("QuantizeLinear")
def quantize(node: Node) -> Value:
    block = node.attr("block_size", 0)
    node.ignore("saturate", "precision")
    rank = node.rank(0)
    axis = node.attr("axis", 1)
    target = "ui8"
    if node.present(2):
        target = dtype_name(node.dtype(2))
    elif node.has("output_dtype"):
        from xrelax.relax.frontend.onnx_values import relax_dtype

        target = relax_dtype(node.attr("output_dtype")) or ""
    if target not in QUANT_RANGES:
        raise node.fail(f"quantizing to {target or 'this dtype'} is not supported")
    lo, hi = QUANT_RANGES[target]
    x = _cast(node, node.tensor(0), "f32")
    y = node.op("round", node.op("divide", x, _scale_of(
        node, _cast(node, node.tensor(1), "f32"), axis, rank, block)))
    if node.present(2):
        y = node.op("add", y, _scale_of(node, _cast(node, node.tensor(2), "f32"), axis, rank,
                                        block))
    return node.op("cast", node.op("clip", y, min=float(lo), max=float(hi)), dtype=target)


@converter("DynamicQuantizeLinear")
def dynamic_quantize(node: Node) -> list[Value]:
    x = _cast(node, node.tensor(0), "f32")
    zero = Known(np.array(0.0, np.float32), 1)
    lo = node.op("minimum", node.op("min", x), zero)
    hi = node.op("maximum", node.op("max", x), zero)
    scale = node.op("divide", node.op("subtract", hi, lo), Known(np.array(255.0, np.float32), 1))
    zp_f = node.op("clip", node.op("round", node.op("subtract", zero, node.op(
        "divide", lo, scale))), min=0.0, max=255.0)
    y = node.op("clip", node.op("add", node.op("round", node.op("divide", x, scale)), zp_f),
                min=0.0, max=255.0)
    return [node.op("cast", y, dtype="ui8"), scale, node.op("cast", zp_f, dtype="ui8")]


# ---- losses -----------------------------------------------------------------------------------


def _nll(node: Node, log_prob: SSAValue, target: SSAValue, weight: SSAValue | None,
         reduction: str, ignore: int | None) -> SSAValue:
    """mean / sum / none of -log_prob[n, target[n, ...], ...] * weight[target]."""
    dims = node.shape(0) if node.op_type == "NegativeLogLikelihoodLoss" else list(
        log_prob.type.dims)  # type: ignore[union-attr]
    c = dims[1]
    t = _cast(node, target, "i64")
    if ignore is not None:
        keep = node.op("not_equal", t, Known(np.array(ignore, np.int64), 7))
        t = node.op("where", keep, t, Known(np.array(0, np.int64), 7))
    picked = node.op("gather_elements", log_prob, node.op("expand_dims", t, axis=[1]), axis=1)
    loss = node.op("neg", node.op("squeeze", picked, axis=[1]))
    w = None
    if weight is not None:
        w = node.op("take", weight, t, axis=0)
    if ignore is not None:
        mask = _cast(node, keep, dtype_name(log_prob.type.dtype))  # type: ignore[union-attr]
        w = mask if w is None else node.op("multiply", w, mask)
    if w is not None:
        loss = node.op("multiply", loss, w)
    del c
    if reduction == "none":
        return loss
    total = node.op("sum", loss)
    if reduction == "sum":
        return total
    if reduction != "mean":
        raise node.fail(f"reduction '{reduction}' is not supported")
    if w is None:
        count = 1
        for d in loss.type.dims:  # type: ignore[union-attr]
            count = count * d
        elem = elem_of_relax(log_prob.type.dtype)  # type: ignore[union-attr]
        if hasattr(count, "is_const") and not count.is_const():
            raise node.fail("the mean over a symbolic batch is not supported")
        n = Known(np.array(float(count.value if hasattr(count, "value") else count),
                           numpy_dtype_of(elem)), elem)
        return node.op("divide", total, n)
    return node.op("divide", total, node.op("sum", w))


@converter("NegativeLogLikelihoodLoss")
def nll_loss(node: Node) -> Value:
    ignore = node.attr("ignore_index", None)
    weight = node.tensor(2) if node.present(2) else None
    return _nll(node, node.tensor(0), node.tensor(1), weight, node.attr("reduction", "mean"),
                ignore)


@converter("SoftmaxCrossEntropyLoss")
def softmax_cross_entropy(node: Node) -> list[Value]:
    ignore = node.attr("ignore_index", None)
    x = node.tensor(0)
    if not is_float(node.dtype(0)):
        raise node.fail("the scores must be a float tensor")
    log_prob = node.op("log_softmax", x, axis=1)
    weight = node.tensor(2) if node.present(2) else None
    loss = _nll(node, log_prob, node.tensor(1), weight, node.attr("reduction", "mean"), ignore)
    return [loss, log_prob]


# ---- resize -------------------------------------------------------------------------------


def _resize(node: Node, scales_in: int | None, sizes_in: int | None,
            legacy: bool) -> Value:
    """Resize (and Upsample) of input 0; scales / sizes from the given inputs."""
    import math

    dims = node.shape(0)
    rank = len(dims)
    mode = node.attr("mode", "nearest")
    if mode == "bilinear" or mode == "trilinear":  # old Upsample spellings
        mode = "linear"
    coord = "asymmetric" if legacy else node.attr("coordinate_transformation_mode", "half_pixel")
    nearest = "floor" if legacy else node.attr("nearest_mode", "round_prefer_floor")
    props: dict[str, Any] = {"mode": mode, "coordinate_transformation_mode": coord,
                             "nearest_mode": nearest,
                             "cubic_coeff_a": float(node.attr("cubic_coeff_a", -0.75)),
                             "exclude_outside": bool(node.attr("exclude_outside", 0)),
                             "extrapolation_value": float(node.attr("extrapolation_value", 0.0))}
    axes = node.attr("axes", None)
    axes = list(range(rank)) if axes is None else [norm_axis(node, a, rank) for a in axes]
    policy = node.attr("keep_aspect_ratio_policy", "stretch")
    antialias = node.attr("antialias", 0)
    if coord == "tf_crop_and_resize":
        roi = node.require_known(1, "roi").items()
        if len(roi) == 2 * len(axes) and len(axes) != rank:
            full = [0.0] * rank + [1.0] * rank
            for k, a in enumerate(axes):
                full[a], full[a + rank] = roi[k], roi[k + len(axes)]
            roi = full
        props["roi"] = [float(v) for v in roi]
    has_scales = scales_in is not None and node.present(scales_in) and node.shape(scales_in) != [0]
    has_sizes = sizes_in is not None and node.present(sizes_in) and node.shape(sizes_in) != [0]
    x = node.tensor(0)
    if has_sizes:
        if dyn.is_runtime(node.input(sizes_in)):
            return _runtime_resize(node, x, node.input(sizes_in), axes, policy, props)
        else:
            given = [int(v) for v in node.ints(sizes_in, "sizes")]
            sizes = list(dims)
            if policy == "stretch":
                for k, a in enumerate(axes):
                    sizes[a] = given[k]
            else:
                if not all(isinstance(dims[a], int) for a in axes):
                    raise node.fail(f"keep_aspect_ratio_policy = {policy} needs static dims")
                ratios = [given[k] / dims[a] for k, a in enumerate(axes)]
                scale = min(ratios) if policy == "not_larger" else max(ratios)
                for a in axes:
                    sizes[a] = int(math.floor(scale * dims[a] + 0.5))
                scales = [1.0] * rank
                for a in axes:
                    scales[a] = scale
                props["scales"] = scales
    elif has_scales:
        if dyn.is_runtime(node.input(scales_in)):
            if antialias:
                raise node.fail("antialias = 1 with run-time scales is not supported")
            scale_t = _cast(node, node.tensor(scales_in), "f32")
            if len(axes) != rank:  # the scales of the other axes are 1
                scale_t = _scatter_scales(node, scale_t, axes, rank)
            sizes = dyn.runtime_values(node, "resize", [scale_t], x, rank, dyn._base(node))
            return _per_axis_resize(node, x, scale_t, sizes, props)
        else:
            given = [float(v) for v in node.require_known(scales_in, "scales").items()]
            scales = [1.0] * rank
            for k, a in enumerate(axes):
                scales[a] = given[k]
            props["scales"] = scales
            sizes = []
            for d, s in zip(dims, scales):
                if isinstance(d, int):
                    sizes.append(int(math.floor(d * s)))
                elif float(s).is_integer():
                    sizes.append(d * int(s))
                else:
                    (v,) = dyn.runtime_values(node, "resize", [Known(
                        np.array(scales, np.float32), 1)], x, 1, dyn._base(node))
                    sizes.append(v)
    else:
        raise node.fail("needs scales or sizes")
    shrinks = any(isinstance(o, int) and isinstance(d, int) and o < d
                  for o, d in zip(sizes, dims)) or any(s < 1.0 for s in props.get("scales") or [])
    if antialias and shrinks and mode != "nearest":
        raise node.fail("antialias = 1 when downscaling is not supported")
    return node.op("resize", x, sizes=sizes, **props)


def _scatter_scales(node: Node, scales: SSAValue, axes: list[int], rank: int) -> SSAValue:
    """A [rank] scale tensor from the scales of `axes` (1 elsewhere)."""
    full = node.op("ones", shape=[rank], dtype="f32")
    idx = Known(np.array(axes, np.int64).reshape(-1, 1), 7)
    return node.op("scatter_nd", full, idx, scales)


def _per_axis_resize(node: Node, x: SSAValue, scale_t: SSAValue, sizes: list[Any],
                     props: dict[str, Any]) -> SSAValue:
    """Resize one axis at a time (interpolation is separable), for scales and
    sizes known only at run time (so is which axes change)."""
    y = x
    for a in range(len(sizes)):
        target = list(y.type.dims)  # type: ignore[union-attr]
        target[a] = sizes[a]
        y = node.op("resize", y, scale_t, sizes=target, axes=[a], **props)
    return y


def _runtime_resize(node: Node, x: SSAValue, sizes_v: Value, axes: list[int], policy: str,
                    props: dict[str, Any]) -> Value:
    if node.attr("antialias", 0):
        raise node.fail("antialias = 1 with run-time sizes is not supported")
    if policy not in dyn.POLICIES:
        raise node.fail(f"keep_aspect_ratio_policy '{policy}' is not supported")
    code = dyn.POLICIES.index(policy)
    axes_k = Known(np.array(axes, np.int64), 7)
    rank = len(node.shape(0))
    sizes = dyn.runtime_values(node, "resize_size", [sizes_v, axes_k], x, rank, dyn._base(node),
                               (code,))
    graph = node.graph
    dyn._register()
    args = [graph.materialize(sizes_v), graph.materialize(axes_k), x,
            graph.emit(rx.PrimValueOp(code, "i64"), node)]
    from xrelax.relax.types import TensorType

    scale_t = graph.emit(rx.CallDPSPackedOp(dyn.PREFIX + "resize_scales", args,
                                            [TensorType([rank], "f32")]), node)
    return _per_axis_resize(node, x, scale_t, sizes, props)


@converter("Resize")
def resize(node: Node) -> Value:
    if node.opset < 11:
        return _resize(node, 1, None, legacy=True)
    return _resize(node, 2, 3, legacy=False)


@converter("Upsample")
def upsample(node: Node) -> Value:
    if node.opset < 9:
        from onnx import helper  # noqa: F401 (scales is an attribute here)

        scales = node.attr("scales")
        node.inputs.append(Known(np.array(scales, np.float32), 1))
        return _resize(node, len(node.inputs) - 1, None, legacy=True)
    return _resize(node, 1, None, legacy=True)


# ---- bit shifts, integer products ---------------------------------------------------------


@converter("BitShift")
def bit_shift(node: Node) -> Value:
    direction = node.attr("direction")
    if direction not in ("LEFT", "RIGHT"):
        raise node.fail(f"direction must be LEFT or RIGHT, got '{direction}'")
    return node.op("left_shift" if direction == "LEFT" else "right_shift", node.tensor(0),
                   node.tensor(1))


def _minus_zero_point(node: Node, x: SSAValue, zp: int | None, axis: int | None) -> SSAValue:
    """x - zero point, in i32 (a zero point per row / column along `axis`)."""
    x = _cast(node, x, "i32")
    if zp is None or not node.present(zp):
        return x
    z = _cast(node, node.tensor(zp), "i32")
    dims = z.type.dims  # type: ignore[union-attr]
    if axis is not None and len(dims) == 1 and dims[0] != 1:
        shape = [1] * len(x.type.dims)  # type: ignore[union-attr]
        shape[axis] = dims[0]
        z = node.op("reshape", z, shape=shape)
    return node.op("subtract", x, z)


@converter("MatMulInteger")
def matmul_integer(node: Node) -> Value:
    a = _minus_zero_point(node, node.tensor(0), 2, -2 if node.rank(0) >= 2 else None)
    b = _minus_zero_point(node, node.tensor(1), 3, -1)
    return node.op("matmul", a, b)


@converter("ConvInteger")
def conv_integer(node: Node) -> Value:
    from xrelax.relax.frontend.onnx_convert_nn import conv

    a = _minus_zero_point(node, node.tensor(0), 2, None)
    w = _minus_zero_point(node, node.tensor(1), 3, 0)
    node.inputs = [a, w]
    return conv(node)


def _dequantized(node: Node, x: int, scale: int, zp: int, axis: int) -> SSAValue:
    v = _cast(node, node.tensor(x), "f32")
    rank = len(v.type.dims)  # type: ignore[union-attr]
    z = _per_axis(node, _cast(node, node.tensor(zp), "f32"), axis % rank, rank)
    s = _per_axis(node, _cast(node, node.tensor(scale), "f32"), axis % rank, rank)
    return node.op("multiply", node.op("subtract", v, z), s)


def _requantized(node: Node, y: SSAValue, scale: int, zp: int) -> SSAValue:
    target = dtype_name(node.dtype(zp))
    lo, hi = QUANT_RANGES[target]
    q = node.op("round", node.op("divide", y, _cast(node, node.tensor(scale), "f32")))
    q = node.op("add", q, _cast(node, node.tensor(zp), "f32"))
    return node.op("cast", node.op("clip", q, min=float(lo), max=float(hi)), dtype=target)


@converter("QLinearMatMul")
def qlinear_matmul(node: Node) -> Value:
    a = _dequantized(node, 0, 1, 2, -2)
    b = _dequantized(node, 3, 4, 5, -1)
    return _requantized(node, node.op("matmul", a, b), 6, 7)


@converter("QLinearConv")
def qlinear_conv(node: Node) -> Value:
    from xrelax.relax.frontend.onnx_convert_nn import conv

    x = _dequantized(node, 0, 1, 2, 1)
    w = _dequantized(node, 3, 4, 5, 0)
    bias = None
    if node.present(8):  # int32, scaled by x_scale * w_scale
        s = node.op("multiply", _cast(node, node.tensor(1), "f32"),
                    _cast(node, node.tensor(4), "f32"))
        bias = node.op("multiply", _cast(node, node.tensor(8), "f32"), s)
    scale_y, zp_y = node.input(6), node.input(7)
    node.inputs = [x, w] + ([bias] if bias is not None else [])
    y = conv(node)
    node.inputs = [None] * 6 + [scale_y, zp_y]
    return _requantized(node, y, 6, 7)


# ---- windows ------------------------------------------------------------------------------


def _window(node: Node, terms: list[tuple[float, float]]) -> Value:
    """sum_k a_k * cos(2 pi k n / N) over n < size, N = size (periodic) or size - 1."""
    from xrelax.relax.frontend.onnx_values import relax_dtype

    periodic = node.attr("periodic", 1)
    out = relax_dtype(node.attr("output_datatype", 1)) or "f32"
    if dyn.is_runtime(node.input(0)):
        (size,) = dyn.dynamic_values(node, 0, "size")
    else:
        size = int(node.require_known(0, "size").items()[0])
    n = node.op("cast", node.op("arange", end=size), dtype="f64")
    denom = node.op("cast", node.graph.materialize(Known(np.array(size, np.int64), 7) if isinstance(
        size, int) else node.op("symbolic_tensor", values=[size], shape=[])), dtype="f64")
    if not periodic:
        denom = node.op("subtract", denom, Known(np.array(1.0), 11))
    phase = node.op("divide", node.op("multiply", n, Known(np.array(2 * np.pi), 11)), denom)
    total = None
    for k, (a, _) in enumerate(terms):
        term = Known(np.array(a), 11) if k == 0 else node.op(
            "multiply", node.op("cos", node.op("multiply", phase, Known(np.array(float(k)), 11))),
            Known(np.array(a), 11))
        total = term if total is None else node.op("add", node.graph.materialize(total), term)
    return node.op("cast", node.graph.materialize(total), dtype=out)


converter("HannWindow")(lambda node: _window(node, [(0.5, 0), (-0.5, 0)]))
converter("HammingWindow")(lambda node: _window(node, [(25 / 46, 0), (-21 / 46, 0)]))
converter("BlackmanWindow")(lambda node: _window(node, [(0.42, 0), (-0.5, 0), (0.08, 0)]))


@converter("GridSample")
def grid_sample(node: Node) -> Value:
    mode = node.attr("mode", "bilinear" if node.opset < 20 else "linear")
    mode = {"bilinear": "linear", "bicubic": "cubic"}.get(mode, mode)
    return node.op("grid_sample", node.tensor(0), node.tensor(1), mode=mode,
                   padding_mode=node.attr("padding_mode", "zeros"),
                   align_corners=bool(node.attr("align_corners", 0)))
