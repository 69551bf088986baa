"""Loop primitives: split, fuse, reorder, loop kinds, annotations.

Each function checks everything first and raises ScheduleError before
changing anything, then rewrites the loops and re-emits the bindings (and
guards) of every block under them.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Attribute, Operation

from xrelax.tir import ops as tir
from xrelax.tir.schedule.access import check_no_dataflow, check_parallel
from xrelax.tir.schedule.index import Names, is_index_op
from xrelax.tir.schedule.nest import (
    ScheduleError,
    check_loop_vars_reach_blocks,
    describe,
    loop_name,
    loops_of,
    move_body,
    new_loop,
    read_realize,
    structural,
    top_blocks_under,
    write_realize,
)
from xrelax.tir.symbolic import SymExpr, floordiv, floormod


def extent(loop: tir.ForOp) -> SymExpr:
    return loop.upper.data - loop.lower.data


def _check_serial(loop: tir.ForOp, primitive: str) -> None:
    if loop.kind.data != "serial":
        raise ScheduleError(f"{primitive}: {describe(loop)} is {loop.kind.data}; change loop "
                            "kinds after the loop structure is final")


def _realizes(root: Operation, names: Names, primitive: str):
    return [read_realize(b, names, primitive) for b in top_blocks_under(root)]


# ---- split ------------------------------------------------------------------------

def split(loop: tir.ForOp, factors: Sequence[int | None], tail: str = "guard",
          ) -> list[tir.ForOp]:
    """Split `loop` into len(factors) nested loops, outermost first. One factor
    may be None (or -1): it is inferred as ceildiv(extent, product of the
    others). When the factors do not divide the extent, the iterations past it
    are cut off by a guard (`tail="guard"`, TVM's predicate) or, with
    `tail="loop"`, run by a remainder loop after the main nest (the inferred
    factor must then be the outermost)."""
    p = "split"
    factors = [None if f in (None, -1) else f for f in factors]
    if len(factors) < 2:
        raise ScheduleError(f"{p}: give at least two factors for {describe(loop)}")
    if tail not in ("guard", "loop"):
        raise ScheduleError(f"{p}: tail must be \"guard\" or \"loop\", not {tail!r}")
    if factors.count(None) > 1:
        raise ScheduleError(f"{p}: at most one factor of {describe(loop)} may be inferred "
                            "(None or -1)")
    for f in factors:
        if f is not None and (not isinstance(f, int) or isinstance(f, bool) or f < 1):
            raise ScheduleError(f"{p}: factors must be positive integers (or one None/-1), "
                                f"got {f!r} for {describe(loop)}")
    _check_serial(loop, p)
    check_loop_vars_reach_blocks(loop, p)
    names = Names()
    realizes = _realizes(loop, names, p)
    ext = extent(loop)
    known = 1
    for f in factors:
        known *= f or 1
    if None in factors:
        inferred = floordiv(ext + (known - 1), known)
        exts = [inferred if f is None else SymExpr.const(f) for f in factors]
        exact = floormod(ext, known) == SymExpr.const(0)
    else:
        exts = [SymExpr.const(f) for f in factors]
        if ext.is_const() and known < (ext.value or 0):
            raise ScheduleError(f"{p}: the factors of {describe(loop)} multiply to {known}, "
                                f"less than its extent {ext}")
        if not ext.is_const():
            raise ScheduleError(f"{p}: {describe(loop)} has the symbolic extent {ext}; "
                                "leave one factor to inference (None or -1)")
        exact = known == ext.value
    if tail == "loop" and not exact:
        if factors[0] is not None:
            raise ScheduleError(f"{p}: a remainder loop needs the outermost factor inferred "
                                f"(None or -1), got {list(factors)} for {describe(loop)}")
        for r in realizes:
            if r.block.init is not None and any(
                    names.name(loop.induction_var) in e.free_vars()
                    for e, k in zip(r.bindings, r.block.kinds) if k == "reduce"):
                raise ScheduleError(
                    f"{p}: {describe(loop)} drives a reduce variable of {describe(r.block)}, "
                    "which has an init: a remainder loop would run the init twice; use "
                    "tail=\"guard\" or decompose_reduction first")
        exts[0] = floordiv(ext, known)

    # build the nest
    hint = loop.induction_var.name_hint or "i"
    new_loops = [new_loop(0, e, name=f"{hint}{k}") for k, e in enumerate(exts)]
    for outer, inner in zip(new_loops, new_loops[1:]):
        outer.body.block.add_op(inner)
    value = SymExpr.const(0)
    for lp, e in zip(new_loops, exts):
        value = value * e + names.var(lp.induction_var)
    value = value + loop.lower.data
    parent = loop.parent_block()
    assert parent is not None
    remainder = None
    if tail == "loop" and not exact:
        remainder = _remainder_loop(loop, exts[0] * known, floormod(ext, known), hint)
    parent.insert_op_before(new_loops[0], loop)
    move_body(loop, new_loops[-1].body.block)
    old = names.name(loop.induction_var)
    for r in realizes:
        r.substitute({old: value})
        if not exact and tail == "guard":
            r.preds.append((value, loop.upper.data))
        write_realize(r, names)
    if remainder is not None:
        parent.insert_op_after(remainder, new_loops[0])
    assert not loop.induction_var.uses, "split left a use of the old loop variable"
    parent.erase_op(loop)
    return new_loops


def _remainder_loop(loop: tir.ForOp, start: SymExpr, count: SymExpr, hint: str) -> tir.ForOp:
    """A loop over the last `count` iterations, with its own copy of the body;
    blocks in it are renamed `<name>_tail`."""
    clone = loop.clone()
    rest = new_loop(0, count, name=f"{hint}_tail")
    move_body(clone, rest.body.block)
    cnames = Names()
    old = cnames.name(clone.induction_var)
    for b in top_blocks_under(rest):
        r = read_realize(b, cnames, "split")
        r.substitute({old: cnames.var(rest.induction_var) + start + loop.lower.data})
        b.properties["block_name"] = StringAttr(b.block_name.data + "_tail")
        write_realize(r, cnames)
    clone.erase(safe_erase=False)
    return rest


# ---- fuse -------------------------------------------------------------------------

def perfect_chain(loops: Sequence[tir.ForOp], primitive: str) -> list[tir.ForOp]:
    """`loops` sorted outermost first, checked to be one chain in which every
    loop but the innermost holds only the next (and index arithmetic)."""
    if len(set(map(id, loops))) != len(loops):
        raise ScheduleError(f"{primitive}: a loop is given twice")
    order = sorted(loops, key=lambda lp: len(loops_of(lp)))
    inner = order[-1]
    path = loops_of(inner) + [inner]
    for lp in order:
        if lp not in path:
            raise ScheduleError(f"{primitive}: {describe(lp)} and {describe(inner)} are not "
                                "in one loop nest (neither is inside the other)")
    seg = path[path.index(order[0]):]
    for outer, nxt in zip(seg, seg[1:]):
        if structural(outer.body.block) != [nxt]:
            raise ScheduleError(f"{primitive}: {describe(outer)} holds more than "
                                f"{describe(nxt)}; the loops must form a perfect nest")
    return seg


def fuse(loops: Sequence[tir.ForOp]) -> tir.ForOp:
    """Fuse consecutive nested loops (outermost first) into one loop over the
    product of their extents."""
    p = "fuse"
    if len(loops) < 2:
        raise ScheduleError(f"{p}: give at least two loops")
    seg = perfect_chain(loops, p)
    if len(seg) != len(loops) or any(a is not b for a, b in zip(seg, loops)):
        raise ScheduleError(f"{p}: the loops must be consecutive, outermost first: "
                            + ", ".join(loop_name(lp) for lp in seg))
    kinds = {lp.kind.data for lp in loops}
    if len(kinds) != 1:
        raise ScheduleError(f"{p}: the loops have different kinds ({', '.join(sorted(kinds))})")
    for lp in loops:
        check_loop_vars_reach_blocks(lp, p)
    names = Names()
    realizes = _realizes(loops[0], names, p)
    exts = [extent(lp) for lp in loops]
    total = SymExpr.const(1)
    for e in exts:
        total = total * e
    hint = "_".join(lp.induction_var.name_hint or "i" for lp in loops) + "_fused"
    fused = new_loop(0, total, loops[0].kind.data, hint)
    f = names.var(fused.induction_var)
    mapping = {}
    inner_size = SymExpr.const(1)
    for lp, e in reversed(list(zip(loops, exts))):
        v = floordiv(f, inner_size) if inner_size != SymExpr.const(1) else f
        if lp is not loops[0]:
            v = floormod(v, e)
        mapping[names.name(lp.induction_var)] = v + lp.lower.data
        inner_size = inner_size * e
    parent = loops[0].parent_block()
    assert parent is not None
    parent.insert_op_before(fused, loops[0])
    for lp in loops:  # index ops between the loops move into the fused body
        for op in list(lp.body.block.ops):
            if is_index_op(op):
                op.detach()
                fused.body.block.add_op(op)
    move_body(loops[-1], fused.body.block)
    for r in realizes:
        r.substitute(mapping)
        write_realize(r, names)
    loops[0].detach()
    loops[0].erase(safe_erase=False)
    return fused


# ---- reorder ----------------------------------------------------------------------

def reorder(loops: Sequence[tir.ForOp]) -> None:
    """Reorder loops of one perfect nest: the given loops take, in the given
    order, the positions the given loops had; loops between them that are
    not given keep their place."""
    p = "reorder"
    if len(loops) < 2:
        raise ScheduleError(f"{p}: give at least two loops")
    seg = perfect_chain(loops, p)
    for lp in loops:
        check_loop_vars_reach_blocks(lp, p)
    given = iter(loops)
    new_order = [next(given) if lp in loops else lp for lp in seg]
    if new_order == seg:
        return
    check_no_dataflow(seg[0], [a for a, b in zip(seg, new_order) if a is not b], p)
    names = Names()
    _realizes(seg[0], names, p)  # bindings must be index expressions (checked only)
    parent = seg[0].parent_block()
    assert parent is not None
    body = list(seg[-1].body.block.ops)
    moved_index_ops = [op for lp in seg[:-1] for op in lp.body.block.ops if is_index_op(op)]
    for op in body + moved_index_ops:
        op.detach()
    for lp in seg[1:]:
        lp.detach()
    if new_order[0] is not seg[0]:
        parent.insert_op_before(new_order[0], seg[0])
        seg[0].detach()
    for outer, inner in zip(new_order, new_order[1:]):
        outer.body.block.add_op(inner)
    for op in moved_index_ops + body:
        new_order[-1].body.block.add_op(op)


# ---- kinds and annotations -------------------------------------------------------

def set_kind(loop: tir.ForOp, kind: str) -> None:
    primitive = {"parallel": "parallel", "vectorized": "vectorize", "unrolled": "unroll"}[kind]
    if loop.kind.data == kind:
        return
    if loop.kind.data != "serial":
        raise ScheduleError(f"{primitive}: {describe(loop)} is already {loop.kind.data}")
    if kind in ("parallel", "vectorized"):
        check_loop_vars_reach_blocks(loop, primitive)
        check_parallel(loop, primitive, allow_reduction=kind == "vectorized")
    if kind == "vectorized":
        ext = extent(loop)
        if ext.is_const() and (ext.value or 0) < 1:
            raise ScheduleError(f"{primitive}: {describe(loop)} has no iterations")
    loop.properties["kind"] = StringAttr(kind)


def annotate(target: Operation, key: str, value: Attribute) -> None:
    if not isinstance(key, str) or not key:
        raise ScheduleError("annotate: the key must be a non-empty string")
    if not isinstance(target, (tir.ForOp, tir.BlockOp)):
        raise ScheduleError(f"annotate: {target.name} is neither a loop nor a block")
    target.attributes[key] = value


def unannotate(target: Operation, key: str) -> None:
    if key not in target.attributes:
        raise ScheduleError(f"unannotate: {describe(target)} has no annotation {key!r}")
    del target.attributes[key]

