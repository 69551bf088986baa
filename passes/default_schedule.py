"""`default-schedule`: a schedule for every tir kernel that needs no tuning.

For each kernel:
1. every reduction whose loops are `spatial..., reduce...` (as the compute
   DSL makes them) gets its init in a loop of its own and its reduce loops
   outside the innermost spatial loop (`xrelax.tir.schedule.split_reduction`),
   so the innermost loop walks its output contiguously and LLVM vectorizes it
   (a matmul becomes the i-k-j order);
2. the outermost loop of each loop nest whose iterations are independent
   becomes `parallel` (`parallelize_outer`): it runs on all cores.

Options: `default-schedule{parallel=false}` keeps every loop serial;
`default-schedule{split=false}` keeps reductions as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from xrelax.tir import ops as tir
from xrelax.tir.schedule import parallelize_outer, split_reduction


@dataclass(frozen=True)
class DefaultSchedule(ModulePass):
    """Reorder reductions and parallelize outer loops in every kernel."""

    name = "default-schedule"

    split: bool = True
    parallel: bool = True

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for kernel in op.body.block.ops:
            if not isinstance(kernel, tir.FuncOp):
                continue
            if self.split:
                for block in [b for b in kernel.walk() if isinstance(b, tir.BlockOp)]:
                    split_reduction(block)
            if self.parallel:
                parallelize_outer(kernel)
