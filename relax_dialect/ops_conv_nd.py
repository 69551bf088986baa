"""(being written)"""

from xrelax.relax.op_base import TensorOp

CONV_ND_OPS: list[type[TensorOp]] = []
