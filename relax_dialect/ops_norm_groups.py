"""Normalizations over groups of channels and local windows: group_norm,
instance_norm, rms_norm, lrn (local response normalization).

Statistics are the mean and the biased variance, computed in two passes in
the tensor's dtype. Float dtypes only; the result has the type of x.
Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, known_shape, tensor_operand
from xrelax.relax.ops_linalg import require_dtype, require_equal, same_dtype
from xrelax.relax.ops_reduce import int_list, normalize_axes, product
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.symbolic import SymExpr, floordiv, floormod


def _epsilon(props: dict[str, Any], op_name: str) -> float:
    eps = props["epsilon"]
    if isinstance(eps, bool) or not isinstance(eps, (int, float)) or eps < 0:
        raise TypeInferenceError(f"{op_name}: epsilon must be a non-negative number, got {eps!r}")
    return float(eps)


def _count(dims: Sequence[SymExpr], dtype: Attribute) -> Any:
    n = product(dims)
    return float(n.value or 0) if n.is_const() else te.cast(dtype, n)


# ---- group_norm, instance_norm ----------------------------------------------------------


class ChannelGroupNorm(TensorOp):
    """(x - mean) / sqrt(var + epsilon) * gamma[c] + beta[c] on x [N, C, *spatial],
    with the statistics over each group of C / G channels and all spatial dims."""

    x = operand_def(TensorType)
    gamma = operand_def(TensorType)
    beta = operand_def(TensorType)
    result = result_def(TensorType)
    epsilon = opt_prop_def(Attribute)

    @classmethod
    def groups(cls, props: dict[str, Any], channels: SymExpr) -> SymExpr:
        raise NotImplementedError

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name, "x")
        gamma = tensor_operand(types[1], cls.name, "gamma")
        beta = tensor_operand(types[2], cls.name, "beta")
        same_dtype([x, gamma, beta], cls.name, ["x", "gamma", "beta"])
        require_dtype(x.dtype, cls.name, "float")
        _epsilon(props, cls.name)
        dims = known_shape(x, cls.name, "x")
        if len(dims) < 2:
            raise TypeInferenceError(f"{cls.name}: x must have a channel dim (rank >= 2)")
        g = cls.groups(props, dims[1])
        if floormod(dims[1], g) != 0:
            raise TypeInferenceError(f"{cls.name}: {dims[1]} channels do not split into {g} "
                                     "groups")
        for t, what in ((gamma, "gamma"), (beta, "beta")):
            d = known_shape(t, cls.name, what)
            if len(d) != 1:
                raise TypeInferenceError(f"{cls.name}: {what} must be 1-D [C]")
            require_equal(d[0], dims[1], cls.name, f"{what} has one value per channel")
        return x

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, gamma, beta = inputs
        n, c, *spatial = x.shape
        g = self.groups(self.props(), c)
        per = floordiv(c, g)
        eps = _epsilon(self.props(), self.name)
        count = _count([per, *spatial], x.dtype)

        def over_group(f: Any, name: str) -> te.Tensor:
            rc = te.reduce_axis(per, "rc")
            rs = [te.reduce_axis(d, f"rs{j}") for j, d in enumerate(spatial)]
            return te.compute([n, g], lambda nn, gg: te.sum(
                f((nn, gg * per + rc, *rs), nn, gg), axis=[rc, *rs]), name=name)

        total = over_group(lambda i, nn, gg: x[i], "T_group_sum")
        mean = te.compute([n, g], lambda nn, gg: total[nn, gg] / count, name="T_group_mean")
        sq = over_group(lambda i, nn, gg: (x[i] - mean[nn, gg]) * (x[i] - mean[nn, gg]),
                        "T_group_sqsum")
        inv = te.compute([n, g], lambda nn, gg: te.rsqrt(sq[nn, gg] / count + eps),
                         name="T_group_rstd")

        def out(*i: Any) -> Any:
            gg = i[1] // per if not (per == 1) else i[1]
            return (x[i] - mean[i[0], gg]) * inv[i[0], gg] * gamma[i[1]] + beta[i[1]]

        return te.compute(x.shape, out, name="T_group_norm")


@irdl_op_definition
class GroupNormOp(ChannelGroupNorm):
    """Group normalization: the C channels of x [N, C, *spatial] form
    `num_groups` groups normalized separately (statistics over a group's
    channels and all spatial dims), then scaled and shifted per channel:
    (x - mean) / sqrt(var + epsilon) * gamma[c] + beta[c]. epsilon: default 1e-5."""

    name = "relax.group_norm"
    num_groups = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"epsilon": 1e-5, "num_groups": None}

    @classmethod
    def groups(cls, props: dict[str, Any], channels: SymExpr) -> SymExpr:
        g = props["num_groups"]
        if not isinstance(g, int) or isinstance(g, bool) or g < 1:
            raise TypeInferenceError(f"{cls.name}: num_groups must be a positive integer, "
                                     f"got {g!r}")
        return SymExpr.const(g)


@irdl_op_definition
class InstanceNormOp(ChannelGroupNorm):
    """Instance normalization: every channel of every sample of x [N, C, *spatial]
    normalized over its spatial dims, then scaled and shifted per channel
    (group_norm with one channel per group). epsilon: default 1e-5."""

    name = "relax.instance_norm"
    DEFAULTS: ClassVar[dict[str, Any]] = {"epsilon": 1e-5}

    @classmethod
    def groups(cls, props: dict[str, Any], channels: SymExpr) -> SymExpr:
        return channels


# ---- rms_norm -----------------------------------------------------------------------------


@irdl_op_definition
class RmsNormOp(TensorOp):
    """x / sqrt(mean(x ** 2 over `axes`) + epsilon) * scale, where `axes`
    (default [-1]) are the trailing dims and scale broadcasts to x (numpy).
    epsilon: default 1e-5."""

    name = "relax.rms_norm"
    x = operand_def(TensorType)
    scale = operand_def(TensorType)
    result = result_def(TensorType)
    axes = opt_prop_def(Attribute)
    epsilon = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"axes": [-1], "epsilon": 1e-5}

    @classmethod
    def norm_axes(cls, props: dict[str, Any], ndim: int) -> list[int]:
        axes = sorted(normalize_axes(int_list(props["axes"], cls.name, "axes"), ndim, cls.name))
        if axes != list(range(ndim - len(axes), ndim)):
            raise TypeInferenceError(f"{cls.name}: the axes must be the trailing dims, got "
                                     f"{props['axes']}")
        return axes

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        from xrelax.relax.ops_elementwise import broadcast_dims

        x = tensor_operand(types[0], cls.name, "x")
        scale = tensor_operand(types[1], cls.name, "scale")
        same_dtype([x, scale], cls.name, ["x", "scale"])
        require_dtype(x.dtype, cls.name, "float")
        _epsilon(props, cls.name)
        dims = known_shape(x, cls.name, "x")
        cls.norm_axes(props, len(dims))
        sdims = known_shape(scale, cls.name, "scale")
        out = broadcast_dims([dims, sdims], cls.name)
        if len(out) != len(dims):
            raise TypeInferenceError(f"{cls.name}: scale must broadcast to x")
        return x

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        from xrelax.relax.ops_elementwise import broadcast_index

        x, scale = inputs
        axes = self.norm_axes(self.props(), x.ndim)
        keep = x.shape[:axes[0]]
        red = [te.reduce_axis(x.shape[a], f"r{j}") for j, a in enumerate(axes)]
        count = _count([x.shape[a] for a in axes], x.dtype)
        eps = _epsilon(self.props(), self.name)
        sq = te.compute(keep, lambda *i: te.sum(x[(*i, *red)] * x[(*i, *red)], axis=red),
                        name="T_sqsum")
        inv = te.compute(keep, lambda *i: te.rsqrt(sq[i] / count + eps), name="T_rms")
        return te.compute(x.shape, lambda *i: x[i] * inv[i[:axes[0]]] * broadcast_index(scale, i),
                          name="T_rms_norm")


# ---- lrn ------------------------------------------------------------------------------------


@irdl_op_definition
class LrnOp(TensorOp):
    """Local response normalization across channels of x [N, C, *spatial]:
    x / (bias + alpha / size * sum of x ** 2 over the channels
    [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)] inside [0, C)) ** beta.
    Defaults: alpha 1e-4, beta 0.75, bias 1; size is required (odd or even)."""

    name = "relax.lrn"
    x = operand_def(TensorType)
    result = result_def(TensorType)
    size = opt_prop_def(Attribute)
    alpha = opt_prop_def(Attribute)
    beta = opt_prop_def(Attribute)
    bias = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"size": None, "alpha": 1e-4, "beta": 0.75, "bias": 1.0}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name, "x")
        require_dtype(x.dtype, cls.name, "float")
        size = props["size"]
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise TypeInferenceError(f"{cls.name}: size must be a positive integer, got {size!r}")
        for key in ("alpha", "beta", "bias"):
            v = props[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)) or math.isnan(v):
                raise TypeInferenceError(f"{cls.name}: {key} must be a number, got {v!r}")
        if x.ndim is not None and x.ndim < 2:
            raise TypeInferenceError(f"{cls.name}: x must have a channel dim (rank >= 2)")
        return x

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        size = self.prop("size")
        alpha, beta, bias = (float(self.prop(k)) for k in ("alpha", "beta", "bias"))
        before = (size - 1) // 2
        r = te.reduce_axis(size, "rc")
        c = x.shape[1]

        def square_sum(*i: Any) -> Any:
            cc = i[1] + r - before
            inside = (cc >= 0) & (cc < c)
            at = (i[0], te.maximum(te.minimum(cc, c - 1), 0), *i[2:])
            return te.sum(te.if_then_else(inside, x[at] * x[at], te.const(0, x.dtype)), axis=r)

        sq = te.compute(x.shape, square_sum, name="T_lrn_sqsum")
        return te.compute(x.shape, lambda *i: x[i] / te.power(
            sq[i] * (alpha / size) + bias, beta), name="T_lrn")


NORM_GROUP_OPS: list[type[TensorOp]] = [GroupNormOp, InstanceNormOp, RmsNormOp, LrnOp]
