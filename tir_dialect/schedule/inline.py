"""compute_inline and reverse_compute_inline: element-wise blocks computed
where their output is read (their input is produced)."""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.schedule.blocks import (
    blocks_between,
    check_pure_body,
    check_sole_writer,
    iter_var_positions,
    owner_block,
    single_output,
)
from xrelax.tir.schedule.index import erase_dead_index_ops
from xrelax.tir.schedule.nest import (
    ScheduleError,
    describe,
    is_local,
    kernel_of,
    loads_of,
    nest_root,
    program_order,
    read,
    stores_of,
    value_name,
    written,
)
from xrelax.tir.symbolic import prove_equal


def compute_inline(block: tir.BlockOp) -> None:
    p = "compute_inline"
    if "reduce" in block.kinds:
        raise ScheduleError(f"{p}: {describe(block)} is a reduction; only element-wise "
                            "blocks can be inlined")
    out = single_output(block, p)
    if not is_local(out):
        raise ScheduleError(f"{p}: {describe(block)} writes {value_name(out)}, a kernel "
                            "parameter (an output of the kernel)")
    check_sole_writer(block, out, p)
    stores = stores_of(block)
    if len(stores) != 1:
        raise ScheduleError(f"{p}: {describe(block)} stores {len(stores)} times")
    store = stores[0]
    positions = iter_var_positions(block, store.indices, p, f"store {value_name(out)}")
    if sorted(positions) != list(range(len(block.iter_vars))):
        raise ScheduleError(f"{p}: {describe(block)} must store at every one of its "
                            "iteration variables")
    check_pure_body(block, p)
    if any(ld.buffer is out for ld in loads_of(block)):
        raise ScheduleError(f"{p}: {describe(block)} reads its own output")
    readers = [u.operation for u in out.uses if isinstance(u.operation, tir.LoadOp)]
    if not readers:
        raise ScheduleError(f"{p}: nothing reads {value_name(out)}, the output of "
                            f"{describe(block)}")
    others = [u.operation for u in out.uses
              if not isinstance(u.operation, (tir.LoadOp, tir.StoreOp))]
    if others:
        raise ScheduleError(f"{p}: {value_name(out)} is used by {others[0].name}")
    root = nest_root(block)
    ins = read(block)
    order = program_order(kernel_of(block))
    last = max(order[r] for r in readers)
    for r in readers:
        if order[r] < order[block]:
            raise ScheduleError(f"{p}: {describe(owner_block(r))} reads {value_name(out)} "
                                f"before {describe(block)} writes it")
    for other in kernel_of(block).walk():
        if isinstance(other, tir.BlockOp) and other is not block and \
                order[block] < order[other] < last and any(b in ins for b in written(other)):
            raise ScheduleError(f"{p}: {describe(other)} writes a buffer that "
                                f"{describe(block)} reads before its readers run")
    body = [op for op in block.body.block.ops if op is not store]
    for load in readers:
        mapping: dict[SSAValue, SSAValue] = {block.iter_vars[k]: load.indices[d]
                                             for d, k in enumerate(positions)}
        parent = load.parent_block()
        assert parent is not None
        for op in body:
            parent.insert_op_before(op.clone(mapping), load)
        load.result.replace_all_uses_with(mapping.get(store.value, store.value))
        parent.erase_op(load)
    _erase_root(root)
    _erase_unused_alloc(out)


def reverse_compute_inline(block: tir.BlockOp) -> None:
    p = "reverse_compute_inline"
    if "reduce" in block.kinds:
        raise ScheduleError(f"{p}: {describe(block)} is a reduction; only element-wise "
                            "blocks can be inlined")
    stores = stores_of(block)
    if len(stores) != 1:
        raise ScheduleError(f"{p}: {describe(block)} stores {len(stores)} times; it must "
                            "store once")
    check_pure_body(block, p)
    candidates = [b for b in read(block) if is_local(b)]
    producers = []
    for b in candidates:
        writers = {owner_block(u.operation) for u in b.uses
                   if isinstance(u.operation, tir.StoreOp)}
        if len(writers) == 1:
            producers.append((b, writers.pop()))
    if len(producers) != 1:
        raise ScheduleError(f"{p}: {describe(block)} must read exactly one local buffer "
                            f"written by one block, found {len(producers)}")
    buf, prod = producers[0]
    if "reduce" in prod.kinds:
        raise ScheduleError(f"{p}: the producer {describe(prod)} is a reduction; use "
                            "reverse_compute_at instead")
    loads = [ld for ld in loads_of(block) if ld.buffer is buf]
    if len(loads) != 1:
        raise ScheduleError(f"{p}: {describe(block)} reads {value_name(buf)} {len(loads)} "
                            "times; it must read it once")
    readers = [u.operation for u in buf.uses if isinstance(u.operation, tir.LoadOp)]
    if any(not block.is_ancestor(r) for r in readers):
        raise ScheduleError(f"{p}: {value_name(buf)} has other readers than {describe(block)}")
    positions = iter_var_positions(block, loads[0].indices, p, f"read {value_name(buf)}")
    if sorted(positions) != list(range(len(block.iter_vars))):
        raise ScheduleError(f"{p}: {describe(block)} must read {value_name(buf)} at every one "
                            "of its iteration variables")
    pstores = stores_of(prod)
    if len(pstores) != 1:
        raise ScheduleError(f"{p}: the producer {describe(prod)} stores {len(pstores)} times")
    pstore = pstores[0]
    ppos = iter_var_positions(prod, pstore.indices, p, f"store {value_name(buf)}")
    btype = buf.type
    for d, (k, pk) in enumerate(zip(positions, ppos)):
        dim = btype.dims[d]  # type: ignore[attr-defined]
        if not (prove_equal(block.iter_doms.data[k].data, dim)
                and prove_equal(prod.iter_doms.data[pk].data, dim)):
            raise ScheduleError(f"{p}: {describe(block)} and its producer must both cover "
                                f"dimension {d} of {value_name(buf)} ({dim}) whole")
    if len(ppos) != len(prod.iter_vars):
        raise ScheduleError(f"{p}: the producer {describe(prod)} must store at every one of "
                            "its iteration variables")
    outs, ins = written(block), [b for b in read(block) if b is not buf]
    if any(b in read(prod) for b in outs):
        raise ScheduleError(f"{p}: the producer {describe(prod)} reads what "
                            f"{describe(block)} writes")
    for other in blocks_between(prod, block):
        if any(b in ins + outs for b in written(other)) or any(b in outs for b in read(other)):
            raise ScheduleError(f"{p}: {describe(other)} stands between the producer and "
                                f"{describe(block)} and shares buffers with them")
    mapping: dict[SSAValue, SSAValue] = {block.iter_vars[k]: pstore.indices[d]
                                         for d, k in enumerate(positions)}
    mapping[loads[0].result] = pstore.value
    parent = pstore.parent_block()
    assert parent is not None
    for op in block.body.block.ops:
        if op is loads[0]:
            continue
        parent.insert_op_before(op.clone(mapping), pstore)
    parent.erase_op(pstore)
    _erase_root(nest_root(block))
    _erase_unused_alloc(buf)


def _erase_root(root: Operation) -> None:
    used = [v for op in root.walk() for v in op.operands]
    root.detach()
    root.erase(safe_erase=False)
    erase_dead_index_ops(used)


def _erase_unused_alloc(buffer: SSAValue) -> None:
    if not buffer.uses and isinstance(buffer.owner, tir.AllocBufferOp):
        buffer.owner.detach()
        buffer.owner.erase()
