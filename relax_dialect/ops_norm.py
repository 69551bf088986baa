"""Normalizing relax operators: softmax / log_softmax along an axis, layer and
batch normalization (inference), dropout (inference: the identity).

Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, normalize_axis, tensor_operand
from xrelax.relax.ops_linalg import require_dtype, require_equal, same_dtype
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.symbolic import SymExpr


# ---- softmax -----------------------------------------------------------------------------


def _with(idx: Sequence[Any], axis: int, value: Any) -> tuple[Any, ...]:
    """`idx` (an index without `axis`) with `value` inserted at `axis`."""
    return (*idx[:axis], value, *idx[axis:])


def _without(idx: Sequence[Any], axis: int) -> tuple[Any, ...]:
    return (*idx[:axis], *idx[axis + 1:])


class SoftmaxBase(TensorOp):
    """Along `axis` (default -1): computed stably as exp(x - max) / sum(exp(x - max)).
    Float dtypes; the result has the type of x."""

    x = operand_def(TensorType)
    result = result_def(TensorType)
    axis = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": -1}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name, "x")
        require_dtype(x.dtype, cls.name, "float")
        axis = props["axis"]
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeInferenceError(f"{cls.name}: axis must be an integer, got {axis}")
        if x.ndim == 0:
            raise TypeInferenceError(f"{cls.name}: x is a scalar (rank 0); it needs rank >= 1")
        if x.ndim is not None:
            normalize_axis(axis, x.ndim, cls.name)
        return x

    def max_along_axis(self, x: te.Tensor) -> tuple[int, te.Tensor, Callable[..., te.Tensor]]:
        """(the axis, the max of x along it, a function making a sum along it:
        `sum_along(f, name)` sums `f(index of x)`)."""
        axis = normalize_axis(self.prop("axis"), x.ndim, self.name)
        rest = _without(x.shape, axis)
        r = te.reduce_axis(x.shape[axis], "k")
        x_max = te.compute(rest, lambda *i: te.max(x[_with(i, axis, r)], axis=r), name="T_max")

        def sum_along(f: Callable[[tuple[Any, ...]], Any], name: str) -> te.Tensor:
            k = te.reduce_axis(x.shape[axis], "k")
            return te.compute(rest, lambda *i: te.sum(f(_with(i, axis, k)), axis=k), name=name)

        return axis, x_max, sum_along


@irdl_op_definition
class SoftmaxOp(SoftmaxBase):
    """softmax(x)[..., i, ...] = exp(x_i - max) / sum_j exp(x_j - max) along `axis`."""

    name = "relax.softmax"

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        axis, x_max, sum_along = self.max_along_axis(x)
        e = te.compute(x.shape, lambda *i: te.exp(x[i] - x_max[_without(i, axis)]), name="T_exp")
        total = sum_along(lambda i: e[i], "T_expsum")
        return te.compute(x.shape, lambda *i: e[i] / total[_without(i, axis)], name="T_softmax")


@irdl_op_definition
class LogSoftmaxOp(SoftmaxBase):
    """log_softmax(x) = x - max - log(sum_j exp(x_j - max)) along `axis`."""

    name = "relax.log_softmax"

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        axis, x_max, sum_along = self.max_along_axis(x)
        total = sum_along(lambda i: te.exp(x[i] - x_max[_without(i, axis)]), "T_expsum")

        def out(*i: Any) -> Any:
            j = _without(i, axis)
            return x[i] - x_max[j] - te.log(total[j])

        return te.compute(x.shape, out, name="T_log_softmax")


# ---- normalization -------------------------------------------------------------------


def _epsilon(props: dict[str, Any], op_name: str) -> float:
    eps = props["epsilon"]
    if isinstance(eps, int) and not isinstance(eps, bool):
        eps = float(eps)
    if not isinstance(eps, float) or eps < 0:
        raise TypeInferenceError(f"{op_name}: epsilon must be a non-negative float, got {eps}")
    return eps


@irdl_op_definition
class LayerNormOp(TensorOp):
    """Layer normalization over `axes` (default [-1]):
    (x - mean) / sqrt(var + epsilon) * gamma + beta, where mean and the (biased)
    variance are over the axes, and gamma, beta have the shape of x at the axes.
    Float dtypes; the result has the type of x."""

    name = "relax.layer_norm"

    x = operand_def(TensorType)
    gamma = operand_def(TensorType)
    beta = operand_def(TensorType)
    result = result_def(TensorType)
    axes = opt_prop_def(Attribute)
    epsilon = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axes": [-1], "epsilon": 1e-5}

    @classmethod
    def norm_axes(cls, props: dict[str, Any], ndim: int) -> list[int]:
        axes = props["axes"]
        axes = [axes] if isinstance(axes, int) and not isinstance(axes, bool) else axes
        if (not isinstance(axes, list) or not axes
                or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes)):
            raise TypeInferenceError(f"{cls.name}: axes must be a non-empty list of integers, "
                                     f"got {props['axes']}")
        normalized = [normalize_axis(a, ndim, cls.name) for a in axes]
        if len(set(normalized)) != len(normalized):
            raise TypeInferenceError(f"{cls.name}: axes {axes} repeat an axis")
        return sorted(normalized)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        names = ["x", "gamma", "beta"]
        x, gamma, beta = (tensor_operand(t, cls.name, w) for t, w in zip(types, names))
        require_dtype(same_dtype([x, gamma, beta], cls.name, names), cls.name, "float")
        _epsilon(props, cls.name)
        if x.ndim is None:
            return x
        axes = cls.norm_axes(props, x.ndim)
        for t, what in ((gamma, "gamma"), (beta, "beta")):
            if t.ndim is not None and t.ndim != len(axes):
                raise TypeInferenceError(f"{cls.name}: {what} must have rank {len(axes)} (one "
                                         f"dim per normalized axis), got rank {t.ndim}")
            if t.dims is not None and x.dims is not None:
                for a, d in zip(axes, t.dims):
                    require_equal(x.dims[a], d, cls.name,
                                  f"{what} must have the shape of x at axes {axes}")
        return x

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, gamma, beta = inputs
        axes = self.norm_axes(self.props(), x.ndim)
        eps = _epsilon(self.props(), self.name)
        kept = [a for a in range(x.ndim) if a not in axes]
        count = SymExpr.const(1)
        for a in axes:
            count = count * x.shape[a]

        def full(i: Sequence[Any], rs: Sequence[Any]) -> tuple[Any, ...]:
            idx: list[Any] = [None] * x.ndim
            for a, v in zip(kept, i):
                idx[a] = v
            for a, v in zip(axes, rs):
                idx[a] = v
            return tuple(idx)

        rs = [te.reduce_axis(x.shape[a], f"k{a}") for a in axes]
        total = te.compute([x.shape[a] for a in kept],
                           lambda *i: te.sum(x[full(i, rs)], axis=rs), name="T_sum")
        n = float(count.value or 0) if count.is_const() else te.cast(x.dtype, count)

        def mean(idx: Sequence[Any]) -> Any:
            return total[tuple(idx[a] for a in kept)] / n

        rs2 = [te.reduce_axis(x.shape[a], f"k{a}") for a in axes]

        def squares(*i: Any) -> Any:
            d = x[full(i, rs2)] - total[i] / n
            return te.sum(d * d, axis=rs2)

        var_sum = te.compute([x.shape[a] for a in kept], squares, name="T_var_sum")

        def normalize(*i: Any) -> Any:
            kept_i = tuple(i[a] for a in kept)
            axes_i = tuple(i[a] for a in axes)
            scale = te.rsqrt(var_sum[kept_i] / n + eps)
            return (x[i] - mean(i)) * scale * gamma[axes_i] + beta[axes_i]

        return te.compute(x.shape, normalize, name="T_layer_norm")


@irdl_op_definition
class BatchNormOp(TensorOp):
    """Batch normalization for inference, along the channel `axis` (default 1):
    (x - moving_mean[c]) / sqrt(moving_var[c] + epsilon) * gamma[c] + beta[c],
    with each of gamma, beta, moving_mean, moving_var of shape [C]. The result
    is the normalized tensor only (TVM also returns the statistics). Float dtypes."""

    name = "relax.batch_norm"

    x = operand_def(TensorType)
    gamma = operand_def(TensorType)
    beta = operand_def(TensorType)
    moving_mean = operand_def(TensorType)
    moving_var = operand_def(TensorType)
    result = result_def(TensorType)
    axis = opt_prop_def(Attribute)
    epsilon = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": 1, "epsilon": 1e-5}
    NAMES: ClassVar[list[str]] = ["x", "gamma", "beta", "moving_mean", "moving_var"]

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        ts = [tensor_operand(t, cls.name, w) for t, w in zip(types, cls.NAMES)]
        require_dtype(same_dtype(ts, cls.name, cls.NAMES), cls.name, "float")
        _epsilon(props, cls.name)
        x = ts[0]
        axis = props["axis"]
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeInferenceError(f"{cls.name}: axis must be an integer, got {axis}")
        if x.ndim is None:
            return x
        axis = normalize_axis(axis, x.ndim, cls.name)
        for t, what in zip(ts[1:], cls.NAMES[1:]):
            if t.ndim is not None and t.ndim != 1:
                raise TypeInferenceError(f"{cls.name}: {what} must be 1-D ([C]), got rank {t.ndim}")
            if t.dims is not None and x.dims is not None:
                require_equal(x.dims[axis], t.dims[0], cls.name,
                              f"{what} must have the size of x's axis {axis}")
        return x

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, gamma, beta, mean, var = inputs
        axis = normalize_axis(self.prop("axis"), x.ndim, self.name)
        eps = _epsilon(self.props(), self.name)

        def normalize(*i: Any) -> Any:
            c = i[axis]
            return (x[i] - mean[c]) * te.rsqrt(var[c] + eps) * gamma[c] + beta[c]

        return te.compute(x.shape, normalize, name="T_batch_norm")


@irdl_op_definition
class DropoutOp(TensorOp):
    """Dropout at inference: the identity (property `rate`, default 0.5, in [0, 1))."""

    name = "relax.dropout"

    x = operand_def(TensorType)
    result = result_def(TensorType)
    rate = opt_prop_def(Attribute)

    DEFAULTS: ClassVar[dict[str, Any]] = {"rate": 0.5}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        rate = props["rate"]
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise TypeInferenceError(f"{cls.name}: rate must be a number in [0, 1), got {rate}")
        return tensor_operand(types[0], cls.name, "x")

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        return te.compute(x.shape, lambda *i: x[i] if i else x[()], name="T_dropout")


NORM_OPS: list[type[TensorOp]] = [
    SoftmaxOp, LogSoftmaxOp, LayerNormOp, BatchNormOp, DropoutOp,
]
