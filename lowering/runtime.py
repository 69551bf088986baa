"""Compile a module to native code and call its relax functions with numpy arrays.

```python
from xrelax.lowering.runtime import compile_module, load_executable
exe = compile_module(open("examples/exp.mlir").read())
y = exe["main"](np.arange(5, dtype=np.float32))   # or by name: exe["main"](x=...)
exe["main"].inputs                                # names, dtypes, symbolic shapes
exe.save("exp.xrx"); exe = load_executable("exp.xrx")
```

`compile_module` looks the compile up in the compile cache first and stores
what it compiles there (lowering/cache.py: the key, the directory; the
entries are saved executables, lowering/saved.py, which `Executable.save`
writes too).

Before any native code runs, the arguments are checked against the relax
signature: dtype, rank, C-contiguity, and every dim against the symbolic
constraints (variables are bound from the first dim that defines them).
Checks that need intermediate values (`match_cast`, kernel dims) run in the
native code and come back as a `RelaxRuntimeError`. Returned tensors own
their memory (freed with the numpy array); a result that is an argument is
returned as that same array.
"""

from __future__ import annotations

import dataclasses
import time
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from xdsl.dialects import func
from xdsl.dialects.builtin import (
    ArrayAttr,
    FunctionType,
    ModuleOp,
)
from xdsl.ir import Attribute

from xrelax.lowering.cache import (
    CompileCache,
    cache_enabled,
    compile_key,
    extended_by_user_code,
)
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
from xrelax.lowering.saved import (
    ExecutableFileError,
    SavedExecutable,
    SavedFunction,
    check_compatible,
    decode,
    encode,
    read_file,
    write_file,
)
from xrelax.lowering.relax_to_std import (
    CONSTANTS_ATTR,
    ERRORS_ATTR,
    MEMORY_ATTRS,
    SIGNATURE_ATTR,
)
from xrelax.lowering.signature import (
    Binder,
    RelaxArgumentError,
    ValueInfo,
    check_scalar,
    constant_array,
    numpy_dtype,
)
from xrelax.relax.types import ObjectType, PrimType, ShapeType, TensorType, TupleType
from xrelax.tir.bounds import COUNT_MAX, VAR_MAX
from xrelax.tir.symbolic import SymExpr
from xrelax.tir.types import dtype_name, shape_str



class RelaxRuntimeError(RuntimeError):
    """A run-time check in compiled code failed (match_cast, kernel dims)."""


_MISSING = object()


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
        self._output_types = (list(self.result_type.types) if isinstance(self.result_type,
                                                                          TupleType)
                              else [self.result_type])
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

    @property
    def inputs(self) -> list[ValueInfo]:
        """The parameters: names, dtypes, symbolic shapes."""
        return [ValueInfo.of(n, t) for n, t in zip(self.param_names, self.signature.inputs.data)]

    @property
    def outputs(self) -> list[ValueInfo]:
        """The results (a tuple result: one per field), named out0, out1, ..."""
        return [ValueInfo.of(f"out{i}", t) for i, t in enumerate(self._output_types)]

    def __repr__(self) -> str:
        ins = ", ".join(map(str, self.inputs))
        outs = ", ".join(str(o).split(": ", 1)[1] for o in self.outputs)
        return f"<relax function {self.name}({ins}) -> {outs}>"

    def __call__(self, *args: Any, out: Any = None, **kwargs: Any) -> Any:
        """Call with the arguments in parameter order, or by parameter name.
        `out`: an array for the result (for a tuple result, a sequence with an
        array or None per field) that the result is copied into and returned
        as; its dtype and shape must be the result's."""
        if kwargs:
            args = self._by_name(args, kwargs)
        packed = self._pack_arrays(args) if self._quick is not None else None
        keep: list[Any] = []  # records that must live until the call returns
        if packed is None:
            packed = self._pack_any(args, keep)
        pack, flat = packed
        if out is not None:
            self._out_arrays(out, None)  # before any native code runs, where dims are known
        if self._entry is None:
            self._entry = self.jit.packed_entry(self.name)
        self._entry(pack.buffer_info()[0])
        status = pack[0]
        owners: dict[int, np.ndarray] = {}
        result, _ = self._read(pack, self._out_slot, flat, owners)
        if status != 0:  # results written before the failure are freed with `owners`
            self._raise(status, pack)
        return result if out is None else self._into(out, result)

    # ---- arguments --------------------------------------------------------------------
    def _by_name(self, args: tuple, kwargs: dict[str, Any]) -> tuple:
        """The arguments in parameter order, from positional ones and keywords."""
        names = self.param_names
        if len(args) > len(names):
            self._bind(args, [])  # the count error
        given = list(args) + [_MISSING] * (len(names) - len(args))
        for key, value in kwargs.items():
            if key not in names:
                raise RelaxArgumentError(f"{self.name}: no parameter named '{key}' "
                                         f"(parameters: {', '.join(names) or 'none'})")
            i = names.index(key)
            if i < len(args):
                raise RelaxArgumentError(f"{self.name}: argument '{key}' is given twice "
                                         "(by position and by name)")
            given[i] = value
        missing = [n for n, v in zip(names, given) if v is _MISSING]
        if missing:
            noun = "argument" if len(missing) == 1 else "arguments"
            raise RelaxArgumentError(f"{self.name}: missing {noun} {', '.join(missing)} "
                                     f"(parameters: {', '.join(names)})")
        return tuple(given)

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

    def _bind(self, args: tuple, flat: list) -> Binder:
        """Check every argument against the signature (RelaxArgumentError)."""
        params = self.signature.inputs.data
        if len(args) != len(params):
            noun = "argument" if len(params) == 1 else "arguments"
            raise RelaxArgumentError(f"{self.name} takes {len(params)} {noun}, got {len(args)}")
        binder = Binder()
        for i, (a, t) in enumerate(zip(args, params)):
            self._flatten(f"{self.name}: argument #{i} ({self.param_names[i]})", a, t, binder, flat)
        binder.check()
        return binder

    def _flatten(self, where: str, a: Any, t: Attribute, binder: Binder, flat: list) -> None:
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
            check_scalar(where, a, t.dtype)
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
    def _out_arrays(self, out: Any, results: list[Any] | None) -> list[Any]:
        """The caller's output arrays, one per output (None: allocate), checked
        against the outputs' types, and against `results` once they exist."""
        types = self._output_types
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        if len(outs) != len(types):
            what = "1 array" if len(types) == 1 else f"{len(types)} values (an array or None " \
                "per output)"
            raise RelaxArgumentError(f"{self.name}: out takes {what}, got {len(outs)}")
        for i, (o, t) in enumerate(zip(outs, types)):
            if o is None:
                continue
            where = f"{self.name}: out[{i}] (out{i})"
            if not isinstance(t, TensorType):
                raise RelaxArgumentError(f"{where}: output {i} is not a tensor ({t}); pass None")
            if not isinstance(o, np.ndarray):
                raise RelaxArgumentError(f"{where}: expected a numpy array or None, got "
                                         f"{type(o).__name__}")
            want = numpy_dtype(t.dtype)
            if o.dtype != want:
                raise RelaxArgumentError(f"{where}: dtype is {o.dtype}, the output's is {want}")
            if not o.flags.writeable:
                raise RelaxArgumentError(f"{where}: the array is read-only")
            shape = results[i].shape if results is not None else self._known_shape(t)
            if shape is not None and o.shape != shape:
                raise RelaxArgumentError(f"{where}: shape is {o.shape}, the output's is {shape}")
        return outs

    def _known_shape(self, t: TensorType) -> tuple[int, ...] | None:
        """The output's shape from the arguments' dims, None if it needs more."""
        if t.dims is None or any(not d.free_vars() <= self.last_dims.keys() for d in t.dims):
            return None
        return tuple(d.evaluate(self.last_dims) for d in t.dims)

    def _into(self, out: Any, result: Any) -> Any:
        tuple_result = isinstance(self.result_type, TupleType)
        results = list(result) if tuple_result else [result]
        outs = self._out_arrays(out, results)
        for i, o in enumerate(outs):
            if o is not None:
                np.copyto(o, results[i])
                results[i] = o
        return tuple(results) if tuple_result else results[0]

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
    """A compiled module: `exe["main"](...)` calls relax function `main`.

    `save(path)` writes it to a file that `load_executable` reads back in
    another process (object code, signatures, constants; lowering/saved.py).
    `from_cache` tells whether compile_module found it in the compile cache;
    `compile_times` lists (stage, seconds) of the compile that made it."""

    def __init__(self, functions: dict[str, Function], jit: Any,
                 sites: Sequence[int] = (), options: dict[str, Any] | None = None):
        self.functions, self.jit = functions, jit
        self.sites = list(sites)  # the packed-call sites its code calls
        self.options = dict(options or {})
        self.from_cache = False
        self.compile_times: list[tuple[str, float]] = []
        self._recompile: Callable[[], Executable] | None = None

    def __getitem__(self, name: str) -> Function:
        if name not in self.functions:
            raise KeyError(f"no relax function named {name!r} "
                           f"(known: {', '.join(sorted(self.functions)) or 'none'})")
        return self.functions[name]

    def __contains__(self, name: str) -> bool:
        return name in self.functions

    def llvm_ir(self, optimized: bool = True) -> str:
        """The LLVM IR after (default) or before optimization. An executable
        from the compile cache compiles its source again to show it; one read
        with load_executable has object code only (a JitError)."""
        if self._recompile is not None:
            return self._recompile().llvm_ir(optimized)
        return self.jit.llvm_ir(optimized)

    def profile(self, name: str, *args: Any, repeat: int = 1) -> ProfileReport:
        """Call relax function `name` `repeat` times; the time of each kernel
        (the module must be compiled with `profile=True`)."""
        return self[name].profile(*args, repeat=repeat)

    def save(self, path: str | Path) -> None:
        """Write the executable to `path` (written whole or not at all; see
        lowering/saved.py for the format). `load_executable(path)` reads it."""
        write_file(path, *self._entry())

    def _entry(self) -> tuple[dict[str, Any], list[Any]]:
        """The header and blobs of this executable's file."""
        functions = [SavedFunction(
            f.name, f.signature, f.param_names, f.errors, f.constants, f.memory,
            None if f.profile_counters is None else (f.profile_counters.kernels,
                                                     f.profile_counters.flops_known))
            for f in self.functions.values()]
        return encode(SavedExecutable(self.jit.object_code, functions, self.sites,
                                      self.options))


def load_executable(path: str | Path) -> Executable:
    """An executable that `Executable.save` (or `relax-run --save`) wrote,
    ready to call, without running the compiler. Raises ExecutableFileError
    (a CompileError) for a file that is not one, is corrupt, or was built for
    another CPU, other CPU features or another xrelax; CompileError when it
    calls a packed function that is not registered in this process."""
    try:
        header, blobs = read_file(path)
    except FileNotFoundError as err:
        raise ExecutableFileError(f"{path}: error: cannot read the executable: "
                                  f"{err.strerror}") from None
    return _open_entry(header, blobs, path)


def _open_entry(header: dict[str, Any], blobs: list[memoryview], path: str | Path) -> Executable:
    from xrelax.lowering.jit import JitError, NativeCode

    check_compatible(header, path)
    saved = decode(header, blobs, path)
    _link_runtime()
    try:
        jit = NativeCode(saved.object_code)
    except JitError as err:
        raise ExecutableFileError(f"{path}: error: {err}") from None
    functions = {f.name: Function(f.name, jit, f.signature, f.errors, f.constants, f.param_names,
                                  f.memory, None if f.profile is None else
                                  ProfileCounters(*f.profile))
                 for f in saved.functions}
    return Executable(functions, jit, saved.sites, saved.options)


def _link_runtime() -> None:
    """The symbols that generated code calls in this process (before linking it)."""
    import llvmlite.binding as llvm

    from xrelax.lowering.packed_calls import ENTRY, entry_address

    llvm.add_symbol(ENTRY, entry_address())


def fold_evaluator(module: ModuleOp) -> Callable[..., Any]:
    """How `fold-constant` runs kernels at compile time (see passes/fold_constant.py):
    compile `module` and return its relax function `fold`, called with the
    constants' value attributes."""
    # folding the wrapper again would recurse; modules made to fold are not cached
    fold = compile_module(module, fold=False, cache=False)["fold"]

    def run(*values: Attribute) -> Any:
        return fold(*[constant_array(v) for v in values])

    return run


Progress = Callable[[str, float], None]


def compile_module(source: str | ModuleOp, *, opt_level: int = 3,
                   filename: str = "<input>",
                   before_llvm: Callable[[ModuleOp], None] | None = None,
                   profile: bool = False, cache: bool | None = None,
                   progress: Progress | None = None,
                   **pipeline_options: Any) -> Executable:
    """Parse (if text), verify, optimize (`default-pipeline`), lower and JIT-compile.

    `pipeline_options` turn optimizations off, e.g. `fuse=False` (see
    passes/default_pipeline.py). `profile=True` times every kernel call in the
    generated code: `exe.profile("main", *args)` reports them (see
    lowering/profiling.py). `cache`: look the compile up in the compile cache
    and store it there (lowering/cache.py); None (the default) follows
    `XRELAX_CACHE`; `before_llvm` and functions registered into the compiler
    (custom legalizations, micro-kernels) turn it off. `progress(stage, seconds)` is
    called as each stage ends (parse, every pass, LLVM optimization, code
    generation, ...). User errors raise `xrelax.diagnostics.CompileError` with
    a readable message."""
    from xrelax.passes.default_pipeline import DefaultPipeline

    pipeline = DefaultPipeline(evaluator=fold_evaluator, **pipeline_options)
    options = {"opt_level": opt_level, "profile": profile}
    options |= {f.name: getattr(pipeline, f.name) for f in dataclasses.fields(pipeline)
                if not f.metadata.get("handed_in")}
    times: list[tuple[str, float]] = []

    def report(stage: str, seconds: float) -> None:
        times.append((stage, seconds))
        if progress is not None:
            progress(stage, seconds)

    use_cache = ((cache_enabled() if cache is None else cache) and before_llvm is None
                 and extended_by_user_code() is None)
    store = CompileCache() if use_cache else None
    key = ""
    if store is not None:
        start = time.perf_counter()
        key = compile_key(source, filename, options)
        exe = store.load(key, _open_entry)
        report("cache lookup" if exe is None else "cache hit: load", time.perf_counter() - start)
        if exe is not None:
            exe.from_cache, exe.compile_times = True, times
            exe._recompile = lambda: compile_module(
                source, opt_level=opt_level, filename=filename, profile=profile, cache=False,
                **pipeline_options)
            return exe
    exe = _compile(source, pipeline, opt_level, filename, before_llvm, profile, report)
    exe.options = options
    if store is not None:
        start = time.perf_counter()
        store.store(key, *exe._entry())
        report("cache store", time.perf_counter() - start)
    exe.compile_times = times
    return exe


def _compile(source: str | ModuleOp, pipeline: Any, opt_level: int, filename: str,
             before_llvm: Callable[[ModuleOp], None] | None, profile: bool,
             report: Progress) -> Executable:
    from xdsl.passes import PassPipeline

    from xrelax.context import make_context
    from xrelax.diagnostics import parse_module, verify_module, verify_pass_output
    from xrelax.lowering.jit import JitModule
    from xrelax.lowering.noalias import mark_noalias_kernels
    from xrelax.lowering.relax_to_std import ConvertRelaxToStd
    from xrelax.lowering.std_to_llvm import ConvertStdToLLVM
    from xrelax.relax.compile_input import check_compile_input, rename_reserved_kernels

    clock = [time.perf_counter()]

    def stage(name: str) -> None:
        now = time.perf_counter()
        report(name, now - clock[0])
        clock[0] = now

    ctx = make_context()
    if isinstance(source, str):
        module = parse_module(ctx, source, filename)
        stage("parse")
    else:
        module = source.clone()
    verify_module(module)
    check_compile_input(module)  # untrusted input: only what the compiler lowers
    rename_reserved_kernels(module)
    stage("verify")
    param_names: dict[str, list[str]] = {}
    for op in module.body.block.ops:
        if op.name == "relax.func":
            param_names[op.sym_name.data] = [a.name_hint or f"%{i}" for i, a in  # type: ignore[attr-defined]
                                             enumerate(op.body.block.args)]

    def after_each(previous: Any, module: ModuleOp, _: Any) -> None:
        """What DefaultPipeline.apply does between steps, and a clock."""
        if previous is not None:
            if pipeline.verify_each:
                verify_pass_output(module, previous.name)
            stage(previous.name)

    PassPipeline(tuple(pipeline.passes()), after_each).apply(ctx, module)
    verify_pass_output(module, pipeline.name)
    ConvertRelaxToStd(profile=profile).apply(ctx, module)
    mark_noalias_kernels(module)  # before the kernels lose their call sites' facts
    stage("convert-relax-to-std")
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
    sites = _packed_call_sites(module)
    ConvertStdToLLVM().apply(ctx, module)
    stage("convert-std-to-llvm")
    _link_runtime()
    define_clock(module)
    packed = {name: packed_modes(sig, len(consts), counters is not None)
              for name, (sig, _, consts, _, counters) in metadata.items()}
    jit = JitModule(module, opt_level=opt_level, packed=packed, progress=report)
    functions = {name: Function(name, jit, sig, errors, consts, param_names[name], memory,
                                counters)
                 for name, (sig, errors, consts, memory, counters) in metadata.items()}
    return Executable(functions, jit, sites)


def _packed_call_sites(module: ModuleOp) -> list[int]:
    """The site numbers that the host code passes to the packed-call entry."""
    from xdsl.dialects import arith
    from xdsl.dialects.builtin import IntegerAttr

    from xrelax.lowering.packed_calls import ENTRY

    sites = []
    for op in module.walk():
        if isinstance(op, func.CallOp) and op.callee.root_reference.data == ENTRY:
            const = op.arguments[0].owner
            assert isinstance(const, arith.ConstantOp) and isinstance(const.value, IntegerAttr)
            sites.append(const.value.value.data)
    return sorted(set(sites))
