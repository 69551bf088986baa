"""Every high-level relax operator, by family (each family module holds the
definition, type inference and legalization of its ops)."""

from xrelax.relax.op_base import TensorOp
from xrelax.relax.ops_create import CREATE_OPS
from xrelax.relax.ops_elementwise import ELEMENTWISE_OPS
from xrelax.relax.ops_index import INDEX_OPS
from xrelax.relax.ops_linalg import LINALG_OPS
from xrelax.relax.ops_manip import MANIP_OPS
from xrelax.relax.ops_nn import NN_OPS
from xrelax.relax.ops_norm import NORM_OPS
from xrelax.relax.ops_reduce import REDUCE_OPS

HIGH_LEVEL_OPS: list[type[TensorOp]] = [
    *ELEMENTWISE_OPS, *LINALG_OPS, *NN_OPS, *NORM_OPS, *REDUCE_OPS, *MANIP_OPS, *INDEX_OPS,
    *CREATE_OPS,
]
OPS_BY_NAME: dict[str, type[TensorOp]] = {op.name: op for op in HIGH_LEVEL_OPS}
