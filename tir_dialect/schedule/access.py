"""Buffer accesses as expressions of loop variables: the dependence checks.

An access `T[e0, e1, ...]` inside a block is rewritten, through the block's
bindings, into expressions of the loop variables. An access is *private to
loop L* when some index is `c * L + r` with a constant c != 0 and r varying
by less than |c| over the loops inside L: then two iterations of L never
touch the same element. `parallel`, `vectorize` and `reorder` need every
access to a buffer that one block writes and another block (or another
iteration) reads to be private to the loops they change.
"""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.schedule.index import Names, Range, interval, to_expr
from xrelax.tir.schedule.nest import (
    ScheduleError,
    blocks_under,
    describe,
    loop_ranges,
    loops_of,
    read_realize,
    value_name,
)
from xrelax.tir.symbolic import SymExpr


def full_bindings(block: tir.BlockOp, names: Names, primitive: str) -> dict[SSAValue, SymExpr]:
    """Iteration variable -> its value in loop variables, through enclosing blocks."""
    r = read_realize(block, names, primitive)
    values = dict(zip(block.iter_vars, r.bindings))
    outer = block.parent_op()
    while outer is not None and not isinstance(outer, tir.FuncOp):
        if isinstance(outer, tir.BlockOp):
            up = full_bindings(outer, names, primitive)
            mapping = {names.name(v): e for v, e in up.items()}
            values = {v: e.substitute(mapping) for v, e in values.items()}
            break
        outer = outer.parent_op()
    return values


def access_exprs(access: tir.LoadOp | tir.StoreOp, leaves: dict[SSAValue, SymExpr],
                 names: Names) -> list[SymExpr] | None:
    out = []
    for idx in access.indices:
        e = to_expr(idx, names, leaves)
        if e is None:
            return None
        out.append(e)
    return out


def _coefficient(e: SymExpr, var: str) -> tuple[int, SymExpr] | None:
    """(c, r) with e == c * var + r and var not in r, or None."""
    c = 0
    rest: dict = {}
    for mono, coeff in e.terms:
        if any(getattr(a, "name", None) == var for a in mono):
            if mono != (next(a for a in mono if getattr(a, "name", None) == var),):
                return None
            c += coeff
        else:
            if var in SymExpr({mono: 1}).free_vars():
                return None  # inside a floordiv/mod/min/max
            rest[mono] = coeff
    return c, SymExpr(rest)


class _Access:
    def __init__(self, block: tir.BlockOp, op: Operation, exprs: list[SymExpr] | None):
        self.block, self.op, self.exprs = block, op, exprs


def _accesses(root: Operation, names: Names, primitive: str) -> dict[SSAValue, list[_Access]]:
    found: dict[SSAValue, list[_Access]] = {}
    for block in blocks_under(root):
        leaves = full_bindings(block, names, primitive)
        for op in block.walk():
            if isinstance(op, (tir.LoadOp, tir.StoreOp)) and op.parent_op() is not None:
                found.setdefault(op.buffer, []).append(
                    _Access(block, op, access_exprs(op, leaves, names)))
    return found


def _private(accesses: list[_Access], loop: tir.ForOp, names: Names) -> bool:
    """Some index position is `c * L + r` in every access, with one c and all
    r within a window narrower than |c| over the loops inside L."""
    var = names.name(loop.induction_var)
    if any(a.exprs is None for a in accesses):
        return False
    rank = len(accesses[0].exprs or [])
    for d in range(rank):
        parts = [_coefficient((a.exprs or [])[d], var) for a in accesses]
        if any(p is None or p[0] == 0 for p in parts) or len({p[0] for p in parts if p}) != 1:
            continue
        c = abs(parts[0][0])  # type: ignore[index]
        lo: SymExpr | None = None
        hi: SymExpr | None = None
        ok = True
        for a, p in zip(accesses, parts):
            inner = [lp for lp in loops_of(a.block) if loop.is_ancestor(lp) and lp is not loop]
            rng = interval(p[1], loop_ranges(inner, names))  # type: ignore[index]
            if rng is None:
                ok = False
                break
            lo = rng[0] if lo is None else _min(lo, rng[0])
            hi = rng[1] if hi is None else _max(hi, rng[1])
            if lo is None or hi is None:
                ok = False
                break
        if ok and lo is not None and hi is not None and (c - 1 - (hi - lo)).bounds()[0] >= 0:
            return True
    return False


def _min(a: SymExpr, b: SymExpr) -> SymExpr | None:
    lo, hi = (a - b).bounds()
    return a if hi <= 0 else b if lo >= 0 else None


def _max(a: SymExpr, b: SymExpr) -> SymExpr | None:
    lo, hi = (a - b).bounds()
    return b if hi <= 0 else a if lo >= 0 else None


def check_parallel(loop: tir.ForOp, primitive: str, allow_reduction: bool = False) -> None:
    """Iterations of `loop` touch disjoint elements of every buffer written
    under it (a reduction along the loop is allowed for `vectorize`)."""
    names = Names()
    var = names.name(loop.induction_var)
    reducing: set[tir.BlockOp] = set()
    for block in blocks_under(loop):
        values = full_bindings(block, names, primitive)
        for iv, kind in zip(block.iter_vars, block.kinds):
            if kind == "reduce" and var in values[iv].free_vars():
                if not allow_reduction:
                    raise ScheduleError(
                        f"{primitive}: {describe(loop)} drives the reduce variable "
                        f"%{iv.name_hint or '?'} of {describe(block)}; its iterations "
                        "accumulate into the same elements")
                reducing.add(block)
    accesses = _accesses(loop, names, primitive)
    for buffer, accs in accesses.items():
        stores = [a for a in accs if isinstance(a.op, tir.StoreOp)]
        if not stores:
            continue
        relevant = [a for a in accs if a.block not in reducing]
        if not relevant:
            continue
        if not _private(relevant, loop, names):
            blk = (stores[0].block if stores[0].block not in reducing else relevant[0].block)
            raise ScheduleError(
                f"{primitive}: iterations of {describe(loop)} may touch the same elements of "
                f"{value_name(buffer)} ({describe(blk)} writes it at indices that do not "
                "separate the iterations)")


def check_no_dataflow(root: Operation, loops: list[tir.ForOp], primitive: str) -> None:
    """Buffers that one block under `root` writes and another accesses are
    accessed privately to each of `loops`."""
    names = Names()
    for buffer, accs in _accesses(root, names, primitive).items():
        blocks = {a.block for a in accs}
        if len(blocks) < 2 or not any(isinstance(a.op, tir.StoreOp) for a in accs):
            continue
        for loop in loops:
            if not _private(accs, loop, names):
                a, b = sorted(blocks, key=lambda x: x.block_name.data)[:2]
                raise ScheduleError(
                    f"{primitive}: {describe(a)} and {describe(b)} share "
                    f"{value_name(buffer)} across iterations of {describe(loop)}; "
                    "changing the loop order could change what the reader sees")


def ranges_inside(loop: tir.ForOp | None, block: tir.BlockOp, names: Names) -> dict[str, Range]:
    """Ranges of the loops around `block` strictly inside `loop` (all if None)."""
    inner = [lp for lp in loops_of(block) if loop is None or (loop.is_ancestor(lp)
                                                                and lp is not loop)]
    return loop_ranges(inner, names)
