"""The trace of a schedule: the primitives applied, in order, replayable.

An `Instruction` is a primitive's name, its arguments (handles of earlier
instructions' results, or plain values) and the handles it returned.
`Trace.apply(module)` replays the instructions on a fresh schedule of
`module`; `Trace.as_ir()` prints them as a `transform.named_sequence` of
`sched` ops, which `relax-opt -p apply-schedule` applies (the same
primitives, interpreted from IR).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute

if TYPE_CHECKING:
    from xrelax.tir.schedule.schedule import Schedule

HANDLE_TYPES = ("BlockRV", "LoopRV", "Handle")


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
    instructions: list[Instruction] = field(default_factory=list)

    def append(self, inst: Instruction) -> None:
        self.instructions.append(inst)

    def __len__(self) -> int:
        return len(self.instructions)

    def __str__(self) -> str:
        return "\n".join(map(str, self.instructions))

    def apply(self, module) -> Schedule:
        """Replay every instruction on a new schedule of (a copy of) `module`."""
        from xrelax.tir.schedule.schedule import Schedule

        sch = Schedule(module)
        self.replay(sch)
        return sch

    def replay(self, sch: Schedule) -> None:
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
        from xrelax.tir.schedule.ir import sequence_from_trace

        return sequence_from_trace(self)


# ---- arguments as attributes ----------------------------------------------------

def handle_params(primitive: str) -> tuple[list[str], list[str], bool]:
    """(handle parameter names, option names, variadic handles) of a primitive."""
    from xrelax.tir.schedule.schedule import Schedule

    fn = getattr(Schedule, primitive).__wrapped__
    handles, options, variadic = [], [], False
    for p in list(inspect.signature(fn).parameters.values())[1:]:
        if str(p.annotation) in HANDLE_TYPES:
            handles.append(p.name)
            variadic = variadic or p.kind is p.VAR_POSITIONAL
        else:
            options.append(p.name)
    return handles, options, variadic


def to_attribute(value: Any) -> Attribute:
    """A primitive's option as an attribute (the IR form of the argument)."""
    from xrelax.tir.schedule.index_map import IndexMap

    if isinstance(value, Attribute):
        return value
    if isinstance(value, IndexMap):
        return AffineMapAttr(value.to_affine_map())
    if isinstance(value, bool):
        return IntegerAttr.from_bool(value)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, (list, tuple)):
        return ArrayAttr([to_attribute(-1 if v is None else v) for v in value])
    if callable(value):
        return to_attribute(IndexMap.of(value))
    raise TypeError(f"cannot write {value!r} as an attribute")


def from_attribute(attr: Attribute, keep_attribute: bool = False) -> Any:
    """The Python value of an option given in IR."""
    if keep_attribute:
        return attr
    if isinstance(attr, IntegerAttr) and attr.type == i1:
        return bool(attr.value.data)
    if isinstance(attr, IntegerAttr):
        return attr.value.data
    if isinstance(attr, FloatAttr):
        return attr.value.data
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, ArrayAttr):
        return [from_attribute(a) for a in attr.data]
    return attr
