"""`default-schedule`: a schedule for every tir kernel that needs no tuning.

For each kernel:
1. every reduction whose loops are `spatial..., reduce...` (as the compute
   DSL makes them) gets its init in a loop of its own and its reduce loops
   outside the innermost spatial loop (`xrelax.tir.schedule.split_reduction`),
   so the innermost loop walks its output contiguously and LLVM vectorizes it
   (a matmul becomes the i-k-j order);
2. in each loop nest with enough work, the first loop (from the outside) with
   at least as many iterations as cores and independent iterations becomes
   `parallel` (`xrelax.tir.autoschedule.parallel`): a batch loop of extent 1
   is skipped, so batch-1 layers run on all cores.

0. every contraction (a reduction whose output's last index some operand
   reads contiguously: matmul, dense, batch matmul, stride-1 NCHW conv, ...)
   becomes tiles of rows x vector lanes for the `register_tile`
   micro-kernel, the outermost loop with work parallel
   (`xrelax.tir.autoschedule.contraction`);
0b. element-wise, broadcast and injective nests and row reductions (softmax,
   layer_norm, sum/max over the last axis): row reductions keep the reduce
   loop innermost (init in a block of its own), nests over the same rows are
   fused into one pass, and innermost contiguous loops become `vectorized`
   (`xrelax.tir.autoschedule.elementwise`);

Options: `default-schedule{tile=false}` leaves contractions to steps 1-2;
`default-schedule{vectorize=false}` skips step 0b;
`default-schedule{parallel=false}` keeps every loop serial;
`default-schedule{target=avx2}` (or `avx512`, `sse`) plans tiles for another
CPU than the host's (the code stays correct on any CPU; only speed changes);
`default-schedule{split=false}` keeps reductions as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from xrelax.tir import ops as tir
from xrelax.tir.autoschedule.contraction import schedule_contraction
from xrelax.tir.autoschedule.elementwise import schedule_elementwise_and_reductions
from xrelax.tir.autoschedule.parallel import parallelize_nests
from xrelax.tir.schedule import split_reduction
from xrelax.tir.target import target_named


@dataclass(frozen=True)
class DefaultSchedule(ModulePass):
    """Reorder reductions and parallelize outer loops in every kernel."""

    name = "default-schedule"

    split: bool = True
    parallel: bool = True
    tile: bool = True
    vectorize: bool = True
    target: str = "host"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = target_named(self.target)
        for kernel in op.body.block.ops:
            if not isinstance(kernel, tir.FuncOp):
                continue
            if self.tile:  # contractions -> register-tiled micro-kernels
                for block in [b for b in kernel.walk() if isinstance(b, tir.BlockOp)]:
                    schedule_contraction(block, target, self.parallel)
            if self.vectorize:  # element-wise kernels and row reductions
                schedule_elementwise_and_reductions(kernel, target)
            if self.split:
                for block in [b for b in kernel.walk() if isinstance(b, tir.BlockOp)]:
                    split_reduction(block)
            if self.parallel:
                parallelize_nests(kernel, target)
