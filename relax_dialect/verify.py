"""Function-level rules of relax that no single op can check alone.

- every symbolic variable is defined before it is used: by standing alone as
  a dim of a parameter type, or by a `relax.match_cast` earlier in the body;
- a value defined inside a `relax.dataflow` is used outside only through
  that block's results;
- `relax.call_tir` agrees with its tir callee: arity, dtypes, ranks, and
  shapes wherever they are determined.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from xdsl.dialects.builtin import ArrayAttr, IndexType, IntegerType
from xdsl.ir import Attribute, Operation, OpResult, SSAValue
from xdsl.traits import SymbolTable
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.types import PrimType, TensorType, definable_vars, free_vars
from xrelax.tir.symbolic import SymExpr, prove_different
from xrelax.tir.syntax import OpVerifyException
from xrelax.tir.types import BufferType, SymExprAttr

if TYPE_CHECKING:
    from xrelax.relax.ops import CallTIROp, FuncOp


def _sym_exprs_of(op: Operation) -> list[SymExpr]:
    """Symbolic expressions an op carries in its properties (call_tir's `sym`,
    a shape's dims, a reshape's target shape, ...)."""
    found: list[SymExpr] = []

    def visit(attr: Attribute) -> None:
        if isinstance(attr, SymExprAttr):
            found.append(attr.data)
        elif isinstance(attr, ArrayAttr):
            for item in attr.data:
                visit(item)

    for attr in op.properties.values():
        visit(attr)
    return found


def _enclosing_dataflow(op: Operation, stop: Operation) -> Operation | None:
    from xrelax.relax.ops import DataflowOp

    parent = op.parent_op()
    while parent is not None and parent is not stop:
        if isinstance(parent, DataflowOp):
            return parent
        parent = parent.parent_op()
    return None


def _is_ancestor(ancestor: Operation, op: Operation) -> bool:
    parent = op.parent_op()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent_op()
    return False


def verify_function(func: FuncOp) -> None:
    from xrelax.relax.ops import MatchCastOp

    fname = func.sym_name.data
    params = func.function_type.inputs.data
    defined: set[str] = set()
    for t in params:
        defined |= definable_vars(t)
    for i, t in enumerate(params):
        missing = free_vars(t) - defined
        if missing:
            raise VerifyException(
                f"symbolic variable '{sorted(missing)[0]}' in the type of parameter #{i} of "
                f"@{fname} is not defined: it must stand alone as a dim of some parameter")
    missing = free_vars(func.result_type) - defined
    if missing:
        raise VerifyException(
            f"symbolic variable '{sorted(missing)[0]}' in the result type of @{fname} is not "
            "defined by the parameters")

    for op in func.body.walk():
        if op is func:
            continue
        if isinstance(op, MatchCastOp):
            defined |= definable_vars(op.result.type)
        used: set[str] = set()
        for r in op.results:
            used |= free_vars(r.type)
        for e in _sym_exprs_of(op):
            used |= e.free_vars()
        missing = used - defined
        if missing and isinstance(op, MatchCastOp):
            raise OpVerifyException(
                op, f"relax.match_cast: symbolic variable '{sorted(missing)[0]}' is not defined; "
                "a match_cast defines only variables that stand alone as a dim (e.g. [k], "
                "not [k * 2])")
        if missing:
            raise OpVerifyException(
                op, f"{op.name}: symbolic variable '{sorted(missing)[0]}' is used before it is "
                "defined (define it by a parameter's type or an earlier relax.match_cast)")
        for operand in op.operands:
            if not isinstance(operand, OpResult):
                continue
            df = _enclosing_dataflow(operand.op, func)
            if df is not None and not _is_ancestor(df, op):
                raise OpVerifyException(
                    op, f"{op.name} uses a value defined inside a relax.dataflow block; only "
                    "the values listed in its relax.output are visible outside it")


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


def verify_call_tir(op: CallTIROp | Any, outs: Sequence[SSAValue] | None = None) -> None:
    """Also checks `relax.call_kernel`, whose outputs are operands (`outs`)."""
    outs = list(op.outputs) if outs is None else list(outs)
    from xrelax.tir.ops import FuncOp as TirFuncOp

    name = op.callee.root_reference.data
    callee = SymbolTable.lookup_symbol(op, op.callee)
    if callee is None:
        raise VerifyException(f"{op.name}: no function named @{name} in the module")
    if not isinstance(callee, TirFuncOp):
        raise VerifyException(f"{op.name}: @{name} is a {callee.name}, not a tir.func")
    params = callee.function_type.inputs.data
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
