"""Wrap the pure parts of an imported function body in `relax.dataflow` blocks.

The importer emits every op straight into the function body. Afterwards each
maximal run of pure ops (everything but `call_packed`, `if` and the return)
moves into a dataflow block whose outputs are the values used after the run;
later uses read the block's results instead. The graph passes (fusion, ...)
work inside dataflow blocks.
"""

from __future__ import annotations

from xdsl.ir import Block, Operation, Region

from xrelax.relax import ops as rx


def _runs(block: Block) -> list[list[Operation]]:
    runs: list[list[Operation]] = [[]]
    for op in block.ops:
        # match_casts stay outside: the variables they bind are then defined
        # for every later block (a dataflow block cannot export a variable)
        if rx.is_pure_relax_op(op) and not isinstance(op, (rx.ReturnOp, rx.MatchCastOp)):
            runs[-1].append(op)
        elif runs[-1]:
            runs.append([])
    return [r for r in runs if r]


def _inside(op: Operation, members: set[int]) -> bool:
    while op is not None:
        if id(op) in members:
            return True
        op = op.parent_op()
    return False


def group_dataflow(block: Block) -> None:
    for run in _runs(block):
        members = {id(op) for op in run}
        outputs = []
        for op in run:
            for r in op.results:
                if any(not _inside(use.operation, members) for use in r.uses):
                    outputs.append(r)
        if not outputs:  # nothing of the run is used: it stays (DCE removes it)
            continue
        anchor = run[-1].next_op
        inner = Block()
        for op in run:
            op.detach()
            inner.add_op(op)
        inner.add_op(rx.OutputOp(outputs))
        df = rx.DataflowOp([v.type for v in outputs], Region(inner))
        if anchor is not None:
            block.insert_op_before(df, anchor)
        else:
            block.add_op(df)
        for old, new in zip(outputs, df.results):
            old.replace_uses_with_if(new, lambda use: not _inside(use.operation, members)
                                     and use.operation is not inner.last_op)
