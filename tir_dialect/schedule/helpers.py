"""Transformations of tir kernels (TVM's schedule primitives, on our IR).

- `substitute_symbols(ops, mapping)`: rename/replace symbolic variables in
  loop bounds, block domains, `tir.expr` and local buffer types.
- `compute_inline(kernel, buffer)`: a local buffer written by one injective
  block is replaced, at each read, by the computation of that element; the
  producing loop nest and the buffer disappear (intermediates become scalars).
- `split_reduction(block)`: the init of a reduction runs in a loop of its own
  and the reduce loops move outside the innermost spatial loop.
- `parallelize_outer(kernel)`: outermost loops with independent iterations
  become `parallel`.
"""

from __future__ import annotations

from collections.abc import Iterable

from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.symbolic import ExprLike
from xrelax.tir.types import BufferType, SymExprAttr


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


# ---- loop nests ----------------------------------------------------------------------

def perfect_nest(block: tir.BlockOp) -> list[tir.ForOp]:
    """The loops around `block` whose bodies hold nothing else, outermost first."""
    chain: list[tir.ForOp] = []
    child: Operation = block
    parent = block.parent_op()
    while isinstance(parent, tir.ForOp) and list(parent.body.block.ops) == [child]:
        chain.append(parent)
        child = parent
        parent = parent.parent_op()
    chain.reverse()
    return chain


def _loop_of_binding(binding: SSAValue, chain: list[tir.ForOp]) -> int | None:
    for i, loop in enumerate(chain):
        if binding is loop.induction_var:
            return i
    return None


def split_reduction(block: tir.BlockOp) -> bool:
    """Move the reduce loops of a `for spatial... for reduce... { block }` nest
    outside its innermost spatial loop, running the init in a loop of its own:

        for i { for j { for k { C[i, j] = init at k == 0; C[i, j] += A[i, k] * B[k, j] } } }
    becomes
        for i { for j { C[i, j] = init }  for k { for j { C[i, j] += A[i, k] * B[k, j] } } }

    so the innermost loop walks the output contiguously (and vectorizes). Applies
    when every binding is a loop variable of the perfect nest, the spatial loops
    come first, and the block has an init that reads no reduce variable."""
    init = block.init
    if init is None or "reduce" not in block.kinds:
        return False
    chain = perfect_nest(block)
    positions = [_loop_of_binding(b, chain) for b in block.bindings]
    if None in positions or len(set(positions)) != len(positions):
        return False
    spatial = [p for p, k in zip(positions, block.kinds) if k == "spatial"]
    reduce_ = [p for p, k in zip(positions, block.kinds) if k == "reduce"]
    if not spatial or max(spatial) > min(reduce_) or len(positions) != len(chain):  # type: ignore[type-var]
        return False
    reduce_vars = {v for v, k in zip(block.iter_vars, block.kinds) if k == "reduce"}
    if any(o in reduce_vars for op in init.walk() for o in op.operands):
        return False
    inner = chain[max(spatial)]  # type: ignore[type-var]
    reduce_loops = [chain[p] for p in sorted(reduce_)]  # type: ignore[type-var]
    anchor = inner.parent_block()
    assert anchor is not None

    # the init nest: for j { block "C_init" (spatial vars) { init body } }
    init_loop = tir.ForOp(inner.lower.data, inner.upper.data)
    init_loop.induction_var.name_hint = inner.induction_var.name_hint
    spatial_bindings = [init_loop.induction_var if b is inner.induction_var else b
                        for b, k in zip(block.bindings, block.kinds) if k == "spatial"]
    spatial_doms = [d.data for d, k in zip(block.iter_doms.data, block.kinds) if k == "spatial"]
    init_block = tir.BlockOp(f"{block.block_name.data}_init", spatial_bindings,
                             ["spatial"] * len(spatial_bindings), spatial_doms)
    mapping: dict[SSAValue, SSAValue] = {}
    spatial_args = iter(init_block.iter_vars)
    for var, kind in zip(block.iter_vars, block.kinds):
        if kind == "spatial":
            arg = next(spatial_args)
            arg.name_hint = var.name_hint
            mapping[var] = arg
    for op in init.body.block.ops:
        init_block.body.block.add_op(op.clone(mapping))
    init_loop.body.block.add_op(init_block)
    anchor.insert_op_before(init_loop, inner)

    # the update nest: for k { for j { block without init } }
    update_inner = tir.ForOp(inner.lower.data, inner.upper.data, inner.kind.data)
    update_inner.induction_var.name_hint = inner.induction_var.name_hint
    outer: tir.ForOp = update_inner
    new_reduce = []
    for loop in reversed(reduce_loops):
        wrapper = tir.ForOp(loop.lower.data, loop.upper.data, loop.kind.data)
        wrapper.induction_var.name_hint = loop.induction_var.name_hint
        wrapper.body.block.add_op(outer)
        new_reduce.append((loop, wrapper))
        outer = wrapper
    anchor.insert_op_before(outer, inner)
    block.body.block.erase_op(init)
    block.detach()
    update_inner.body.block.add_op(block)
    inner.induction_var.replace_all_uses_with(update_inner.induction_var)
    for old, new in new_reduce:
        old.induction_var.replace_all_uses_with(new.induction_var)
    anchor.erase_op(inner)
    return True


def parallelize_outer(kernel: tir.FuncOp, min_extent: int = 4) -> int:
    """Mark the outermost loop of each top-level nest `parallel` when its
    iterations are independent: every block inside binds its variable as a
    spatial iteration variable and stores at an index that is exactly that
    variable. Returns how many loops were marked."""
    marked = 0
    for loop in kernel.body.block.ops:
        if not isinstance(loop, tir.ForOp) or loop.kind.data != "serial":
            continue
        extent = loop.upper.data - loop.lower.data
        if extent.is_const() and (extent.value or 0) < min_extent:
            continue
        iv = loop.induction_var
        blocks = [op for op in loop.walk() if isinstance(op, tir.BlockOp)]
        if not blocks:
            continue
        ok = True
        for b in blocks:
            bound = [v for v, binding, k in zip(b.iter_vars, b.bindings, b.kinds)
                     if binding is iv and k == "spatial"]
            if len(bound) != 1 or any(binding is iv and k != "spatial"
                                      for binding, k in zip(b.bindings, b.kinds)):
                ok = False
                break
            stores = [op for op in b.walk() if isinstance(op, tir.StoreOp)]
            if not stores or any(bound[0] not in list(s.indices) for s in stores):
                ok = False
                break
        if ok:
            loop.properties["kind"] = StringAttr("parallel")
            marked += 1
    return marked
