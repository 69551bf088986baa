"""`relax-cse`: common-subexpression elimination inside dataflow blocks.

Two ops in the same dataflow block with the same name, operands, properties,
attributes and result types compute the same value (dataflow blocks are pure),
so later ones are replaced by the first. Ops outside dataflow blocks are left
alone: they may have side effects or sit in control flow.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass

from xrelax.relax import ops as rx


def _key(op: Operation) -> tuple:
    return (op.name, tuple(op.operands), tuple(sorted(op.properties.items())),
            tuple(sorted(op.attributes.items())), tuple(r.type for r in op.results))


def eliminate_in(df: rx.DataflowOp) -> int:
    seen: dict[tuple, Operation] = {}
    removed = 0
    for op in list(df.body.block.ops):
        if isinstance(op, rx.OutputOp) or op.regions or not op.results:
            continue
        key = _key(op)
        first = seen.get(key)
        if first is None:
            seen[key] = op
            continue
        for old, new in zip(op.results, first.results):
            old.replace_all_uses_with(new)
        df.body.block.erase_op(op)
        removed += 1
    return removed


@dataclass(frozen=True)
class RelaxCSE(ModulePass):
    """Reuse the first of identical pure computations in each dataflow block."""

    name = "relax-cse"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for df in list(op.walk()):
            if isinstance(df, rx.DataflowOp):
                eliminate_in(df)
