"""The trace of a schedule: the primitives applied, in order, replayable.

An `Instruction` is a primitive's name, its arguments (handles of earlier
instructions' results, or plain values) and the handles it returned.
`Trace.apply(module)` replays the instructions on a fresh schedule of
`module`; `Trace.as_ir()` prints them as a `transform.named_sequence` of
`sched` ops, which `relax-opt -p apply-schedule` applies (the same
primitives, interpreted from IR).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from xrelax.tir.schedule.ir import sequence_from_trace


@dataclass
class Instruction:
    name: str
    args: tuple
    kwargs: dict[str, Any]
    outputs: list

    def __str__(self) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        call = f"sch.{self.name}({', '.join(parts)})"
        if not self.outputs:
            return call
        return f"{', '.join(map(repr, self.outputs))} = {call}"


@dataclass
class Trace:
    """The instructions of a schedule; `schedule_type` is the Schedule class
    that `apply` makes (handed in by the Schedule, which this module is below)."""

    schedule_type: Any
    instructions: list[Instruction] = field(default_factory=list)

    def append(self, inst: Instruction) -> None:
        self.instructions.append(inst)

    def __len__(self) -> int:
        return len(self.instructions)

    def __str__(self) -> str:
        return "\n".join(map(str, self.instructions))

    def apply(self, module) -> Any:
        """Replay every instruction on a new schedule of (a copy of) `module`."""
        sch = self.schedule_type(module)
        self.replay(sch)
        return sch

    def replay(self, sch) -> None:
        handles: dict[Any, Any] = {}

        def bind(value: Any) -> Any:
            if isinstance(value, (list, tuple)) and not isinstance(value, str):
                return type(value)(bind(v) for v in value)
            if type(value).__name__ in ("BlockRV", "LoopRV"):
                return handles[value]
            return value

        for inst in self.instructions:
            kwargs = {k: bind(v) for k, v in inst.kwargs.items()}
            result = getattr(sch, inst.name)(*bind(inst.args), **kwargs)
            new = result if isinstance(result, list) else [] if result is None else [result]
            handles.update(zip(inst.outputs, new))

    def as_ir(self) -> str:
        """The trace as a schedule in IR (`transform.named_sequence` of `sched` ops)."""
        return sequence_from_trace(self)
