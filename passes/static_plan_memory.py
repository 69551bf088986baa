"""`static-plan-memory`: let tensors whose lifetimes do not overlap share storage.

Runs after `call-tir-rewrite`. In each function's top-level block, a tensor
from `relax.alloc_tensor` that is only written and read by kernel calls (not
returned, not passed elsewhere) is *planned*: walking the block in order, it
takes the storage of a tensor whose last use has passed when that storage has
the same dtype and a size provably equal (symbolic sizes included), or is a
constant at least as large; otherwise it gets a new `relax.alloc_storage`.

The function is annotated with the bytes its planned tensors would take
without planning (`relax.unplanned_bytes`) and with planning
(`relax.planned_bytes`), as symbolic expressions of its shape variables.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.passes import ModulePass

from xrelax.relax import ops as rx
from xrelax.relax.memory_ops import AllocStorageOp, AllocTensorOp, CallKernelOp
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import SymExpr, prove_equal
from xrelax.tir.types import SymExprAttr, itemsize

PLANNED_ATTR = "relax.planned_bytes"
UNPLANNED_ATTR = "relax.unplanned_bytes"

def elements(t: TensorType) -> SymExpr:
    size = SymExpr.const(1)
    for d in t.dims or ():
        size = size * d
    return size


@dataclass
class _Storage:
    value: SSAValue
    dtype: Attribute
    size: SymExpr


def _fits(storage: _Storage, dtype: Attribute, size: SymExpr) -> bool:
    if storage.dtype != dtype:
        return False
    if prove_equal(storage.size, size):
        return True
    return storage.size.is_const() and size.is_const() and storage.size.value >= size.value  # type: ignore[operator]


def plan_function(fn: rx.FuncOp) -> None:
    block = fn.body.block
    ops = list(block.ops)
    position = {op: i for i, op in enumerate(ops)}

    def planned(op: Operation) -> bool:
        return (isinstance(op, AllocTensorOp) and op.storage is None and bool(op.result.uses)
                and all(isinstance(u.operation, CallKernelOp) and u.operation in position
                        for u in op.result.uses))

    free: list[_Storage] = []
    live: list[tuple[int, _Storage]] = []
    storages: list[_Storage] = []
    unplanned = SymExpr.const(0)
    for i, op in enumerate(ops):
        for end, storage in [x for x in live if x[0] < i]:
            live.remove((end, storage))
            free.append(storage)
        if not planned(op):
            continue
        assert isinstance(op, AllocTensorOp)
        t = op.result.type
        assert isinstance(t, TensorType)
        size = elements(t)
        unplanned = unplanned + size * itemsize(t.dtype)
        storage = next((s for s in free if _fits(s, t.dtype, size)), None)
        if storage is None:
            alloc = AllocStorageOp(size, t.dtype)
            alloc.result.name_hint = "storage"
            block.insert_op_before(alloc, op)
            storage = _Storage(alloc.result, t.dtype, size)
            storages.append(storage)
        else:
            free.remove(storage)
        view = AllocTensorOp(t, storage.value)
        view.location = op.location
        view.result.name_hint = op.result.name_hint
        block.insert_op_before(view, op)
        op.result.replace_all_uses_with(view.result)
        last = max(position[u.operation] for u in view.result.uses)
        block.erase_op(op)
        live.append((last, storage))
    planned_bytes = SymExpr.const(0)
    for s in storages:
        planned_bytes = planned_bytes + s.size * itemsize(s.dtype)
    fn.attributes[PLANNED_ATTR] = SymExprAttr(planned_bytes)
    fn.attributes[UNPLANNED_ATTR] = SymExprAttr(unplanned)


@dataclass(frozen=True)
class StaticPlanMemory(ModulePass):
    """Share storage between kernel-call tensors with disjoint lifetimes."""

    name = "static-plan-memory"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in op.body.block.ops:
            if isinstance(fn, rx.FuncOp):
                plan_function(fn)
