"""(being written)"""

from xrelax.relax.op_base import TensorOp

EINSUM_OPS: list[type[TensorOp]] = []
