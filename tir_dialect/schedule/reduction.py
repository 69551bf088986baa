"""rfactor, blockize and tensorize."""

from __future__ import annotations

from xdsl.dialects import arith
from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation

from xrelax.tir import ops as tir
from xrelax.tir.microkernel import microkernel_check, microkernels
from xrelax.tir.schedule.access import full_bindings
from xrelax.tir.schedule.buffers import _alloc, _fill
from xrelax.tir.schedule.index import Emitter, Names
from xrelax.tir.schedule.nest import (
    Realize,
    ScheduleError,
    blocks_under,
    check_loop_vars_reach_blocks,
    describe,
    kernel_of,
    loop_name,
    loops_of,
    new_loop,
    read,
    read_realize,
    stores_of,
    top_blocks_under,
    top_level_op,
    value_name,
    write_realize,
    written,
)
from xrelax.tir.symbolic import SymExpr
from xrelax.tir.types import BufferType


COMBINERS = (arith.AddfOp, arith.AddiOp, arith.MulfOp, arith.MuliOp, arith.MaximumfOp,
             arith.MinimumfOp, arith.MaxnumfOp, arith.MinnumfOp, arith.MaxSIOp, arith.MinSIOp,
             arith.MaxUIOp, arith.MinUIOp)


def _match_reduction(block: tir.BlockOp, p: str):
    """(store, accumulator load, combiner, init store) of `C = C op x`."""
    init = block.init
    if init is None:
        raise ScheduleError(f"{p}: {describe(block)} has no tir.init")
    stores = [s for s in stores_of(block) if not init.is_ancestor(s)]
    if len(stores) != 1:
        raise ScheduleError(f"{p}: {describe(block)} must store once (besides its init)")
    store = stores[0]
    comb = store.value.owner
    if not isinstance(comb, COMBINERS):
        raise ScheduleError(f"{p}: {describe(block)} does not combine with +, *, max or min "
                            "(the stored value is not such an op)")
    loads = [v for v in comb.operands if isinstance(v.owner, tir.LoadOp)
             and v.owner.buffer is store.buffer and list(v.owner.indices) == list(store.indices)]
    if len(loads) != 1:
        raise ScheduleError(f"{p}: {describe(block)} must store {type(comb).name}(C[idx], x) "
                            "into the same C[idx]")
    init_stores = stores_of(init)  # type: ignore[arg-type]
    if len(init_stores) != 1 or init_stores[0].buffer is not store.buffer \
            or not isinstance(init_stores[0].value.owner, arith.ConstantOp):
        raise ScheduleError(f"{p}: the init of {describe(block)} must store one constant, to "
                            "the accumulator")
    spatial = [v for v, k in zip(block.iter_vars, block.kinds) if k == "spatial"]
    if list(store.indices) != spatial:
        raise ScheduleError(f"{p}: {describe(block)} must store at its spatial iteration "
                            "variables, in order")
    return store, loads[0].owner, comb, init_stores[0]


def rfactor(loop: tir.ForOp, factor_axis: int = 0) -> tir.BlockOp:
    p = "rfactor"
    blocks = top_blocks_under(loop)
    if len(blocks) != 1:
        raise ScheduleError(f"{p}: {describe(loop)} must hold exactly one block, found "
                            f"{len(blocks)}")
    block = blocks[0]
    check_loop_vars_reach_blocks(loop, p)
    names = Names()
    r = read_realize(block, names, p)
    var = names.name(loop.induction_var)
    kinds = block.kinds
    if not any(var in e.free_vars() for e, k in zip(r.bindings, kinds) if k == "reduce"):
        raise ScheduleError(f"{p}: {describe(loop)} drives no reduce variable of "
                            f"{describe(block)}")
    if any(var in e.free_vars() for e, k in zip(r.bindings, kinds) if k == "spatial"):
        raise ScheduleError(f"{p}: {describe(loop)} also drives a spatial variable of "
                            f"{describe(block)}")
    store, acc_load, comb, init_store = _match_reduction(block, p)
    out = store.buffer
    otype = out.type
    assert isinstance(otype, BufferType)
    if not 0 <= factor_axis <= otype.rank:
        raise ScheduleError(f"{p}: factor_axis must be in [0, {otype.rank}], got {factor_axis}")
    top = top_level_op(block)
    for other in blocks_under(top):
        if other is not block and out in read(other) + written(other):
            raise ScheduleError(f"{p}: {describe(other)} also accesses {value_name(out)} inside "
                                f"the loop nest of {describe(block)}")
    ext = loop.upper.data - loop.lower.data
    rf_dims = list(otype.dims)
    rf_dims.insert(factor_axis, ext)
    kernel = kernel_of(block)
    name = block.block_name.data
    # the rf block: the loop becomes a spatial variable of its own; each reduce
    # variable keeps the part of its binding that other loops drive
    lower = loop.lower.data
    at_lower = {var: lower}
    rf_bindings, deltas = [], []
    for iv, e, k in zip(block.iter_vars, r.bindings, kinds):
        rest = e.substitute(at_lower) if k == "reduce" else e
        delta = e - rest
        if delta.free_vars() - {var}:
            raise ScheduleError(f"{p}: the binding of %{iv.name_hint or '?'} of "
                                f"{describe(block)} does not separate {loop_name(loop)} from "
                                "the other loops")
        rf_bindings.append(rest)
        deltas.append(delta)
    rf = _alloc(kernel, BufferType(rf_dims, otype.dtype), f"{out.name_hint or name}_rf", None)
    rf_block = tir.BlockOp(f"{name}_rf", list(block.bindings) + [loop.induction_var],
                           list(kinds) + ["spatial"],
                           [d.data for d in block.iter_doms.data] + [ext])
    vl = rf_block.iter_vars[-1]
    vl.name_hint = (loop.induction_var.name_hint or "v") + "_rf"
    for op in list(block.body.block.ops):
        op.detach()
        rf_block.body.block.add_op(op)
    anchor = rf_block.body.block.first_op
    if isinstance(anchor, tir.InitOp):
        anchor = anchor.next_op
    assert anchor is not None
    emit = Emitter(anchor, names)
    for old, new, delta, k in zip(block.iter_vars, rf_block.iter_vars, deltas, kinds):
        new.name_hint = old.name_hint
        if k == "reduce" and delta != SymExpr.const(0):
            value = emit.value(names.var(new) + delta.substitute(
                {var: names.var(vl) + lower}))
            old.replace_all_uses_with(value)
        else:
            old.replace_all_uses_with(new)
    for op in (store, acc_load, init_store):
        idx = list(op.indices)
        idx.insert(factor_axis, vl)
        fixed = len(op.operands) - len(op.indices)
        op.operands = list(op.operands[:fixed - 1]) + [rf] + idx
    parent = block.parent_block()
    assert parent is not None
    parent.insert_op_before(rf_block, block)
    parent.erase_op(block)
    write_realize(Realize(rf_block, rf_bindings + [names.var(loop.induction_var) - lower],
                          r.preds), names)
    if r.preds:
        # a guard (a split that does not divide) would skip the init of some
        # partial results: initialize all of them first instead
        init_op = rf_block.init
        assert init_op is not None
        ivalue = init_store.value.owner
        if not isinstance(ivalue, arith.ConstantOp):
            raise AssertionError("checked above: the init stores a constant")
        _fill(kernel, rf, ivalue.value.value.data, f"{name}_rf_init", top)  # type: ignore
        rf_block.body.block.erase_op(init_op)

    # the write-back reduction over the rf dimension, named as the original block
    spatial = [k for k, kind in enumerate(kinds) if kind == "spatial"]
    loops = [new_loop(0, rf_block.iter_doms.data[k].data, name=f"ax{n}")
             for n, k in enumerate(spatial)] + [new_loop(0, ext, name="rf")]
    for outer, inner in zip(loops, loops[1:]):
        outer.body.block.add_op(inner)
    wb = tir.BlockOp(name, [lp.induction_var for lp in loops],
                     ["spatial"] * len(spatial) + ["reduce"],
                     [rf_block.iter_doms.data[k].data for k in spatial] + [ext])
    for n, arg in enumerate(wb.iter_vars):
        arg.name_hint = f"v{n}"
    wb.iter_vars[-1].name_hint = "vrf"
    sp = list(wb.iter_vars[:-1])
    init = tir.InitOp()
    ivalue = init_store.value.owner
    assert isinstance(ivalue, Operation)
    cval = ivalue.clone()
    init.body.block.add_ops([cval, tir.StoreOp(cval.results[0], out, sp)])
    rf_idx = list(sp)
    rf_idx.insert(factor_axis, wb.iter_vars[-1])
    part = tir.LoadOp(rf, rf_idx)
    acc = tir.LoadOp(out, sp)
    combined = comb.clone()
    combined.operands = [acc.result, part.result] if comb.operands[0] is acc_load.result \
        else [part.result, acc.result]
    wb.body.block.add_ops([init, part, acc, combined, tir.StoreOp(combined.results[0], out, sp)])
    loops[-1].body.block.add_op(wb)
    kernel.body.block.insert_op_after(loops[0], top)
    return rf_block


def blockize(loop: tir.ForOp) -> tir.BlockOp:
    """Wrap the nest at `loop` into a block whose iteration variables are the
    outer loops the nest uses."""
    p = "blockize"
    inner = top_blocks_under(loop)
    if not inner:
        raise ScheduleError(f"{p}: {describe(loop)} holds no block")
    names = Names()
    uses: dict[tir.ForOp, set[str]] = {}
    outer_loops = loops_of(loop)
    for b in inner:
        values = full_bindings(b, names, p)
        for iv, kind in zip(b.iter_vars, b.kinds):
            for lp in outer_loops:
                if names.name(lp.induction_var) in values[iv].free_vars():
                    uses.setdefault(lp, set()).add(kind)
    for lp in outer_loops:
        if lp in uses:
            check_loop_vars_reach_blocks(lp, p)
            if len(uses[lp]) > 1:
                raise ScheduleError(f"{p}: {describe(lp)} drives both spatial and reduce "
                                    "variables of the blocks inside")
    for b in inner:  # bindings computed right before each block, inside the nest
        write_realize(read_realize(b, names, p), names)
    used = [lp for lp in outer_loops if lp in uses]
    outer = tir.BlockOp(f"{inner[0].block_name.data}_o", [lp.induction_var for lp in used],
                        [next(iter(uses[lp])) for lp in used], [lp.upper.data for lp in used])
    for lp, arg in zip(used, outer.iter_vars):
        arg.name_hint = (lp.induction_var.name_hint or "v") + "_o"
    parent = loop.parent_block()
    assert parent is not None
    parent.insert_op_before(outer, loop)
    loop.detach()
    outer.body.block.add_op(loop)
    for lp, arg in zip(used, outer.iter_vars):
        for use in list(lp.induction_var.uses):
            if outer.is_ancestor(use.operation) and use.operation is not outer:
                use.operation.operands[use.index] = arg
    return outer


def tensorize(loop: tir.ForOp, intrin: str) -> None:
    p = "tensorize"
    check = microkernel_check(intrin)
    if check is None:
        known = ", ".join(microkernels()) or "none"
        raise ScheduleError(f"{p}: no micro-kernel named {intrin!r} (registered: {known})")
    reason = check(loop)
    if reason is not None:
        raise ScheduleError(f"{p}: {describe(loop)} does not match micro-kernel {intrin!r}: "
                            f"{reason}")
    loop.attributes["tir.tensorize"] = StringAttr(intrin)

