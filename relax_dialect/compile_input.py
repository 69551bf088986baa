"""What the compiler accepts: the input check of `compile_module` and `relax-run`.

IR files are untrusted. `relax-opt` parses, prints and transforms any xDSL
dialect, but the compile path (which runs the result as native code) accepts
only what it was built to lower, and refuses everything else with a located
error, before any pass runs:

- at the top level of the module: `relax.func` and `tir.func`;
- in a relax function: relax ops;
- in a tir kernel: tir ops and the scalar `arith` and `math` ops listed in
  `KERNEL_SCALAR_OPS`, on scalar types (`index`, signless `i1`...`i64`,
  `f16`, `bf16`, `f32`, `f64`; bf16 computes in f32: lowering/bf16.py);
- integer constants that fit their type (the verifier of symbolic
  expressions already requires int64 constants);
- no `!relax.prim<bf16>` parameter or result of a public function (Python
  has no bf16 scalar: a 0-d tensor `!relax.tensor<[], bf16>` is the way).

Kernels whose names a run-time symbol could take (`aligned_alloc`,
`GOMP_parallel`, `_mlir_ciface_main`, `__relax_main`, libm's `exp`, ...) are
renamed, with their calls; a public relax function with such a name is an
error (it is called by that name).
"""

from __future__ import annotations

import ctypes
import re

from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    IndexType,
    IntegerAttr,
    IntegerType,
    ModuleOp,
    Signedness,
    StringAttr,
    SymbolRefAttr,
)
from xdsl.ir import Attribute, Operation, ParametrizedAttribute

from xrelax.diagnostics import CompileError, location_prefix

INT64_MIN, INT64_MAX = -(1 << 63), (1 << 63) - 1
SOURCE_NAME_ATTR = "relax.source_name"  # the name a renamed kernel had in the file

# The scalar ops a kernel body may contain: each has a lowering to LLVM
# (tests/test_safety_input.py compiles every one of them).
KERNEL_SCALAR_OPS = frozenset({
    "arith.constant", "arith.addf", "arith.subf", "arith.mulf", "arith.divf", "arith.negf",
    "arith.maximumf", "arith.minimumf", "arith.maxnumf", "arith.minnumf",
    "arith.addi", "arith.subi", "arith.muli", "arith.divsi", "arith.divui", "arith.remsi",
    "arith.remui", "arith.floordivsi", "arith.ceildivsi", "arith.ceildivui",
    "arith.maxsi", "arith.minsi", "arith.maxui", "arith.minui",
    "arith.andi", "arith.ori", "arith.xori", "arith.shli", "arith.shrsi", "arith.shrui",
    "arith.cmpi", "arith.cmpf", "arith.select",
    "arith.extf", "arith.truncf", "arith.extsi", "arith.extui", "arith.trunci",
    "arith.sitofp", "arith.uitofp", "arith.fptosi", "arith.fptoui", "arith.index_cast",
    "arith.bitcast",
    "math.absf", "math.absi", "math.sqrt", "math.rsqrt", "math.exp", "math.log", "math.erf",
    "math.tanh", "math.sin", "math.cos", "math.tan", "math.asin", "math.acos", "math.atan",
    "math.sinh", "math.cosh", "math.asinh", "math.acosh", "math.atanh", "math.cbrt",
    "math.ceil", "math.floor", "math.round", "math.roundeven", "math.trunc",
    "math.powf", "math.fpowi", "math.fma", "math.copysign",
    "math.ctlz", "math.cttz", "math.ctpop",
})

# Names the lowering and the runtime use for their own functions, and the C
# functions that lowered code may declare (memory, libm).
_RESERVED_NAME = re.compile(r"^(_|GOMP_|omp_|gomp_|llvm)|_parallel\d+$|^relax_packed_call$")
_LIBM = ("acos asin atan atan2 cos sin tan acosh asinh atanh cosh sinh tanh exp exp2 expm1 "
         "frexp ldexp log log10 log1p log2 logb modf scalbn cbrt fabs hypot pow sqrt erf erfc "
         "lgamma tgamma ceil floor nearbyint rint round roundeven trunc fmod remainder copysign "
         "fmax fmin fma sincos").split()
_C_NAMES = frozenset(_LIBM + [f + "f" for f in _LIBM] + "aligned_alloc malloc calloc realloc "
                     "free abort exit memcpy memmove memset".split())
_process_symbols = ctypes.CDLL(None)


def _error(op: Operation, message: str) -> CompileError:
    return CompileError(f"{location_prefix(op)}error: {message}")


def is_reserved_name(name: str, kernel: bool = True) -> bool:
    """Whether a function of this name could take or shadow a symbol of the
    runtime: the C functions lowered code calls, libgomp, the C wrappers and
    internal names of the lowering. For a kernel (renamed, so the test can
    be wide), also any symbol of the process."""
    if _RESERVED_NAME.search(name) or not re.fullmatch(r"[A-Za-z0-9_.$-]+", name):
        return True
    if name in _C_NAMES:
        return True
    return kernel and "." not in name and hasattr(_process_symbols, name)


def _is_kernel_scalar(t: Attribute) -> bool:
    if isinstance(t, (IndexType, Float16Type, BFloat16Type, Float32Type, Float64Type)):
        return True
    return (isinstance(t, IntegerType) and t.signedness.data == Signedness.SIGNLESS
            and t.width.data in (1, 8, 16, 32, 64))


def _check_attr(op: Operation, attr: Attribute) -> None:
    """Integer constants fit their type.
    (Symbolic constants fit in int64 by the verifier of #tir.expr.)"""
    if isinstance(attr, ArrayAttr):
        for item in attr.data:
            _check_attr(op, item)
    elif isinstance(attr, DenseIntOrFPElementsAttr):
        _check_attr(op, attr.get_type().get_element_type())
    elif isinstance(attr, IntegerAttr):
        _check_int(op, attr)
    elif isinstance(attr, ParametrizedAttribute):
        for param in attr.parameters:
            _check_attr(op, param)


def _check_int(op: Operation, attr: IntegerAttr) -> None:
    t = attr.type
    value = attr.value.data
    if isinstance(t, IndexType):
        lo, hi = INT64_MIN, INT64_MAX
    elif isinstance(t, IntegerType):
        width = t.width.data
        lo, hi = -(1 << (width - 1)) if width > 1 else -1, (1 << width) - 1
    else:
        return
    if not lo <= value <= hi:
        raise _error(op, f"{op.name}: the constant {value} does not fit in {t}")


def _check_op(op: Operation, where: str) -> None:
    for attr in [*op.properties.values(), *op.attributes.values()]:
        _check_attr(op, attr)
    for v in [*op.operands, *op.results]:
        _check_attr(op, v.type)
    for region in op.regions:
        for block in region.blocks:
            for arg in block.args:
                _check_attr(op, arg.type)
    if where == "kernel" and op.dialect_name() in ("arith", "math"):
        if op.name not in KERNEL_SCALAR_OPS:
            raise _error(op, f"'{op.name}' is not supported in a tir kernel by the native "
                         "compiler")
        for v in [*op.operands, *op.results]:
            if not _is_kernel_scalar(v.type):
                raise _error(op, f"{op.name} on a value of type {v.type}: a kernel computes "
                             "on scalars (index, i1/i8/i16/i32/i64, f16/f32/f64)")
    elif where == "kernel" and op.dialect_name() != "tir":
        raise _error(op, f"'{op.name}' cannot appear in a tir kernel for the native compiler "
                     "(a kernel holds tir, arith and math ops)")
    elif where == "host" and op.dialect_name() != "relax":
        raise _error(op, f"'{op.name}' cannot appear in a relax function for the native "
                     "compiler (a relax function holds relax ops)")


def check_compile_input(module: ModuleOp) -> None:
    """Raise CompileError at the first op the compile path does not accept."""
    from xrelax.relax.ops import FuncOp as RelaxFunc
    from xrelax.tir.ops import FuncOp as TirFunc

    for top in module.body.block.ops:
        if isinstance(top, TirFunc):
            where = "kernel"
        elif isinstance(top, RelaxFunc):
            where = "host"
            if not top.is_private and is_reserved_name(top.sym_name.data, kernel=False):
                raise _error(top, f"relax function name @{top.sym_name.data} is reserved for "
                             "the runtime (C library, libgomp or internal names); rename it")
            if not top.is_private:
                _check_signature(top)
        else:
            raise _error(top, f"'{top.name}' cannot appear at the top level of a module for "
                         "the native compiler (only relax.func and tir.func)")
        for op in top.walk():
            _check_op(op, where)


def _check_signature(fn: Operation) -> None:
    from xrelax.relax.types import PrimType, TupleType

    def bf16_scalar(t: Attribute) -> bool:
        if isinstance(t, TupleType):
            return any(bf16_scalar(f) for f in t.types)
        return isinstance(t, PrimType) and isinstance(t.dtype, BFloat16Type)

    ft = fn.function_type  # type: ignore[attr-defined]
    for what, t in [*((f"parameter #{i}", t) for i, t in enumerate(ft.inputs.data)),
                    ("the result", ft.outputs.data[0])]:
        if bf16_scalar(t):
            raise _error(fn, f"@{fn.sym_name.data}: {what} is a !relax.prim<bf16>, which "  # type: ignore[attr-defined]
                         "Python cannot pass or receive; use a 0-d tensor "
                         "(!relax.tensor<[], bf16>) instead")


def rename_reserved_kernels(module: ModuleOp) -> None:
    """Give each kernel (and private relax function) with a reserved name a
    fresh one, and update every reference to it."""
    from xrelax.relax.ops import FuncOp as RelaxFunc
    from xrelax.tir.ops import FuncOp as TirFunc

    taken = {op.sym_name.data for op in module.body.block.ops  # type: ignore[attr-defined]
             if isinstance(op, (TirFunc, RelaxFunc))}
    renamed: dict[str, str] = {}
    for op in module.body.block.ops:
        is_internal = isinstance(op, TirFunc) or (isinstance(op, RelaxFunc) and op.is_private)
        if not is_internal or not is_reserved_name(op.sym_name.data):  # type: ignore[attr-defined]
            continue
        old = op.sym_name.data  # type: ignore[attr-defined]
        stem = re.sub(r"[^A-Za-z0-9]", "", old) or "kernel"
        k = 0
        while (new := f"k{k}_{stem}") in taken or is_reserved_name(new):
            k += 1
        taken.add(new)
        renamed[old] = new
        op.properties["sym_name"] = StringAttr(new)
        op.attributes[SOURCE_NAME_ATTR] = StringAttr(old)  # for messages
    if not renamed:
        return
    for op in module.walk():
        for table in (op.properties, op.attributes):
            for key, attr in list(table.items()):
                if isinstance(attr, SymbolRefAttr) and attr.root_reference.data in renamed:
                    table[key] = SymbolRefAttr(renamed[attr.root_reference.data])
