"""Values of an ONNX graph during import.

A value is either a relax `SSAValue` (computed when the model runs) or a
`Known`: a tensor whose elements are known at import time. A `Known` holds a
numpy array; for shape arithmetic its elements may be symbolic expressions
(an object array of ints and `SymExpr`s): `Shape` of a `[n, 3]` tensor is
`Known([n, 3])`, and `Gather`, `Concat`, `Slice`, `Mul`, ... on it compute new
symbolic expressions, so `Reshape(x, Concat(Shape(x)[0:1], [-1]))` becomes
`relax.reshape` to `[n, -1]`. A `Known` used as an operand of a tensor op
becomes a `relax.constant`, or, if symbolic, a `relax.symbolic_tensor`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import SymExpr

# ONNX TensorProto element types -> (relax dtype, numpy dtype)
ONNX_DTYPES: dict[int, tuple[str, np.dtype]] = {
    1: ("f32", np.dtype("float32")), 2: ("ui8", np.dtype("uint8")),
    3: ("i8", np.dtype("int8")), 5: ("i16", np.dtype("int16")),
    6: ("i32", np.dtype("int32")), 7: ("i64", np.dtype("int64")),
    9: ("bool", np.dtype("bool")), 10: ("f16", np.dtype("float16")),
    11: ("f64", np.dtype("float64")),
}
BF16 = 16  # bfloat16: a relax dtype, but numpy has none (see `bf16_to_f32`)


def onnx_dtype_name(elem: int) -> str:
    from onnx import TensorProto

    try:
        return TensorProto.DataType.Name(elem)
    except ValueError:
        return f"element type {elem}"


def relax_dtype(elem: int) -> str | None:
    if elem == BF16:
        return "bf16"
    entry = ONNX_DTYPES.get(elem)
    return entry[0] if entry else None


def numpy_dtype_of(elem: int) -> np.dtype | None:
    entry = ONNX_DTYPES.get(elem)
    return entry[1] if entry else None


def elem_of_numpy(dtype: np.dtype) -> int:
    for elem, (_, np_dtype) in ONNX_DTYPES.items():
        if np_dtype == dtype:
            return elem
    raise ValueError(f"numpy dtype {dtype} has no ONNX element type here")


def elem_of_relax(dtype: Any) -> int:
    from xrelax.tir.types import dtype_name

    name = dtype_name(dtype)
    if name == "bf16":
        return BF16
    if name == "i1":  # (relax's bool)
        return 9
    for elem, (rname, _) in ONNX_DTYPES.items():
        if rname == name:
            return elem
    raise ValueError(f"dtype {name} has no ONNX element type")


def _clean(v: Any) -> Any:
    """An element of a symbolic array: SymExprs that are constants become ints."""
    if isinstance(v, SymExpr):
        return v.value if v.is_const() else v
    if isinstance(v, (np.integer, np.bool_)):
        return int(v)
    return v


@dataclass
class Known:
    """A tensor known at import time: numeric numpy data, or (elem is an
    integer type) an object array of ints and symbolic expressions."""

    data: np.ndarray
    elem: int
    name: str | None = None  # the initializer or Constant it comes from (names the relax value)

    def __post_init__(self) -> None:
        if self.data.dtype == object:
            flat = [_clean(v) for v in self.data.reshape(-1)]
            if all(isinstance(v, int) for v in flat):
                self.data = np.array(flat, dtype=numpy_dtype_of(self.elem)).reshape(
                    self.data.shape)
            else:
                arr = np.empty(len(flat), dtype=object)
                arr[:] = flat
                self.data = arr.reshape(self.data.shape)

    @staticmethod
    def of(array: Any, elem: int | None = None) -> Known:
        arr = np.asarray(array)
        if elem is None:
            elem = elem_of_numpy(arr.dtype)
        return Known(arr, elem)

    @property
    def symbolic(self) -> bool:
        return self.data.dtype == object

    def tensor_type(self) -> TensorType:
        return TensorType(list(self.data.shape), relax_dtype(self.elem) or "f32")

    def items(self) -> list[Any]:
        """The elements, flattened, as Python ints / floats / bools / SymExprs."""
        return [_clean(v) if not isinstance(v, np.floating) else float(v)
                for v in self.data.reshape(-1)]


Value = Union[SSAValue, Known]


def sym_array(values: list[Any], shape: tuple[int, ...] | None = None) -> np.ndarray:
    """An object array of ints and symbolic expressions."""
    arr = np.empty(len(values), dtype=object)
    arr[:] = [_clean(v) for v in values]
    return arr.reshape(shape if shape is not None else (len(values),))
