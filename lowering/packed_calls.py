"""External calls: `relax.call_packed` and `relax.call_dps_packed` to Python functions.

Functions are registered by name; the IR can reach nothing else:

```python
from xrelax.lowering.packed_calls import register_packed

@register_packed("my.add_one")            # DPS: writes into its last argument
def add_one(x, out):
    out[...] = x + 1

@register_packed("my.norm")               # call_packed: returns its result
def norm(x):
    return np.float32(np.linalg.norm(x))
```

A call site in host code packs its arguments into an i64 array (a tensor as its
data pointer and dims, a shape as its dims, a prim value as 64 bits) and calls
the one native entry `relax_packed_call(site, slots)`, which the runtime
provides. The runtime turns the slots back into numpy views, calls the Python
function, and returns 0, or 1 when it raised (the exception is re-raised by the
runtime after native code returns). Tensor results are allocated by the native
code (their shape must be known) and the returned array is copied into them.
"""

from __future__ import annotations

import ctypes
import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects import arith, func, memref
from xdsl.dialects.builtin import AnyFloat, IntegerAttr, IntegerType, MemRefType, i32, i64
from xdsl.ir import Attribute, SSAValue

from xrelax.relax import ops as rx
from xrelax.relax.builder import numpy_dtype
from xrelax.relax.types import ObjectType, PrimType, ShapeType, TensorType, TupleType
from xrelax.diagnostics import CompileError, location_prefix

if TYPE_CHECKING:
    from xrelax.lowering.relax_to_std import FunctionLowering

ENTRY = "relax_packed_call"

_REGISTRY: dict[str, Callable[..., Any]] = {}


def register_packed(name: str, fn: Callable[..., Any] | None = None):
    """Register `fn` under `name` for call_packed/call_dps_packed (usable as a decorator)."""
    def add(f: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(f):
            raise TypeError(f"cannot register {f!r}: not callable")
        _REGISTRY[name] = f
        return f
    return add(fn) if fn is not None else add


def unregister_packed(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered_packed() -> list[str]:
    return sorted(_REGISTRY)


# ---- call sites ---------------------------------------------------------------------

@dataclass
class Site:
    """What one call site passes and expects, for the runtime to decode."""

    func_name: str
    dps: bool
    arg_types: list[Attribute]
    out_types: list[Attribute]
    where: str


SITES: dict[int, Site] = {}


def site_id(site: Site) -> int:
    """A call site's number, made from what the site is: the same site gets the
    same number in every process, so that code read back from a saved
    executable or the compile cache finds its site (lowering/cache.py)."""
    text = "\0".join([site.func_name, str(site.dps), *map(str, site.arg_types), "->",
                      *map(str, site.out_types), site.where])
    return (int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 2) | 1


def _slots(t: Attribute, where: rx.Operation) -> int:
    if isinstance(t, TensorType):
        if t.ndim is None:
            raise CompileError(f"{location_prefix(where)}error: packed calls need tensors of "
                               "known rank")
        return 1 + t.ndim
    if isinstance(t, ShapeType):
        return t.ndim or 0
    if isinstance(t, (PrimType, ObjectType)):
        return 1
    if isinstance(t, TupleType):
        return sum(_slots(f, where) for f in t.types)
    raise CompileError(f"{location_prefix(where)}error: cannot pass {t} to a packed call")


def lower_packed_call(fl: FunctionLowering, op: rx.CallPackedOp | rx.CallDPSPackedOp) -> None:
    name = op.func_name.data
    if name not in _REGISTRY:
        raise CompileError(f"{location_prefix(op)}error: {op.name}: no function is registered "
                           f"under the name \"{name}\" (register it with "
                           "xrelax.lowering.packed_calls.register_packed)")
    dps = isinstance(op, rx.CallDPSPackedOp)
    out_types = [r.type for r in op.outputs]
    for t in out_types:
        if isinstance(t, TensorType) and t.dims is None:
            raise CompileError(f"{location_prefix(op)}error: {op.name}: the shape of a tensor "
                               "result must be known (the caller allocates it)")
    arg_types = [a.type for a in op.args]
    described = Site(name, dps, arg_types, out_types, location_prefix(op).rstrip(": "))
    site = site_id(described)
    SITES[site] = described
    total = sum(_slots(t, op) for t in arg_types + out_types)
    buf = fl.emit(memref.AllocaOp.get(i64, shape=[max(total, 1)]))
    slot = 0
    for a in op.args:
        slot = _pack(fl, buf, slot, a.type, fl.vals[a])
    outs: list[list[SSAValue]] = []
    result_slots: list[int] = []
    for t in out_types:
        result_slots.append(slot)
        if isinstance(t, TensorType):
            m = fl.alloc(t, op)
            outs.append([m])
            slot = _pack(fl, buf, slot, t, [m])
        else:
            outs.append([])
            slot += _slots(t, op)
    ptr = fl.emit(memref.ExtractAlignedPointerAsIndexOp.get(buf))
    status = fl.emit(func.CallOp(ENTRY, [fl.emit(arith.ConstantOp(IntegerAttr(site, i64))),
                                         fl.to_i64(ptr)], [i32]))
    zero = fl.emit(arith.ConstantOp(IntegerAttr(0, i32)))
    fl.check(fl.emit(arith.CmpiOp(status, zero, "ne")),
             f"{location_prefix(op)}{op.name} \"{name}\" failed", [])
    for r, t, vals, s in zip(op.outputs, out_types, outs, result_slots):
        if _effect_only(t):
            if r.uses:
                raise CompileError(f"{location_prefix(op)}error: {op.name}: using a result of "
                                   f"type {t} is not supported by the native runtime yet (a "
                                   "call made only for its effect is)")
            fl.vals[r] = []
            continue
        fl.vals[r] = vals if vals else [_unpack_scalar(fl, buf, s, t, op)]


def _effect_only(t: Attribute) -> bool:
    """A result that carries nothing the host code can hold: the Python value is dropped."""
    return isinstance(t, ObjectType) or (isinstance(t, TupleType) and not t.types)


def _pack(fl: FunctionLowering, buf: SSAValue, slot: int, t: Attribute,
          values: list[SSAValue]) -> int:
    if isinstance(t, TupleType):
        k = 0
        for f in t.types:
            n = _value_count(f)
            slot = _pack(fl, buf, slot, f, values[k:k + n])
            k += n
        return slot
    if isinstance(t, TensorType):
        m = values[0]
        fl.store_slot(buf, slot, fl.emit(memref.ExtractAlignedPointerAsIndexOp.get(m)))
        assert isinstance(m.type, MemRefType)
        for j in range(m.type.get_num_dims()):
            fl.store_slot(buf, slot + 1 + j, fl.dim(m, j))
        return slot + 1 + m.type.get_num_dims()
    for v in values:
        fl.store_slot(buf, slot, v)
        slot += 1
    return slot


def _value_count(t: Attribute) -> int:
    """How many host values carry a relax value of type t (as relax_to_std
    lowers them: a memref per tensor, an index per dim of a shape)."""
    if isinstance(t, TupleType):
        return sum(_value_count(f) for f in t.types)
    return t.ndim or 0 if isinstance(t, ShapeType) else 1


def _unpack_scalar(fl: FunctionLowering, buf: SSAValue, slot: int, t: Attribute,
                   op: rx.Operation) -> SSAValue:
    raw = fl.emit(memref.LoadOp.get(buf, [fl.index(slot)]))
    if isinstance(t, PrimType):
        if isinstance(t.dtype, AnyFloat):
            from xdsl.dialects.builtin import f64

            f = fl.emit(arith.BitcastOp(raw, f64))
            return f if t.dtype == f64 else fl.emit(arith.TruncFOp(f, t.dtype))
        assert isinstance(t.dtype, IntegerType)
        return raw if t.dtype.width.data == 64 else fl.emit(arith.TruncIOp(raw, t.dtype))
    raise CompileError(f"{location_prefix(op)}error: {op.name}: results of type {t} are not "
                       "supported by the native runtime yet")


# ---- the native entry, run by the runtime ---------------------------------------------

_failure = threading.local()

_ENTRY_TYPE = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int64, ctypes.c_int64)


def _view(slots: np.ndarray, slot: int, t: Attribute) -> tuple[Any, int]:
    if isinstance(t, TensorType):
        rank = t.ndim or 0
        ptr = int(slots[slot]) & (2**64 - 1)
        shape = tuple(int(x) for x in slots[slot + 1:slot + 1 + rank])
        dtype = numpy_dtype(t.dtype)
        count = int(np.prod(shape)) if shape else 1
        if count == 0:
            return np.empty(shape, dtype), slot + 1 + rank
        buf = (ctypes.c_char * (count * dtype.itemsize)).from_address(ptr)
        return np.ndarray(shape, dtype, buffer=buf), slot + 1 + rank
    if isinstance(t, ShapeType):
        rank = t.ndim or 0
        return tuple(int(x) for x in slots[slot:slot + rank]), slot + rank
    if isinstance(t, TupleType):
        fields = []
        for f in t.types:
            value, slot = _view(slots, slot, f)
            fields.append(value)
        return tuple(fields), slot
    if isinstance(t, PrimType) and isinstance(t.dtype, AnyFloat):
        return float(slots[slot:slot + 1].view(np.float64)[0]), slot + 1
    return int(slots[slot]), slot + 1


def _store_result(value: Any, target: Any, slots: np.ndarray, slot: int, t: Attribute,
                  site: Site) -> None:
    if isinstance(t, TensorType):
        arr = np.asarray(value)
        if arr.shape != target.shape or arr.dtype != target.dtype:
            raise TypeError(f"\"{site.func_name}\" returned an array of shape {arr.shape} and "
                            f"dtype {arr.dtype}; the call expects {target.shape} {target.dtype}")
        target[...] = arr
    elif isinstance(t, PrimType) and isinstance(t.dtype, AnyFloat):
        slots[slot:slot + 1].view(np.float64)[0] = float(value)
    elif isinstance(t, PrimType):
        slots[slot] = int(value)
    elif _effect_only(t):
        pass  # (the call was made for its effect: the host code drops the value)
    else:
        raise TypeError(f"\"{site.func_name}\": results of type {t} are not supported")


def _entry(site_id: int, slots_ptr: int) -> int:
    try:
        site = SITES[site_id]
        total = sum(_slots(t, None) for t in site.arg_types + site.out_types)  # type: ignore[arg-type]
        slots = np.ctypeslib.as_array((ctypes.c_int64 * max(total, 1)).from_address(slots_ptr))
        args, slot = [], 0
        for t in site.arg_types:
            value, slot = _view(slots, slot, t)
            args.append(value)
        outs, out_slots = [], []
        for t in site.out_types:
            out_slots.append(slot)
            value, slot = _view(slots, slot, t)
            outs.append(value)
        fn = _REGISTRY[site.func_name]
        if site.dps:
            fn(*args, *outs)
        else:
            result = fn(*args)
            _store_result(result, outs[0], slots, out_slots[0], site.out_types[0], site)
        return 0
    except BaseException as err:  # no exception may cross into native code
        _failure.error = err
        return 1


_ENTRY_CALLBACK = _ENTRY_TYPE(_entry)


def entry_address() -> int:
    return ctypes.cast(_ENTRY_CALLBACK, ctypes.c_void_p).value or 0


def entry_declaration() -> func.FuncOp:
    """`func.func private @relax_packed_call(i64, i64) -> i32`, for modules that call it."""
    return func.FuncOp.external(ENTRY, [i64, i64], [i32])


def take_failure() -> BaseException | None:
    err = getattr(_failure, "error", None)
    _failure.error = None
    return err

