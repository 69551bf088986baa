"""(being written)"""

from xrelax.relax.op_base import TensorOp

IMAGE_OPS: list[type[TensorOp]] = []
