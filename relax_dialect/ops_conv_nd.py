"""Convolutions and pools beyond `ops_nn.py`: 3-D convolution and pooling over
NCDHW, and transposed convolution in 2-D and 3-D.

Window properties are lists with one int per spatial dim (`strides`,
`dilation`, `pool_size`, `output_padding`), or one int for all of them;
`padding` is one int, one per dim (both sides), or 2 * k ints: every begin,
then every end (ONNX's order; for 2-D that is top, left, bottom, right, as in
`relax.conv2d`). Spatial output sizes:

- convolution and pooling: `(size + lo + hi - dilation * (kernel - 1) - 1) floordiv stride + 1`
  (pooling with `ceil_mode = true` rounds up, as `relax.max_pool2d` does: see
  `ops_nn.ceil_window_dim`);
- transposed convolution: `stride * (size - 1) + output_padding + dilation * (kernel - 1) + 1 - lo - hi`.

Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, tensor_operand
from xrelax.relax.ops_linalg import require_dtype, require_equal, same_dtype
from xrelax.relax.ops_manip import result_dims
from xrelax.relax.ops_nn import ceil_window_dim, flag, int_list, window_dim
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import reduce_identity
from xrelax.tir.symbolic import SymExpr, floordiv, floormod, prove_equal


def per_dim(props: dict[str, Any], key: str, op_name: str, k: int, minimum: int) -> list[int]:
    vals = int_list(props, key, op_name, (1, k), minimum)
    return vals * k if len(vals) == 1 else vals


def padding_nd(props: dict[str, Any], op_name: str, k: int) -> tuple[list[int], list[int]]:
    vals = int_list(props, "padding", op_name, sorted({1, k, 2 * k}), 0)
    if len(vals) == 1:
        vals = vals * (2 * k)
    elif len(vals) == k:
        vals = vals * 2
    return vals[:k], vals[k:]


def spatial_operand(t: Attribute, op_name: str, what: str, k: int) -> TensorType:
    t = tensor_operand(t, op_name, what)
    if t.ndim is not None and t.ndim != k + 2:
        raise TypeInferenceError(f"{op_name}: the {what} must be {k + 2}-D, got rank {t.ndim}")
    return t


def _groups(props: dict[str, Any], op_name: str) -> int:
    g = props["groups"]
    if not isinstance(g, int) or isinstance(g, bool) or g < 1:
        raise TypeInferenceError(f"{op_name}: groups must be a positive integer, got {g}")
    return g


def _inside(index: Any, size: Any) -> Any:
    return (index >= 0) & (index < size)


def _all(conds: Sequence[Any]) -> Any:
    out = None
    for c in conds:
        out = c if out is None else out & c
    return out


class WindowOp(TensorOp):
    NDIM: ClassVar[int]
    data = operand_def(TensorType)
    result = result_def(TensorType)
    strides = opt_prop_def(Attribute)
    padding = opt_prop_def(Attribute)
    dilation = opt_prop_def(Attribute)


# ---- convolution -------------------------------------------------------------------------


class ConvNdOp(WindowOp):
    """N-d convolution (cross-correlation) of data [N, C, *spatial] with weight
    [O, C / groups, *kernel] to [N, O, *out], zero padding."""

    weight = operand_def(TensorType)
    groups = opt_prop_def(Attribute)

    @classmethod
    def window(cls, props: dict[str, Any]) -> tuple[list[int], list[int], list[int], list[int]]:
        k = cls.NDIM
        lo, hi = padding_nd(props, cls.name, k)
        return (per_dim(props, "strides", cls.name, k, 1), lo, hi,
                per_dim(props, "dilation", cls.name, k, 1))

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        k = cls.NDIM
        data = spatial_operand(types[0], cls.name, "data", k)
        weight = spatial_operand(types[1], cls.name, "weight", k)
        dtype = same_dtype([data, weight], cls.name, ["data", "weight"])
        require_dtype(dtype, cls.name, "numeric")
        strides, lo, hi, dil = cls.window(props)
        groups = _groups(props, cls.name)
        if data.dims is None or weight.dims is None:
            return TensorType(None, dtype, ndim=k + 2)
        n, c, *sizes = data.dims
        o, i, *kernel = weight.dims
        require_equal(c, i * groups, cls.name, "the data has C channels but the weight expects "
                      f"I * groups (groups = {groups})")
        if groups > 1 and floormod(o, groups) != 0:
            raise TypeInferenceError(f"{cls.name}: the output channels ({o}) are not divisible "
                                     f"by groups = {groups}")
        out = [window_dim(s, kk, st, a, b, d, cls.name, f"dim {j}")
               for j, (s, kk, st, a, b, d) in enumerate(zip(sizes, kernel, strides, lo, hi, dil))]
        return TensorType([n, o, *out], dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, w = inputs
        props = self.props()
        strides, lo, hi, dil = self.window(props)
        groups = props["groups"]
        o, i, *kernel = w.shape
        red_c = te.reduce_axis(i, "rc")
        red_k = [te.reduce_axis(kk, f"rk{j}") for j, kk in enumerate(kernel)]
        per_group = floordiv(o, groups)
        sizes = x.shape[2:]

        def conv(*idx: Any) -> Any:
            nn, ff, *pos = idx
            cc = red_c if groups == 1 else (ff // per_group) * i + red_c
            at = [p * s + r * d - a for p, s, r, d, a in zip(pos, strides, red_k, dil, lo)]
            guard = _all([_inside(v, size) for v, size, a, b in zip(at, sizes, lo, hi) if a or b])
            safe = [te.maximum(te.minimum(v, size - 1), 0) if (a or b) else v
                    for v, size, a, b in zip(at, sizes, lo, hi)]
            value = x[(nn, cc, *safe)] * w[(ff, red_c, *red_k)]
            if guard is not None:
                value = te.if_then_else(guard, value, te.const(0, x.dtype))
            return te.sum(value, axis=[red_c, *red_k])

        return te.compute(result_dims(self), conv, name=f"conv{self.NDIM}d")


@irdl_op_definition
class Conv3dOp(ConvNdOp):
    """3-D convolution of data [N, C, D, H, W] with weight [O, C / groups, KD, KH, KW]
    to [N, O, OD, OH, OW]: conv2d's definition with one more spatial dim."""

    name = "relax.conv3d"
    NDIM: ClassVar[int] = 3
    DEFAULTS: ClassVar[dict[str, Any]] = {"strides": [1] * 3, "padding": [0] * 6,
                                          "dilation": [1] * 3, "groups": 1}


# ---- transposed convolution ----------------------------------------------------------------


class ConvTransposeNdOp(ConvNdOp):
    """Transposed convolution (the gradient of convolution with respect to its
    input) of data [N, C, *spatial] with weight [C, O / groups, *kernel] to
    [N, O, *out]: out[n, o, p] = sum over c (of o's group) and kernel offsets k
    of x[n, c, i] * w[c, o mod (O / groups), k] where p + lo = i * stride + k * dilation."""

    output_padding = opt_prop_def(Attribute)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        k = cls.NDIM
        data = spatial_operand(types[0], cls.name, "data", k)
        weight = spatial_operand(types[1], cls.name, "weight", k)
        dtype = same_dtype([data, weight], cls.name, ["data", "weight"])
        require_dtype(dtype, cls.name, "numeric")
        strides, lo, hi, dil = cls.window(props)
        out_pad = per_dim(props, "output_padding", cls.name, k, 0)
        groups = _groups(props, cls.name)
        if data.dims is None or weight.dims is None:
            return TensorType(None, dtype, ndim=k + 2)
        n, c, *sizes = data.dims
        wc, og, *kernel = weight.dims
        require_equal(c, wc, cls.name, "the data's channels and the weight's first dim")
        if groups > 1 and floormod(c, groups) != 0:
            raise TypeInferenceError(f"{cls.name}: the input channels ({c}) are not divisible "
                                     f"by groups = {groups}")
        out = []
        for j, (s, kk, st, a, b, d, op) in enumerate(zip(sizes, kernel, strides, lo, hi, dil,
                                                          out_pad)):
            size = (s - 1) * st + op + (SymExpr.lift(kk) - 1) * d + 1 - a - b
            if size.is_const() and (size.value or 0) < 1:
                raise TypeInferenceError(f"{cls.name}: the output dim {j} would be {size}")
            out.append(size)
        return TensorType([n, og * groups, *out], dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, w = inputs
        props = self.props()
        strides, lo, _, dil = self.window(props)
        groups = props["groups"]
        c, og, *kernel = w.shape
        per_group = floordiv(c, groups)
        red_c = te.reduce_axis(per_group, "rc")
        red_k = [te.reduce_axis(kk, f"rk{j}") for j, kk in enumerate(kernel)]
        sizes = x.shape[2:]

        def conv(*idx: Any) -> Any:
            nn, ff, *pos = idx
            cc = red_c if groups == 1 else (ff // og) * per_group + red_c
            oc = ff if groups == 1 else ff % og
            conds, at = [], []
            for p, s, r, d, a, size in zip(pos, strides, red_k, dil, lo, sizes):
                t = p + a - r * d
                q = t // s if s != 1 else t
                conds.append((t >= 0) & (q < size))
                if s != 1:
                    conds.append(t % s == 0)
                at.append(te.maximum(te.minimum(q, size - 1), 0))
            value = x[(nn, cc, *at)] * w[(cc, oc, *red_k)]
            value = te.if_then_else(_all(conds), value, te.const(0, x.dtype))
            return te.sum(value, axis=[red_c, *red_k])

        return te.compute(result_dims(self), conv, name=f"conv{self.NDIM}d_transpose")


def _transpose_defaults(k: int) -> dict[str, Any]:
    return {"strides": [1] * k, "padding": [0] * (2 * k), "dilation": [1] * k, "groups": 1,
            "output_padding": [0] * k}


@irdl_op_definition
class Conv2dTransposeOp(ConvTransposeNdOp):
    """2-D transposed convolution: data [N, C, H, W], weight [C, O / groups, KH, KW]."""

    name = "relax.conv2d_transpose"
    NDIM: ClassVar[int] = 2
    DEFAULTS: ClassVar[dict[str, Any]] = _transpose_defaults(2)


@irdl_op_definition
class Conv3dTransposeOp(ConvTransposeNdOp):
    """3-D transposed convolution: data [N, C, D, H, W], weight [C, O / groups, KD, KH, KW]."""

    name = "relax.conv3d_transpose"
    NDIM: ClassVar[int] = 3
    DEFAULTS: ClassVar[dict[str, Any]] = _transpose_defaults(3)


# ---- 3-D pooling -------------------------------------------------------------------------------


class PoolNdOp(WindowOp):
    """A pooling window over the spatial dims of [N, C, *spatial]; with
    ceil_mode (default false) the output sizes round up and window elements
    past the end of the padded input are left out (as in `relax.max_pool2d`)."""

    pool_size = opt_prop_def(Attribute)
    ceil_mode = opt_prop_def(Attribute)

    @classmethod
    def window(cls, props: dict[str, Any]) -> tuple[list[int], list[int], list[int], list[int],
                                                    list[int]]:
        k = cls.NDIM
        lo, hi = padding_nd(props, cls.name, k)
        return (per_dim(props, "pool_size", cls.name, k, 1),
                per_dim(props, "strides", cls.name, k, 1), lo, hi,
                per_dim(props, "dilation", cls.name, k, 1))

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        k = cls.NDIM
        data = spatial_operand(types[0], cls.name, "data", k)
        require_dtype(data.dtype, cls.name, "float" if "count_include_pad" in cls.DEFAULTS
                      else "numeric")
        cls.window(props)
        if "count_include_pad" in props:
            flag(props, "count_include_pad", cls.name)
        if data.dims is None:
            return TensorType(None, data.dtype, ndim=k + 2)
        n, c, *sizes = data.dims
        return TensorType([n, c, *cls.out_dims(sizes, props)], data.dtype)

    @classmethod
    def out_dims(cls, sizes: Sequence[SymExpr], props: dict[str, Any]) -> list[SymExpr]:
        size, strides, lo, hi, dil = cls.window(props)
        dim = ceil_window_dim if flag(props, "ceil_mode", cls.name) else window_dim
        return [dim(s, kk, st, a, b, d, cls.name, f"dim {j}")
                for j, (s, kk, st, a, b, d) in enumerate(zip(sizes, size, strides, lo, hi, dil))]

    def overhang(self, sizes: Sequence[SymExpr]) -> list[bool]:
        """Per spatial dim: whether some window reaches past the end of the
        padded input (only with ceil_mode, when it adds windows)."""
        props = self.props()
        if not props["ceil_mode"]:
            return [False] * len(sizes)
        floor = self.out_dims(sizes, {**props, "ceil_mode": False})
        return [not prove_equal(f, d) for f, d in zip(floor, result_dims(self)[2:])]

    def window_reduce(self, x: te.Tensor, combiner: Any, pad_value: Any, name: str,
                      count: bool = False) -> te.Tensor:
        """combiner over each window (padding and the overhang read as
        pad_value); with `count`, the number of window elements inside the
        input (count_include_pad: inside the padded input)."""
        size, strides, lo, hi, dil = self.window(self.props())
        red = [te.reduce_axis(kk, f"r{j}") for j, kk in enumerate(size)]
        sizes = x.shape[2:]
        over = self.overhang(sizes)
        include = count and bool(self.props().get("count_include_pad"))

        def reduce(*idx: Any) -> Any:
            nn, cc, *pos = idx
            at = [p * s + r * d - a for p, s, r, d, a in zip(pos, strides, red, dil, lo)]
            if include:  # (a window never starts before the padding)
                guard = _all([v < sz + b for v, sz, b, o in zip(at, sizes, hi, over) if o])
            else:
                guard = _all([_inside(v, sz) for v, sz, a, b, o in zip(at, sizes, lo, hi, over)
                              if a or b or o])
            if count:
                one, zero = te.const(1, x.dtype), te.const(0, x.dtype)
                value = one if guard is None else te.if_then_else(guard, one, zero)
                return combiner(value, axis=red)
            safe = [te.maximum(te.minimum(v, sz - 1), 0) if (a or b or o) else v
                    for v, sz, a, b, o in zip(at, sizes, lo, hi, over)]
            value = x[(nn, cc, *safe)]
            if guard is not None:
                value = te.if_then_else(guard, value, pad_value)
            return combiner(value, axis=red)

        return te.compute(result_dims(self), reduce, name=name)


@irdl_op_definition
class MaxPool3dOp(PoolNdOp):
    """The maximum of each window over [N, C, D, H, W]; padding never wins."""

    name = "relax.max_pool3d"
    NDIM: ClassVar[int] = 3
    DEFAULTS: ClassVar[dict[str, Any]] = {"pool_size": [1] * 3, "strides": [1] * 3,
                                          "padding": [0] * 6, "dilation": [1] * 3,
                                          "ceil_mode": False}

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        return self.window_reduce(x, te.max, reduce_identity("max", x.dtype), "pool_max")


@irdl_op_definition
class AvgPool3dOp(PoolNdOp):
    """The mean of each window over [N, C, D, H, W]; with count_include_pad
    (default false) padded elements count as zeros, else the mean is over the
    elements inside the input. Float dtypes."""

    name = "relax.avg_pool3d"
    NDIM: ClassVar[int] = 3
    count_include_pad = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"pool_size": [1] * 3, "strides": [1] * 3,
                                          "padding": [0] * 6, "dilation": [1] * 3,
                                          "count_include_pad": False, "ceil_mode": False}

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        size = self.window(self.props())[0]
        total = self.window_reduce(x, te.sum, te.const(0, x.dtype), "pool_sum")
        dims = result_dims(self)
        if self.prop("count_include_pad") and not any(self.overhang(x.shape[2:])):
            scale = 1.0 / (size[0] * size[1] * size[2])
            return te.compute(dims, lambda *i: total[i] * scale, name="pool_avg")
        count = self.window_reduce(x, te.sum, None, "pool_count", count=True)
        return te.compute(dims, lambda *i: total[i] / count[i], name="pool_avg")


CONV_ND_OPS: list[type[TensorOp]] = [Conv3dOp, Conv2dTransposeOp, Conv3dTransposeOp,
                                     MaxPool3dOp, AvgPool3dOp]
