"""`apply-schedule`: run a schedule written in IR on the module's tir kernels.

The schedule is a `transform.named_sequence @__transform_main` of `sched`
ops (`xrelax.tir.schedule.ir`), the transform-dialect way:

```mlir
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %C = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %C {count = 3}
  %io, %ii = sched.split %i {factors = [-1, 4]}
  transform.yield
}
```

Each op calls the `Schedule` method of its name, in order, with its handle
operands and its attributes as keyword arguments; the sequence is removed
afterwards. A primitive that refuses is an error at the line of its op.
A `transform_layout` of a parameter of a kernel that `relax.call_tir` calls
changes the layout at every call: the arguments get a `relax.layout_transform`
before the call, the results the inverse after it (`rewrite-layout`, step 0).
Option: `apply-schedule{entry_point=NAME}` runs another named sequence.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import transform
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import SSAValue
from xdsl.passes import ModulePass

from xrelax.diagnostics import CompileError, location_prefix
from xrelax.passes.rewrite_layout import rewrite_recorded_layouts
from xrelax.tir.schedule import Schedule, ScheduleError
from xrelax.tir.schedule.ir import SchedOp


def run_sequence(seq: transform.NamedSequenceOp, sch: Schedule) -> None:
    """Interpret the `sched` ops of `seq` on `sch`."""
    values: dict[SSAValue, object] = {}
    for op in seq.body.block.ops:
        if isinstance(op, transform.YieldOp):
            break
        if not isinstance(op, SchedOp):
            raise CompileError(f"{location_prefix(op)}error: apply-schedule: {op.name} is not "
                               "a schedule op (expected sched.*)")
        args = [values[v] for v in op.handles]
        try:
            result = getattr(sch, op.PRIMITIVE)(*args, **op.options())
        except ScheduleError as err:
            raise CompileError(f"{location_prefix(op)}error: {err}") from None
        results = result if isinstance(result, list) else [] if result is None else [result]
        if len(results) != len(op.outputs):
            raise CompileError(f"{location_prefix(op)}error: sched.{op.PRIMITIVE} returned "
                               f"{len(results)} handles, the op binds {len(op.outputs)}")
        values.update(zip(op.outputs, results))


@dataclass(frozen=True)
class ApplySchedule(ModulePass):
    """Apply the module's transform schedule to its tir kernels, then drop it."""

    name = "apply-schedule"

    entry_point: str = "__transform_main"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        sequences = [s for s in op.body.block.ops if isinstance(s, transform.NamedSequenceOp)]
        entry = [s for s in sequences if s.sym_name.data == self.entry_point]
        if not entry:
            at = op.body.block.first_op or op
            raise CompileError(f"{location_prefix(at)}error: apply-schedule: no "
                               f"transform.named_sequence @{self.entry_point} in the module")
        run_sequence(entry[0], Schedule(op, copy=False))
        for s in sequences:
            op.body.block.erase_op(s)
        # parameters the schedule gave a new layout: the callers follow
        rewrite_recorded_layouts(op)
