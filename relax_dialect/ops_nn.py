"""nn relax operators (definitions, type inference, legalization)."""

from __future__ import annotations

from relax_dialect.op_base import TensorOp

NN_OPS: list[type[TensorOp]] = []
