"""Compile a module to native code and call its relax functions with numpy arrays.

```python
from xrelax.lowering.runtime import compile_module
exe = compile_module(open("examples/exp.mlir").read())
y = exe["main"](np.arange(5, dtype=np.float32))
```

Before any native code runs, the arguments are checked against the relax
signature: dtype, rank, C-contiguity, and every dim against the symbolic
constraints (variables are bound from the first dim that defines them).
Checks that need intermediate values (`match_cast`, kernel dims) run in the
native code and come back as a `RelaxRuntimeError`. Returned tensors own
their memory (freed with the numpy array); a result that is an argument is
returned as that same array.
"""

from __future__ import annotations

import ctypes
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    FunctionType,
    ModuleOp,
)
from xdsl.ir import Attribute

from xrelax.lowering.jit import contiguous_descriptor
from xrelax.lowering.relax_to_std import (
    CONSTANTS_ATTR,
    ERRORS_ATTR,
    MEMORY_ATTRS,
    SIGNATURE_ATTR,
    out_slots,
)
from xrelax.relax.types import ObjectType, PrimType, ShapeType, TensorType, TupleType
from xrelax.tir.symbolic import SymExpr
from xrelax.relax.builder import NUMPY_DTYPES
from xrelax.tir.types import dtype_name, shape_str, to_dtype

ERR_SLOTS = 16


class RelaxRuntimeError(RuntimeError):
    """A run-time check in compiled code failed (match_cast, kernel dims)."""


class RelaxArgumentError(TypeError):
    """An argument does not fit the function's signature."""


_NUMPY_OF = {to_dtype(name): np.dtype(np_name) for np_name, name in NUMPY_DTYPES.items()}


def numpy_dtype(dtype: Attribute) -> np.dtype:
    if dtype not in _NUMPY_OF:
        raise RelaxArgumentError(f"dtype {dtype} has no numpy equivalent")
    return _NUMPY_OF[dtype]


def constant_array(attr: Attribute) -> np.ndarray:
    """The data of a relax.constant as a numpy array (no copy for dense data)."""
    if isinstance(attr, DenseIntOrFPElementsAttr):
        t = attr.get_type()
        dtype = numpy_dtype(t.get_element_type())
        return np.frombuffer(attr.data.data, dtype).reshape(t.get_shape())
    assert isinstance(attr, DenseResourceAttr)
    from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
    from xdsl.dialects.builtin import Builtin

    blob = Builtin.get_interface(OpAsmDialectInterface)
    hex_data = blob.lookup(attr.resource_handle.data) if blob else None
    if not hex_data:
        raise RelaxArgumentError(f"dense_resource<{attr.resource_handle.data}> has no data "
                                 "in the module's dialect_resources")
    raw = bytes.fromhex(hex_data[2:])[4:]  # MLIR blobs start with a 4-byte alignment
    t = attr.get_type()
    return np.frombuffer(raw, numpy_dtype(t.get_element_type())).reshape(t.get_shape())


_libc = ctypes.CDLL(None)
_libc.free.argtypes = [ctypes.c_void_p]


def _owned_array(ptr: int, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """A numpy array over memory that native code allocated; freed with the array."""
    count = int(np.prod(shape)) if shape else 1
    buf = (ctypes.c_char * max(count * dtype.itemsize, 1)).from_address(ptr)
    weakref.finalize(buf, _libc.free, ptr)
    return np.ndarray(shape, dtype, buffer=buf)


@dataclass
class _Binder:
    """Binds symbolic variables from arguments and checks every dim."""

    env: dict[str, int] = field(default_factory=dict)
    pending: list[tuple[str, int, SymExpr, int]] = field(default_factory=list)

    def dims(self, where: str, dims: Sequence[SymExpr], actual: Sequence[int]) -> None:
        for j, (d, a) in enumerate(zip(dims, actual)):
            if int(a) < 0:
                raise RelaxArgumentError(f"{where}: dim {j} is {a}; a dim cannot be negative")
            if int(a) >= 2**62:
                raise RelaxArgumentError(f"{where}: dim {j} is {a}, too large (the limit is 2**62)")
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


def _check_scalar(where: str, value: Any, dtype: Attribute) -> None:
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


class Function:
    """A compiled relax function; call it with numpy arrays (and ints for shapes)."""

    def __init__(self, name: str, jit: Any, signature: FunctionType, errors: list[str],
                 constants: list[np.ndarray], param_names: list[str],
                 memory: dict[str, SymExpr] | None = None):
        self.name, self.jit, self.signature = name, jit, signature
        self.errors, self.constants, self.param_names = errors, constants, param_names
        self.result_type = signature.outputs.data[0]
        self.memory = memory or {}
        self.last_dims: dict[str, int] = {}  # symbolic dims of the latest call
        self._entry: Any = None

    def _native(self, values: list[Any]) -> int:
        """Call the compiled code (arguments already validated); its status."""
        if self._entry is None:
            self._entry = self.jit.raw_entry(self.name)
        cfunc, kinds, results_type = self._entry
        results = results_type()
        keep = []  # the descriptors live until the call returns
        c_args: list[Any] = [ctypes.addressof(results)]
        for value, kind in zip(values, kinds):
            if kind is None:
                keep.append(contiguous_descriptor(value))
                c_args.append(ctypes.addressof(keep[-1]))
            else:
                c_args.append(kind(value))
        cfunc(*c_args)
        return int(results.r0)

    def memory_plan(self, **dims: int) -> dict[str, int]:
        """Bytes of the kernel-call intermediates, with (`planned`) and without
        (`unplanned`) static memory planning, for the given symbolic dims."""
        return {k: e.evaluate(dims) for k, e in self.memory.items()}

    def __call__(self, *args: Any) -> Any:
        params = self.signature.inputs.data
        if len(args) != len(params):
            noun = "argument" if len(params) == 1 else "arguments"
            raise RelaxArgumentError(f"{self.name} takes {len(params)} {noun}, got {len(args)}")
        binder = _Binder()
        flat: list[Any] = []
        for i, (a, t) in enumerate(zip(args, params)):
            self._flatten(f"{self.name}: argument #{i} ({self.param_names[i]})", a, t, binder, flat)
        binder.check()
        self.last_dims = dict(binder.env)
        err = np.zeros(ERR_SLOTS, np.int64)
        out = np.zeros(max(out_slots(self.result_type), 1), np.int64)
        status = self._native(flat + self.constants + [err, out])
        owners: dict[int, np.ndarray] = {}
        result, _ = self._unflatten(self.result_type, out, 0, args, owners)
        if status != 0:  # results written before the failure are freed with `owners`
            from xrelax.lowering.packed_calls import take_failure

            cause = take_failure()
            if cause is not None:
                message = self.errors[status - 1]
                raise RelaxRuntimeError(f"{message}: {type(cause).__name__}: {cause}") from cause
            actual = tuple(int(x) for x in err[1:1 + int(err[0])])
            shown = str(actual[0]) if len(actual) == 1 else str(actual)
            raise RelaxRuntimeError(self.errors[status - 1].replace("%s", shown))
        return result

    def _flatten(self, where: str, a: Any, t: Attribute, binder: _Binder, flat: list) -> None:
        if isinstance(t, TensorType):
            if not isinstance(a, np.ndarray):
                raise RelaxArgumentError(f"{where}: expected a numpy array, got {type(a).__name__}")
            want = numpy_dtype(t.dtype)
            if a.dtype != want:
                raise RelaxArgumentError(f"{where}: dtype is {a.dtype}, expected {want}")
            if t.ndim is not None and a.ndim != t.ndim:
                raise RelaxArgumentError(f"{where}: rank is {a.ndim}, expected {t.ndim} "
                                         f"(shape {shape_str(t.dims) if t.dims else t.ndim})")
            if not a.flags.c_contiguous:
                raise RelaxArgumentError(f"{where}: the array is not C-contiguous "
                                         "(use numpy.ascontiguousarray)")
            if t.dims is not None:
                binder.dims(where, t.dims, a.shape)
            flat.append(a)
        elif isinstance(t, ShapeType):
            if not isinstance(a, (tuple, list)) or not all(isinstance(x, (int, np.integer)) for x in a):
                raise RelaxArgumentError(f"{where}: expected a shape (a tuple of ints)")
            if t.ndim is not None and len(a) != t.ndim:
                raise RelaxArgumentError(f"{where}: expected {t.ndim} dims, got {len(a)}")
            if t.dims is not None:
                binder.dims(where, t.dims, a)
            flat.extend(int(x) for x in a)
        elif isinstance(t, PrimType):
            if not isinstance(a, (int, float, bool, np.number, np.bool_)):
                raise RelaxArgumentError(f"{where}: expected a number, got {type(a).__name__}")
            _check_scalar(where, a, t.dtype)
            if t.known_value is not None:
                binder.dims(where, [t.known_value], [int(a)])
            flat.append(a)
        elif isinstance(t, TupleType):
            if not isinstance(a, (tuple, list)) or len(a) != len(t.types):
                raise RelaxArgumentError(f"{where}: expected a tuple of {len(t.types)} values")
            for k, (x, ft) in enumerate(zip(a, t.types)):
                self._flatten(f"{where}[{k}]", x, ft, binder, flat)
        else:
            raise RelaxArgumentError(f"{where}: values of type {t} cannot be passed yet")

    def _unflatten(self, t: Attribute, out: np.ndarray, slot: int, args: tuple,
                   owners: dict[int, np.ndarray]) -> tuple[Any, int]:
        if isinstance(t, TupleType):
            fields = []
            for f in t.types:
                value, slot = self._unflatten(f, out, slot, args, owners)
                fields.append(value)
            return tuple(fields), slot
        if isinstance(t, TensorType):
            rank = t.ndim or 0
            ptr = int(out[slot]) & (2**64 - 1)
            shape = tuple(int(x) for x in out[slot + 1:slot + 1 + rank])
            return self._tensor(ptr, shape, numpy_dtype(t.dtype), args, owners), slot + 1 + rank
        if isinstance(t, ShapeType):
            rank = t.ndim or 0
            return tuple(int(x) for x in out[slot:slot + rank]), slot + rank
        if isinstance(t, PrimType):
            raw = out[slot:slot + 1]
            name = dtype_name(t.dtype)
            if name.startswith("f"):
                return float(raw.view(np.float64)[0]), slot + 1
            if name == "i1":
                return bool(raw[0]), slot + 1
            return int(raw[0]), slot + 1
        assert isinstance(t, ObjectType)
        return None, slot + 1

    def _tensor(self, ptr: int, shape: tuple[int, ...], dtype: np.dtype, args: tuple,
                owners: dict[int, np.ndarray]) -> np.ndarray | None:
        if ptr == 0:
            return None  # not written: the call failed before returning
        if ptr in owners:
            return owners[ptr]
        for a in list(args) + self.constants:
            if isinstance(a, np.ndarray) and a.ctypes.data == ptr and a.shape == shape:
                # an argument is returned as itself; a constant as a copy (it is shared)
                owners[ptr] = a if any(a is x for x in args) else a.copy()
                return owners[ptr]
        owners[ptr] = _owned_array(ptr, shape, dtype)
        return owners[ptr]


class Executable:
    """A compiled module: `exe["main"](...)` calls relax function `main`."""

    def __init__(self, functions: dict[str, Function], jit: Any):
        self.functions, self.jit = functions, jit

    def __getitem__(self, name: str) -> Function:
        if name not in self.functions:
            raise KeyError(f"no relax function named {name!r} "
                           f"(known: {', '.join(sorted(self.functions)) or 'none'})")
        return self.functions[name]

    def __contains__(self, name: str) -> bool:
        return name in self.functions

    def llvm_ir(self, optimized: bool = True) -> str:
        return self.jit.llvm_ir(optimized)


DEFAULT_PIPELINE = "legalize-ops,convert-relax-to-std,convert-std-to-llvm"


def fold_evaluator(module: ModuleOp) -> Callable[..., Any]:
    """How `fold-constant` runs kernels at compile time (see passes/fold_constant.py):
    compile `module` and return its relax function `fold`, called with the
    constants' value attributes."""
    fold = compile_module(module, fold=False)["fold"]  # folding the wrapper again would recurse

    def run(*values: Attribute) -> Any:
        return fold(*[constant_array(v) for v in values])

    return run


def compile_module(source: str | ModuleOp, *, opt_level: int = 3,
                   filename: str = "<input>",
                   before_llvm: Callable[[ModuleOp], None] | None = None,
                   **pipeline_options: bool) -> Executable:
    """Parse (if text), verify, optimize (`default-pipeline`), lower and JIT-compile.

    `pipeline_options` turn optimizations off, e.g. `fuse=False` (see
    passes/default_pipeline.py). User errors raise
    `xrelax.diagnostics.CompileError` with a readable message."""
    from xrelax.lowering.jit import JitModule
    from xrelax.lowering.noalias import mark_noalias_kernels
    from xrelax.lowering.relax_to_std import ConvertRelaxToStd
    from xrelax.lowering.std_to_llvm import ConvertStdToLLVM
    from xrelax.passes.default_pipeline import DefaultPipeline
    from xrelax.relax.compile_input import check_compile_input, rename_reserved_kernels
    from xrelax.context import make_context
    from xrelax.diagnostics import parse_module, verify_module

    ctx = make_context()
    if isinstance(source, str):
        module = parse_module(ctx, source, filename)
    else:
        module = source.clone()
    verify_module(module)
    check_compile_input(module)  # untrusted input: only what the compiler lowers
    rename_reserved_kernels(module)
    pipeline = DefaultPipeline(evaluator=fold_evaluator, **pipeline_options)
    param_names: dict[str, list[str]] = {}
    for op in module.body.block.ops:
        if op.name == "relax.func":
            param_names[op.sym_name.data] = [a.name_hint or f"%{i}" for i, a in  # type: ignore[attr-defined]
                                             enumerate(op.body.block.args)]
    pipeline.apply(ctx, module)
    ConvertRelaxToStd().apply(ctx, module)
    mark_noalias_kernels(module)  # before the kernels lose their call sites' facts
    if before_llvm is not None:
        before_llvm(module)
    metadata = {}
    for op in module.body.block.ops:
        if isinstance(op, func.FuncOp) and SIGNATURE_ATTR in op.attributes:
            errors = op.attributes.pop(ERRORS_ATTR)
            consts = op.attributes.pop(CONSTANTS_ATTR)
            sig = op.attributes.pop(SIGNATURE_ATTR)
            memory = {name.split(".")[1].removesuffix("_bytes"): op.attributes.pop(name).data
                      for name in MEMORY_ATTRS if name in op.attributes}
            assert isinstance(errors, ArrayAttr) and isinstance(consts, ArrayAttr)
            metadata[op.sym_name.data] = (sig, [e.data for e in errors.data],  # type: ignore[attr-defined]
                                          [constant_array(c) for c in consts.data], memory)
    ConvertStdToLLVM().apply(ctx, module)
    import llvmlite.binding as llvm

    from xrelax.lowering.packed_calls import ENTRY, entry_address

    llvm.add_symbol(ENTRY, entry_address())
    jit = JitModule(module, opt_level=opt_level)
    functions = {name: Function(name, jit, sig, errors, consts, param_names[name], memory)
                 for name, (sig, errors, consts, memory) in metadata.items()}
    return Executable(functions, jit)
