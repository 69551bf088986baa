"""Reductions: sum, mean, max, min, prod over a list of axes, and argmax /
argmin over one axis or all of them (numpy semantics).

Properties:
- `axis`: the axes to reduce (a list of ints, negative ones count from the end;
  one int is read as a one-element list); absent means every axis. For
  argmax/argmin it is one int, or absent for the index into the flattened tensor.
- `keepdims` (default false): keep each reduced axis with size 1.

    %s = relax.sum %x {axis = [1], keepdims = false} : !relax.tensor<[n], f32>
    %i = relax.argmax %x {axis = -1} : !relax.tensor<[n], i64>

Dtypes: the result has the operand's dtype (numpy would widen the sum of small
ints; we don't), `mean` needs a float operand, argmax/argmin return i64. Bool
operands are rejected (cast them first). An empty reduction gives the
identity: 0 for sum, 1 for prod, -inf / +inf (the int limits) for max / min,
NaN for mean, and for argmax/argmin the largest i64 (numpy raises instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from xdsl.dialects.builtin import i64
from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, normalize_axis, tensor_operand
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_bool, is_float
from xrelax.tir.symbolic import SymExpr

I64_MAX = 2 ** 63 - 1


# ---- property helpers (shared with ops_manip) ---------------------------------------


def int_list(value: Any, op_name: str, prop: str) -> list[int]:
    """A list-of-ints property (a single int is a one-element list)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return [value]
    if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise TypeInferenceError(f"{op_name}: '{prop}' must be a list of integers, got {value!r}")
    return value


def normalize_axes(axes: Sequence[int], ndim: int, op_name: str) -> list[int]:
    """Axes in [0, ndim), each at most once."""
    out: list[int] = []
    for a in axes:
        norm = normalize_axis(a, ndim, op_name)
        if norm in out:
            raise TypeInferenceError(f"{op_name}: axis {a} is repeated")
        out.append(norm)
    return out


def bool_prop(value: Any, op_name: str, prop: str) -> bool:
    if not isinstance(value, bool):
        raise TypeInferenceError(f"{op_name}: '{prop}' must be true or false, got {value!r}")
    return value


def product(dims: Sequence[SymExpr]) -> SymExpr:
    total = SymExpr.const(1)
    for d in dims:
        total = total * d
    return total


# ---- shared shape rule and compute ----------------------------------------------------


def reduced_type(x: TensorType, axes: list[int] | None, keepdims: bool, dtype: Attribute,
                 op_name: str) -> TensorType:
    """The result type of reducing `axes` (None: all) of `x`."""
    if x.dims is None:
        if x.ndim is None:
            if axes is None and not keepdims:
                return TensorType([], dtype)
            return TensorType(None, dtype)
        kept = x.ndim if keepdims else x.ndim - len(
            range(x.ndim) if axes is None else normalize_axes(axes, x.ndim, op_name))
        return TensorType(None, dtype, ndim=kept)
    ndim = len(x.dims)
    red = range(ndim) if axes is None else normalize_axes(axes, ndim, op_name)
    dims = [SymExpr.const(1) if j in red else d
            for j, d in enumerate(x.dims) if keepdims or j not in red]
    return TensorType(dims, dtype)


def _axes_of(op: TensorOp, x: te.Tensor) -> list[int]:
    axes = op.prop("axis")
    if axes is None:
        return list(range(x.ndim))
    return normalize_axes(int_list(axes, op.name, "axis"), x.ndim, op.name)


def reduce_compute(x: te.Tensor, axes: list[int], keepdims: bool, out_shape: Sequence[SymExpr],
                   body: Callable[[list[Any], list[Any], list[te.IterVar]], Any],
                   name: str) -> te.Tensor:
    """`compute(out_shape, body(out_index, x_index, reduce_axes))`, where
    `x_index` is the element of `x` that the out index and the reduce axes
    select."""
    axes = sorted(axes)
    rs = [te.reduce_axis(x.shape[a], name=f"r{a}") for a in axes]

    def element(*i: Any) -> Any:
        out_i, red_i = iter(i), iter(rs)
        idx = []
        for a in range(x.ndim):
            if a in axes:
                idx.append(next(red_i))
                if keepdims:
                    next(out_i)
            else:
                idx.append(next(out_i))
        return body(list(i), idx, rs)

    return te.compute(out_shape, element, name=name)


# ---- sum / prod / max / min / mean ------------------------------------------------------


class ReduceOp(TensorOp):
    """`COMBINER` of x over `axis` (all axes when absent)."""

    x = operand_def(TensorType)
    axis = opt_prop_def(Attribute)
    keepdims = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": None, "keepdims": False}
    COMBINER: ClassVar[Callable[..., Any]]

    @classmethod
    def check_dtype(cls, x: TensorType) -> None:
        if is_bool(x.dtype):
            raise TypeInferenceError(f"{cls.name}: bool tensors cannot be reduced "
                                     "(convert with relax.cast)")

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        cls.check_dtype(x)
        axes = None if props["axis"] is None else int_list(props["axis"], cls.name, "axis")
        keepdims = bool_prop(props["keepdims"], cls.name, "keepdims")
        return reduced_type(x, axes, keepdims, x.dtype, cls.name)

    def reduce(self, x: te.Tensor, name: str) -> te.Tensor:
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        axes, keepdims = _axes_of(self, x), self.prop("keepdims")
        combiner = type(self).COMBINER
        if not axes:  # nothing to reduce: a copy
            return te.compute(t.dims, lambda *i: x[i], name=name)
        return reduce_compute(x, axes, keepdims, t.dims,
                              lambda _i, idx, rs: combiner(x[tuple(idx)], axis=rs), name)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        return self.reduce(inputs[0], f"T_{self.name.split('.')[1]}")


@irdl_op_definition
class SumOp(ReduceOp):
    """The sum of the elements over the axes."""

    name = "relax.sum"
    COMBINER: ClassVar[Callable[..., Any]] = staticmethod(te.sum)


@irdl_op_definition
class ProdOp(ReduceOp):
    """The product of the elements over the axes."""

    name = "relax.prod"
    COMBINER: ClassVar[Callable[..., Any]] = staticmethod(te.prod)


@irdl_op_definition
class MaxOp(ReduceOp):
    """The largest element over the axes (NaN if any element is NaN)."""

    name = "relax.max"
    COMBINER: ClassVar[Callable[..., Any]] = staticmethod(te.max)


@irdl_op_definition
class MinOp(ReduceOp):
    """The smallest element over the axes (NaN if any element is NaN)."""

    name = "relax.min"
    COMBINER: ClassVar[Callable[..., Any]] = staticmethod(te.min)


@irdl_op_definition
class MeanOp(ReduceOp):
    """The arithmetic mean over the axes: a sum, then a division by the number
    of reduced elements (float operands only)."""

    name = "relax.mean"
    COMBINER: ClassVar[Callable[..., Any]] = staticmethod(te.sum)

    @classmethod
    def check_dtype(cls, x: TensorType) -> None:
        if not is_float(x.dtype):
            raise TypeInferenceError(f"{cls.name}: needs a float tensor, got {x.dtype} "
                                     "(convert with relax.cast)")

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        total = self.reduce(x, "T_sum")
        count = product([x.shape[a] for a in _axes_of(self, x)])
        divisor = (te.const(float(count.value or 0), x.dtype) if count.is_const()
                   else te.cast(x.dtype, count))
        return te.compute(total.shape, lambda *i: total[i] / divisor, name="T_mean")


# ---- argmax / argmin ---------------------------------------------------------------------


class ArgReduceOp(TensorOp):
    """The index of the first `COMBINER` element along `axis` (int), or in the
    flattened tensor when `axis` is absent; i64 result. A NaN counts as the
    extreme value (its first index is returned), as in numpy."""

    x = operand_def(TensorType)
    axis = opt_prop_def(Attribute)
    keepdims = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": None, "keepdims": False}
    COMBINER: ClassVar[Callable[..., Any]]

    @classmethod
    def _axis(cls, value: Any) -> list[int] | None:
        if value is None:
            return None
        axes = int_list(value, cls.name, "axis")
        if len(axes) != 1:
            raise TypeInferenceError(f"{cls.name}: 'axis' must be one axis, got {value!r}")
        return axes

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        if is_bool(x.dtype):
            raise TypeInferenceError(f"{cls.name}: bool tensors are not supported "
                                     "(convert with relax.cast)")
        keepdims = bool_prop(props["keepdims"], cls.name, "keepdims")
        return reduced_type(x, cls._axis(props["axis"]), keepdims, i64, cls.name)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        axes = list(range(x.ndim)) if self.prop("axis") is None else _axes_of(self, x)
        keepdims = self.prop("keepdims")
        if not axes:  # a 0-d tensor: index 0
            return te.compute(t.dims, lambda: te.const(0, "i64"), name="T_" + self.name[6:])
        combiner = type(self).COMBINER
        best = reduce_compute(x, axes, keepdims, t.dims,
                              lambda _i, idx, rs: combiner(x[tuple(idx)], axis=rs), name="T_best")

        def first_index(out_i: list[Any], idx: list[Any], rs: list[te.IterVar]) -> Any:
            flat: Any = rs[0]  # row-major index over the reduced axes
            for a, r in zip(axes[1:], rs[1:]):
                flat = flat * x.shape[a] + r
            value = x[tuple(idx)]
            hit = value == best[tuple(out_i)]
            if is_float(x.dtype):  # the extreme is NaN exactly when some element is
                hit = hit | (value != value)
            return te.min(te.if_then_else(hit, te.cast("i64", flat), te.const(I64_MAX, "i64")),
                          axis=rs)

        return reduce_compute(x, axes, keepdims, t.dims, first_index, name="T_" + self.name[6:])


@irdl_op_definition
class ArgmaxOp(ArgReduceOp):
    """Index of the first maximal element (numpy.argmax)."""

    name = "relax.argmax"
    COMBINER: ClassVar[Callable[..., Any]] = staticmethod(te.max)


@irdl_op_definition
class ArgminOp(ArgReduceOp):
    """Index of the first minimal element (numpy.argmin)."""

    name = "relax.argmin"
    COMBINER: ClassVar[Callable[..., Any]] = staticmethod(te.min)


REDUCE_OPS: list[type[TensorOp]] = [SumOp, MeanOp, MaxOp, MinOp, ProdOp, ArgmaxOp, ArgminOp]
