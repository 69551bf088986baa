"""linalg relax operators (definitions, type inference, legalization)."""

from __future__ import annotations

from relax_dialect.op_base import TensorOp

LINALG_OPS: list[type[TensorOp]] = []
