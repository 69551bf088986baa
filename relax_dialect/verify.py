"""Rules that relate a relax call to its tir callee: `relax.call_tir` (and
`relax.call_kernel`) agree with the kernel in arity, dtypes, ranks, and shapes
wherever they are determined, and the kernel writes only its outputs (its
inputs are the caller's values, possibly read-only arrays); `kernel_binding` finds the values of the
kernel's symbolic variables at a call. (The function-level rules are in
`func_ops.py`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xdsl.dialects.builtin import IndexType, IntegerType
from xdsl.ir import Attribute, SSAValue
from xdsl.traits import SymbolTable
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.types import PrimType, TensorType
from xrelax.tir.ops import FuncOp as TirFuncOp
from xrelax.tir.ops import StoreOp
from xrelax.tir.schedule.buffers import caller_param_types
from xrelax.tir.symbolic import SymExpr, prove_different
from xrelax.tir.types import BufferType


def _dtype_ok_for_scalar(param: Attribute, arg: Attribute) -> bool:
    if not isinstance(arg, PrimType):
        return False
    if isinstance(param, IndexType):
        return isinstance(arg.dtype, IntegerType)
    return arg.dtype == param


def kernel_binding(kernel: Any, sym_exprs: Sequence[SymExpr], types: Sequence[Attribute],
                   unknown_dim: Any = None) -> dict[str, SymExpr]:
    """The kernel's symbolic variables in terms of the caller's, as a call binds
    them: the `sym(...)` variables to the call's expressions, then each variable
    standing alone as a buffer dim to the caller's dim at its first occurrence.
    `types` are the call's operand types, outputs last. A dim the caller's type
    leaves open binds `unknown_dim(i, j)` if given, else nothing."""
    binding: dict[str, SymExpr] = dict(zip(kernel.explicit_sym_args, sym_exprs))
    for i, (t, p) in enumerate(zip(types, kernel.function_type.inputs.data)):
        if not (isinstance(p, BufferType) and isinstance(t, TensorType)):
            continue
        for j, pd in enumerate(p.dims):
            if (v := pd.as_var()) is None or v in binding:
                continue
            if t.dims is not None:
                binding[v] = t.dims[j]
            elif unknown_dim is not None:
                binding[v] = unknown_dim(i, j)
    return binding


def written_params(kernel: TirFuncOp) -> set[int]:
    """The indices of the kernel's buffer parameters that a tir.store writes."""
    args = list(kernel.body.block.args)
    return {args.index(op.buffer) for op in kernel.walk()
            if isinstance(op, StoreOp) and op.buffer in args}


def verify_call_tir(op: Any, outs: Sequence[SSAValue] | None = None) -> None:
    """Also checks `relax.call_kernel`, whose outputs are operands (`outs`)."""
    outs = list(op.outputs) if outs is None else list(outs)

    name = op.callee.root_reference.data
    callee = SymbolTable.lookup_symbol(op, op.callee)
    if callee is None:
        raise VerifyException(f"{op.name}: no function named @{name} in the module")
    if not isinstance(callee, TirFuncOp):
        raise VerifyException(f"{op.name}: @{name} is a {callee.name}, not a tir.func")
    params = caller_param_types(callee)
    n_args, n_outs = len(op.args), len(outs)
    if n_args + n_outs != len(params):
        raise VerifyException(
            f"{op.name}: @{name} takes {len(params)} parameters, but the call passes "
            f"{n_args} arguments and {n_outs} outputs")
    if len(op.sym_args.data) != len(callee.explicit_sym_args):
        raise VerifyException(
            f"{op.name}: @{name} takes {len(callee.explicit_sym_args)} symbolic arguments "
            f"sym({', '.join(callee.explicit_sym_args)}), the call passes {len(op.sym_args.data)}")

    pairs = [(f"argument #{i}", a.type, p) for i, (a, p) in enumerate(zip(op.args, params))]
    pairs += [(f"output #{i}", r.type, p)
              for i, (r, p) in enumerate(zip(outs, params[n_args:]))]
    for what, t, p in pairs:
        if isinstance(p, BufferType):
            if not isinstance(t, TensorType):
                raise VerifyException(f"{op.name}: {what} of @{name} must be a tensor "
                                      f"(for a buffer parameter), got {t}")
            if t.dtype != p.dtype:
                raise VerifyException(f"{op.name}: {what} of @{name} has dtype {t.dtype}, "
                                      f"the kernel expects {p.dtype}")
            if t.ndim is not None and t.ndim != p.rank:
                raise VerifyException(f"{op.name}: {what} of @{name} has rank {t.ndim}, "
                                      f"the kernel expects {p.rank}")
        elif not _dtype_ok_for_scalar(p, t):
            raise VerifyException(f"{op.name}: {what} of @{name} must be a prim value of "
                                  f"type {p}, got {t}")
    written = written_params(callee)
    for i in range(n_args):
        if i in written:
            raise VerifyException(
                f"{op.name}: @{name} writes its parameter #{i}, which the call passes as input "
                f"argument #{i}; a kernel may write only the outputs of the call")
    for i, r in enumerate(outs):
        assert isinstance(r.type, TensorType)
        if r.type.dims is None:
            raise VerifyException(f"{op.name}: the shape of output #{i} must be known "
                                  "(the caller allocates it)")

    # Bind the kernel's symbolic variables from the call, then check every dim
    # that is determined on both sides.
    binding = kernel_binding(callee, op.sym_exprs, [t for _, t, _ in pairs])
    for what, t, p in pairs:
        if not (isinstance(p, BufferType) and isinstance(t, TensorType) and t.dims is not None):
            continue
        for j, (pd, td) in enumerate(zip(p.dims, t.dims)):
            if pd.free_vars() <= binding.keys():
                try:
                    expected = pd.substitute(binding)
                except ZeroDivisionError:
                    raise VerifyException(
                        f"{op.name}: dim {j} of {what} of @{name} is {pd} in the kernel, "
                        "which divides by zero with the call's symbolic arguments") from None
                if prove_different(expected, td):
                    raise VerifyException(
                        f"{op.name}: dim {j} of {what} of @{name} is {td}, but the kernel "
                        f"expects {expected}")
