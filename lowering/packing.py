"""How the relax runtime hands arguments to a host function and takes results back.

A call is one pointer: the address of a *pack* of 64-bit slots that the
function's `_mlir_packed_NAME` entry point reads (see
lowering/func_to_llvm.py, `packed_wrapper`):

    [status | arguments, one slot each | %err (16 slots) | %out (results)]

A tensor argument's slot holds the address of its numpy array object, from
which the entry point reads the data pointer and the dims (and writes the data
pointer back, so that results can be matched against arguments); a scalar's
slot holds its bits. That numpy keeps the data pointer and dims pointer at
fixed offsets of the array object is checked once per process
(`numpy_layout_ok`); if it ever does not hold, each array travels as a small
record built here with the same layout instead (slower, same result).

Returned tensors are numpy arrays over the memory native code allocated,
freed when the last view of them dies.
"""

from __future__ import annotations

import ctypes
import functools
import math
import struct
from array import array
from typing import Any

import numpy as np
from xdsl.dialects.builtin import FunctionType
from xdsl.ir import Attribute

from xrelax.lowering.func_to_llvm import NUMPY_DATA_OFFSET, NUMPY_DIMS_OFFSET
from xrelax.lowering.relax_to_std import out_slots
from xrelax.relax.types import ShapeType, TensorType, TupleType
from xrelax.tir.types import dtype_name

ERR_SLOTS = 16

_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]
_free = _libc.free


def packed_modes(signature: FunctionType, n_constants: int,
                 profiled: bool = False) -> list[str | int]:
    """The mode of each argument of a host function in its pack: "array" for
    a tensor (and each constant, and the profile counters), "scalar" for a
    shape dim or a prim value, then the slot counts of %err and %out."""
    modes: list[str | int] = []

    def add(t: Attribute) -> None:
        if isinstance(t, TensorType):
            modes.append("array")
        elif isinstance(t, ShapeType):
            modes.extend(["scalar"] * (t.ndim or 0))
        elif isinstance(t, TupleType):
            for f in t.types:
                add(f)
        else:
            modes.append("scalar")

    for t in signature.inputs.data:
        add(t)
    modes += ["array"] * (n_constants + int(profiled))
    return modes + [ERR_SLOTS, max(out_slots(signature.outputs.data[0]), 1)]


def slot_positions(modes: list[str | int]) -> tuple[list[int], int]:
    """The first slot of each argument, and the pack's length (slot 0: status)."""
    positions, slot = [], 1
    for m in modes:
        positions.append(slot)
        slot += m if isinstance(m, int) else 1
    return positions, slot


@functools.cache
def numpy_layout_ok() -> bool:
    """Does this numpy keep an array's data pointer and dims pointer where the
    packed entry point reads them?"""
    probe = np.zeros((3, 5), np.float32)
    data = ctypes.c_void_p.from_address(id(probe) + NUMPY_DATA_OFFSET).value
    dims = ctypes.c_void_p.from_address(id(probe) + NUMPY_DIMS_OFFSET).value
    return (data == probe.ctypes.data and bool(dims)
            and list((ctypes.c_int64 * 2).from_address(dims)) == [3, 5])


def array_record(a: np.ndarray, keep: list[Any]) -> int:
    """An address to put in a tensor's slot when numpy's own layout cannot be
    used: a record with the data pointer and the dims where the entry point
    reads them (kept alive in `keep` until the call returns)."""
    words = NUMPY_DIMS_OFFSET // 8 + 1
    record = array("q", [0] * words + list(a.shape))
    base = record.buffer_info()[0]
    record[NUMPY_DATA_OFFSET // 8] = a.ctypes.data
    record[NUMPY_DIMS_OFFSET // 8] = base + 8 * words
    keep.append(record)
    return base


_BITS = {"f16": ("<e", "<h"), "f32": ("<f", "<i"), "f64": ("<d", "<q")}


def scalar_bits(value: Any, dtype: Attribute | None) -> int:
    """What a scalar's slot holds: the integer, or a float's bit pattern in the
    slot's low bytes. dtype None: a shape dim (index)."""
    name = dtype_name(dtype) if dtype is not None else "index"
    if name in _BITS:
        fmt, as_int = _BITS[name]
        return struct.unpack(as_int, struct.pack(fmt, float(value)))[0]
    return int(value)


def float_of_slot(raw: int) -> float:
    """A float result (host code stores every float result as an f64)."""
    return struct.unpack("<d", struct.pack("<q", raw))[0]


# One ctypes array type spans any tensor (a type per size would be cached by
# ctypes forever, one per distinct size); numpy views only `count` elements of it.
_SPAN = ctypes.c_char * (1 << 48)


class _Free:
    """Frees native memory when the last array over it dies (it is the `owner`
    attribute of the ctypes object the arrays' base points to)."""

    __slots__ = ("ptr",)

    def __init__(self, ptr: int):
        self.ptr = ptr

    def __del__(self) -> None:
        _free(self.ptr)


def owned_array(ptr: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A numpy array over memory that native code allocated; freed with the array."""
    span = _SPAN.from_address(ptr)
    span.owner = _Free(ptr)
    flat = np.frombuffer(span, dtype, math.prod(shape))
    return flat if len(shape) == 1 else flat.reshape(shape)
