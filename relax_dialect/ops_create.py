"""Tensors filled with a constant: full, zeros, ones, and pad (x surrounded
by a constant); numpy semantics. The constant is a Python number checked
against the dtype (`scalar_of`).

The `shape` property of full, zeros and ones is a list of symbolic
expressions, stored as `#tir.expr<...>` attributes (`Op.make` converts Python
ints and `SymExpr`s; the text also accepts plain integers):

    %z = relax.zeros {dtype = "f32", shape = [#tir.expr<n * 2>]} : !relax.tensor<[n * 2], f32>
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.dialects.builtin import Signedness
from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, known_shape, tensor_operand
from xrelax.relax.ops_manip import ShapePropOp, required, result_dims, shape_list
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_bool, is_float
from xrelax.tir.types import to_dtype


# ---- property helpers ---------------------------------------------------------------------


def dtype_prop(value: Any, op_name: str) -> Attribute:
    try:
        return to_dtype(value)
    except (ValueError, TypeError) as err:
        raise TypeInferenceError(f"{op_name}: 'dtype': {err}") from None


def scalar_of(value: Any, dtype: Attribute, op_name: str, prop: str) -> int | float | bool:
    """A Python number as a constant of `dtype` (a whole number in range for ints)."""
    if not isinstance(value, (int, float)):
        raise TypeInferenceError(f"{op_name}: '{prop}' must be a number, got {value!r}")
    if is_float(dtype):
        return float(value)
    if not float(value).is_integer():
        raise TypeInferenceError(f"{op_name}: '{prop}' {value!r} is not a whole number, as "
                                 f"the dtype {dtype} needs")
    if is_bool(dtype):
        if value not in (0, 1):
            raise TypeInferenceError(f"{op_name}: '{prop}' {value!r} is not a bool (0 or 1)")
        return bool(value)
    bits = dtype.width.data  # type: ignore[attr-defined]
    unsigned = dtype.signedness.data == Signedness.UNSIGNED  # type: ignore[attr-defined]
    lo = 0 if unsigned else -(2 ** (bits - 1))
    if not lo <= int(value) < lo + 2 ** bits:
        raise TypeInferenceError(f"{op_name}: '{prop}' {value!r} is out of range for {dtype}")
    return int(value)


# ---- full, zeros, ones ------------------------------------------------------------------------


class FillOp(ShapePropOp):
    """A new tensor of `shape` and `dtype` (default f32) filled with FILL."""

    shape = prop_def(Attribute)
    dtype = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"dtype": "f32"}
    FILL: ClassVar[int | None] = None

    @classmethod
    def fill(cls, props: dict[str, Any], dtype: Attribute) -> int | float | bool:
        return scalar_of(cls.FILL, dtype, cls.name, "fill_value")

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        shape = shape_list(required(props, "shape", cls.name), cls.name)
        dtype = dtype_prop(props["dtype"], cls.name)
        cls.fill(props, dtype)
        return TensorType(shape, dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        value = te.const(self.fill(self.props(), t.dtype), t.dtype)
        return te.compute(t.dims, lambda *i: value, name="T_" + self.name[6:])


@irdl_op_definition
class FullOp(FillOp):
    """A tensor of `shape` and `dtype` filled with `fill_value`."""

    name = "relax.full"
    fill_value = prop_def(Attribute)

    @classmethod
    def fill(cls, props: dict[str, Any], dtype: Attribute) -> int | float | bool:
        return scalar_of(required(props, "fill_value", cls.name), dtype, cls.name, "fill_value")


@irdl_op_definition
class ZerosOp(FillOp):
    """A tensor of `shape` and `dtype` filled with 0."""

    name = "relax.zeros"
    FILL: ClassVar[int | None] = 0


@irdl_op_definition
class OnesOp(FillOp):
    """A tensor of `shape` and `dtype` filled with 1."""

    name = "relax.ones"
    FILL: ClassVar[int | None] = 1


# ---- pad ------------------------------------------------------------------------------------


@irdl_op_definition
class PadOp(TensorOp):
    """numpy.pad(x, pad_width, constant_values=pad_value): `pad_width` is one
    [before, after] pair of non-negative ints per dim."""

    name = "relax.pad"
    x = operand_def(TensorType)
    pad_width = prop_def(Attribute)
    pad_value = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"pad_value": 0.0}

    @classmethod
    def widths(cls, value: Any, ndim: int) -> list[tuple[int, int]]:
        if not isinstance(value, list) or len(value) != ndim:
            raise TypeInferenceError(f"{cls.name}: 'pad_width' must have one [before, after] "
                                     f"pair per dim ({ndim}), got {value!r}")
        pairs = []
        for pair in value:
            ok = isinstance(pair, list) and len(pair) == 2 and all(
                isinstance(w, int) and not isinstance(w, bool) and w >= 0 for w in pair)
            if not ok:
                raise TypeInferenceError(f"{cls.name}: each entry of 'pad_width' must be a "
                                         f"[before, after] pair of non-negative ints, got {pair!r}")
            pairs.append((pair[0], pair[1]))
        return pairs

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        dims = known_shape(x, cls.name)
        widths = cls.widths(required(props, "pad_width", cls.name), len(dims))
        scalar_of(props["pad_value"], x.dtype, cls.name, "pad_value")
        return TensorType([d + b + a for d, (b, a) in zip(dims, widths)], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        widths = self.widths(self.prop("pad_width"), x.ndim)
        value = te.const(scalar_of(self.prop("pad_value"), x.dtype, self.name, "pad_value"),
                         x.dtype)

        def element(*i: Any) -> Any:
            inside = None
            for k, (before, after) in enumerate(widths):
                if before:
                    inside = _and(inside, i[k] >= before)
                if after:
                    inside = _and(inside, i[k] < x.shape[k] + before)
            idx = tuple(v - b if b else v for v, (b, _) in zip(i, widths))
            return x[idx] if inside is None else te.if_then_else(inside, x[idx], value)

        return te.compute(result_dims(self), element, name="T_pad")


def _and(a: Any, b: Any) -> Any:
    return b if a is None else a & b


CREATE_OPS: list[type[TensorOp]] = [FullOp, ZerosOp, OnesOp, PadOp]
