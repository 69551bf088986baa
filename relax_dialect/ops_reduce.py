"""reduce relax operators (definitions, type inference, legalization)."""

from __future__ import annotations

from relax_dialect.op_base import TensorOp

REDUCE_OPS: list[type[TensorOp]] = []
