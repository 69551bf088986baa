"""Relax signatures as the runtime sees them: the numpy dtype of each relax
dtype, constants as numpy arrays, `ValueInfo` (what `Function.inputs` and
`Function.outputs` return), and the binding of symbolic dims to the
arguments' dims that checks every dim before native code runs
(lowering/runtime.py calls them).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, DenseResourceAttr
from xdsl.ir import Attribute

from xrelax.lowering.cache import resource_hex
from xrelax.relax.builder import NUMPY_DTYPES
from xrelax.relax.types import PrimType, ShapeType, TensorType, TupleType
from xrelax.tir.bounds import VAR_MAX
from xrelax.tir.symbolic import SymExpr
from xrelax.tir.types import dtype_name, to_dtype


class RelaxArgumentError(TypeError):
    """An argument does not fit the function's signature."""


NUMPY_OF = {to_dtype(name): np.dtype(np_name) for np_name, name in NUMPY_DTYPES.items()}


def numpy_dtype(dtype: Attribute) -> np.dtype:
    if dtype not in NUMPY_OF:
        raise RelaxArgumentError(f"dtype {dtype} has no numpy equivalent")
    return NUMPY_OF[dtype]


def constant_array(attr: Attribute) -> np.ndarray:
    """The data of a relax.constant as a numpy array (no copy for dense data)."""
    if isinstance(attr, DenseIntOrFPElementsAttr):
        t = attr.get_type()
        dtype = numpy_dtype(t.get_element_type())
        if dtype == np.bool_:  # xDSL stores a true i1 as -1 (0xff); kernels read 0 / 1 bytes
            return (np.frombuffer(attr.data.data, np.uint8) != 0).reshape(t.get_shape())
        return np.frombuffer(attr.data.data, dtype).reshape(t.get_shape())
    assert isinstance(attr, DenseResourceAttr)
    hex_data = resource_hex(attr.resource_handle.data)
    if not hex_data:
        raise RelaxArgumentError(f"dense_resource<{attr.resource_handle.data}> has no data "
                                 "in the module's dialect_resources")
    raw = bytes.fromhex(hex_data[2:])[4:]  # MLIR blobs start with a 4-byte alignment
    t = attr.get_type()
    return np.frombuffer(raw, numpy_dtype(t.get_element_type())).reshape(t.get_shape())


@dataclass(frozen=True)
class ValueInfo:
    """A parameter or an output of a relax function, as `Function.inputs` and
    `Function.outputs` describe it (like onnxruntime's `get_inputs()`).

    `kind`: "tensor", "shape", "prim", "tuple" or "object"; `dtype`: the numpy
    dtype name ("float32") of a tensor's elements or a prim value; `shape`: a
    tensor's dims (or a shape value's), each an int or a symbolic expression
    as text ("n", "n * 4"), None where the rank is unknown; `fields`: a
    tuple's parts."""

    name: str
    kind: str
    dtype: str | None = None
    shape: tuple[int | str, ...] | None = None
    fields: tuple[ValueInfo, ...] = ()

    @staticmethod
    def of(name: str, t: Attribute) -> ValueInfo:
        def dims(ds: Sequence[SymExpr] | None) -> tuple[int | str, ...] | None:
            if ds is None:
                return None
            return tuple(d.value if d.is_const() else str(d) for d in ds)  # type: ignore[misc]

        if isinstance(t, TensorType):
            return ValueInfo(name, "tensor", numpy_dtype(t.dtype).name, dims(t.dims))
        if isinstance(t, ShapeType):
            return ValueInfo(name, "shape", None, dims(t.dims))
        if isinstance(t, PrimType):
            return ValueInfo(name, "prim", numpy_dtype(t.dtype).name, ())
        if isinstance(t, TupleType):
            return ValueInfo(name, "tuple", fields=tuple(ValueInfo.of(f"{name}[{i}]", f)
                                                         for i, f in enumerate(t.types)))
        return ValueInfo(name, "object")

    def __str__(self) -> str:
        shape = "[?]" if self.shape is None else f"[{', '.join(map(str, self.shape))}]"
        if self.kind == "tensor":
            return f"{self.name}: {self.dtype}{shape}"
        if self.kind == "shape":
            return f"{self.name}: shape{shape}"
        if self.kind == "prim":
            return f"{self.name}: {self.dtype}"
        if self.kind == "tuple":
            return f"{self.name}: ({', '.join(str(f).split(': ', 1)[1] for f in self.fields)})"
        return f"{self.name}: object"


@dataclass
class Binder:
    """Binds symbolic variables from arguments and checks every dim."""

    env: dict[str, int] = field(default_factory=dict)
    pending: list[tuple[str, int, SymExpr, int]] = field(default_factory=list)

    def dims(self, where: str, dims: Sequence[SymExpr], actual: Sequence[int]) -> None:
        for j, (d, a) in enumerate(zip(dims, actual)):
            if int(a) < 0:
                raise RelaxArgumentError(f"{where}: dim {j} is {a}; a dim cannot be negative")
            if int(a) > VAR_MAX:  # what the bounds analysis of kernels assumes
                raise RelaxArgumentError(f"{where}: dim {j} is {a}, too large (the limit is "
                                         "2**48 - 1)")
            v = d.as_var()
            if v is not None and v not in self.env:
                self.env[v] = int(a)
            else:
                self.pending.append((where, j, d, int(a)))

    def check(self) -> None:
        for where, j, d, a in self.pending:
            want = d.evaluate(self.env)
            if want != a:
                bound = ", ".join(f"{k} = {self.env[k]}" for k in sorted(d.free_vars()))
                raise RelaxArgumentError(f"{where}: dim {j} is {a}, but the type requires {d}"
                                         + (f" (with {bound})" if bound else ""))


def check_scalar(where: str, value: Any, dtype: Attribute) -> None:
    """A Python number must fit the prim value's dtype exactly (no silent wrapping)."""
    name = dtype_name(dtype)
    if name.startswith(("f", "bf")):
        return
    if isinstance(value, (float, np.floating)):
        raise RelaxArgumentError(f"{where}: expected an integer for {name}, got {value!r}")
    bits = {"i1": 1, "i8": 8, "i16": 16, "i32": 32, "i64": 64, "ui8": 8}[name]
    lo, hi = (0, 1) if bits == 1 else ((0, 255) if name == "ui8" else
                                       (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1))
    if not lo <= int(value) <= hi:
        raise RelaxArgumentError(f"{where}: {value} does not fit in {name} [{lo}, {hi}]")
