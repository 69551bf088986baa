"""compute_at and reverse_compute_at: move a block under a loop of its consumer
(producer), over the region one iteration needs (makes)."""

from __future__ import annotations

from xdsl.ir import Block, Operation

from xrelax.tir import ops as tir
from xrelax.tir.schedule.access import access_exprs, full_bindings, ranges_inside
from xrelax.tir.schedule.blocks import (
    blocks_between,
    check_sole_writer,
    iter_var_positions,
    owner_block,
    single_output,
)
from xrelax.tir.schedule.index import Names, erase_dead_index_ops, interval
from xrelax.tir.schedule.nest import (
    Realize,
    ScheduleError,
    blocks_under,
    describe,
    is_local,
    kernel_of,
    loads_of,
    loops_of,
    nest_root,
    new_loop,
    program_order,
    read,
    read_realize,
    stores_of,
    value_name,
    write_realize,
    written,
)
from xrelax.tir.symbolic import SymExpr


def _move_block(block: tir.BlockOp, dest: Block, before: Operation | None,
                realize: Realize, names: Names) -> None:
    """Move `block` into `dest` (before `before`, or at the end) with the
    given realize; the loops that held only it disappear."""
    old_root = nest_root(block)
    block.detach()
    if before is None:
        dest.add_op(block)
    else:
        dest.insert_op_before(block, before)
    write_realize(realize, names)
    if old_root is not block:
        used = [v for op in old_root.walk() for v in op.operands]
        old_root.detach()
        old_root.erase(safe_erase=False)
        erase_dead_index_ops(used)


def _new_nest(kinds_exts: list[tuple[str, SymExpr]]) -> list[tir.ForOp]:
    loops = [new_loop(0, ext, name=name) for name, ext in kinds_exts]
    for outer, inner in zip(loops, loops[1:]):
        outer.body.block.add_op(inner)
    return loops


def _region(accesses, around: tir.ForOp, names: Names, p: str, what: str,
            ) -> list[tuple[SymExpr, SymExpr]]:
    """(start, extent) per dimension of the elements that `accesses` (pairs of
    block and access op) touch in one iteration of `around`."""
    lows: list[SymExpr | None] = []
    highs: list[SymExpr | None] = []
    for block, op in accesses:
        exprs = access_exprs(op, full_bindings(block, names, p), names)
        if exprs is None:
            raise ScheduleError(f"{p}: the indices of {value_name(op.buffer)} in "
                                f"{describe(block)} are not index expressions")
        ranges = ranges_inside(around, block, names)
        for d, e in enumerate(exprs):
            rng = interval(e, ranges)
            if rng is None:
                raise ScheduleError(f"{p}: cannot bound the elements of {value_name(op.buffer)} "
                                    f"that {describe(block)} {what}")
            if d == len(lows):
                lows.append(rng[0])
                highs.append(rng[1])
            else:
                lows[d] = _pick(lows[d], rng[0], min)
                highs[d] = _pick(highs[d], rng[1], max)
    out = []
    for d, (lo, hi) in enumerate(zip(lows, highs)):
        if lo is None or hi is None:
            raise ScheduleError(f"{p}: the elements of dimension {d} that the blocks {what} "
                                f"under {describe(around)} have no common bound")
        ext = hi - lo + 1
        if any(names.is_value_var(v) for v in ext.free_vars()):
            raise ScheduleError(f"{p}: the number of elements of dimension {d} that the blocks "
                                f"{what} under {describe(around)} changes between iterations "
                                f"({ext})")
        out.append((lo, ext))
    return out


def _pick(a: SymExpr | None, b: SymExpr, fn) -> SymExpr | None:
    if a is None:
        return None
    lo, hi = (a - b).bounds()
    if hi <= 0:
        return a if fn is min else b
    if lo >= 0:
        return b if fn is min else a
    return None


def _regenerated(block: tir.BlockOp, region_of_var: dict[int, tuple[SymExpr, SymExpr]],
                 names: Names) -> tuple[list[tir.ForOp], Realize]:
    """A loop per iteration variable: over `region_of_var[k]` (start, extent)
    for those given, over the whole domain for the others (none for an extent
    of 1); bindings and the guards that keep each variable in its domain."""
    specs, starts = [], []
    for k, dom in enumerate(block.iter_doms.data):
        start, ext = region_of_var.get(k, (SymExpr.const(0), dom.data))
        starts.append(start)
        if ext != SymExpr.const(1):
            specs.append((k, f"ax{len(specs)}", ext))
    loops = _new_nest([(name, ext) for _, name, ext in specs])
    loop_of = {k: lp for (k, _, _), lp in zip(specs, loops)}
    bindings, preds = [], []
    for k, dom in enumerate(block.iter_doms.data):
        value = starts[k] + (names.var(loop_of[k].induction_var) if k in loop_of else 0)
        bindings.append(value)
        if k in region_of_var:
            preds.append((value, dom.data))
            if starts[k].bounds()[0] < 0:
                preds.append((SymExpr.const(-1), value))
    return loops, Realize(block, bindings, preds)


# ---- compute_at -------------------------------------------------------------------

def compute_at(block: tir.BlockOp, loop: tir.ForOp) -> None:
    p = "compute_at"
    if loop.is_ancestor(block):
        raise ScheduleError(f"{p}: {describe(block)} is already under {describe(loop)}")
    if kernel_of(block) is not kernel_of(loop):
        raise ScheduleError(f"{p}: {describe(block)} and {describe(loop)} are in different "
                            "kernels")
    out = single_output(block, p)
    if not is_local(out):
        raise ScheduleError(f"{p}: {describe(block)} writes {value_name(out)}, a kernel "
                            "parameter; only a producer of a local buffer can be computed "
                            "where its consumers need it")
    check_sole_writer(block, out, p)
    stores = stores_of(block)
    positions = [iter_var_positions(block, s.indices, p, f"store {value_name(out)}")
                 for s in stores]
    if any(ps != positions[0] for ps in positions):
        raise ScheduleError(f"{p}: {describe(block)} stores {value_name(out)} at different "
                            "indices")
    spatial = {k for k, kind in enumerate(block.kinds) if kind == "spatial"}
    if set(positions[0]) != spatial:
        raise ScheduleError(f"{p}: {describe(block)} must store {value_name(out)} at exactly "
                            "its spatial iteration variables")
    readers = [u.operation for u in out.uses if isinstance(u.operation, tir.LoadOp)
               and not block.is_ancestor(u.operation)]
    if not readers:
        raise ScheduleError(f"{p}: nothing reads {value_name(out)}, the output of "
                            f"{describe(block)}")
    order = program_order(kernel_of(block))
    for ld in readers:
        if not loop.is_ancestor(ld):
            raise ScheduleError(f"{p}: {value_name(out)} is also read outside "
                                f"{describe(loop)} (by {describe(owner_block(ld))})")
    if order[block] > order[loop]:
        raise ScheduleError(f"{p}: {describe(block)} comes after {describe(loop)}; a "
                            "producer must precede its consumers")
    ins = [b for b in read(block) if b is not out]
    for other in blocks_between(block, loop) + [b for b in blocks_under(loop)]:
        clash = [b for b in written(other) if b in ins]
        if clash:
            raise ScheduleError(f"{p}: {describe(other)} writes {value_name(clash[0])}, which "
                                f"{describe(block)} reads; it cannot move past it")
    names = Names()
    read_realize(block, names, p)  # bindings must be expressions (checked only)
    accesses = [(owner_block(ld), ld) for ld in readers]
    region = _region(accesses, loop, names, p, "read")
    region_of_var = {k: region[d] for d, k in enumerate(positions[0])}
    loops, realize = _regenerated(block, region_of_var, names)
    first = loop.body.block.first_op
    if loops:
        loop.body.block.insert_op_before(loops[0], first) if first else loop.body.block.add_op(
            loops[0])
        _move_block(block, loops[-1].body.block, None, realize, names)
    else:
        _move_block(block, loop.body.block, first, realize, names)


# ---- reverse_compute_at --------------------------------------------------------------

def reverse_compute_at(block: tir.BlockOp, loop: tir.ForOp) -> None:
    p = "reverse_compute_at"
    if loop.is_ancestor(block):
        raise ScheduleError(f"{p}: {describe(block)} is already under {describe(loop)}")
    if kernel_of(block) is not kernel_of(loop):
        raise ScheduleError(f"{p}: {describe(block)} and {describe(loop)} are in different "
                            "kernels")
    under = blocks_under(loop)
    produced = [b for b in read(block) if any(b in written(x) for x in under)]
    if len(produced) != 1:
        raise ScheduleError(f"{p}: {describe(block)} must read exactly one buffer written "
                            f"under {describe(loop)}, found {len(produced)}")
    buf = produced[0]
    producers = [x for x in under if buf in written(x)]
    for use in buf.uses:
        op = use.operation
        if isinstance(op, tir.StoreOp) and not loop.is_ancestor(op):
            raise ScheduleError(f"{p}: {value_name(buf)} is also written outside "
                                f"{describe(loop)}")
    loads = [ld for ld in loads_of(block) if ld.buffer is buf]
    if any(list(ld.indices) != list(loads[0].indices) for ld in loads):
        raise ScheduleError(f"{p}: {describe(block)} reads {value_name(buf)} at several "
                            "different indices")
    positions = iter_var_positions(block, loads[0].indices, p, f"read {value_name(buf)}")
    order = program_order(kernel_of(block))
    if order[block] < order[loop]:
        raise ScheduleError(f"{p}: {describe(block)} comes before {describe(loop)}; a "
                            "consumer must follow its producer")
    names = Names()
    for prod in producers:
        values = full_bindings(prod, names, p)
        for lp in loops_of(loop) + [loop]:
            var = names.name(lp.induction_var)
            for iv, kind in zip(prod.iter_vars, prod.kinds):
                if kind == "reduce" and var in values[iv].free_vars():
                    raise ScheduleError(
                        f"{p}: {describe(lp)} drives the reduce variable "
                        f"%{iv.name_hint or '?'} of {describe(prod)}; its result is complete "
                        "only after that loop")
    ins, outs = read(block), written(block)
    for other in blocks_between(loop, block):
        if any(b in ins for b in written(other)) or any(
                b in outs for b in read(other) + written(other)):
            raise ScheduleError(f"{p}: {describe(other)} stands between {describe(loop)} and "
                                f"{describe(block)} and shares buffers with it")
    read_realize(block, names, p)
    accesses = [(x, s) for x in producers for s in stores_of(x) if s.buffer is buf]
    region = _region(accesses, loop, names, p, "write")
    region_of_var = {k: region[d] for d, k in enumerate(positions)}
    loops, realize = _regenerated(block, region_of_var, names)
    if loops:
        loop.body.block.add_op(loops[0])
        _move_block(block, loops[-1].body.block, None, realize, names)
    else:
        _move_block(block, loop.body.block, None, realize, names)
