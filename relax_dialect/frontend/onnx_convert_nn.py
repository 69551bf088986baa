"""Converters of ONNX neural-network ops: Conv, ConvTranspose, the pools,
Gemm, MatMul, Softmax / LogSoftmax / Hardmax, MaxUnpool.

Windows: 1-D convolutions and pools run as 2-D ones over a height of 1;
2-D map to `relax.conv2d` / `max_pool2d` / `avg_pool2d`; 3-D to the N-d ops
of `ops_conv_nd.py`. `auto_pad` becomes explicit padding (`window_pads`), which
needs static spatial dims unless the stride is 1. `ceil_mode` is passed to the
relax pools (LpPool too: its mean times the kernel size, as in ONNX's reference
and PyTorch).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_convert_shape import norm_axis, prod
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.compute_expr import is_float
from xrelax.tir.types import dtype_name

# ---- window geometry ------------------------------------------------------------------


class Window:
    """Kernel, strides, dilations and the padding of each spatial dim."""

    def __init__(self, node: Node, spatial: list[Any], kernel: list[int]):
        k = len(spatial)
        self.kernel = kernel
        self.strides = node.attr("strides", [1] * k)
        self.dilations = node.attr("dilations", [1] * k)
        pads = node.attr("pads", [0] * (2 * k))
        auto_pad = node.attr("auto_pad", "NOTSET")
        if len(self.strides) != k or len(self.dilations) != k or len(pads) != 2 * k:
            raise node.fail(f"strides, dilations and pads must have {k}, {k} and {2 * k} "
                            "entries for this input")
        if any(s < 1 for s in self.strides) or any(d < 1 for d in self.dilations):
            raise node.fail("strides and dilations must be positive")
        self.begin, self.end = list(pads[:k]), list(pads[k:])
        if auto_pad in ("SAME_UPPER", "SAME_LOWER"):
            for j, (size, kk, s, d) in enumerate(zip(spatial, kernel, self.strides,
                                                     self.dilations)):
                span = (kk - 1) * d + 1
                if s == 1:
                    total = span - 1
                elif isinstance(size, int):
                    total = max((-(-size // s) - 1) * s + span - size, 0)
                else:
                    raise node.fail(f"auto_pad = {auto_pad} with stride {s} needs a static "
                                    f"spatial dim (dim {j} is {size})")
                lo = total // 2 if auto_pad == "SAME_UPPER" else total - total // 2
                self.begin[j], self.end[j] = lo, total - lo
        elif auto_pad == "VALID":
            self.begin, self.end = [0] * k, [0] * k
        elif auto_pad != "NOTSET":
            raise node.fail(f"auto_pad = '{auto_pad}' is not supported")

    def padding(self) -> list[int]:
        """relax order: every begin, then every end."""
        return self.begin + self.end


def _spatial_kernel(node: Node, weight_dims: list[Any] | None, k: int) -> list[int]:
    kernel = node.attr("kernel_shape", None)
    if kernel is None and weight_dims is not None:
        kernel = weight_dims[2:]
    if kernel is None or len(kernel) != k or not all(isinstance(v, int) for v in kernel):
        raise node.fail(f"kernel_shape must give {k} static sizes, got {kernel}")
    return list(kernel)


def _as_2d(node: Node, x: SSAValue, dims: list[Any]) -> SSAValue:
    """[N, C, L] -> [N, C, 1, L]."""
    return node.op("reshape", x, shape=[dims[0], dims[1], 1, dims[2]])


def _from_2d(node: Node, y: SSAValue) -> SSAValue:
    n, c, _, w = [d for d in y.type.dims]  # type: ignore[union-attr]
    return node.op("reshape", y, shape=[n, c, w])


def _lift_1d(w: Window) -> tuple[list[int], list[int], list[int], list[int]]:
    """strides, dilations, padding, kernel of a 1-D window as a 2-D one."""
    pad = w.padding()
    return [1, w.strides[0]], [1, w.dilations[0]], [0, pad[0], 0, pad[1]], [1, w.kernel[0]]


def _check_rank(node: Node, i: int = 0) -> int:
    rank = node.rank(i)
    if rank not in (3, 4, 5):
        raise node.fail(f"the input must be 3-D, 4-D or 5-D (N, C, spatial...), got rank {rank}")
    return rank - 2


# ---- convolution --------------------------------------------------------------------------


def _wide_operands(node: Node, *indices: int) -> tuple[list[SSAValue], bool]:
    """Inputs `indices` as relax values; f16 ones cast to f32 (True: they were).
    f16 products accumulate in f32, as numpy (the reference) and onnxruntime's
    CPU kernels do; summing in f16 loses a bit per few terms."""
    values = [node.tensor(i) for i in indices]
    if dtype_name(node.dtype(indices[0])) != "f16":
        return values, False
    return [node.op("cast", v, dtype="f32") for v in values], True


def _narrow(node: Node, y: SSAValue, wide: bool) -> SSAValue:
    return node.op("cast", y, dtype="f16") if wide else y


def _bias(node: Node, y: SSAValue, i: int, k: int) -> SSAValue:
    if not node.present(i):
        return y
    b = node.input(i)
    b = Known(b.data.reshape([-1] + [1] * k), b.elem) if isinstance(b, Known) else \
        node.op("reshape", node.tensor(i), shape=[node.shape(i)[0]] + [1] * k)
    return node.op("add", y, b)


@converter("Conv")
def conv(node: Node) -> Value:
    k = _check_rank(node)
    dims, wdims = node.shape(0), node.shape(1)
    window = Window(node, dims[2:], _spatial_kernel(node, wdims, k))
    groups = node.attr("group", 1)
    (x, w), wide = _wide_operands(node, 0, 1)
    if k == 1:
        strides, dilation, padding, _ = _lift_1d(window)
        w2 = node.op("reshape", w, shape=[wdims[0], wdims[1], 1, wdims[2]])
        y = node.op("conv2d", _as_2d(node, x, dims), w2, strides=strides, padding=padding,
                    dilation=dilation, groups=groups)
        y = _from_2d(node, y)
    elif k == 2:
        y = node.op("conv2d", x, w, strides=window.strides, padding=window.padding(),
                    dilation=window.dilations, groups=groups)
    else:
        y = node.op("conv3d", x, w, strides=window.strides, padding=window.padding(),
                    dilation=window.dilations, groups=groups)
    return _bias(node, _narrow(node, y, wide), 2, k)


@converter("ConvTranspose")
def conv_transpose(node: Node) -> Value:
    k = _check_rank(node)
    dims, wdims = node.shape(0), node.shape(1)
    kernel = _spatial_kernel(node, wdims, k)
    groups = node.attr("group", 1)
    strides = node.attr("strides", [1] * k)
    dilations = node.attr("dilations", [1] * k)
    out_pad = node.attr("output_padding", [0] * k)
    pads = node.attr("pads", None)
    output_shape = node.attr("output_shape", None)
    auto_pad = node.attr("auto_pad", "NOTSET")
    if len(strides) != k or len(dilations) != k or len(out_pad) != k:
        raise node.fail(f"strides, dilations and output_padding must have {k} entries")
    spans = [(kk - 1) * d + 1 for kk, d in zip(kernel, dilations)]
    if output_shape is not None or auto_pad in ("SAME_UPPER", "SAME_LOWER"):
        if output_shape is None:
            if not all(isinstance(v, int) for v in dims[2:]):
                raise node.fail(f"auto_pad = {auto_pad} needs static spatial dims")
            output_shape = [v * s for v, s in zip(dims[2:], strides)]
        output_shape = list(output_shape[-k:])
        begin, end = [], []
        for j in range(k):
            size = dims[2 + j]
            if not isinstance(size, int):
                raise node.fail("output_shape needs static spatial input dims")
            total = strides[j] * (size - 1) + out_pad[j] + spans[j] - output_shape[j]
            if total < 0:  # the output grows: more output padding
                out_pad = list(out_pad)
                out_pad[j] -= total
                total = 0
            lo = total // 2 if auto_pad != "SAME_LOWER" else total - total // 2
            if auto_pad == "NOTSET" or auto_pad == "SAME_UPPER":
                lo = total // 2
            begin.append(lo)
            end.append(total - lo)
    else:
        pads = pads or [0] * (2 * k)
        if len(pads) != 2 * k:
            raise node.fail(f"pads must have {2 * k} entries")
        begin, end = list(pads[:k]), list(pads[k:])
    (x, w), wide = _wide_operands(node, 0, 1)
    props = {"groups": groups}
    if k == 1:
        w2 = node.op("reshape", w, shape=[wdims[0], wdims[1], 1, wdims[2]])
        y = node.op("conv2d_transpose", _as_2d(node, x, dims), w2, strides=[1, strides[0]],
                    padding=[0, begin[0], 0, end[0]], dilation=[1, dilations[0]],
                    output_padding=[0, out_pad[0]], **props)
        return _bias(node, _narrow(node, _from_2d(node, y), wide), 2, k)
    name = "conv2d_transpose" if k == 2 else "conv3d_transpose"
    y = node.op(name, x, w, strides=strides, padding=begin + end, dilation=dilations,
                output_padding=list(out_pad), **props)
    return _bias(node, _narrow(node, y, wide), 2, k)


# ---- pooling ----------------------------------------------------------------------------


def _pool(node: Node, kind: str, count_pads: bool | None = None) -> SSAValue:
    """max or avg pooling (kind) of input 0 with the node's window attributes
    (`count_pads` overrides count_include_pad)."""
    k = _check_rank(node)
    dims = node.shape(0)
    ceil_mode = bool(node.attr("ceil_mode", 0)) if node.opset >= 10 else False
    window = Window(node, dims[2:], _spatial_kernel(node, None, k))
    if kind == "max" and node.opset < 10 and node.has("dilations"):
        raise node.fail("dilations are not defined before opset 10")
    props: dict[str, Any] = {"ceil_mode": True} if ceil_mode else {}
    include = False
    if kind == "avg":
        include = bool(node.attr("count_include_pad", 0)) if count_pads is None else count_pads
        props["count_include_pad"] = include
    x = node.tensor(0)
    if k == 1:
        strides, dilation, padding, kernel = _lift_1d(window)
        y = node.op(f"{kind}_pool2d", _as_2d(node, x, dims), pool_size=kernel, strides=strides,
                    padding=padding, dilation=dilation, **props)
        y = _from_2d(node, y)
    else:
        y = node.op(f"{kind}_pool{k}d", x, pool_size=window.kernel, strides=window.strides,
                    padding=window.padding(), dilation=window.dilations, **props)
    return y


@converter("MaxPool")
def max_pool(node: Node) -> list[Value | None]:
    order = node.attr("storage_order", 0)
    y = _pool(node, "max")
    if len(node.proto.output) > 1 and node.proto.output[1]:
        return [y, _argmax_indices(node, y, order)]
    return [y]


def _argmax_indices(node: Node, y: SSAValue, order: int) -> SSAValue:
    """MaxPool's Indices: the flat position in x of each window's first
    maximum (row-major, or with storage_order 1 the spatial dims column-major).
    Every tap of the window is a strided slice of x padded with -inf; the
    maximal tap's offset is added to the window's origin."""
    k = _check_rank(node)
    dims = node.shape(0)
    spatial = dims[2:]
    out = [d.value if d.is_const() else d for d in y.type.dims][2:]  # type: ignore[union-attr]
    if not all(isinstance(v, int) for v in spatial + out):
        raise node.fail("the Indices output needs static spatial dims")
    if order not in (0, 1):
        raise node.fail(f"storage_order must be 0 or 1, got {order}")
    window = Window(node, spatial, _spatial_kernel(node, None, k))
    # the step between neighbours of each spatial dim in the flat index
    steps = [math.prod(spatial[j + 1:]) for j in range(k)] if order == 0 else         [math.prod(spatial[:j]) for j in range(k)]
    needed = [(o - 1) * s + (kk - 1) * d + 1
              for o, s, kk, d in zip(out, window.strides, window.kernel, window.dilations)]
    after = [max(n - size - b, 0) for n, size, b in zip(needed, spatial, window.begin)]
    low = -math.inf if is_float(node.dtype(0)) else int(np.iinfo(numpy_dtype_of(
        elem_of_relax(node.dtype(0)))).min)
    xp = node.op("pad", node.tensor(0), pad_width=[[0, 0], [0, 0]] + [
        [b, a] for b, a in zip(window.begin, after)], pad_value=low)
    taps, offsets = [], []
    for tap in np.ndindex(*window.kernel):
        begin = [t * d for t, d in zip(tap, window.dilations)]
        end = [b + (o - 1) * s + 1 for b, o, s in zip(begin, out, window.strides)]
        part = node.op("strided_slice", xp, axes=list(range(2, 2 + k)), begin=_ints(begin),
                       end=_ints(end), strides=list(window.strides))
        taps.append(node.op("expand_dims", part, axis=[0]))
        offsets.append(sum(b * st for b, st in zip(begin, steps)))
    best = node.op("argmax", node.op("concat", *taps, axis=0), axis=[0]) if len(taps) > 1 \
        else node.op("full", shape=[dims[0], dims[1], *out], fill_value=0, dtype="i64")
    origin = np.zeros(out, np.int64)
    for j in range(k):
        shape = [1] * k
        shape[j] = out[j]
        origin = origin + ((np.arange(out[j]) * window.strides[j] - window.begin[j]) *
                           steps[j]).reshape(shape)
    index = node.op("add", node.op("take", node.graph.materialize(
        Known(np.array(offsets, np.int64), 7)), best, axis=0),
        node.graph.materialize(Known(origin, 7)))
    # the plane of (n, c): (n * C + c) * the spatial size
    plane = math.prod(spatial)
    n = node.op("reshape", node.op("arange", end=dims[0]), shape=[dims[0], 1] + [1] * k)
    c = node.op("reshape", node.op("arange", end=dims[1]), shape=[1, dims[1]] + [1] * k)
    planes = node.op("multiply", node.op("add", node.op("multiply", n, node.op(
        "symbolic_tensor", values=[dims[1]], shape=[])), c), Known(np.array(plane, np.int64), 7))
    return node.op("add", index, planes)


def _reindexed(node: Node, flat: SSAValue, old: list[Any], new: list[Any]) -> SSAValue:
    """Flat positions in a row-major tensor of shape `old` as positions of the
    same coordinates in one of shape `new`."""
    def dim(d: Any) -> SSAValue:
        return node.op("symbolic_tensor", values=[d], shape=[])

    out, q, stride = None, flat, 1
    for d_old, d_new in zip(reversed(old), reversed(new)):
        coord = node.op("floor_mod", q, dim(d_old))
        q = node.op("divide", q, dim(d_old))  # (floor division on ints)
        term = node.op("multiply", coord, dim(stride)) if not (isinstance(stride, int) and
                                                              stride == 1) else coord
        out = term if out is None else node.op("add", out, term)
        stride = stride * d_new
    assert out is not None
    return out


def _ints(values: list[Any]) -> Any:
    return dyn._exprs(values)


@converter("MaxUnpool")
def max_unpool(node: Node) -> Value:
    """Each value of X at its flat position I in a zero tensor of the output
    shape (given, or that of the pool MaxPool undoes)."""
    k = _check_rank(node)
    dims = node.shape(0)
    kernel = _spatial_kernel(node, None, k)
    strides = node.attr("strides", [1] * k)
    pads = node.attr("pads", [0] * (2 * k))
    if len(strides) != k or len(pads) != 2 * k:
        raise node.fail(f"strides and pads must have {k} and {2 * k} entries")
    default = list(dims[:2]) + [(d - 1) * s + kk - lo - hi for d, s, kk, lo, hi in zip(
        dims[2:], strides, kernel, pads[:k], pads[k:])]
    shape = default
    flat_i = node.op("reshape", node.op("cast", node.tensor(1), dtype="i64"), shape=[-1])
    if node.present(2):
        shape = node.ints(2, "output_shape") if node.known(2) is not None else \
            dyn.dynamic_values(node, 2, "output_shape")
        if len(shape) != k + 2:
            raise node.fail(f"output_shape must have {k + 2} entries, got {len(shape)}")
        # the indices count in the default shape: the same coordinates in the given one
        flat_i = _reindexed(node, flat_i, default, shape)
    total: Any = 1
    for d in shape:
        total = total * d
    flat_x = node.op("reshape", node.tensor(0), shape=[-1])
    zeros = node.op("full", shape=[total], fill_value=0, dtype=dtype_name(node.dtype(0)))
    out = node.op("scatter_elements", zeros, flat_i, flat_x, axis=0)
    return node.op("reshape", out, shape=shape)


@converter("AveragePool")
def average_pool(node: Node) -> Value:
    if not is_float(node.dtype(0)):
        raise node.fail("the input must be a float tensor")
    return _pool(node, "avg")


@converter("LpPool")
def lp_pool(node: Node) -> Value:
    p = float(node.attr("p", 2))
    kernel = _spatial_kernel(node, None, _check_rank(node))
    node.inputs[0] = _power(node, node.op("abs", node.tensor(0)), p)
    mean = _pool(node, "avg", count_pads=True)  # padding adds zeros to the sum
    return _power(node, node.op("multiply", mean, _scalar(node, math.prod(kernel))), 1.0 / p)


def _scalar(node: Node, value: float, i: int = 0) -> Known:
    elem = elem_of_relax(node.dtype(i))
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


def _power(node: Node, x: SSAValue, p: float) -> SSAValue:
    if p == 1.0:
        return x
    if p == 2.0:
        return node.op("multiply", x, x)
    if p == 0.5:
        return node.op("sqrt", x)
    return node.op("power", x, _scalar(node, p))


def _global(node: Node, kind: str) -> Value:
    rank = node.rank(0)
    if rank < 3:
        raise node.fail(f"the input must have spatial dims (rank >= 3), got rank {rank}")
    axes = list(range(2, rank))
    if kind == "avg":
        if rank == 4:
            return node.op("global_avg_pool2d", node.tensor(0))
        return node.op("mean", node.tensor(0), axis=axes, keepdims=True)
    return node.op("max", node.tensor(0), axis=axes, keepdims=True)


converter("GlobalAveragePool")(lambda node: _global(node, "avg"))
converter("GlobalMaxPool")(lambda node: _global(node, "max"))


@converter("GlobalLpPool")
def global_lp_pool(node: Node) -> Value:
    p = float(node.attr("p", 2))
    axes = list(range(2, node.rank(0)))
    powered = _power(node, node.op("abs", node.tensor(0)), p)
    return _power(node, node.op("sum", powered, axis=axes, keepdims=True), 1.0 / p)


# ---- matrix products ----------------------------------------------------------------------


@converter("MatMul")
def matmul(node: Node) -> Value:
    (a, b), wide = _wide_operands(node, 0, 1)
    return _narrow(node, node.op("matmul", a, b), wide)


@converter("Gemm")
def gemm(node: Node) -> Value:
    alpha, beta = float(node.attr("alpha", 1.0)), float(node.attr("beta", 1.0))
    trans_a, trans_b = node.attr("transA", 0), node.attr("transB", 0)
    node.ignore("broadcast")
    if node.rank(0) != 2 or node.rank(1) != 2:
        raise node.fail("A and B must be 2-D")
    a = node.tensor(0)
    if trans_a:
        a = node.op("permute_dims", a, axes=[1, 0])
    b = node.input(1)
    if not trans_b and isinstance(b, Known):  # a constant weight: store it as [N, K]
        b, trans_b = Known(np.ascontiguousarray(b.data.T), b.elem), 1
    c = node.input(2) if node.present(2) else None
    scaled_c = c is not None and beta != 1.0
    if trans_b and alpha == 1.0 and not scaled_c:
        args = [a, node.graph.materialize(b)]
        if c is not None and len(node.shape(2)) <= 1:
            args.append(node.graph.materialize(c))
            c = None
        y = node.op("linear", *args)
    else:
        bt = node.graph.materialize(b)
        if trans_b:
            bt = node.op("permute_dims", bt, axes=[1, 0])
        y = node.op("matmul", a, bt)
        if alpha != 1.0:
            y = node.op("multiply", y, _scalar(node, alpha))
    if c is not None:
        cv = node.graph.materialize(c)
        if beta != 1.0:
            cv = node.op("multiply", cv, _scalar(node, beta, 2))
        y = node.op("add", y, cv)
    return y


# ---- softmax family ------------------------------------------------------------------------


def _softmax(node: Node, name: str) -> Value:
    dims = node.shape(0)
    rank = len(dims)
    axis = node.attr("axis", 1 if node.opset < 13 else -1)
    axis = norm_axis(node, axis, rank)
    x = node.tensor(0)
    if node.opset >= 13 or axis == rank - 1:
        return node.op(name, x, axis=axis) if name != "hardmax" else _hardmax(node, x, axis)
    # before opset 13: over the dims from axis on, as one flattened dim
    flat = node.op("reshape", x, shape=[prod(dims[:axis]), prod(dims[axis:])])
    y = node.op(name, flat, axis=1) if name != "hardmax" else _hardmax(node, flat, 1)
    return node.op("reshape", y, shape=dims)


def _hardmax(node: Node, x: SSAValue, axis: int) -> SSAValue:
    dims = list(x.type.dims)  # type: ignore[union-attr]
    first = node.op("argmax", x, axis=axis, keepdims=True)
    shape = [1] * len(dims)
    shape[axis] = dims[axis]
    positions = node.op("reshape", node.op("arange", end=dims[axis]), shape=shape)
    hit = node.op("equal", first, positions)
    return node.op("cast", hit, dtype=dtype_name(x.type.dtype))  # type: ignore[union-attr]


converter("Softmax")(lambda node: _softmax(node, "softmax"))
converter("LogSoftmax")(lambda node: _softmax(node, "log_softmax"))
converter("Hardmax")(lambda node: _softmax(node, "hardmax"))
