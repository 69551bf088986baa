"""Compile an `llvm`-dialect module with llvmlite and call it with numpy arrays.

    jit = JitModule(module_op)            # translate, verify, optimize (O3, host CPU), MCJIT
    jit.call("f", a, b, 3)                # calls _mlir_ciface_f (see lowering/func_to_llvm.py)
    jit.function_address("f")             # raw address of any function
    jit.llvm_ir(optimized=False)          # LLVM IR text before / after optimization
    jit.object_code                       # the machine code, as an ELF object file
    NativeCode(jit.object_code)           # that code linked again, without the IR

The code is generated as an object file (`TargetMachine.emit_object`) and
linked by MCJIT (`add_object_file`), the same way whether it was just compiled
or read back from a saved executable or the compile cache (lowering/cache.py).

`call` checks every array argument against the function's signature (dtype,
rank, static sizes, C-contiguity) and raises `JitArgumentError` before any
native code runs.  Memref results are returned as numpy arrays that own their
memory (freed with `free` when the array dies), unless the result is one of
the argument arrays, which is then returned as is.
"""

import ctypes
import ctypes.util
import functools
import time
import weakref
from collections.abc import Callable
from typing import Any

import llvmlite.binding as llvm
import numpy as np
from xdsl.backend.llvm.convert import convert_module
from xdsl.dialects import llvm as llvm_d
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    SymbolRefAttr,
)
from xdsl.ir import Attribute

from xrelax.lowering.func_to_llvm import (
    CIFACE_PREFIX,
    CIFACE_TYPE_ATTR,
    PACKED_PREFIX,
    packed_wrapper,
)
from xrelax.lowering.noalias import apply_noalias


class JitError(Exception):
    """The module could not be compiled."""


class JitArgumentError(TypeError):
    """A Python argument does not match the signature of the called function."""


@functools.cache
def _init_llvm() -> None:
    """Initialize the native target once per process and make libgomp's symbols visible."""
    llvm.initialize_native_target()
    llvm.initialize_native_asmprinter()
    llvm.initialize_native_asmparser()
    for candidate in (ctypes.util.find_library("gomp"), "libgomp.so.1"):
        if candidate:
            try:
                llvm.load_library_permanently(candidate)
                return
            except RuntimeError:
                continue


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.free.argtypes = [ctypes.c_void_p]
    return libc


_FLOATS = {16: np.float16, 32: np.float32, 64: np.float64}
_CTYPE_FLOATS = {32: ctypes.c_float, 64: ctypes.c_double}
_CTYPE_INTS = {
    1: ctypes.c_bool, 8: ctypes.c_int8, 16: ctypes.c_int16,
    32: ctypes.c_int32, 64: ctypes.c_int64,
}  # fmt: skip


def numpy_dtypes(t: Attribute) -> tuple[np.dtype, ...]:
    """The numpy dtypes accepted for elements of type t (first: the one produced)."""
    if isinstance(t, IndexType):
        return (np.dtype(np.int64),)
    if isinstance(t, IntegerType):
        w = t.width.data
        if w == 1:
            return (np.dtype(np.bool_),)
        return (np.dtype(f"int{w}"), np.dtype(f"uint{w}"))
    if isinstance(t, AnyFloat) and t.bitwidth in _FLOATS:
        return (np.dtype(_FLOATS[t.bitwidth]),)
    raise JitError(f"element type {t} has no numpy equivalent")


def scalar_ctype(t: Attribute):
    """The ctypes type of a scalar argument or result."""
    if isinstance(t, IndexType):
        return ctypes.c_int64
    if isinstance(t, IntegerType) and t.width.data in _CTYPE_INTS:
        return _CTYPE_INTS[t.width.data]
    if isinstance(t, AnyFloat) and t.bitwidth in _CTYPE_FLOATS:
        return _CTYPE_FLOATS[t.bitwidth]
    raise JitError(f"scalar type {t} cannot be passed through the C interface")


@functools.cache
def descriptor_ctype(rank: int) -> type[ctypes.Structure]:
    """ctypes mirror of the memref descriptor of the given rank."""
    fields: list[tuple[str, Any]] = [
        ("allocated", ctypes.c_void_p),
        ("aligned", ctypes.c_void_p),
        ("offset", ctypes.c_int64),
    ]
    if rank:
        fields += [("sizes", ctypes.c_int64 * rank), ("strides", ctypes.c_int64 * rank)]
    return type(f"MemRefDescriptor{rank}", (ctypes.Structure,), {"_fields_": fields})


def result_ctype(t: Attribute):
    return descriptor_ctype(t.get_num_dims()) if isinstance(t, MemRefType) else scalar_ctype(t)


def _optimize(mod: llvm.ModuleRef, tm: llvm.TargetMachine, level: int) -> None:
    pto = llvm.create_pipeline_tuning_options(speed_level=level)
    pto.loop_vectorization = level >= 2
    pto.slp_vectorization = level >= 2
    pb = llvm.create_pass_builder(tm, pto)
    mpm = pb.getModulePassManager()
    try:
        mpm.run(mod, pb)
    finally:
        _dispose_pass_manager(mpm)


def _dispose_pass_manager(mpm: Any) -> None:
    """Free a module pass manager and every pass in it. llvmlite 0.50 never does:
    `ModulePassManager._dispose` resolves to the no-op of its first base class,
    so each optimization leaked its whole pipeline (60-130 KiB; issue 9)."""
    from llvmlite.binding import ffi

    if not mpm.closed:
        ffi.lib.LLVMPY_DisposeNewModulePassManger(mpm)
        mpm.detach()


def _host_target_machine(opt_level: int) -> llvm.TargetMachine:
    """A target machine for this CPU (a new one for each use: one handed to an
    MCJIT engine must not be reused)."""
    target = llvm.Target.from_triple(llvm.get_process_triple())
    return target.create_target_machine(
        cpu=llvm.get_host_cpu_name(),
        features=llvm.get_host_cpu_features().flatten(),
        opt=min(opt_level, 3),
        jit=True,
    )


Progress = Callable[[str, float], None]


class NativeCode:
    """Object code for this CPU, linked into this process by MCJIT.

    `NativeCode(object_code)` is what a saved executable or a cache entry
    loads: no IR, no compiler. External symbols resolve against the process
    (libc, libm, libgomp) and llvmlite's added symbols (the packed-call entry)."""

    def __init__(self, object_code: bytes, renamed: dict[str, str] | None = None) -> None:
        _init_llvm()
        self.object_code = object_code
        self._renamed = renamed or {}
        empty = llvm.parse_assembly("")
        empty.triple = llvm.get_process_triple()
        self._engine = llvm.create_mcjit_compiler(empty, _host_target_machine(3))
        try:
            self._engine.add_object_file(llvm.ObjectFileRef.from_data(object_code))
            self._engine.finalize_object()
        except RuntimeError as e:
            raise JitError(f"LLVM could not link the object code: {e}") from e
        self._functions: dict[str, Any] = {}

    def llvm_ir(self, optimized: bool = True) -> str:
        raise JitError("this code was loaded as object code: it has no LLVM IR "
                       "(compile the module to see it)")

    def function_address(self, name: str) -> int:
        """Address of function `name` in the compiled code (KeyError if absent)."""
        addr = self._engine.get_function_address(self._renamed.get(name, name))
        if not addr:
            raise KeyError(f"no function named {name!r} in the compiled module")
        return addr

    def packed_entry(self, name: str) -> Callable[[int], None]:
        """For callers that validate their own arguments (the relax runtime):
        `_mlir_packed_NAME`, called with the address of its pack of slots (see
        lowering/func_to_llvm.py, `packed_wrapper`); only for the functions
        given as `packed` when compiling."""
        key = PACKED_PREFIX + name
        if key not in self._functions:
            proto = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
            self._functions[key] = proto(self.function_address(key))
        return self._functions[key]


class JitModule(NativeCode):
    """An llvm-dialect module compiled to native code in this process."""

    def __init__(self, module: ModuleOp, opt_level: int = 3,
                 packed: dict[str, list[str | int]] | None = None,
                 progress: Progress | None = None) -> None:
        """`packed`: public functions that also get a packed entry point
        (see `packed_entry`), with the mode of each argument. `progress` is
        called with each stage's name and seconds: translation to LLVM IR,
        LLVM optimization, code generation (the object code), linking."""
        _init_llvm()
        clock = _Clock(progress)
        self.module = module
        self._signatures = _ciface_signatures(module)
        for name, modes in (packed or {}).items():
            module.body.block.add_op(packed_wrapper(name, self._signatures[name], modes))
        apply_noalias(module)
        renamed = _prefix_internal_symbols(module)
        self._ir_before = str(_translate(module))
        try:
            mod = llvm.parse_assembly(self._ir_before)
            mod.verify()
        except RuntimeError as e:
            raise JitError(f"LLVM rejected the translated module: {e}") from e
        mod.triple = mod.triple or llvm.get_process_triple()
        self._tm = _host_target_machine(opt_level)
        clock.stage("translate to LLVM IR")
        if opt_level > 0:
            _optimize(mod, self._tm, opt_level)
            clock.stage("LLVM optimization")
        self._ir_after = str(mod)
        object_code = self._tm.emit_object(mod)
        clock.stage("code generation")
        super().__init__(object_code, renamed)
        clock.stage("link")

    def llvm_ir(self, optimized: bool = True) -> str:
        """LLVM IR text after (default) or before optimization."""
        return self._ir_after if optimized else self._ir_before

    def assembly(self) -> str:
        """Native assembly of the optimized module."""
        return self._tm.emit_assembly(llvm.parse_assembly(self._ir_after))

    def call(self, name: str, *args: Any) -> Any:
        """Call public function `name` with numpy arrays (memrefs) and Python scalars.

        Returns None, the single result, or a tuple of results."""
        if name not in self._signatures:
            raise KeyError(f"no public function named {name!r} (known: {sorted(self._signatures)})")
        ft = self._signatures[name]
        inputs = list(ft.inputs)
        if len(args) != len(inputs):
            raise JitArgumentError(f"{name} takes {len(inputs)} arguments, got {len(args)}")
        c_args = [_marshal(name, i, a, t) for i, (a, t) in enumerate(zip(args, inputs))]
        outputs = list(ft.outputs)
        results = None
        if outputs:
            fields = [(f"r{i}", result_ctype(t)) for i, t in enumerate(outputs)]
            results = type("Results", (ctypes.Structure,), {"_fields_": fields})()
            c_args.insert(0, ctypes.cast(ctypes.pointer(results), ctypes.c_void_p))
        self._c_function(name, ft)(*c_args)
        if results is None:
            return None
        values = [_unmarshal(getattr(results, f"r{i}"), t, args) for i, t in enumerate(outputs)]
        return values[0] if len(values) == 1 else tuple(values)

    def _c_function(self, name: str, ft: FunctionType):
        if name not in self._functions:
            params = [ctypes.c_void_p] if ft.outputs.data else []
            params += [
                ctypes.c_void_p if isinstance(t, MemRefType) else scalar_ctype(t)
                for t in ft.inputs
            ]
            proto = ctypes.CFUNCTYPE(None, *params)
            self._functions[name] = proto(self.function_address(CIFACE_PREFIX + name))
        return self._functions[name]


class _Clock:
    """Reports the seconds since the previous stage to `progress`."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress, self.start = progress, time.perf_counter()

    def stage(self, name: str) -> None:
        now = time.perf_counter()
        if self.progress is not None:
            self.progress(name, now - self.start)
        self.start = now


INTERNAL_PREFIX = "__relax_"


def _prefix_internal_symbols(module: ModuleOp) -> dict[str, str]:
    """Give every function the module defines, except the C wrappers, a prefix,
    so that no kernel or host function can take the name of a C library
    function that LLVM or the lowering calls (`exp`, `erf`, `free`, ...).
    Returns the renaming."""
    renamed: dict[str, str] = {}
    for op in module.ops:
        if isinstance(op, llvm_d.FuncOp) and op.body.blocks:
            name = op.sym_name.data
            if not name.startswith((CIFACE_PREFIX, PACKED_PREFIX, INTERNAL_PREFIX)):
                renamed[name] = INTERNAL_PREFIX + name
                op.sym_name = StringAttr(renamed[name])
    if not renamed:
        return renamed
    for op in module.walk():
        if isinstance(op, llvm_d.CallOp) and op.callee is not None:
            target = op.callee.root_reference.data
            if target in renamed:
                op.callee = SymbolRefAttr(renamed[target])
        elif isinstance(op, llvm_d.AddressOfOp):
            target = op.global_name.root_reference.data
            if target in renamed:
                op.global_name = SymbolRefAttr(renamed[target])
    return renamed


def _translate(module: ModuleOp):
    """xDSL's translation, plus the linkage of internal functions (it drops it)."""
    try:
        ir_mod = convert_module(module, fallback_target_triple=llvm.get_process_triple())
    except (NotImplementedError, KeyError) as e:
        raise JitError(f"cannot translate to LLVM IR: {e}") from e
    for op in module.ops:
        if not isinstance(op, llvm_d.FuncOp) or not op.body.blocks:
            continue
        if op.linkage.linkage.data == "internal":
            ir_mod.get_global(op.sym_name.data).linkage = "internal"
    return ir_mod


def _ciface_signatures(module: ModuleOp) -> dict[str, FunctionType]:
    sigs: dict[str, FunctionType] = {}
    for op in module.ops:
        ft = op.attributes.get(CIFACE_TYPE_ATTR) if isinstance(op, llvm_d.FuncOp) else None
        if isinstance(op, llvm_d.FuncOp) and isinstance(ft, FunctionType):
            sigs[op.sym_name.data.removeprefix(CIFACE_PREFIX)] = ft
    return sigs


def _marshal(fname: str, index: int, value: Any, t: Attribute) -> Any:
    """The ctypes value passed for argument `index` (a descriptor pointer for arrays)."""
    where = f"{fname}: argument {index}"
    if isinstance(t, MemRefType):
        return _descriptor_for(where, value, t)
    if isinstance(value, np.ndarray):
        raise JitArgumentError(f"{where}: expected a scalar of type {t}, got an array")
    integral = isinstance(value, int | np.integer | bool | np.bool_)
    if isinstance(t, IndexType | IntegerType) and not integral:
        raise JitArgumentError(f"{where}: expected an integer ({t}), got {type(value).__name__}")
    if isinstance(t, AnyFloat) and not isinstance(value, int | float | np.integer | np.floating):
        raise JitArgumentError(f"{where}: expected a number ({t}), got {type(value).__name__}")
    return scalar_ctype(t)(value)


def _descriptor_for(where: str, arr: Any, t: MemRefType):
    if not isinstance(arr, np.ndarray):
        raise JitArgumentError(f"{where}: expected a numpy array for {t}, got {type(arr).__name__}")
    accepted = numpy_dtypes(t.element_type)
    if arr.dtype not in accepted:
        raise JitArgumentError(
            f"{where}: dtype {arr.dtype} does not match {t} (expected {accepted[0]})"
        )
    shape = t.get_shape()
    if arr.ndim != len(shape):
        raise JitArgumentError(f"{where}: rank {arr.ndim} does not match {t}")
    for d, (want, got) in enumerate(zip(shape, arr.shape)):
        if want != DYNAMIC_INDEX and want != got:
            raise JitArgumentError(f"{where}: dimension {d} is {got}, but {t} requires {want}")
    if not arr.flags.c_contiguous:
        raise JitArgumentError(f"{where}: array is not C-contiguous (use numpy.ascontiguousarray)")
    desc = descriptor_ctype(arr.ndim)()
    desc.allocated = desc.aligned = arr.ctypes.data
    desc.offset = 0
    stride = 1
    for d in reversed(range(arr.ndim)):
        desc.sizes[d], desc.strides[d] = arr.shape[d], stride
        stride *= arr.shape[d]
    # the pointer keeps `desc` alive for the call; the caller keeps `arr` alive.
    return ctypes.cast(ctypes.pointer(desc), ctypes.c_void_p)


def _unmarshal(value: Any, t: Attribute, args: tuple) -> Any:
    """A Python value for a result: a number, or a numpy array for a memref."""
    if not isinstance(t, MemRefType):
        return value.value if hasattr(value, "value") else value
    rank = t.get_num_dims()
    shape = tuple(value.sizes[d] for d in range(rank)) if rank else ()
    strides = [value.strides[d] for d in range(rank)] if rank else []
    dtype = numpy_dtypes(t.element_type)[0]
    addr = (value.aligned or 0) + value.offset * dtype.itemsize
    for a in args:  # a result that is an argument's memory is returned as that array
        if isinstance(a, np.ndarray) and a.ctypes.data == addr and a.shape == shape:
            return a
    extent = 1 + sum((s - 1) * st for s, st in zip(shape, strides)) if all(shape) else 0
    if extent == 0:  # no elements: nothing to view
        if value.allocated:
            _libc().free(value.allocated)
        return np.empty(shape, dtype)
    buf = (ctypes.c_char * (extent * dtype.itemsize)).from_address(addr)
    if value.allocated:  # every view of the result keeps `buf` alive
        weakref.finalize(buf, _libc().free, value.allocated)
    return np.ndarray(shape, dtype, buffer=buf, strides=[s * dtype.itemsize for s in strides])
