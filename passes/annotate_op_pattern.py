"""`annotate-op-pattern`: classify each tir kernel by what its blocks compute.

The classes, from the most to the least fusable (TVM's OpPatternKind):

| pattern             | a block is ...                                                     |
| ------------------- | ------------------------------------------------------------------ |
| `elemwise`          | spatial only; stores at its iteration vars in order; loads likewise |
| `broadcast`         | as elemwise, but some loads index a subsequence of the vars or constants |
| `injective`         | spatial only; any other indexing (transpose, gather, padding)      |
| `reduction`         | has reduce vars                                                     |
| `out_ewise_fusable` | a reduction that accumulates a product of two loads (matmul, conv) |
| `opaque`            | anything else (nested blocks, conditionals, several stores)         |

A kernel gets the least fusable class of its blocks; a kernel without blocks
is `opaque`. The result is the string attribute `op_pattern` of the tir.func.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith
from xdsl.dialects.builtin import ModuleOp, StringAttr
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass

from xrelax.tir import ops as tir

PATTERNS = ("elemwise", "broadcast", "injective", "reduction", "out_ewise_fusable", "opaque")
ATTR = "op_pattern"


def _rank(p: str) -> int:
    return PATTERNS.index(p)


def worst(*patterns: str) -> str:
    return max(patterns, key=_rank)


def _depends(value: SSAValue, block: tir.BlockOp) -> set[str | SSAValue]:
    """The block iteration vars a value depends on, and "data" if it depends on a load."""
    if isinstance(value, BlockArgument) and value.block is block.body.block:
        return {value}
    owner = value.owner
    if isinstance(owner, tir.LoadOp):
        return {"data"}
    if isinstance(owner, Operation) and block.is_ancestor(owner):
        deps: set[str | SSAValue] = set()
        for operand in owner.operands:
            deps |= _depends(operand, block)
        return deps
    return set()  # constants, symbolic values, values from outside the block


def _is_const(value: SSAValue) -> bool:
    return isinstance(value.owner, (arith.ConstantOp, tir.ExprOp))


def _load_pattern(indices: tuple[SSAValue, ...], spatial: list[SSAValue],
                  block: tir.BlockOp) -> str:
    if list(indices) == spatial:
        return "elemwise"
    positions = [spatial.index(i) for i in indices if i in spatial]
    if all(i in spatial or _is_const(i) for i in indices) and positions == sorted(set(positions)):
        return "broadcast"
    return "injective"


def block_pattern(block: tir.BlockOp) -> str:
    body = [op for op in block.body.block.ops if not isinstance(op, tir.InitOp)]
    if any(isinstance(op, (tir.BlockOp, tir.ForOp, tir.IfOp, tir.AllocBufferOp)) for op in body):
        return "opaque"
    stores = [op for op in body if isinstance(op, tir.StoreOp)]
    if len(stores) != 1:
        return "opaque"
    store = stores[0]
    spatial = [v for v, k in zip(block.iter_vars, block.kinds) if k == "spatial"]
    reduce_vars = {v for v, k in zip(block.iter_vars, block.kinds) if k == "reduce"}
    store_idx = tuple(store.indices)
    if any(_depends(i, block) & reduce_vars for i in store_idx):
        return "opaque"
    loads = [op for op in body if isinstance(op, tir.LoadOp)
             and not (op.buffer == store.buffer and tuple(op.indices) == store_idx)]
    if reduce_vars:
        return "out_ewise_fusable" if _is_multiply_accumulate(store, loads) else "reduction"
    pattern = "elemwise" if list(store_idx) == spatial else "injective"
    for load in loads:
        if any("data" in _depends(i, block) for i in load.indices):
            pattern = worst(pattern, "injective")
        else:
            pattern = worst(pattern, _load_pattern(tuple(load.indices), spatial, block))
    return pattern


def _is_multiply_accumulate(store: tir.StoreOp, loads: list[tir.LoadOp]) -> bool:
    """store(acc + a * b) with a and b loads (possibly cast): matmul, conv."""
    update = store.value.owner
    if not isinstance(update, (arith.AddfOp, arith.AddiOp)) or len(loads) < 2:
        return False
    for operand in update.operands:
        product = operand.owner
        if isinstance(product, (arith.MulfOp, arith.MuliOp)):
            return all(_from_load(x) for x in product.operands)
    return False


def _from_load(value: SSAValue) -> bool:
    owner = value.owner
    while isinstance(owner, (arith.ExtFOp, arith.ExtSIOp, arith.SIToFPOp, arith.TruncFOp)):
        owner = owner.operands[0].owner
    return isinstance(owner, tir.LoadOp)


def kernel_pattern(kernel: tir.FuncOp) -> str:
    blocks = [op for op in kernel.walk() if isinstance(op, tir.BlockOp)]
    if not blocks:
        return "opaque"
    nested = any(isinstance(p, tir.BlockOp) for b in blocks for p in [b.parent_op()])
    if nested:
        return "opaque"
    return worst(*(block_pattern(b) for b in blocks))


def pattern_of(kernel: tir.FuncOp) -> str:
    """The kernel's annotated pattern, computed if it has none yet."""
    attr = kernel.attributes.get(ATTR)
    if isinstance(attr, StringAttr) and attr.data in PATTERNS:
        return attr.data
    return kernel_pattern(kernel)


@dataclass(frozen=True)
class AnnotateOpPattern(ModulePass):
    """Set `op_pattern` on every tir.func (see the module docstring)."""

    name = "annotate-op-pattern"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for kernel in op.body.block.ops:
            if isinstance(kernel, tir.FuncOp):
                kernel.attributes[ATTR] = StringAttr(kernel_pattern(kernel))
