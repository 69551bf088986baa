"""All cores for every kernel with enough work, small kernels on one.

For each top-level loop nest of a kernel that holds no parallel loop yet, walk
down its chain of loops (each loop's body a single loop, as legalize-ops and
fuse-tir make them) and mark the first loop that has at least `cores`
iterations and whose iterations are independent `parallel`. A batch-1 CNN
layer's loop of extent 1 is skipped over, so its channel or row loop runs on
all cores.

A loop's iterations are independent when every block under it binds the loop
variable, directly, as exactly one spatial iteration variable, and every store
of those blocks writes at an index holding that variable: iterations then write
disjoint elements. Nests with fewer than PARALLEL_MIN_WORK innermost iterations
stay serial (waking the threads costs more than they save).
"""

from __future__ import annotations

from xdsl.dialects.builtin import StringAttr
from xdsl.ir import Operation

from xrelax.tir import ops as tir
from xrelax.tir.target import Target

PARALLEL_MIN_WORK = 1 << 15


def _extent(loop: tir.ForOp) -> int | None:
    ext = loop.upper.data - loop.lower.data
    return int(ext.value or 0) if ext.is_const() else None


def _independent(loop: tir.ForOp) -> bool:
    iv = loop.induction_var
    blocks = [op for op in loop.walk() if isinstance(op, tir.BlockOp)]
    if not blocks:
        return False
    for block in blocks:
        bound = [v for v, b, k in zip(block.iter_vars, block.bindings, block.kinds) if b is iv]
        if len(bound) != 1 or block.kinds[block.iter_vars.index(bound[0])] != "spatial":
            return False
        stores = [op for op in block.walk() if isinstance(op, tir.StoreOp)]
        if not stores or any(bound[0] not in list(s.indices) for s in stores):
            return False
    return True


def _work(nest: tir.ForOp) -> int:
    """Innermost iterations of the nest, summed over its blocks (a symbolic
    extent counts as large: the loop may be long, and a parallel loop that
    turns out short at run time does not wake the threads)."""
    total = 0
    for block in nest.walk():
        if not isinstance(block, tir.BlockOp):
            continue
        count, parent = 1, block.parent_op()
        while isinstance(parent, (tir.ForOp, tir.BlockOp, tir.IfOp)):
            if isinstance(parent, tir.ForOp):
                ext = _extent(parent)
                count *= ext if ext is not None else PARALLEL_MIN_WORK
            if parent is nest:
                break
            parent = parent.parent_op()
        total += count
    return total


def _chain(root: tir.ForOp) -> list[tir.ForOp]:
    chain = [root]
    while True:
        body = [op for op in chain[-1].body.block.ops]
        if len(body) != 1 or not isinstance(body[0], tir.ForOp):
            return chain
        chain.append(body[0])


def parallelize_nests(kernel: tir.FuncOp, target: Target) -> int:
    """Mark one loop per top-level nest `parallel` (see the module doc);
    returns how many were marked."""
    marked = 0
    for nest in kernel.body.block.ops:
        if not isinstance(nest, tir.ForOp) or _has_parallel(nest):
            continue
        chain = _chain(nest)
        if _work(nest) < PARALLEL_MIN_WORK:
            continue
        for loop in chain:
            ext = _extent(loop)
            if loop.kind.data != "serial" or (ext is not None and ext < max(2, target.cores)):
                continue
            if _independent(loop):
                loop.properties["kind"] = StringAttr("parallel")
                marked += 1
            break  # a loop with enough iterations that is not independent: stop here
    return marked


def _has_parallel(op: Operation) -> bool:
    return any(isinstance(o, tir.ForOp) and o.kind.data == "parallel" for o in op.walk())
