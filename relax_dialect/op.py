"""Build high-level ops from Python by their short names, with inferred types:

    from xrelax.relax import op as R
    y = fb.emit(R.matmul(x, w))              # relax.matmul
    s = fb.emit(R.sum(y, axis=[1], keepdims=True))

`R.NAME(*operands, **properties)` is `OpClass.make(...)` for `relax.NAME`.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    from xrelax.relax.op_library import OPS_BY_NAME

    cls = OPS_BY_NAME.get(f"relax.{name}")
    if cls is None:
        raise AttributeError(f"no high-level relax op named relax.{name}")
    return cls.make
