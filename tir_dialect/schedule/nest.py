"""What the primitives need to know about a kernel's loop nests and blocks.

A block is *realized* by the loops around it: its bindings are index
expressions of their variables, and a guard (`tir.if` holding just the
block, the `T.where` of TVM) may restrict the iterations that run it.
`read_realize` turns that into expressions, `write_realize` emits it again
after the loops changed: the index ops right before the block (or its
guard), in the innermost loop.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.ir import Block, Operation, SSAValue

from xrelax.diagnostics import CompileError
from xrelax.tir import ops as tir
from xrelax.tir.schedule.index import (
    Emitter,
    Names,
    Range,
    erase_dead_index_ops,
    guard_conditions,
    is_index_op,
    provably_less,
    to_expr,
)
from xrelax.tir.symbolic import SymExpr


class ScheduleError(CompileError):
    """A schedule primitive refused: the message names the primitive, the block
    or loop and the reason. The module is left as it was."""


# ---- names in messages ----------------------------------------------------------

def kernel_of(op: Operation) -> tir.FuncOp:
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, tir.FuncOp):
        parent = parent.parent_op()
    assert parent is not None, "op is not inside a tir.func"
    return parent


def describe(op: Operation) -> str:
    where = f" in @{kernel_of(op).sym_name.data}" if op.parent is not None else ""
    if isinstance(op, tir.BlockOp):
        return f'block "{op.block_name.data}"{where}'
    if isinstance(op, tir.ForOp):
        return f"loop {loop_name(op)}{where}"
    return f"{op.name}{where}"


def loop_name(loop: tir.ForOp) -> str:
    hint = loop.induction_var.name_hint
    return f"%{hint}" if hint else f"({loop.lower.data} to {loop.upper.data})"


def value_name(value: SSAValue) -> str:
    return f"%{value.name_hint}" if value.name_hint else "a buffer"


# ---- structure ------------------------------------------------------------------

def loops_of(op: Operation) -> list[tir.ForOp]:
    """The loops around `op` inside its kernel, outermost first."""
    chain = []
    parent = op.parent_op()
    while parent is not None and not isinstance(parent, tir.FuncOp):
        if isinstance(parent, tir.ForOp):
            chain.append(parent)
        parent = parent.parent_op()
    chain.reverse()
    return chain


def structural(block: Block) -> list[Operation]:
    """The ops of a loop body that are not index arithmetic."""
    return [op for op in block.ops if not is_index_op(op)]


def blocks_under(op: Operation) -> list[tir.BlockOp]:
    return [b for b in op.walk() if isinstance(b, tir.BlockOp)]


def top_blocks_under(op: Operation) -> list[tir.BlockOp]:
    """Blocks under `op` that are not inside another block under it (blockize
    nests blocks)."""
    found = []
    for b in blocks_under(op):
        parent = b.parent_op()
        while parent is not None and parent is not op and not isinstance(parent, tir.BlockOp):
            parent = parent.parent_op()
        if not isinstance(parent, tir.BlockOp) or parent is op:
            found.append(b)
    return found


def realize_root(block: tir.BlockOp) -> Operation:
    """The block, or the guard holding it."""
    parent = block.parent_op()
    if isinstance(parent, tir.IfOp) and is_guard(parent):
        return parent
    return block


def is_guard(op: tir.IfOp) -> bool:
    if op.else_region is not None and op.else_region.blocks and op.else_region.block.ops:
        return False
    inner = list(op.then_region.block.ops)
    return len(inner) == 1 and isinstance(inner[0], tir.BlockOp)


def nest_root(block: tir.BlockOp) -> Operation:
    """The outermost op holding nothing but this block (and index arithmetic)."""
    root = realize_root(block)
    parent = root.parent_op()
    while isinstance(parent, tir.ForOp) and structural(parent.body.block) == [root]:
        root = parent
        parent = parent.parent_op()
    return root


def top_level_op(op: Operation) -> Operation:
    """The op of the kernel body that holds `op`."""
    while not isinstance(op.parent_op(), tir.FuncOp):
        parent = op.parent_op()
        assert parent is not None
        op = parent
    return op


def program_order(kernel: tir.FuncOp) -> dict[Operation, int]:
    return {op: i for i, op in enumerate(kernel.walk())}


# ---- buffer accesses ------------------------------------------------------------

def stores_of(block: tir.BlockOp) -> list[tir.StoreOp]:
    return [op for op in block.walk() if isinstance(op, tir.StoreOp)]


def loads_of(block: tir.BlockOp) -> list[tir.LoadOp]:
    return [op for op in block.walk() if isinstance(op, tir.LoadOp)]


def written(block: tir.BlockOp) -> list[SSAValue]:
    out: list[SSAValue] = []
    for s in stores_of(block):
        if s.buffer not in out:
            out.append(s.buffer)
    return out


def read(block: tir.BlockOp) -> list[SSAValue]:
    """Buffers the block reads, in order of first load (the accumulator of a
    reduction counts as read)."""
    out: list[SSAValue] = []
    for ld in loads_of(block):
        if ld.buffer not in out:
            out.append(ld.buffer)
    return out


def is_local(buffer: SSAValue) -> bool:
    return isinstance(buffer.owner, tir.AllocBufferOp)


# ---- realize --------------------------------------------------------------------

@dataclass
class Realize:
    """A block's bindings and guard as expressions of the loop variables."""

    block: tir.BlockOp
    bindings: list[SymExpr]
    preds: list[tuple[SymExpr, SymExpr]]  # lhs < rhs

    def substitute(self, mapping: dict[str, SymExpr]) -> None:
        self.bindings = [b.substitute(mapping) for b in self.bindings]
        self.preds = [(a.substitute(mapping), b.substitute(mapping)) for a, b in self.preds]


def read_realize(block: tir.BlockOp, names: Names, primitive: str) -> Realize:
    bindings = []
    for var, binding, kind in zip(block.iter_vars, block.bindings, block.kinds):
        e = to_expr(binding, names)
        if e is None:
            raise ScheduleError(
                f"{primitive}: the binding of iteration variable %{var.name_hint or '?'} of "
                f"{describe(block)} is not an index expression of loop variables")
        bindings.append(e)
    preds: list[tuple[SymExpr, SymExpr]] = []
    parent = block.parent_op()
    if isinstance(parent, tir.IfOp):
        found = guard_conditions(parent.cond, names) if is_guard(parent) else None
        if found is None:
            raise ScheduleError(f"{primitive}: {describe(block)} is inside a tir.if that is not "
                                "a guard (a conjunction of index comparisons around the block "
                                "alone)")
        preds = found
    return Realize(block, bindings, preds)


def loop_ranges(loops: list[tir.ForOp], names: Names) -> dict[str, Range]:
    return {names.name(lp.induction_var): (lp.lower.data, lp.upper.data - 1) for lp in loops}


def write_realize(r: Realize, names: Names) -> None:
    """Emit the bindings and guard of `r.block` where it now stands."""
    block = r.block
    loops = loops_of(block)
    ranges = loop_ranges(loops, names)
    depth = {names.name(lp.induction_var): i + 1 for i, lp in enumerate(loops)}
    preds = []
    for p in r.preds:
        if not provably_less(p[0], p[1], ranges) and p not in preds:
            preds.append(p)
    old_guard = block.parent_op() if isinstance(block.parent_op(), tir.IfOp) else None
    anchor: Operation = old_guard if old_guard is not None else block
    old_values = list(block.bindings) + ([old_guard.cond] if old_guard else [])
    emit = Emitter(anchor, names, depth)
    new_bindings = [emit.value(b) for b in r.bindings]
    cond = emit.less_than(preds) if preds else None
    block.operands = new_bindings
    if old_guard is not None:
        block.detach()
        outer = old_guard.parent_block()
        assert outer is not None
        outer.insert_op_before(block, old_guard)
        old_guard.detach()
        old_guard.erase(safe_erase=False)
    if cond is not None:
        outer = block.parent_block()
        assert outer is not None
        guard = tir.IfOp(cond)
        outer.insert_op_before(guard, block)
        block.detach()
        guard.then_region.block.add_op(block)
    erase_dead_index_ops(old_values)


def check_loop_vars_reach_blocks(loop: tir.ForOp, primitive: str) -> None:
    """The loop variable may only feed block bindings and guards (through
    index arithmetic): then rewriting those rewrites every use."""
    todo = [loop.induction_var]
    seen: set[SSAValue] = set()
    while todo:
        value = todo.pop()
        if value in seen:
            continue
        seen.add(value)
        for use in value.uses:
            user = use.operation
            if isinstance(user, tir.BlockOp):
                continue
            if isinstance(user, tir.IfOp) and is_guard(user):
                continue
            if is_index_op(user) and not isinstance(user.parent_op(), (tir.BlockOp, tir.InitOp)):
                todo += list(user.results)
                continue
            raise ScheduleError(
                f"{primitive}: the variable of {describe(loop)} is used by {user.name} "
                f"outside the bindings of a block; schedule primitives need loop variables "
                "to reach blocks only through their bindings")


def move_body(src: tir.ForOp, dst: Block) -> None:
    """Move the ops of `src`'s body to the end of `dst`."""
    for op in list(src.body.block.ops):
        op.detach()
        dst.add_op(op)


def new_loop(lower, upper, kind: str = "serial", name: str | None = None) -> tir.ForOp:
    loop = tir.ForOp(lower, upper, kind)
    if name:
        loop.induction_var.name_hint = name
    return loop
