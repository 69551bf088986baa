"""Every high-level relax operator, by family (each family module holds the
definition, type inference and legalization of its ops)."""

from relax_dialect.op_base import TensorOp
from relax_dialect.ops_create import CREATE_OPS
from relax_dialect.ops_elementwise import ELEMENTWISE_OPS
from relax_dialect.ops_index import INDEX_OPS
from relax_dialect.ops_linalg import LINALG_OPS
from relax_dialect.ops_manip import MANIP_OPS
from relax_dialect.ops_nn import NN_OPS
from relax_dialect.ops_norm import NORM_OPS
from relax_dialect.ops_reduce import REDUCE_OPS

HIGH_LEVEL_OPS: list[type[TensorOp]] = [
    *ELEMENTWISE_OPS, *LINALG_OPS, *NN_OPS, *NORM_OPS, *REDUCE_OPS, *MANIP_OPS, *INDEX_OPS,
    *CREATE_OPS,
]
OPS_BY_NAME: dict[str, type[TensorOp]] = {op.name: op for op in HIGH_LEVEL_OPS}
