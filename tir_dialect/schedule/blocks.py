"""Block primitives: compute_at, reverse_compute_at, compute_inline,
reverse_compute_inline, decompose_reduction."""

from __future__ import annotations

from xdsl.ir import Block, Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.schedule.access import access_exprs, full_bindings, ranges_inside
from xrelax.tir.schedule.index import Names, erase_dead_index_ops, interval
from xrelax.tir.schedule.nest import (
    Realize,
    ScheduleError,
    blocks_under,
    describe,
    is_local,
    kernel_of,
    loads_of,
    loop_name,
    loops_of,
    nest_root,
    new_loop,
    program_order,
    read,
    read_realize,
    remove_nest,
    stores_of,
    value_name,
    write_realize,
    written,
)
from xrelax.tir.symbolic import SymExpr, prove_equal

_INLINABLE = ("arith", "math")


# ---- helpers --------------------------------------------------------------------

def _single_output(block: tir.BlockOp, p: str) -> SSAValue:
    outs = written(block)
    if len(outs) != 1:
        raise ScheduleError(f"{p}: {describe(block)} writes {len(outs)} buffers; it must "
                            "write exactly one")
    return outs[0]


def _check_sole_writer(block: tir.BlockOp, buffer: SSAValue, p: str) -> None:
    for use in buffer.uses:
        op = use.operation
        if isinstance(op, tir.StoreOp) and not block.is_ancestor(op):
            other = op.parent_op()
            while other is not None and not isinstance(other, tir.BlockOp):
                other = other.parent_op()
            raise ScheduleError(f"{p}: {value_name(buffer)} is also written by "
                                f"{describe(other) if other else 'an op outside blocks'}")


def _iter_var_positions(block: tir.BlockOp, indices, p: str, what: str) -> list[int]:
    """For each index, the position of the iteration variable it is."""
    pos = []
    for idx in indices:
        if idx not in block.iter_vars or block.iter_vars.index(idx) in pos:
            raise ScheduleError(f"{p}: {describe(block)} must {what} at distinct iteration "
                                "variables of its own (not computed indices)")
        pos.append(block.iter_vars.index(idx))
    return pos


def _blocks_between(first: Operation, last: Operation) -> list[tir.BlockOp]:
    """Blocks strictly after `first`'s subtree and before `last` in program order."""
    kernel = kernel_of(first)
    order = program_order(kernel)
    end_first = max(order[op] for op in first.walk())
    start_last = order[last]
    lo, hi = (end_first, start_last) if end_first < start_last else (
        max(order[op] for op in last.walk()), order[first])
    return [b for b in kernel.walk() if isinstance(b, tir.BlockOp) and lo < order[b] < hi]


def _check_pure_body(block: tir.BlockOp, p: str, allowed_regions: bool = False) -> None:
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
    out = _single_output(block, p)
    if not is_local(out):
        raise ScheduleError(f"{p}: {describe(block)} writes {value_name(out)}, a kernel "
                            "parameter; only a producer of a local buffer can be computed "
                            "where its consumers need it")
    _check_sole_writer(block, out, p)
    stores = stores_of(block)
    positions = [_iter_var_positions(block, s.indices, p, f"store {value_name(out)}")
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
                                f"{describe(loop)} (by {describe(_owner_block(ld))})")
    if order[block] > order[loop]:
        raise ScheduleError(f"{p}: {describe(block)} comes after {describe(loop)}; a "
                            "producer must precede its consumers")
    ins = [b for b in read(block) if b is not out]
    for other in _blocks_between(block, loop) + [b for b in blocks_under(loop)]:
        clash = [b for b in written(other) if b in ins]
        if clash:
            raise ScheduleError(f"{p}: {describe(other)} writes {value_name(clash[0])}, which "
                                f"{describe(block)} reads; it cannot move past it")
    names = Names()
    read_realize(block, names, p)  # bindings must be expressions (checked only)
    accesses = [(_owner_block(ld), ld) for ld in readers]
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


def _owner_block(op: Operation) -> tir.BlockOp:
    parent = op.parent_op()
    while not isinstance(parent, tir.BlockOp):
        assert parent is not None
        parent = parent.parent_op()
    return parent


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
    positions = _iter_var_positions(block, loads[0].indices, p, f"read {value_name(buf)}")
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
    for other in _blocks_between(loop, block):
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


# ---- inlining -----------------------------------------------------------------------

def compute_inline(block: tir.BlockOp) -> None:
    p = "compute_inline"
    if "reduce" in block.kinds:
        raise ScheduleError(f"{p}: {describe(block)} is a reduction; only element-wise "
                            "blocks can be inlined")
    out = _single_output(block, p)
    if not is_local(out):
        raise ScheduleError(f"{p}: {describe(block)} writes {value_name(out)}, a kernel "
                            "parameter (an output of the kernel)")
    _check_sole_writer(block, out, p)
    stores = stores_of(block)
    if len(stores) != 1:
        raise ScheduleError(f"{p}: {describe(block)} stores {len(stores)} times")
    store = stores[0]
    positions = _iter_var_positions(block, store.indices, p, f"store {value_name(out)}")
    if sorted(positions) != list(range(len(block.iter_vars))):
        raise ScheduleError(f"{p}: {describe(block)} must store at every one of its "
                            "iteration variables")
    _check_pure_body(block, p)
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
            raise ScheduleError(f"{p}: {describe(_owner_block(r))} reads {value_name(out)} "
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
    _check_pure_body(block, p)
    candidates = [b for b in read(block) if is_local(b)]
    producers = []
    for b in candidates:
        writers = {_owner_block(u.operation) for u in b.uses
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
    positions = _iter_var_positions(block, loads[0].indices, p, f"read {value_name(buf)}")
    if sorted(positions) != list(range(len(block.iter_vars))):
        raise ScheduleError(f"{p}: {describe(block)} must read {value_name(buf)} at every one "
                            "of its iteration variables")
    pstores = stores_of(prod)
    if len(pstores) != 1:
        raise ScheduleError(f"{p}: the producer {describe(prod)} stores {len(pstores)} times")
    pstore = pstores[0]
    ppos = _iter_var_positions(prod, pstore.indices, p, f"store {value_name(buf)}")
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
    for other in _blocks_between(prod, block):
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
