"""The registry of micro-kernels that `Schedule.tensorize` maps loop nests onto.

A micro-kernel is an inner tile implemented by the code generator with
explicit vector operations (e.g. `register_tile`: a rows x lanes block of
accumulators kept in vector registers). It is registered with a check that
says whether a loop nest is one it implements:

```python
from xrelax.tir.microkernel import register_microkernel

def check(loop: tir.ForOp) -> str | None:
    ...            # None: the nest at `loop` matches; else the reason it does not
register_microkernel("my_tile", check)
```

`tensorize(loop, "my_tile")` runs the check and, when it passes, marks the
loop `tir.tensorize = "my_tile"` for the code generator.
"""

from __future__ import annotations

from collections.abc import Callable

from xrelax.tir import ops as tir
from xrelax.tir import register_tile

Check = Callable[[tir.ForOp], "str | None"]

_MICROKERNELS: dict[str, Check] = {}


def register_microkernel(name: str, check: Check, override: bool = False) -> None:
    """Register `check` for the micro-kernel `name` (`override=True` replaces one)."""
    if not isinstance(name, str) or not name:
        raise ValueError("a micro-kernel needs a non-empty name")
    if not callable(check):
        raise TypeError(f"the check of micro-kernel {name!r} must be callable")
    if name in _MICROKERNELS and not override:
        raise ValueError(f"micro-kernel {name!r} is already registered")
    _MICROKERNELS[name] = check


def unregister_microkernel(name: str) -> None:
    _MICROKERNELS.pop(name, None)


def microkernels() -> list[str]:
    """The registered micro-kernel names, sorted."""
    return sorted(_MICROKERNELS)


def microkernel_check(name: str) -> Check | None:
    return _MICROKERNELS.get(name)


# The code generator's own micro-kernel (xrelax.lowering.register_tile emits it).
register_microkernel(register_tile.NAME, register_tile.check)
