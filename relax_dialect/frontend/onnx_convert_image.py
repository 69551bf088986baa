"""Converters of ONNX image-geometry ops: AffineGrid (the sampling grid of
an affine map, for GridSample), Col2Im (blocks summed back into an image) and
RoiAlign (bilinear samples of regions, averaged or maxed per output bin).

AffineGrid's `size` may be known at import time (usually `Shape` of the
image: symbolic dims) or a run-time tensor (its values bind fresh variables).
Col2Im is a transposed convolution of the columns with a one-hot kernel: each
column element lands at its block position, overlapping ones add up.
RoiAlign gathers the four neighbours of every sample point from the feature
map laid out as [N * H * W, C] (the number of regions may be symbolic).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.compute_expr import is_float
from xrelax.tir.types import dtype_name

# ---- AffineGrid ---------------------------------------------------------------------------


def _scalar(node: Node, value: float, dtype: str) -> Known:
    elem = elem_of_relax(dtype)
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


def _coordinates(node: Node, extent: Any, align_corners: bool, dtype: str) -> Value:
    """The normalized coordinates [-1, 1] of `extent` positions along one dim."""
    if isinstance(extent, int):  # as the reference computes them, in f64
        i = np.arange(extent, dtype=np.float64)
        c = -1 + i * (2.0 / max(extent - 1, 1)) if align_corners else (2 * i + 1) / extent - 1
        return Known(c.astype(numpy_dtype_of(elem_of_relax(dtype))), elem_of_relax(dtype))
    i = node.op("cast", node.op("arange", end=extent), dtype=dtype)
    n = node.op("cast", node.op("symbolic_tensor", values=[extent], shape=[]), dtype=dtype)
    one, two = _scalar(node, 1.0, dtype), _scalar(node, 2.0, dtype)
    if align_corners:  # -1 + 2 i / max(n - 1, 1)
        span = node.op("maximum", node.op("subtract", n, one), one)
        return node.op("subtract", node.op("divide", node.op("multiply", i, two), span), one)
    return node.op("subtract", node.op("divide", node.op("add", node.op("multiply", i, two),
                                                          one), n), one)


@converter("AffineGrid")
def affine_grid(node: Node) -> Value:
    align_corners = bool(node.attr("align_corners", 0))
    theta = node.shape(0)
    dtype = dtype_name(node.dtype(0))
    if not is_float(node.dtype(0)):
        raise node.fail(f"theta must be a float tensor, not {dtype}")
    size_len = node.shape(1)
    if len(size_len) != 1 or size_len[0] not in (4, 5):
        raise node.fail(f"size must hold 4 (N, C, H, W) or 5 (N, C, D, H, W) values, got "
                        f"shape {size_len}")
    spatial_rank = size_len[0] - 2
    if len(theta) != 3 or theta[1:] != [spatial_rank, spatial_rank + 1]:
        raise node.fail(f"theta must be [N, {spatial_rank}, {spatial_rank + 1}] for a "
                        f"{spatial_rank}-D size, got {theta}")
    size = node.ints(1, "size") if node.known(1) is not None else \
        dyn.dynamic_values(node, 1, "size")
    spatial = size[2:]  # (D,) H, W
    t = node.tensor(0)
    # grid[n, (d,) h, w, j] = sum_k theta[n, j, k] * coord_k + theta[n, j, last], where
    # coord_0 runs along W, coord_1 along H (, coord_2 along D)
    lead = [theta[0]] + [1] * spatial_rank
    grid = None
    for k in range(spatial_rank + 1):
        column = node.op("strided_slice", t, axes=[2], begin=dyn._exprs([k]),
                         end=dyn._exprs([k + 1]))
        term = node.op("reshape", column, shape=lead + [spatial_rank])
        if k < spatial_rank:
            axis = spatial_rank - 1 - k  # the position of the dim coord_k runs along
            c = _coordinates(node, spatial[axis], align_corners, dtype)
            shape = [1] * (spatial_rank + 2)
            shape[1 + axis] = spatial[axis]
            c = node.op("reshape", node.graph.materialize(c) if isinstance(c, Known) else c,
                        shape=shape)
            term = node.op("multiply", term, c)
        grid = term if grid is None else node.op("add", grid, term)
    assert grid is not None
    out = [theta[0]] + list(spatial) + [spatial_rank]
    return node.op("broadcast_to", grid, shape=out)


# ---- Col2Im -------------------------------------------------------------------------------


def _static_ints(node: Node, i: int, what: str) -> list[int]:
    values = node.ints(i, what)
    if not all(isinstance(v, int) for v in values):
        raise node.fail(f"{what} must be known integers at import time, got {values}")
    return values


@converter("Col2Im")
def col2im(node: Node) -> Value:
    image = _static_ints(node, 1, "image_shape")
    block = _static_ints(node, 2, "block_shape")
    k = len(image)
    if len(block) != k or k not in (1, 2, 3):
        raise node.fail(f"image_shape and block_shape must both have 1, 2 or 3 entries, got "
                        f"{image} and {block}")
    dilations = node.attr("dilations", [1] * k)
    strides = node.attr("strides", [1] * k)
    pads = node.attr("pads", [0] * (2 * k))
    if len(dilations) != k or len(strides) != k or len(pads) != 2 * k:
        raise node.fail(f"dilations and strides need {k} entries and pads {2 * k}")
    dims = node.shape(0)
    per_block = int(np.prod(block))
    if len(dims) != 3 or not isinstance(dims[1], int) or dims[1] % per_block:
        raise node.fail(f"the input must be [N, C * {per_block}, L] with a static second dim, "
                        f"got {dims}")
    channels = dims[1] // per_block
    counts, extra = [], []
    for size, b, d, s, lo, hi in zip(image, block, dilations, strides, pads[:k], pads[k:]):
        span = d * (b - 1) + 1
        if size + lo + hi < span:
            raise node.fail(f"a block of {span} does not fit the padded image {image}")
        n = (size + lo + hi - span) // s + 1
        counts.append(n)
        extra.append(size - ((n - 1) * s - lo - hi + span))  # rows no block reaches
    total = int(np.prod(counts))
    if isinstance(dims[2], int) and dims[2] != total:
        raise node.fail(f"the input has {dims[2]} blocks, the image and block shapes give "
                        f"{total}")
    # a one-hot kernel per channel: input channel (c, offset) -> output c at offset
    eye = np.eye(per_block).reshape([per_block, 1] + list(block))
    dtype = dtype_name(node.dtype(0))
    weight = Known(np.tile(eye, (channels,) + (1,) * (k + 1)).astype(
        numpy_dtype_of(elem_of_relax(dtype))), elem_of_relax(dtype))
    x: SSAValue = node.op("reshape", node.tensor(0), shape=[dims[0], dims[1]] + counts)
    props: dict[str, Any] = {"groups": channels}
    if k == 1:  # as a 2-D one of height 1
        x = node.op("reshape", x, shape=[dims[0], dims[1], 1, counts[0]])
        w = node.op("reshape", node.graph.materialize(weight), shape=[dims[1], 1, 1, block[0]])
        y = node.op("conv2d_transpose", x, w, strides=[1, strides[0]],
                    padding=[0, pads[0], 0, pads[1]], dilation=[1, dilations[0]],
                    output_padding=[0, extra[0]], **props)
        return node.op("reshape", y, shape=[dims[0], channels, image[0]])
    name = "conv2d_transpose" if k == 2 else "conv3d_transpose"
    return node.op(name, x, node.graph.materialize(weight), strides=strides, padding=pads,
                   dilation=dilations, output_padding=extra, **props)


# ---- RoiAlign -----------------------------------------------------------------------------


def _samples(node: Node, start: SSAValue, size: SSAValue, bins: int, grid: int, dtype: str
             ) -> SSAValue:
    """The sample coordinates [R, bins, grid] of each region along one axis:
    start + b * bin + (i + 0.5) * bin / grid, bin = size / bins."""
    offsets = np.array([[b + (i + 0.5) / grid for i in range(grid)] for b in range(bins)])
    pos = Known((offsets / bins).astype(numpy_dtype_of(elem_of_relax(dtype))),
                elem_of_relax(dtype))
    r = lambda v: node.op("reshape", v, shape=[-1, 1, 1])  # noqa: E731
    return node.op("add", r(start), node.op("multiply", r(size), pos))


def _bilinear_axis(node: Node, c: SSAValue, extent: Any, dtype: str
                   ) -> tuple[SSAValue, SSAValue, SSAValue, SSAValue, SSAValue]:
    """(valid, low, high, weight of low, weight of high) of coordinates c along
    an axis of `extent` (RoiAlign's edge rules)."""
    n = node.op("cast", node.op("symbolic_tensor", values=[extent], shape=[]), dtype=dtype)
    one = _scalar(node, 1.0, dtype)
    valid = node.op("logical_and", node.op("greater_equal", c, _scalar(node, -1.0, dtype)),
                    node.op("less_equal", c, n))
    c = node.op("maximum", c, _scalar(node, 0.0, dtype))
    last = node.op("subtract", n, one)
    low = node.op("floor", c)
    at_end = node.op("greater_equal", low, last)
    low = node.op("where", at_end, last, low)
    c = node.op("where", at_end, low, c)
    high = node.op("where", at_end, last, node.op("add", low, one))
    frac = node.op("subtract", c, low)
    as_int = lambda v: node.op("cast", v, dtype="i64")  # noqa: E731
    return valid, as_int(low), as_int(high), node.op("subtract", one, frac), frac


@converter("RoiAlign")
def roi_align(node: Node) -> Value:
    dims = node.shape(0)
    if len(dims) != 4:
        raise node.fail(f"X must be [N, C, H, W], got {dims}")
    dtype = dtype_name(node.dtype(0))
    mode = node.attr("mode", "avg")
    if mode not in ("avg", "max"):
        raise node.fail(f"mode must be 'avg' or 'max', got '{mode}'")
    transform = node.attr("coordinate_transformation_mode", "half_pixel") \
        if node.opset >= 16 else "output_half_pixel"
    if transform not in ("half_pixel", "output_half_pixel"):
        raise node.fail(f"coordinate_transformation_mode '{transform}' is not supported")
    out_h, out_w = node.attr("output_height", 1), node.attr("output_width", 1)
    ratio = node.attr("sampling_ratio", 0)
    scale = float(node.attr("spatial_scale", 1.0))
    if ratio <= 0:
        raise node.fail("sampling_ratio = 0 (a sample grid that depends on each region's "
                        "size) is not supported; give a positive sampling_ratio")
    _, channels, height, width = dims
    half = transform == "half_pixel"
    rois = node.tensor(1)
    if dtype_name(rois.type.dtype) != dtype:  # type: ignore[union-attr]
        rois = node.op("cast", rois, dtype=dtype)
    corner = [node.op("squeeze", node.op("strided_slice", rois, axes=[1],
                                          begin=dyn._exprs([j]), end=dyn._exprs([j + 1])),
                      axis=[1]) for j in range(4)]
    shift = _scalar(node, 0.5 if half else 0.0, dtype)
    x0, y0, x1, y1 = [node.op("subtract", node.op("multiply", c, _scalar(node, scale, dtype)),
                              shift) for c in corner]
    w, h = node.op("subtract", x1, x0), node.op("subtract", y1, y0)
    if not half:  # regions of at least one pixel
        w, h = (node.op("maximum", v, _scalar(node, 1.0, dtype)) for v in (w, h))
    ys = _samples(node, y0, h, out_h, ratio, dtype)  # [R, out_h, ratio]
    xs = _samples(node, x0, w, out_w, ratio, dtype)  # [R, out_w, ratio]
    vy, y_lo, y_hi, wy_lo, wy_hi = _bilinear_axis(node, ys, height, dtype)
    vx, x_lo, x_hi, wx_lo, wx_hi = _bilinear_axis(node, xs, width, dtype)
    # every sample is [R, out_h, ratio, out_w, ratio]; y parts lie along 1-2, x along 3-4
    along_y = lambda v: node.op("reshape", v, shape=[-1, out_h, ratio, 1, 1])  # noqa: E731
    along_x = lambda v: node.op("reshape", v, shape=[-1, 1, 1, out_w, ratio])  # noqa: E731
    valid = node.op("logical_and", along_y(vy), along_x(vx))
    batch = node.op("reshape", node.op("cast", node.tensor(2), dtype="i64"),
                    shape=[-1, 1, 1, 1, 1])
    hw = node.op("symbolic_tensor", values=[height, width], shape=[2])
    h_t = node.op("strided_slice", hw, axes=[0], begin=dyn._exprs([0]), end=dyn._exprs([1]))
    w_t = node.op("strided_slice", hw, axes=[0], begin=dyn._exprs([1]), end=dyn._exprs([2]))
    base = node.op("multiply", batch, node.op("multiply", h_t, w_t))
    planes = node.op("reshape", node.op("permute_dims", node.tensor(0), axes=[0, 2, 3, 1]),
                     shape=[-1, channels])  # [N * H * W, C]
    zero = _scalar(node, 0.0, dtype)
    terms = []
    for yi, wy in ((y_lo, wy_lo), (y_hi, wy_hi)):
        for xi, wx in ((x_lo, wx_lo), (x_hi, wx_hi)):
            index = node.op("add", node.op("add", base, node.op("multiply", along_y(yi), w_t)),
                            along_x(xi))
            weight = node.op("where", valid, node.op("multiply", along_y(wy), along_x(wx)), zero)
            value = node.op("take", planes, index, axis=0)  # [R, oh, ratio, ow, ratio, C]
            terms.append(node.op("multiply", value, node.op("expand_dims", weight, axis=[5])))
    if mode == "avg":
        total = terms[0]
        for t in terms[1:]:
            total = node.op("add", total, t)
        pooled = node.op("divide", node.op("sum", total, axis=[2, 4]),
                         _scalar(node, float(ratio * ratio), dtype))
    else:  # the largest weighted corner of any sample (as the reference computes it)
        best = terms[0]
        for t in terms[1:]:
            best = node.op("maximum", best, t)
        pooled = node.op("max", best, axis=[2, 4])
    return node.op("permute_dims", pooled, axes=[0, 3, 1, 2])
