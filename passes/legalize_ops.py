"""`legalize-ops`: each high-level relax op becomes a generated tir kernel + `relax.call_tir`.

For an op, the kernel is made with the compute DSL from the op's `legalize`
(or from a legalization registered with `register_legalization`), over
placeholders shaped like its operands. One kernel is generated per distinct
(op, properties, operand and result types) and reused by every op that has
the same key. Kernel names follow the op (`add`, `add1`, ...).

Options: `legalize-ops{skip="relax.matmul","relax.add"}` leaves those ops as
they are (e.g. for a later pass or a library call).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter

from xrelax.relax import ops as rx
from xrelax.relax.op_base import TensorOp
from xrelax.relax.types import TensorType, TupleType
from xrelax.tir import compute as te
from xrelax.tir.symbolic import SymExpr
from xrelax.diagnostics import CompileError, location_prefix

Legalization = Callable[[TensorOp, Sequence[te.Tensor]], "te.Tensor | list[te.Tensor]"]
_CUSTOM: dict[str, Legalization] = {}


def register_legalization(op_name: str, fn: Legalization | None = None):
    """Use `fn(op, inputs) -> te.Tensor | [te.Tensor]` to legalize `op_name`
    (e.g. "relax.add") instead of the op's own legalization; usable as a decorator."""
    def add(f: Legalization) -> Legalization:
        _CUSTOM[op_name] = f
        return f
    return add(fn) if fn is not None else add


def unregister_legalization(op_name: str) -> None:
    _CUSTOM.pop(op_name, None)


def custom_legalizations() -> list[str]:
    """The ops with a registered legalization (the compile cache is not used
    while there are any: it cannot see the functions)."""
    return sorted(_CUSTOM)


def _key(op: TensorOp) -> tuple:
    props = tuple(sorted((k, str(v)) for k, v in op.properties.items()))
    return (op.name, props, tuple(str(o.type) for o in op.operands),
            tuple(str(r.type) for r in op.results))


def _placeholder(op: TensorOp, i: int, t: Any) -> te.Tensor:
    if not isinstance(t, TensorType) or t.dims is None:
        raise CompileError(f"{location_prefix(op)}error: legalize-ops: operand #{i} of {op.name} "
                           f"must be a tensor of known shape, got {t} (use relax.match_cast)")
    return te.placeholder(t.dims, t.dtype, name=f"x{i}")


def _result_types(op: TensorOp) -> list[Any]:
    t = op.results[0].type
    return list(t.types) if isinstance(t, TupleType) else [t]


# Generated kernels are not named like the C library functions that the
# lowering calls (`exp`, `erf`, ...): in the LLVM IR a kernel @exp would read
# like libm's. (Correctness does not depend on it: the JIT prefixes every
# function the module defines, and compile_module renames reserved names.)
_LIBM = ("fabs", "ceil", "floor", "round", "roundeven", "trunc", "sqrt", "exp", "exp2", "log",
         "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh",
         "pow", "copysign", "atan2", "fma", "ctpop", "erf", "cbrt", "expm1", "log1p", "asinh",
         "acosh", "atanh")
_C_NAMES = {"abort", "aligned_alloc", "free", "memcpy", "memmove", "memset",
            *(f"{n}{s}" for n in _LIBM for s in ("", "f"))}


class _Legalizer:
    def __init__(self, module: ModuleOp):
        self.module = module
        self.kernels: dict[tuple, Any] = {}
        self.names = {o.properties["sym_name"].data for o in module.body.block.ops  # type: ignore[union-attr]
                      if "sym_name" in o.properties} | _C_NAMES

    def kernel_name(self, op: TensorOp) -> str:
        base = op.name.split(".", 1)[1]
        name, k = base, 0
        while name in self.names:
            k += 1
            name = f"{base}{k}"
        self.names.add(name)
        return name

    def kernel_for(self, op: TensorOp) -> Any:
        key = _key(op)
        if key in self.kernels:
            return self.kernels[key]
        inputs = [_placeholder(op, i, o.type) for i, o in enumerate(op.operands)]
        legalize = _CUSTOM.get(op.name)
        try:
            outs = legalize(op, inputs) if legalize else op.legalize(inputs)
        except (ValueError, TypeError, NotImplementedError) as err:
            raise CompileError(f"{location_prefix(op)}error: legalize-ops: cannot legalize "
                               f"{op.name}: {err}") from None
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        expected = _result_types(op)
        for i, (t, o) in enumerate(zip(expected, outs)):
            if t.dims is None or len(t.dims) != len(o.shape) or t.dtype != o.dtype:
                raise CompileError(f"{location_prefix(op)}error: legalize-ops: output #{i} of "
                                   f"{op.name} does not match its type {t}")
        kernel = te.create_tir_func(inputs + outs, name=self.kernel_name(op))
        self.module.body.block.add_op(kernel)
        self.kernels[key] = kernel
        return kernel

    def rewrite(self, op: TensorOp) -> None:
        kernel = self.kernel_for(op)
        out_types = _result_types(op)
        sym = [SymExpr.var(s) for s in kernel.explicit_sym_args]
        call = rx.CallTIROp(kernel.sym_name.data, list(op.operands), out_types, sym)
        new_ops: list[Operation] = [call]
        if isinstance(op.results[0].type, TupleType):
            new_ops.append(rx.TupleOp(list(call.outputs)))
        for new in new_ops:  # diagnostics at run time point at the original op
            new.location = op.location
        Rewriter.replace_op(op, new_ops, [new_ops[-1].results[0]])


@dataclass(frozen=True)
class LegalizeOps(ModulePass):
    """Turn high-level relax ops into tir kernels called with relax.call_tir."""

    name = "legalize-ops"

    skip: tuple[str, ...] = ()

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        legalizer = _Legalizer(op)
        for inner in list(op.walk()):
            if isinstance(inner, TensorOp) and inner.name not in self.skip:
                legalizer.rewrite(inner)
