"""`call-tir-rewrite`: make the memory of kernel calls explicit.

Dataflow blocks are flattened into their function (what follows allocates
and writes memory, so it is no longer pure), then each

    %y = relax.call_tir @k(%x) : T
becomes
    %y = relax.alloc_tensor : T
    relax.call_kernel @k(%x) outs(%y)

so that `static-plan-memory` can decide where each tensor lives.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from xrelax.relax import ops as rx
from xrelax.relax.memory_ops import AllocTensorOp, CallKernelOp


def flatten_dataflow(df: rx.DataflowOp) -> None:
    parent = df.parent_block()
    assert parent is not None
    term = df.body.block.last_op
    assert isinstance(term, rx.OutputOp)
    for op in list(df.body.block.ops)[:-1]:
        op.detach()
        parent.insert_op_before(op, df)
    for res, value in zip(df.outputs, term.values):
        res.replace_all_uses_with(value)
    parent.erase_op(df)


def rewrite_call(call: rx.CallTIROp) -> None:
    parent = call.parent_block()
    assert parent is not None
    allocs = [AllocTensorOp(r.type) for r in call.outputs]  # type: ignore[arg-type]
    for alloc, r in zip(allocs, call.outputs):
        alloc.result.name_hint = r.name_hint
        parent.insert_op_before(alloc, call)
    kernel_call = CallKernelOp(call.callee.root_reference.data, list(call.args),
                               [a.result for a in allocs], call.sym_exprs)
    for new in [*allocs, kernel_call]:
        new.location = call.location
    parent.insert_op_before(kernel_call, call)
    for alloc, r in zip(allocs, call.outputs):
        r.replace_all_uses_with(alloc.result)
    parent.erase_op(call)


@dataclass(frozen=True)
class CallTIRRewrite(ModulePass):
    """Replace call_tir by explicit allocation and relax.call_kernel."""

    name = "call-tir-rewrite"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in op.body.block.ops:
            if not isinstance(fn, rx.FuncOp):
                continue
            for df in [d for d in fn.walk() if isinstance(d, rx.DataflowOp)]:
                flatten_dataflow(df)
            for call in [c for c in fn.walk() if isinstance(c, rx.CallTIROp)]:
                rewrite_call(call)
