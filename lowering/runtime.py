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

from array import array
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

from xrelax.lowering.packing import (
    array_record,
    float_of_slot,
    numpy_layout_ok,
    owned_array,
    packed_modes,
    scalar_bits,
    slot_positions,
)
from xrelax.lowering.profiling import (
    FLOPS_KNOWN_ATTR,
    KERNELS_ATTR,
    ProfileCounters,
    ProfileReport,
    define_clock,
)
from xrelax.lowering.relax_to_std import (
    CONSTANTS_ATTR,
    ERRORS_ATTR,
    MEMORY_ATTRS,
    SIGNATURE_ATTR,
)
from xrelax.relax.types import ObjectType, PrimType, ShapeType, TensorType, TupleType
from xrelax.tir.bounds import COUNT_MAX, VAR_MAX
from xrelax.tir.symbolic import SymExpr
from xrelax.relax.builder import NUMPY_DTYPES
from xrelax.tir.types import dtype_name, shape_str, to_dtype



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


@dataclass
class _Binder:
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
    """A compiled relax function; call it with numpy arrays (and ints for shapes).

    A call validates the arguments, packs them into one array of slots (see
    lowering/packing.py) and makes one native call. Shapes already validated
    are remembered (per combination of argument shapes, up to SHAPE_CACHE), so
    a repeated call only checks each array's type, dtype, rank and contiguity."""

    SHAPE_CACHE = 256

    def __init__(self, name: str, jit: Any, signature: FunctionType, errors: list[str],
                 constants: list[np.ndarray], param_names: list[str],
                 memory: dict[str, SymExpr] | None = None,
                 profile: ProfileCounters | None = None):
        self.name, self.jit, self.signature = name, jit, signature
        self.errors, self.constants, self.param_names = errors, constants, param_names
        self.result_type = signature.outputs.data[0]
        self.memory = memory or {}
        self.profile_counters = profile
        self.last_dims: dict[str, int] = {}  # symbolic dims of the latest call (do not modify)
        modes = packed_modes(signature, len(constants), profile is not None)
        positions, length = slot_positions(modes)
        n_args = len(modes) - 2 - len(constants) - int(profile is not None)
        self._arg_slots = positions[:n_args]
        self._arg_modes = modes[:n_args]
        self._err_slot, self._out_slot = positions[-2], positions[-1]
        self._direct = numpy_layout_ok()
        fixed = constants + ([profile.counts] if profile is not None else [])
        self._fixed = list(zip(positions[n_args:n_args + len(fixed)], fixed))
        self._template = array("q", [0] * length)
        if self._direct:
            for slot, a in self._fixed:
                self._template[slot] = id(a)
        params = signature.inputs.data
        # every parameter a tensor of known dims: the quick checks of _pack_arrays suffice
        self._quick = ([(numpy_dtype(t.dtype), len(t.dims)) for t in params]
                       if all(isinstance(t, TensorType) and t.dims is not None for t in params)
                       else None)
        self._shapes: dict[tuple, dict[str, int]] = {}
        self._read = self._reader(self.result_type)
        self._entry: Any = None

    def memory_plan(self, **dims: int) -> dict[str, int]:
        """Bytes of the kernel-call intermediates, with (`planned`) and without
        (`unplanned`) static memory planning, for the given symbolic dims."""
        return {k: e.evaluate(dims) for k, e in self.memory.items()}

    def __call__(self, *args: Any) -> Any:
        packed = self._pack_arrays(args) if self._quick is not None else None
        keep: list[Any] = []  # records that must live until the call returns
        if packed is None:
            packed = self._pack_any(args, keep)
        pack, flat = packed
        if self._entry is None:
            self._entry = self.jit.packed_entry(self.name)
        self._entry(pack.buffer_info()[0])
        status = pack[0]
        owners: dict[int, np.ndarray] = {}
        result, _ = self._read(pack, self._out_slot, flat, owners)
        if status != 0:  # results written before the failure are freed with `owners`
            self._raise(status, pack)
        return result

    # ---- arguments --------------------------------------------------------------------
    def _pack_arrays(self, args: tuple) -> tuple[array, tuple[list[int], Any]] | None:
        """The pack for a function whose parameters are all tensors of known dims
        (their slots are 1, 2, ...); None when a check fails (the general path
        then names the problem). Written for speed: this is every call's path."""
        quick = self._quick
        if len(args) != len(quick):  # type: ignore[arg-type]
            return None
        shapes = []
        i = 0
        for a in args:
            dtype, ndim = quick[i]  # type: ignore[index]
            i += 1
            if (type(a) is not np.ndarray or (a.dtype is not dtype and a.dtype != dtype)
                    or a.ndim != ndim or not a.flags.c_contiguous):
                return None
            shapes.append(a.shape)
        key = tuple(shapes)
        env = self._shapes.get(key)
        if env is None:
            env = self._bind(args, []).env
            if len(self._shapes) < self.SHAPE_CACHE:
                self._shapes[key] = env
        self.last_dims = env
        if not self._direct:
            return None
        pack = array("q", self._template)
        i = 1
        for a in args:
            pack[i] = id(a)
            i += 1
        return pack, (self._arg_slots, args)

    def _pack_any(self, args: tuple, keep: list[Any]) -> tuple[array, tuple[list[int], Any]]:
        flat: list[tuple[Any, Attribute | None]] = []
        self.last_dims = self._bind(args, flat).env
        pack = array("q", self._template)
        slots, arrays = [], []
        for slot, mode, (value, dtype) in zip(self._arg_slots, self._arg_modes, flat):
            if mode == "array":
                pack[slot] = id(value) if self._direct else array_record(value, keep)
                slots.append(slot)
                arrays.append(value)
            else:
                pack[slot] = scalar_bits(value, dtype)
        if not self._direct:
            for slot, a in self._fixed:
                pack[slot] = array_record(a, keep)
        return pack, (slots, arrays)

    def _bind(self, args: tuple, flat: list) -> _Binder:
        """Check every argument against the signature (RelaxArgumentError)."""
        params = self.signature.inputs.data
        if len(args) != len(params):
            noun = "argument" if len(params) == 1 else "arguments"
            raise RelaxArgumentError(f"{self.name} takes {len(params)} {noun}, got {len(args)}")
        binder = _Binder()
        for i, (a, t) in enumerate(zip(args, params)):
            self._flatten(f"{self.name}: argument #{i} ({self.param_names[i]})", a, t, binder, flat)
        binder.check()
        return binder

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
            if a.size >= COUNT_MAX or any(d > VAR_MAX for d in a.shape):
                raise RelaxArgumentError(f"{where}: shape {a.shape} is too large (fewer than "
                                         "2**48 elements, each dim below 2**48)")
            if t.dims is not None:
                binder.dims(where, t.dims, a.shape)
            flat.append((a, None))
        elif isinstance(t, ShapeType):
            if not isinstance(a, (tuple, list)) or not all(isinstance(x, (int, np.integer)) for x in a):
                raise RelaxArgumentError(f"{where}: expected a shape (a tuple of ints)")
            if t.ndim is not None and len(a) != t.ndim:
                raise RelaxArgumentError(f"{where}: expected {t.ndim} dims, got {len(a)}")
            if t.dims is not None:
                binder.dims(where, t.dims, a)
            flat.extend((int(x), None) for x in a)
        elif isinstance(t, PrimType):
            if not isinstance(a, (int, float, bool, np.number, np.bool_)):
                raise RelaxArgumentError(f"{where}: expected a number, got {type(a).__name__}")
            _check_scalar(where, a, t.dtype)
            if t.known_value is not None:
                binder.dims(where, [t.known_value], [int(a)])
            flat.append((a, t.dtype))
        elif isinstance(t, TupleType):
            if not isinstance(a, (tuple, list)) or len(a) != len(t.types):
                raise RelaxArgumentError(f"{where}: expected a tuple of {len(t.types)} values")
            for k, (x, ft) in enumerate(zip(a, t.types)):
                self._flatten(f"{where}[{k}]", x, ft, binder, flat)
        else:
            raise RelaxArgumentError(f"{where}: values of type {t} cannot be passed yet")

    # ---- results ----------------------------------------------------------------------
    def _raise(self, status: int, pack: array) -> None:
        from xrelax.lowering.packed_calls import take_failure

        cause = take_failure()
        message = self.errors[status - 1]
        if cause is not None:
            raise RelaxRuntimeError(f"{message}: {type(cause).__name__}: {cause}") from cause
        err = self._err_slot
        actual = tuple(pack[err + 1:err + 1 + pack[err]])
        shown = str(actual[0]) if len(actual) == 1 else str(actual)
        raise RelaxRuntimeError(message.replace("%s", shown))

    def _reader(self, t: Attribute) -> Callable[[array, int, list, dict], tuple[Any, int]]:
        """A function that reads a result of type t from the pack at a slot:
        (pack, slot, flat arrays, owners) -> (value, next slot)."""
        if isinstance(t, TupleType):
            fields = [self._reader(f) for f in t.types]

            def read_tuple(pack, slot, flat, owners):
                values = []
                for read in fields:
                    value, slot = read(pack, slot, flat, owners)
                    values.append(value)
                return tuple(values), slot
            return read_tuple
        if isinstance(t, TensorType):
            rank, dtype = t.ndim or 0, numpy_dtype(t.dtype)

            def read_tensor(pack, slot, flat, owners):
                shape = tuple(pack[slot + 1:slot + 1 + rank])
                ptr = pack[slot] & (2**64 - 1)
                return self._tensor(ptr, shape, dtype, pack, flat, owners), slot + 1 + rank
            return read_tensor
        if isinstance(t, ShapeType):
            rank = t.ndim or 0
            return lambda pack, slot, flat, owners: (tuple(pack[slot:slot + rank]), slot + rank)
        if isinstance(t, PrimType):
            name = dtype_name(t.dtype)
            convert = (float_of_slot if name.startswith("f") else bool if name == "i1" else int)
            return lambda pack, slot, flat, owners: (convert(pack[slot]), slot + 1)
        assert isinstance(t, ObjectType)
        return lambda pack, slot, flat, owners: (None, slot + 1)

    def _tensor(self, ptr: int, shape: tuple[int, ...], dtype: np.dtype, pack: array,
                flat: tuple[list[int], Any], owners: dict[int, np.ndarray]) -> np.ndarray | None:
        """A tensor result: None if not written, an argument as itself, a
        constant as a copy (it is shared), else an array owning the memory."""
        if ptr == 0:
            return None  # not written: the call failed before returning
        if ptr in owners:
            return owners[ptr]
        slots, arrays = flat
        for k in range(len(slots)):  # the entry point left each argument's data pointer
            a = arrays[k]
            if (pack[slots[k]] if self._direct else a.ctypes.data) == ptr and a.shape == shape:
                owners[ptr] = a
                return a
        for a in self.constants:
            if a.ctypes.data == ptr and a.shape == shape:
                owners[ptr] = a.copy()
                return owners[ptr]
        owners[ptr] = owned_array(ptr, shape, dtype)
        return owners[ptr]

    def profile(self, *args: Any, repeat: int = 1) -> ProfileReport:
        """Call the function `repeat` times and report the time of each kernel
        (compile with `profile=True`)."""
        if self.profile_counters is None:
            raise RuntimeError(f"{self.name} was compiled without profiling: "
                               "use compile_module(..., profile=True)")
        self.profile_counters.reset()
        for _ in range(repeat):
            self(*args)
        return self.profile_counters.report(self.name)


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

    def profile(self, name: str, *args: Any, repeat: int = 1) -> ProfileReport:
        """Call relax function `name` `repeat` times; the time of each kernel
        (the module must be compiled with `profile=True`)."""
        return self[name].profile(*args, repeat=repeat)


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
                   profile: bool = False,
                   **pipeline_options: bool) -> Executable:
    """Parse (if text), verify, optimize (`default-pipeline`), lower and JIT-compile.

    `pipeline_options` turn optimizations off, e.g. `fuse=False` (see
    passes/default_pipeline.py). `profile=True` times every kernel call in the
    generated code: `exe.profile("main", *args)` reports them (see
    lowering/profiling.py). User errors raise
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
    ConvertRelaxToStd(profile=profile).apply(ctx, module)
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
            counters = None
            if profile:
                names = op.attributes.pop(KERNELS_ATTR)
                known = op.attributes.pop(FLOPS_KNOWN_ATTR)
                counters = ProfileCounters([n.data for n in names.data],  # type: ignore[attr-defined]
                                           [bool(k.data) for k in known.data])  # type: ignore[attr-defined]
            metadata[op.sym_name.data] = (sig, [e.data for e in errors.data],  # type: ignore[attr-defined]
                                          [constant_array(c) for c in consts.data], memory,
                                          counters)
    ConvertStdToLLVM().apply(ctx, module)
    import llvmlite.binding as llvm

    from xrelax.lowering.packed_calls import ENTRY, entry_address

    llvm.add_symbol(ENTRY, entry_address())
    define_clock(module)
    packed = {name: packed_modes(sig, len(consts), counters is not None)
              for name, (sig, _, consts, _, counters) in metadata.items()}
    jit = JitModule(module, opt_level=opt_level, packed=packed)
    functions = {name: Function(name, jit, sig, errors, consts, param_names[name], memory,
                                counters)
                 for name, (sig, errors, consts, memory, counters) in metadata.items()}
    return Executable(functions, jit)
