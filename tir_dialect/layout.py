"""Buffer layouts inside a kernel: permute the dims of a buffer.

`permute_buffer(kernel, buffer, perm)` gives `buffer` (a parameter or a
`tir.alloc_buffer`) the shape `[dims[perm[0]], dims[perm[1]], ...]` and
rewrites every `tir.load`/`tir.store` on it to match, so the kernel computes
the same values with the data laid out differently. For a parameter, the
caller must then pass the data in the new layout: the `rewrite-layout` pass
does that in the graph (`relax.permute_dims` before the call for an input,
its inverse after the call for an output) and constant folding turns a
permuted weight into a new constant.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import FunctionType
from xdsl.ir import BlockArgument, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.types import BufferType


class LayoutError(Exception):
    """The buffer cannot change layout (the message says why)."""


def is_permutation(perm: Sequence[int], rank: int) -> bool:
    return sorted(perm) == list(range(rank))


def inverse(perm: Sequence[int]) -> list[int]:
    inv = [0] * len(perm)
    for k, p in enumerate(perm):
        inv[p] = k
    return inv


def accesses_only(buffer: SSAValue) -> bool:
    """Every use of the buffer is a tir.load or tir.store of one of its elements."""
    for use in buffer.uses:
        op = use.operation
        if isinstance(op, tir.LoadOp) and op.buffer is buffer:
            continue
        if isinstance(op, tir.StoreOp) and op.buffer is buffer:
            continue
        return False
    return True


def permute_buffer(kernel: tir.FuncOp, buffer: SSAValue, perm: Sequence[int]) -> SSAValue:
    """Permute `buffer`'s dims (see the module doc); returns the new buffer value."""
    btype = buffer.type
    if not isinstance(btype, BufferType) or not is_permutation(perm, btype.rank):
        raise LayoutError(f"{list(perm)} is not a permutation of the dims of {btype}")
    if not accesses_only(buffer):
        raise LayoutError(f"buffer %{buffer.name_hint or '?'} is used by something other "
                          "than tir.load/tir.store")
    new_type = BufferType([btype.dims[p] for p in perm], btype.dtype)
    if isinstance(buffer, BlockArgument) and buffer.block is kernel.body.block:
        entry = kernel.body.block
        index = buffer.index
        new = entry.insert_arg(new_type, index)
        new.name_hint = buffer.name_hint
        buffer.replace_all_uses_with(new)
        entry.erase_arg(buffer)
        inputs = list(kernel.function_type.inputs.data)
        inputs[index] = new_type
        kernel.properties["function_type"] = FunctionType.from_lists(inputs, [])
    elif isinstance(buffer.owner, tir.AllocBufferOp):
        alloc = buffer.owner
        new_alloc = tir.AllocBufferOp(new_type)
        new_alloc.result.name_hint = buffer.name_hint
        parent = alloc.parent_block()
        assert parent is not None
        parent.insert_op_before(new_alloc, alloc)
        buffer.replace_all_uses_with(new_alloc.result)
        parent.erase_op(alloc)
        new = new_alloc.result
    else:
        raise LayoutError("only kernel parameters and tir.alloc_buffer results change layout")
    for use in list(new.uses):
        op = use.operation
        old = list(op.indices)  # type: ignore[attr-defined]
        permuted = [old[p] for p in perm]
        if isinstance(op, tir.LoadOp):
            op.operands = [new, *permuted]
        else:
            assert isinstance(op, tir.StoreOp)
            op.operands = [op.value, new, *permuted]
    return new
