"""`relax.bitcast`: the bits of a tensor read as another dtype.

Unlike `relax.cast`, no value is converted: f32 1.0 becomes i32 1065353216.
The dtypes have the same bit width (f16 <-> i16, f32 <-> i32, f64 <-> i64,
i8 <-> ui8, ...). A bool is stored as a byte, so
bool <-> i8 / ui8 are bitcasts too: bool is 0 or 1, and a byte read as a
bool is true when it is not 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, tensor_operand
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_bool
from xrelax.tir.types import dtype_name, to_dtype

_FLOAT_BITS = {"f16": 16, "bf16": 16, "f32": 32, "f64": 64}


def bit_width(dtype: Attribute) -> int:
    """The bits one element occupies in memory (a bool: a byte)."""
    if is_bool(dtype):
        return 8
    name = dtype_name(dtype)
    if name in _FLOAT_BITS:
        return _FLOAT_BITS[name]
    return dtype.width.data  # type: ignore[attr-defined]


@irdl_op_definition
class BitcastOp(TensorOp):
    """The elements of x reinterpreted as property `dtype`, of the same bit
    width (see the module docstring); the shape is x's."""

    name = "relax.bitcast"
    x = operand_def(TensorType)
    dtype = opt_prop_def(Attribute)  # required; checked by infer, which names the op
    result = result_def(TensorType)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        if "dtype" not in props:
            raise TypeInferenceError(f'{cls.name}: needs the property dtype (e.g. {{dtype = "i32"}})')
        try:
            dtype = to_dtype(props["dtype"])
        except (ValueError, TypeError) as err:
            raise TypeInferenceError(f"{cls.name}: {err}") from None
        if bit_width(x.dtype) != bit_width(dtype):
            raise TypeInferenceError(f"{cls.name}: {dtype_name(x.dtype)} has "
                                     f"{bit_width(x.dtype)} bits, {dtype_name(dtype)} has "
                                     f"{bit_width(dtype)}: a bitcast keeps the width")
        return TensorType(x.dims, dtype, ndim=x.ndim)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        t = self.result.type
        assert isinstance(t, TensorType)

        def element(*i: Any) -> Any:
            v = x[i] if i else x[()]
            if is_bool(t.dtype) or is_bool(v.dtype):  # 0 / 1 <-> a byte (not 0: true)
                return te.cast(t.dtype, v)
            return te.reinterpret(t.dtype, v)

        return te.compute(x.shape, element, name="T_bitcast")


BITS_OPS: list[type[TensorOp]] = [BitcastOp]
