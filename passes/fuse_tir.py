"""`fuse-tir`: turn each fused primitive function into one tir kernel.

For every `relax.call` of a function marked `relax.primitive` (made by
`fuse-ops`), the kernels it calls are merged into one `tir.func`:

1. the function's parameters become the kernel's input buffers and its result
   the output buffer; each intermediate tensor becomes a `tir.alloc_buffer`;
2. each callee's body is copied in, its symbolic variables renamed to the
   caller's (as `relax.call_tir` binds them); a call whose dims are not all
   proved to fit the callee (`[n]` and `[m]` for `[k]` and `[k]`) is not fused,
   so it keeps the run-time check of its dims;
3. every intermediate produced by an injective block is inlined into its
   readers (`xrelax.tir.schedule.compute_inline`), so element-wise chains
   keep their intermediates in registers; what cannot be inlined (e.g. a
   matmul's result) stays a buffer local to the kernel.

The call becomes `relax.call_tir` of the new kernel; functions left without
callers are removed by `relax-dce`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.traits import SymbolTable

from xrelax.passes.fuse_ops import PRIMITIVE_ATTR
from xrelax.relax import ops as rx
from xrelax.relax.types import PrimType, TensorType
from xrelax.relax.verify import kernel_binding
from xrelax.tir import ops as tir
from xrelax.tir.schedule import compute_inline, substitute_symbols
from xrelax.tir.symbolic import SymExpr, prove_equal
from xrelax.tir.types import BufferType


class _CannotFuse(Exception):
    pass


def _buffer_type(t: Attribute) -> Attribute:
    if isinstance(t, TensorType) and t.dims is not None:
        return BufferType(t.dims, t.dtype)
    if isinstance(t, PrimType):
        return t.dtype
    raise _CannotFuse(f"cannot make a buffer for {t}")


def _check_dims_proved(kernel: tir.FuncOp, types: list[Attribute],
                       binding: dict[str, SymExpr]) -> None:
    """A call whose dims are not all proved to fit its kernel keeps its run-time
    check (in host code) only if it stays a call: then it is not fused."""
    for t, p in zip(types, kernel.function_type.inputs.data):
        if not (isinstance(p, BufferType) and isinstance(t, TensorType) and t.dims is not None):
            continue
        for pd, td in zip(p.dims, t.dims):
            try:
                expected = pd.substitute(binding)
            except (ZeroDivisionError, KeyError):
                raise _CannotFuse(f"dim {pd} of @{kernel.sym_name.data}") from None
            if not prove_equal(expected, td):
                raise _CannotFuse(f"dim {td} is checked at run time against {expected}")


def fuse_function(module: ModuleOp, fn: rx.FuncOp, name: str) -> tir.FuncOp:
    """One tir kernel computing the primitive function `fn`."""
    block = fn.body.block
    df = block.first_op
    ret = block.last_op
    if not isinstance(df, rx.DataflowOp) or not isinstance(ret, rx.ReturnOp):
        raise _CannotFuse("not a dataflow block and a return")
    calls = list(df.body.block.ops)[:-1]
    if not all(isinstance(c, rx.CallTIROp) for c in calls):
        raise _CannotFuse("only call_tir can be fused")
    result = df.body.block.last_op.values[0]  # type: ignore[union-attr]
    arg_types = [_buffer_type(a.type) for a in fn.args] + [_buffer_type(fn.result_type)]
    body = Block(arg_types=arg_types)
    vals: dict[SSAValue, SSAValue] = dict(zip(fn.args, body.args))
    for relax_arg, arg in zip(fn.args, body.args):
        arg.name_hint = relax_arg.name_hint
    out = body.args[-1]
    out.name_hint = "T_out"
    allocs: list[tir.AllocBufferOp] = []
    for call in calls:
        assert isinstance(call, rx.CallTIROp)
        kernel = SymbolTable.lookup_symbol(module, call.callee)
        if not isinstance(kernel, tir.FuncOp) or len(call.outputs) != 1:
            raise _CannotFuse("callee is not a single-output tir kernel")
        if call.outputs[0] is result:
            target = out
        else:
            alloc = tir.AllocBufferOp(_buffer_type(call.outputs[0].type))  # type: ignore[arg-type]
            alloc.result.name_hint = call.outputs[0].name_hint or call.callee.root_reference.data
            if body.first_op is None:  # local buffers go first, before any loop
                body.add_op(alloc)
            else:
                body.insert_op_before(alloc, body.first_op)
            allocs.append(alloc)
            target = alloc.result
        vals[call.outputs[0]] = target
        mapping: dict[SSAValue, SSAValue] = dict(
            zip(kernel.args, [vals[a] for a in call.args] + [target]))
        cloned = [op.clone(mapping) for op in kernel.body.block.ops]
        body.add_ops(cloned)
        types = [v.type for v in (*call.args, *call.outputs)]
        binding = kernel_binding(kernel, call.sym_exprs, types)
        _check_dims_proved(kernel, types, binding)
        substitute_symbols(cloned, binding)  # type: ignore[arg-type]
    defined = set()
    for t in arg_types:
        if isinstance(t, BufferType):
            defined |= {v for d in t.dims if (v := d.as_var()) is not None}
    used: set[str] = set()
    for op in body.walk():
        if isinstance(op, tir.ForOp):
            used |= op.lower.data.free_vars() | op.upper.data.free_vars()
        elif isinstance(op, tir.BlockOp):
            used |= set().union(*(d.data.free_vars() for d in op.iter_doms.data))
        elif isinstance(op, tir.ExprOp):
            used |= op.expr.data.free_vars()
        for r in op.results:
            if isinstance(r.type, BufferType):
                used |= set().union(*(d.free_vars() for d in r.type.dims))
    kernel = tir.FuncOp(name, arg_types, sorted(used - defined), Region(body))
    for alloc in allocs:
        compute_inline(kernel, alloc)
    return kernel


@dataclass(frozen=True)
class FuseTIR(ModulePass):
    """Replace calls of fused primitive functions by calls of one merged kernel."""

    name = "fuse-tir"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        fused: dict[str, tir.FuncOp | None] = {}
        for call in [c for c in op.walk() if isinstance(c, rx.CallOp)]:
            fname = call.callee.root_reference.data
            if fname not in fused:
                fn = call.callee_op()
                if fn is None or PRIMITIVE_ATTR not in fn.attributes:
                    continue
                try:
                    kernel = fuse_function(op, fn, fname)
                except _CannotFuse:
                    kernel = None
                fused[fname] = kernel
                if kernel is not None:  # the kernel takes the function's name and place
                    op.body.block.insert_op_before(kernel, fn)
                    op.body.block.erase_op(fn)
            kernel = fused[fname]
            if kernel is None:
                continue
            sym = [SymExpr.var(s) for s in kernel.explicit_sym_args]
            new = rx.CallTIROp(kernel.sym_name.data, list(call.args), [call.result.type], sym)
            new.outputs[0].name_hint = call.result.name_hint
            new.location = call.location
            Rewriter.replace_op(call, new)

