"""Transformations of tir kernels (TVM's schedule primitives, on our IR).

- `substitute_symbols(ops, mapping)`: rename/replace symbolic variables in
  loop bounds, block domains, `tir.expr` and local buffer types.
- `compute_inline(kernel, buffer)`: a local buffer written by one injective
  block is replaced, at each read, by the computation of that element; the
  producing loop nest and the buffer disappear (intermediates become scalars).
"""

from __future__ import annotations

from collections.abc import Iterable

from xdsl.ir import Operation, SSAValue

from tir_dialect import ops as tir
from tir_dialect.symbolic import ExprLike
from tir_dialect.types import BufferType, SymExprAttr

# ops a block body may contain to be inlined at its readers
_INLINABLE_DIALECTS = ("arith", "math")


def substitute_symbols(roots: Iterable[Operation], mapping: dict[str, ExprLike]) -> None:
    """Replace symbolic variables in every op under `roots` (in place)."""
    if not mapping:
        return
    for root in list(roots):
        for op in list(root.walk()):
            if isinstance(op, tir.ForOp):
                op.properties["lower"] = SymExprAttr(op.lower.data.substitute(mapping))
                op.properties["upper"] = SymExprAttr(op.upper.data.substitute(mapping))
            elif isinstance(op, tir.BlockOp):
                op.properties["iter_doms"] = type(op.iter_doms)(
                    [SymExprAttr(d.data.substitute(mapping)) for d in op.iter_doms.data])
            elif isinstance(op, tir.ExprOp):
                op.properties["expr"] = SymExprAttr(op.expr.data.substitute(mapping))
            elif isinstance(op, tir.AllocBufferOp):
                t = op.result.type
                assert isinstance(t, BufferType)
                new = tir.AllocBufferOp(BufferType([d.substitute(mapping) for d in t.dims],
                                                   t.dtype))
                new.result.name_hint = op.result.name_hint
                parent = op.parent_block()
                assert parent is not None
                parent.insert_op_before(new, op)
                op.result.replace_all_uses_with(new.result)
                parent.erase_op(op)


def _nest_root(block: tir.BlockOp) -> Operation | None:
    """The outermost loop whose nest holds nothing but this block, or the block."""
    root: Operation = block
    parent = block.parent_op()
    while isinstance(parent, tir.ForOp) and len(list(parent.body.block.ops)) == 1:
        root = parent
        parent = parent.parent_op()
    return root


def _producer(kernel: tir.FuncOp, buffer: SSAValue) -> tuple[tir.BlockOp, tir.StoreOp] | None:
    stores = [u.operation for u in buffer.uses if isinstance(u.operation, tir.StoreOp)
              and u.operation.buffer is buffer]
    if len(stores) != 1:
        return None
    store = stores[0]
    block = store.parent_op()
    if not isinstance(block, tir.BlockOp) or "reduce" in block.kinds:
        return None
    if list(store.indices) != list(block.iter_vars):
        return None
    body = list(block.body.block.ops)
    for op in body:
        if op is store:
            continue
        if isinstance(op, tir.LoadOp):
            if op.buffer is buffer:
                return None
        elif not (isinstance(op, (tir.ExprOp,)) or op.dialect_name() in _INLINABLE_DIALECTS):
            return None
        if op.regions:
            return None
    return block, store


def _defined_outside(value: SSAValue, root: Operation) -> bool:
    owner = value.owner
    op = owner if isinstance(owner, Operation) else owner.parent_op()
    return op is None or not (op is root or root.is_ancestor(op))


def compute_inline(kernel: tir.FuncOp, alloc: tir.AllocBufferOp) -> bool:
    """Inline the block producing `alloc`'s buffer into its readers. False if
    the buffer is not produced by a single injective, self-contained block."""
    buffer = alloc.result
    found = _producer(kernel, buffer)
    if found is None:
        return False
    block, store = found
    root = _nest_root(block)
    assert root is not None
    body_ops = [op for op in block.body.block.ops if op is not store]
    for op in body_ops:  # the computation must only need the block's own values
        for operand in op.operands:
            if operand.owner is block.body.block:
                continue
            if not _defined_outside(operand, root) and operand.owner not in body_ops:
                return False
    readers = [u.operation for u in buffer.uses if isinstance(u.operation, tir.LoadOp)]
    if any(root.is_ancestor(r) for r in readers):
        return False
    if len(readers) + 1 != len(list(buffer.uses)):
        return False  # some other use (e.g. passed on): keep the buffer
    for load in readers:
        mapping: dict[SSAValue, SSAValue] = dict(zip(block.iter_vars, load.indices))
        parent = load.parent_block()
        assert parent is not None
        for op in body_ops:
            clone = op.clone(mapping)
            parent.insert_op_before(clone, load)
        value = mapping.get(store.value, store.value)
        load.result.replace_all_uses_with(value)
        parent.erase_op(load)
    root_parent = root.parent_block()
    assert root_parent is not None
    root_parent.erase_op(root)
    alloc_parent = alloc.parent_block()
    assert alloc_parent is not None
    alloc_parent.erase_op(alloc)
    return True

