"""`rewrite-layout`: kernels choose the layout of their operands, the graph provides it.

For every tir kernel, each contraction block is asked which layouts would let
it run as a register tile (`xrelax.tir.autoschedule.contraction.layout_plan`):
for example a strided or narrow NCHW convolution wants its weight as
[C, KH, KW, O] and its output as [N, H, W, O], so that the output channels
become the vector lanes; `x @ W^T` wants W as [K, N]. The pass then

1. permutes those buffers inside the kernel (`xrelax.tir.layout.permute_buffer`):
   a local buffer changes layout for its producer and consumers alike;
2. for a kernel parameter, rewrites every `relax.call_tir` of the kernel: an
   input gets a `relax.permute_dims` before the call, an output is produced
   in the new layout and a `relax.permute_dims` after the call gives the
   caller the layout it asked for.

Run `legalize-ops` and `fold-constant` after it (`default-pipeline` does):
a permuted constant weight becomes a new constant, computed once at compile
time, and the kernel reads the packed layout directly. Inputs that are not
constants are permuted at run time by a kernel of their own.

Options: `rewrite-layout{target=avx2}` plans for another CPU than the host's.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import BlockArgument, SSAValue
from xdsl.passes import ModulePass

from xrelax.relax.call_ops import CallTIROp
from xrelax.relax.ops_manip import PermuteDimsOp
from xrelax.relax.types import TensorType
from xrelax.relax.value_ops import ConstantOp
from xrelax.tir import ops as tir
from xrelax.tir.autoschedule.contraction import layout_plan
from xrelax.tir.layout import accesses_only, inverse, permute_buffer
from xrelax.tir.target import Target, target_named


def _permute_cost(kernel: tir.FuncOp, constant_params: set[int]):
    """See `layout_plan`: None (fixed), 0 (free) or 1 (a pass over memory per run)."""
    def cost(buffer: SSAValue) -> float | None:
        if not accesses_only(buffer):
            return None
        if isinstance(buffer, BlockArgument):
            if buffer.block is not kernel.body.block:
                return None
            return 0.0 if buffer.index in constant_params else 1.0
        return 0.0 if isinstance(buffer.owner, tir.AllocBufferOp) else None
    return cost


def rewrite_kernel(kernel: tir.FuncOp, target: Target,
                   constant_params: set[int] = frozenset()) -> dict[int, list[int]]:  # type: ignore[assignment]
    """Apply the layouts the kernel's contractions want; returns the permuted
    parameters (index -> permutation) the callers must follow.
    `constant_params`: parameters every caller passes a relax.constant."""
    params: dict[int, list[int]] = {}
    permuted: set[SSAValue] = set()
    for block in [b for b in kernel.walk() if isinstance(b, tir.BlockOp)]:
        plan = layout_plan(block, target, _permute_cost(kernel, constant_params))
        if any(buf in permuted for buf in plan):
            continue  # another block already chose this buffer's layout
        for buffer, perm in plan.items():
            index = buffer.index if isinstance(buffer, BlockArgument) else None
            new = permute_buffer(kernel, buffer, perm)
            permuted.add(new)
            if index is not None:
                params[index] = list(perm)
    return params


def _constant_params(module: ModuleOp) -> dict[str, set[int]]:
    """Per kernel, the parameters that every call passes a relax.constant."""
    found: dict[str, set[int]] = {}
    for call in module.walk():
        if not isinstance(call, CallTIROp):
            continue
        name = call.callee.root_reference.data
        consts = {i for i, a in enumerate(call.args) if isinstance(a.owner, ConstantOp)}
        found[name] = found[name] & consts if name in found else consts
    return found


def _rewrite_call(call: CallTIROp, params: dict[int, list[int]]) -> None:
    block = call.parent_block()
    assert block is not None
    n_args = len(call.args)
    args = list(call.args)
    for index, perm in params.items():
        if index < n_args:
            permute = PermuteDimsOp.make(args[index], axes=perm)
            block.insert_op_before(permute, call)
            args[index] = permute.results[0]
    out_types = []
    for j, result in enumerate(call.outputs):
        perm = params.get(n_args + j)
        t = result.type
        if perm is not None:
            assert isinstance(t, TensorType) and t.dims is not None
            t = TensorType([t.dims[p] for p in perm], t.dtype)
        out_types.append(t)
    new_call = CallTIROp(call.callee.root_reference.data, args, out_types,
                         [e for e in call.sym_exprs])
    block.insert_op_before(new_call, call)
    after = call
    for j, (old, new) in enumerate(zip(call.outputs, new_call.outputs)):
        new.name_hint = old.name_hint
        perm = params.get(n_args + j)
        value = new
        if perm is not None:
            back = PermuteDimsOp.make(new, axes=inverse(perm))
            block.insert_op_after(back, after)
            after = back
            value = back.results[0]
        old.replace_all_uses_with(value)
    block.erase_op(call)


@dataclass(frozen=True)
class RewriteLayout(ModulePass):
    """Let kernels choose their operands' layouts and rewrite the callers (see module doc)."""

    name = "rewrite-layout"

    target: str = "host"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = target_named(self.target)
        changed: dict[str, dict[int, list[int]]] = {}
        constants = _constant_params(op)
        for kernel in list(op.body.block.ops):
            if isinstance(kernel, tir.FuncOp):
                params = rewrite_kernel(kernel, target, constants.get(kernel.sym_name.data, set()))
                if params:
                    changed[kernel.sym_name.data] = params
        if not changed:
            return
        for call in [c for c in op.walk() if isinstance(c, CallTIROp)]:
            params = changed.get(call.callee.root_reference.data)
            if params:
                _rewrite_call(call, params)
