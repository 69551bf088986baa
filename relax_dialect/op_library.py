"""Every high-level relax operator, by family (each family module holds the
definition, type inference and legalization of its ops)."""

from xrelax.relax.op_base import TensorOp
from xrelax.relax.ops_create import CREATE_OPS
from xrelax.relax.ops_elementwise import ELEMENTWISE_OPS
from xrelax.relax.ops_index import INDEX_OPS
from xrelax.relax.ops_layout import LAYOUT_OPS
from xrelax.relax.ops_linalg import LINALG_OPS
from xrelax.relax.ops_manip import MANIP_OPS
from xrelax.relax.ops_nn import NN_OPS
from xrelax.relax.ops_norm import NORM_OPS
from xrelax.relax.ops_reduce import REDUCE_OPS
# ops the ONNX frontend needs (relax_dialect/frontend/)
from xrelax.relax.ops_bits import BITS_OPS
from xrelax.relax.ops_conv_nd import CONV_ND_OPS
from xrelax.relax.ops_einsum import EINSUM_OPS
from xrelax.relax.ops_gather import GATHER_OPS
from xrelax.relax.ops_image import IMAGE_OPS
from xrelax.relax.ops_math import MATH_OPS
from xrelax.relax.ops_norm_groups import NORM_GROUP_OPS
from xrelax.relax.ops_sequence import SEQUENCE_OPS

HIGH_LEVEL_OPS: list[type[TensorOp]] = [
    *ELEMENTWISE_OPS, *LINALG_OPS, *NN_OPS, *NORM_OPS, *REDUCE_OPS, *MANIP_OPS, *INDEX_OPS,
    *CREATE_OPS, *LAYOUT_OPS,
    *MATH_OPS, *SEQUENCE_OPS, *GATHER_OPS, *CONV_ND_OPS, *IMAGE_OPS, *NORM_GROUP_OPS, *EINSUM_OPS,
    *BITS_OPS,
]
OPS_BY_NAME: dict[str, type[TensorOp]] = {op.name: op for op in HIGH_LEVEL_OPS}
