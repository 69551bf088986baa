"""Block helpers shared by the block primitives, and decompose_reduction."""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.schedule.index import Names
from xrelax.tir.schedule.nest import (
    Realize,
    ScheduleError,
    describe,
    kernel_of,
    loop_name,
    loops_of,
    new_loop,
    program_order,
    read_realize,
    value_name,
    write_realize,
    written,
)


_INLINABLE = ("arith", "math")


def single_output(block: tir.BlockOp, p: str) -> SSAValue:
    outs = written(block)
    if len(outs) != 1:
        raise ScheduleError(f"{p}: {describe(block)} writes {len(outs)} buffers; it must "
                            "write exactly one")
    return outs[0]


def check_sole_writer(block: tir.BlockOp, buffer: SSAValue, p: str) -> None:
    for use in buffer.uses:
        op = use.operation
        if isinstance(op, tir.StoreOp) and not block.is_ancestor(op):
            other = op.parent_op()
            while other is not None and not isinstance(other, tir.BlockOp):
                other = other.parent_op()
            raise ScheduleError(f"{p}: {value_name(buffer)} is also written by "
                                f"{describe(other) if other else 'an op outside blocks'}")


def iter_var_positions(block: tir.BlockOp, indices, p: str, what: str) -> list[int]:
    """For each index, the position of the iteration variable it is."""
    pos = []
    for idx in indices:
        if idx not in block.iter_vars or block.iter_vars.index(idx) in pos:
            raise ScheduleError(f"{p}: {describe(block)} must {what} at distinct iteration "
                                "variables of its own (not computed indices)")
        pos.append(block.iter_vars.index(idx))
    return pos


def blocks_between(first: Operation, last: Operation) -> list[tir.BlockOp]:
    """Blocks strictly after `first`'s subtree and before `last` in program order."""
    kernel = kernel_of(first)
    order = program_order(kernel)
    end_first = max(order[op] for op in first.walk())
    start_last = order[last]
    lo, hi = (end_first, start_last) if end_first < start_last else (
        max(order[op] for op in last.walk()), order[first])
    return [b for b in kernel.walk() if isinstance(b, tir.BlockOp) and lo < order[b] < hi]


def check_pure_body(block: tir.BlockOp, p: str) -> None:
    for op in block.body.block.ops:
        if isinstance(op, (tir.LoadOp, tir.StoreOp, tir.ExprOp)):
            continue
        if op.dialect_name() in _INLINABLE and not op.regions:
            continue
        raise ScheduleError(f"{p}: {describe(block)} holds {op.name}; only loads, one store "
                            "and arith/math ops can be inlined")
    for op in block.walk():
        for v in op.operands if op is not block else ():
            owner = v.owner
            defining = owner if isinstance(owner, Operation) else owner.parent_op()
            if defining is not None and not block.is_ancestor(defining) \
                    and not isinstance(defining, (tir.FuncOp, tir.AllocBufferOp)):
                raise ScheduleError(f"{p}: {describe(block)} uses a value defined outside "
                                    "it (other than a kernel argument or buffer)")


def owner_block(op: Operation) -> tir.BlockOp:
    """The block an op (a load, a store) is in."""
    parent = op.parent_op()
    while not isinstance(parent, tir.BlockOp):
        assert parent is not None
        parent = parent.parent_op()
    return parent


# ---- decompose_reduction ------------------------------------------------------------

def decompose_reduction(block: tir.BlockOp, loop: tir.ForOp) -> tir.BlockOp:
    p = "decompose_reduction"
    init = block.init
    if init is None:
        raise ScheduleError(f"{p}: {describe(block)} has no tir.init")
    if not loop.is_ancestor(block):
        raise ScheduleError(f"{p}: {describe(loop)} is not around {describe(block)}")
    names = Names()
    r = read_realize(block, names, p)
    chain = loops_of(block)
    at = chain.index(loop)
    reduce_vars = {v for v, k in zip(block.iter_vars, block.kinds) if k == "reduce"}
    for op in init.walk():
        if any(o in reduce_vars for o in op.operands):
            raise ScheduleError(f"{p}: the init of {describe(block)} reads a reduce variable")

    def drives(lp: tir.ForOp, kind: str) -> bool:
        v = names.name(lp.induction_var)
        return any(v in e.free_vars() for e, k in zip(r.bindings, block.kinds) if k == kind)

    for lp in chain[:at]:
        if drives(lp, "reduce"):
            raise ScheduleError(f"{p}: {describe(lp)}, outside {loop_name(loop)}, drives a "
                                f"reduce variable of {describe(block)}; decompose at it or "
                                "further out")
    copied = []
    for lp in chain[at:]:
        if drives(lp, "reduce") and drives(lp, "spatial"):
            raise ScheduleError(f"{p}: {describe(lp)} drives both spatial and reduce "
                                f"variables of {describe(block)}")
        if drives(lp, "spatial"):
            copied.append(lp)
    new_loops = [new_loop(lp.lower.data, lp.upper.data, lp.kind.data,
                          (lp.induction_var.name_hint or "i") + "_init") for lp in copied]
    for outer, inner in zip(new_loops, new_loops[1:]):
        outer.body.block.add_op(inner)
    mapping = {names.name(a.induction_var): names.var(b.induction_var)
               for a, b in zip(copied, new_loops)}
    kept = {names.name(lp.induction_var) for lp in chain[:at]} | set(mapping)
    spatial = [k for k, kind in enumerate(block.kinds) if kind == "spatial"]
    init_block = tir.BlockOp(f"{block.block_name.data}_init",
                             [block.bindings[k] for k in spatial], ["spatial"] * len(spatial),
                             [block.iter_doms.data[k].data for k in spatial])
    vmap: dict[SSAValue, SSAValue] = {}
    for k, arg in zip(spatial, init_block.iter_vars):
        arg.name_hint = block.iter_vars[k].name_hint
        vmap[block.iter_vars[k]] = arg
    for op in init.body.block.ops:
        init_block.body.block.add_op(op.clone(vmap))
    preds = [(a.substitute(mapping), b.substitute(mapping)) for a, b in r.preds
             if {v for v in (a.free_vars() | b.free_vars()) if names.is_value_var(v)} <= kept]
    bindings = [r.bindings[k].substitute(mapping) for k in spatial]
    parent = loop.parent_block()
    assert parent is not None
    if new_loops:
        parent.insert_op_before(new_loops[0], loop)
        new_loops[-1].body.block.add_op(init_block)
    else:
        parent.insert_op_before(init_block, loop)
    write_realize(Realize(init_block, bindings, preds), names)
    block.body.block.erase_op(init)
    return init_block
