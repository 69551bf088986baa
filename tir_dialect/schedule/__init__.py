"""Schedules of tir kernels: TVM's schedule primitives on our IR.

- `Schedule` (schedule.py): the user- and compiler-facing API, with TVM's
  names (`get_block`, `split`, `reorder`, `cache_write`, `compute_at`, ...),
  legality checks that refuse with a located message, and a `Trace` of the
  primitives applied that replays on a fresh copy (trace.py);
- the `sched` dialect (ir.py): the same primitives as transform-dialect ops,
  applied by the `apply-schedule` pass;
- helpers.py: the automatic transforms the passes use (`compute_inline` of a
  local buffer, `split_reduction`, `parallelize_outer`, `substitute_symbols`,
  `perfect_nest`).

See docs/schedule.md.
"""


from xrelax.tir.schedule.helpers import (
    compute_inline,
    parallelize_outer,
    perfect_nest,
    split_reduction,
    substitute_symbols,
)
from xrelax.tir.schedule.index_map import IndexMap
from xrelax.tir.schedule.nest import ScheduleError
from xrelax.tir.schedule.schedule import BlockRV, LoopRV, Schedule
from xrelax.tir.schedule.trace import Instruction, Trace

__all__ = ["BlockRV", "IndexMap", "Instruction", "LoopRV", "Schedule", "ScheduleError", "Trace",
           "compute_inline", "parallelize_outer", "perfect_nest", "split_reduction",
           "substitute_symbols"]
