"""Neural-network relax operators: convolution and pooling over NCHW images.
Softmax and normalization (layer_norm, batch_norm, dropout) are in
`ops_norm.py`.

Window properties follow TVM: `strides`, `dilation` and `pool_size` are one or
two ints ([h, w]); `padding` is one int, two ([h, w], both sides) or four
(top, left, bottom, right). An output spatial size is
`(size + pad_lo + pad_hi - dilation * (kernel - 1) - 1) floordiv stride + 1`;
pooling with `ceil_mode = true` rounds that division up instead, keeping a
last window only if it starts inside the input or its left padding (TVM's,
ONNX's and PyTorch's rule): see `ceil_window_dim`.

Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, tensor_operand
from xrelax.relax.ops_linalg import require_dtype, require_equal, same_dtype
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import reduce_identity
from xrelax.tir.symbolic import SymExpr, floordiv, floormod, prove_equal, sym_max, sym_min

# ---- properties ------------------------------------------------------------------------

# Properties are declared as any attribute: `infer` checks them, with messages
# that name the property (IRDL's constraint errors do not).


def int_list(props: dict[str, Any], key: str, op_name: str, lengths: Sequence[int],
             minimum: int) -> list[int]:
    """A property that is an int or a list of ints, each >= minimum."""
    value = props[key]
    vals = [value] if isinstance(value, int) and not isinstance(value, bool) else value
    if (not isinstance(vals, list) or len(vals) not in lengths
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in vals)):
        counts = " or ".join(str(n) for n in lengths)
        raise TypeInferenceError(f"{op_name}: {key} must be a list of {counts} integers, "
                                 f"got {value}")
    if any(v < minimum for v in vals):
        raise TypeInferenceError(f"{op_name}: {key} must be >= {minimum}, got {value}")
    return vals


def flag(props: dict[str, Any], key: str, op_name: str) -> bool:
    if not isinstance(props[key], bool):
        raise TypeInferenceError(f"{op_name}: {key} must be true or false, got {props[key]}")
    return props[key]


def pair(props: dict[str, Any], key: str, op_name: str, minimum: int = 1) -> list[int]:
    """[h, w] from an int or a list of one or two ints."""
    vals = int_list(props, key, op_name, (1, 2), minimum)
    return vals * 2 if len(vals) == 1 else vals


def padding4(props: dict[str, Any], op_name: str) -> list[int]:
    """(top, left, bottom, right) from one, two ([h, w]) or four ints."""
    vals = int_list(props, "padding", op_name, (1, 2, 4), 0)
    if len(vals) == 1:
        return vals * 4
    return vals * 2 if len(vals) == 2 else vals


def window_dim(size: SymExpr, kernel: SymExpr | int, stride: int, pad_lo: int, pad_hi: int,
               dilation: int, op_name: str, what: str) -> SymExpr:
    """The output size of a sliding window along one spatial dim."""
    span = (SymExpr.lift(kernel) - 1) * dilation + 1
    out = floordiv(size + pad_lo + pad_hi - span, stride) + 1
    if out.is_const() and (out.value or 0) < 1:
        raise TypeInferenceError(f"{op_name}: the padded input {what} ({size + pad_lo + pad_hi}) "
                                 f"is smaller than the dilated window ({span})")
    return out


def ceil_window_dim(size: SymExpr, kernel: int, stride: int, pad_lo: int, pad_hi: int,
                    dilation: int, op_name: str, what: str) -> SymExpr:
    """The output size of a pooling window along one dim with ceil_mode: the
    division rounds up, and a window is dropped when it would start past the
    input and its left padding, i.e. at or beyond `size + pad_lo`.

    With `pad_hi` below the span, rounding up adds at most one window, so the
    rule is `min(ceil, windows that start inside)`, and both counts are
    `floordiv(size + c, stride) + 1` for constants c: the smaller c wins. When
    `pad_hi + stride <= span` (a 3 x 3 window of stride 2 and padding 1, say)
    that is the rounded-up count, else the count of windows that start inside.
    With a larger `pad_hi` the last window is dropped exactly when it starts
    outside (ONNX's reference: `out -= 1` when `(out - 1) * stride >= size + pad_lo`)."""
    span = (kernel - 1) * dilation + 1
    ceil = floordiv(size + pad_lo + pad_hi - span + stride - 1, stride) + 1
    if pad_hi + stride <= span:
        out = ceil
    elif pad_hi < span:
        out = floordiv(size + pad_lo - 1, stride) + 1
    else:  # ceil - [(ceil - 1) * stride >= size + pad_lo]
        past = (ceil - 1) * stride - size - pad_lo + 1
        out = ceil - sym_min(1, sym_max(0, past))
    if out.is_const() and (out.value or 0) < 1:
        raise TypeInferenceError(f"{op_name}: the padded input {what} ({size + pad_lo + pad_hi}) "
                                 f"is smaller than the dilated window ({span}) by more than "
                                 "ceil_mode allows (stride - 1)")
    return out


def image_operand(t: Attribute, op_name: str, what: str, layout: str) -> TensorType:
    t = tensor_operand(t, op_name, what)
    if t.ndim is not None and t.ndim != 4:
        raise TypeInferenceError(f"{op_name}: the {what} must be 4-D ({layout}), "
                                 f"got rank {t.ndim}")
    return t


def _at(i: Any, stride: int, r: Any, dilation: int, pad: int) -> Any:
    """The input index `i * stride + r * dilation - pad` of a window element."""
    index = i * stride if stride != 1 else i
    index = index + (r * dilation if dilation != 1 else r)
    return index - pad if pad else index


def _inside(index: Any, size: SymExpr, low: bool, high: bool) -> list[Any]:
    """The conditions of `0 <= index < size`, only for the sides that can fail."""
    return ([index >= 0] if low else []) + ([index < size] if high else [])


def _all(conds: Sequence[Any]) -> Any:
    """The conjunction of conditions (None for none: nothing to guard)."""
    cond = conds[0] if conds else None
    for c in conds[1:]:
        cond = cond & c
    return cond


# ---- conv2d -------------------------------------------------------------------------------


@irdl_op_definition
class Conv2dOp(TensorOp):
    """2-D convolution (cross-correlation, as in deep learning) of `data` [N, C, H, W]
    with `weight` [O, C / groups, KH, KW] to [N, O, OH, OW]:
    out[n, o, y, x] = sum_{c, ky, kx} pad(data)[n, g * C/groups + c, y * sh + ky * dh,
    x * sw + kx * dw] * weight[o, c, ky, kx] with g = o floordiv (O / groups) and zero
    padding. Properties: strides, padding, dilation (see the module docstring), groups
    (divides C and O). Same dtype in and out."""

    name = "relax.conv2d"

    data = operand_def(TensorType)
    weight = operand_def(TensorType)
    result = result_def(TensorType)
    strides = opt_prop_def(Attribute)
    padding = opt_prop_def(Attribute)
    dilation = opt_prop_def(Attribute)
    groups = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {"strides": [1, 1], "padding": [0, 0, 0, 0],
                                          "dilation": [1, 1], "groups": 1}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        data = image_operand(types[0], cls.name, "data", "NCHW")
        weight = image_operand(types[1], cls.name, "weight", "OIHW")
        dtype = same_dtype([data, weight], cls.name, ["data", "weight"])
        require_dtype(dtype, cls.name, "numeric")
        strides, dilation = pair(props, "strides", cls.name), pair(props, "dilation", cls.name)
        pad = padding4(props, cls.name)
        groups = props["groups"]
        if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
            raise TypeInferenceError(f"{cls.name}: groups must be a positive integer, "
                                     f"got {groups}")
        if data.dims is None or weight.dims is None:
            return TensorType(None, dtype, ndim=4)
        n, c, h, w = data.dims
        o, i, kh, kw = weight.dims
        require_equal(c, i * groups, cls.name, f"the data has C channels but the weight "
                      f"expects I * groups (groups = {groups})")
        if groups > 1 and floormod(o, groups) != 0:
            maybe = "" if o.is_const() else "provably "
            raise TypeInferenceError(f"{cls.name}: the weight's output channels ({o}) are "
                                     f"not {maybe}divisible by groups = {groups}")
        oh = window_dim(h, kh, strides[0], pad[0], pad[2], dilation[0], cls.name, "height")
        ow = window_dim(w, kw, strides[1], pad[1], pad[3], dilation[1], cls.name, "width")
        return TensorType([n, o, oh, ow], dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, w = inputs
        props = self.props()
        (sh, sw), (dh, dw) = pair(props, "strides", self.name), pair(props, "dilation", self.name)
        top, left, bottom, right = padding4(props, self.name)
        groups = props["groups"]
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        n, c, h, wd = x.shape
        o, i, kh, kw = w.shape
        if top or left or bottom or right:
            def pad(nn: Any, cc: Any, hh: Any, ww: Any) -> Any:
                cond = _all(_inside(hh - top, h, top > 0, bottom > 0)
                            + _inside(ww - left, wd, left > 0, right > 0))
                return te.if_then_else(cond, x[nn, cc, hh - top, ww - left], 0)
            x = te.compute([n, c, h + top + bottom, wd + left + right], pad, name="pad_temp")
        rc, ry, rx = te.reduce_axis(i, "rc"), te.reduce_axis(kh, "ry"), te.reduce_axis(kw, "rx")
        per_group = floordiv(o, groups)

        def conv(nn: Any, ff: Any, yy: Any, xx: Any) -> Any:
            cc = rc if groups == 1 else (ff // per_group) * i + rc
            value = x[nn, cc, _at(yy, sh, ry, dh, 0), _at(xx, sw, rx, dw, 0)] * w[ff, rc, ry, rx]
            return te.sum(value, axis=[rc, ry, rx])

        return te.compute(t.dims, conv, name="conv2d_nchw")


# ---- pooling -----------------------------------------------------------------------------


class Pool2dOp(TensorOp):
    """A pooling window over the H and W dims of `data` [N, C, H, W]: properties
    pool_size, strides, padding, dilation (see the module docstring) and
    ceil_mode (default false: see `ceil_window_dim`). Window elements past the
    end of the padded input (only with ceil_mode) are left out of the window.
    The result is [N, C, OH, OW] of the data's dtype."""

    data = operand_def(TensorType)
    result = result_def(TensorType)
    pool_size = opt_prop_def(Attribute)
    strides = opt_prop_def(Attribute)
    padding = opt_prop_def(Attribute)
    dilation = opt_prop_def(Attribute)
    ceil_mode = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {"pool_size": [1, 1], "strides": [1, 1],
                                          "padding": [0, 0, 0, 0], "dilation": [1, 1],
                                          "ceil_mode": False}
    DTYPE_KIND: ClassVar[str] = "numeric"

    @classmethod
    def window(cls, props: dict[str, Any]) -> tuple[list[int], list[int], list[int], list[int]]:
        """(pool_size, strides, padding, dilation) from the properties."""
        flag(props, "ceil_mode", cls.name)
        return (pair(props, "pool_size", cls.name), pair(props, "strides", cls.name),
                padding4(props, cls.name), pair(props, "dilation", cls.name))

    @classmethod
    def out_dims(cls, h: SymExpr, w: SymExpr, props: dict[str, Any]) -> list[SymExpr]:
        """[OH, OW] for an input of H x W."""
        size, strides, pad, dilation = cls.window(props)
        dim = ceil_window_dim if props["ceil_mode"] else window_dim
        return [dim(h, size[0], strides[0], pad[0], pad[2], dilation[0], cls.name, "height"),
                dim(w, size[1], strides[1], pad[1], pad[3], dilation[1], cls.name, "width")]

    def overhang(self, x: te.Tensor) -> tuple[bool, bool]:
        """Whether some window of the result reaches past the bottom (the right)
        padding: only with ceil_mode, when it adds windows."""
        if not self.prop("ceil_mode"):
            return False, False
        props = {**self.props(), "ceil_mode": False}
        floor_hw = self.out_dims(x.shape[2], x.shape[3], props)
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        return (not prove_equal(floor_hw[0], t.dims[2]), not prove_equal(floor_hw[1], t.dims[3]))

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        data = image_operand(types[0], cls.name, "data", "NCHW")
        require_dtype(data.dtype, cls.name, cls.DTYPE_KIND)
        cls.window(props)
        if "count_include_pad" in props:
            flag(props, "count_include_pad", cls.name)
        if data.dims is None:
            return TensorType(None, data.dtype, ndim=4)
        n, c, h, w = data.dims
        return TensorType([n, c, *cls.out_dims(h, w, props)], data.dtype)

    def window_reduce(self, x: te.Tensor, combiner: Any, pad_value: Any, name: str) -> te.Tensor:
        """`combiner` over each window; elements in the padding, and past the
        end of the padded input, read as `pad_value`."""
        (kh, kw), (sh, sw), (top, left, bottom, right), (dh, dw) = self.window(self.props())
        over_h, over_w = self.overhang(x)
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        ry, rx = te.reduce_axis(kh, "ry"), te.reduce_axis(kw, "rx")

        def reduce(nn: Any, cc: Any, yy: Any, xx: Any) -> Any:
            iy, ix = _at(yy, sh, ry, dh, top), _at(xx, sw, rx, dw, left)
            value = x[nn, cc, iy, ix]
            cond = _all(_inside(iy, x.shape[2], top > 0, bottom > 0 or over_h)
                        + _inside(ix, x.shape[3], left > 0, right > 0 or over_w))
            if cond is not None:
                value = te.if_then_else(cond, value, pad_value)
            return combiner(value, axis=[ry, rx])

        return te.compute(t.dims, reduce, name=name)


@irdl_op_definition
class MaxPool2dOp(Pool2dOp):
    """The maximum of each window; padding never wins (it reads as -inf, or the
    dtype's minimum for integers)."""

    name = "relax.max_pool2d"

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        return self.window_reduce(x, te.max, reduce_identity("max", x.dtype), "pool_max")


@irdl_op_definition
class AvgPool2dOp(Pool2dOp):
    """The mean of each window. With count_include_pad (default false) padded
    elements count as zeros in the mean; without, the mean is over the elements
    inside the input. With ceil_mode, elements past the end of the padded input
    do not count either way (as in ONNX and PyTorch). Float dtypes only."""

    name = "relax.avg_pool2d"

    count_include_pad = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {**Pool2dOp.DEFAULTS, "count_include_pad": False}
    DTYPE_KIND: ClassVar[str] = "float"

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        (kh, kw), (sh, sw), (top, left, bottom, right), (dh, dw) = self.window(self.props())
        total = self.window_reduce(x, te.sum, 0, "pool_sum")
        include = bool(self.prop("count_include_pad"))
        over_h, over_w = self.overhang(x)
        if not (over_h or over_w) and (include or not (top or left or bottom or right)):
            return te.compute(t.dims, lambda *i: total[i] / float(kh * kw), name="pool_avg")
        # the number of window elements counted, per output position: those inside
        # the input, or (count_include_pad) inside the padded input
        ry, rx = te.reduce_axis(kh, "ry"), te.reduce_axis(kw, "rx")
        hi_h = x.shape[2] + bottom if include else x.shape[2]
        hi_w = x.shape[3] + right if include else x.shape[3]

        def inside(yy: Any, xx: Any) -> Any:
            iy, ix = _at(yy, sh, ry, dh, top), _at(xx, sw, rx, dw, left)
            # (a window never starts before the left padding, nor ends past the
            # bottom one without an overhang)
            cond = _all(_inside(iy, hi_h, top > 0 and not include,
                                over_h or (bottom > 0 and not include))
                        + _inside(ix, hi_w, left > 0 and not include,
                                  over_w or (right > 0 and not include)))
            return te.sum(te.if_then_else(cond, te.const(1, x.dtype), te.const(0, x.dtype)),
                          axis=[ry, rx])

        count = te.compute(t.dims[2:], inside, name="pool_count")
        return te.compute(t.dims, lambda nn, cc, yy, xx: total[nn, cc, yy, xx] / count[yy, xx],
                          name="pool_avg")


class AdaptivePoolBase(TensorOp):
    """Shared by adaptive and global average pooling: output cell (i, j) of an
    [N, C, OH, OW] result is the mean of rows [floor(i * H / OH), ceil((i + 1) * H / OH))
    and the same for columns. Float dtypes only."""

    data = operand_def(TensorType)
    result = result_def(TensorType)

    @classmethod
    def out_hw(cls, dims: Sequence[SymExpr], props: dict[str, Any]) -> list[SymExpr]:
        raise NotImplementedError

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        data = image_operand(types[0], cls.name, "data", "NCHW")
        require_dtype(data.dtype, cls.name, "float")
        if data.dims is None:
            cls.out_hw([SymExpr.const(1)] * 4, props)  # check the properties
            return TensorType(None, data.dtype, ndim=4)
        return TensorType([*data.dims[:2], *cls.out_hw(data.dims, props)], data.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        rows, cols = (AdaptiveWindow(x.shape[d], t.dims[d], name)
                      for d, name in ((2, "ry"), (3, "rx")))

        def total(nn: Any, cc: Any, yy: Any, xx: Any) -> Any:
            sy, sx = rows.start(yy), cols.start(xx)
            value = x[nn, cc, sy + rows.axis, sx + cols.axis]
            cond = _all([sy + rows.axis < rows.end(yy)] * rows.guard
                        + [sx + cols.axis < cols.end(xx)] * cols.guard)
            if cond is not None:
                value = te.if_then_else(cond, value, 0)
            return te.sum(value, axis=[rows.axis, cols.axis])

        pool_sum = te.compute(t.dims, total, name="pool_sum")

        def mean(nn: Any, cc: Any, yy: Any, xx: Any) -> Any:
            width = rows.width(yy) * cols.width(xx)
            if isinstance(width, SymExpr) and width.is_const():
                return pool_sum[nn, cc, yy, xx] / float(width.value or 0)
            return pool_sum[nn, cc, yy, xx] / te.cast(x.dtype, width)

        return te.compute(t.dims, mean, name="pool_avg")


class AdaptiveWindow:
    """The input range [start(i), end(i)) that output index i averages, along one
    dim of `size` pooled to `out`, and a reduce axis spanning the widest window;
    `guard` says whether the axis overruns some windows (then `start + r < end`
    must be checked)."""

    def __init__(self, size: SymExpr, out: SymExpr, name: str):
        self.size, self.out = size, out
        self.step = floordiv(size, out) if floormod(size, out) == 0 else None
        if self.step is not None:  # every window has size / out elements
            extent, self.guard = self.step, False
        elif size.is_const():
            s, o = size.value or 0, out.value or 0
            widths = {-(-(k + 1) * s // o) - k * s // o for k in range(o)}
            extent, self.guard = SymExpr.const(max(widths)), len(widths) > 1
        else:  # a window is at most ceil(size / out) + 1 wide
            extent, self.guard = floordiv(size + out - 1, out) + 1, True
        self.axis = te.reduce_axis(extent, name)

    def start(self, i: Any) -> Any:
        return i * self.step if self.step is not None else (i * self.size) // self.out

    def end(self, i: Any) -> Any:
        return ((i + 1) * self.size + self.out - 1) // self.out

    def width(self, i: Any) -> Any:
        return self.step if self.step is not None else self.end(i) - self.start(i)


@irdl_op_definition
class AdaptiveAvgPool2dOp(AdaptivePoolBase):
    """Adaptive average pooling to `output_size` ([OH, OW], one int for both, or
    left out: the input's H and W)."""

    name = "relax.adaptive_avg_pool2d"

    output_size = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {"output_size": None}

    @classmethod
    def out_hw(cls, dims: Sequence[SymExpr], props: dict[str, Any]) -> list[SymExpr]:
        if props["output_size"] is None:
            return list(dims[2:])
        return [SymExpr.const(v) for v in pair(props, "output_size", cls.name)]


@irdl_op_definition
class GlobalAvgPool2dOp(AdaptivePoolBase):
    """The mean over H and W of [N, C, H, W]: [N, C, 1, 1] (adaptive pooling to 1 x 1)."""

    name = "relax.global_avg_pool2d"

    @classmethod
    def out_hw(cls, dims: Sequence[SymExpr], props: dict[str, Any]) -> list[SymExpr]:
        return [SymExpr.const(1), SymExpr.const(1)]


NN_OPS: list[type[TensorOp]] = [
    Conv2dOp, MaxPool2dOp, AvgPool2dOp, AdaptiveAvgPool2dOp, GlobalAvgPool2dOp,
]
