"""(being written)"""

from xrelax.relax.op_base import TensorOp

NORM_GROUP_OPS: list[type[TensorOp]] = []
