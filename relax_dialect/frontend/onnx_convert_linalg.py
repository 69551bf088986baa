"""Converters of ONNX linear-algebra ops beyond products: Det.

Det is Gaussian elimination with partial pivoting, unrolled over the matrix
size (static, at most MAX_DET): at step k the row with the largest |a[., k]|
below the diagonal is swapped in (each swap flips the sign), the rows below
lose their multiple of it, and the determinant is the signed product of the
pivots. A zero pivot (a singular matrix) leaves its column alone and makes
the product 0. Any leading dims are a batch.
"""

from __future__ import annotations

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.compute_expr import is_float
from xrelax.tir.types import dtype_name

MAX_DET = 32  # the unrolled elimination grows as n^2 ops


def _rows(node: Node, a: SSAValue, begin: int, end: int, axis: int) -> SSAValue:
    return node.op("strided_slice", a, axes=[axis], begin=dyn._exprs([begin]),
                   end=dyn._exprs([end]))


@converter("Det")
def det(node: Node) -> Value:
    dims = node.shape(0)
    if len(dims) < 2 or not isinstance(dims[-1], int) or dims[-1] != dims[-2]:
        raise node.fail(f"the input must be [..., n, n] with a static n, got {dims}")
    if not is_float(node.dtype(0)):
        raise node.fail(f"the input must be a float tensor, got {dtype_name(node.dtype(0))}")
    n = dims[-1]
    if n > MAX_DET:
        raise node.fail(f"matrices larger than {MAX_DET} x {MAX_DET} are not supported "
                        f"(got {n} x {n})")
    rank = len(dims)
    row, col = rank - 2, rank - 1
    elem = elem_of_relax(node.dtype(0))

    def scalar(v: float) -> Known:
        return Known(np.array(v, numpy_dtype_of(elem)), elem)

    a = node.tensor(0)
    sign: SSAValue | None = None
    pivots: list[SSAValue] = []
    positions = node.graph.materialize(Known(np.arange(n, dtype=np.int64), 7))
    for k in range(n):
        if k < n - 1:
            # the pivot row p >= k: the largest magnitude in column k (first of equals)
            column = node.op("abs", _rows(node, _rows(node, a, k, n, row), k, k + 1, col))
            p = node.op("add", node.op("argmax", column, axis=[row], keepdims=True),
                        Known(np.array(k, np.int64), 7))  # [..., 1, 1]
            # rows k and p trade places: new row r reads old row order[r]
            order = node.op("where", node.op("equal", positions, Known(np.array(k, np.int64), 7)),
                            p, node.op("where", node.op("equal", positions, p),
                                       Known(np.array(k, np.int64), 7), positions))
            order = node.op("broadcast_to", node.op("reshape", order, shape=[
                *dims[:-2], n, 1]), shape=dims)
            a = node.op("gather_elements", a, order, axis=row)
            flip = node.op("where", node.op("equal", p, Known(np.array(k, np.int64), 7)),
                           scalar(1.0), scalar(-1.0))
            sign = flip if sign is None else node.op("multiply", sign, flip)
        top = _rows(node, a, k, k + 1, row)                    # [..., 1, n]
        pivot = _rows(node, top, k, k + 1, col)                # [..., 1, 1]
        pivots.append(pivot)
        if k == n - 1:
            break
        below = _rows(node, a, k + 1, n, row)                  # [..., n-k-1, n]
        factor = node.op("divide", _rows(node, below, k, k + 1, col), pivot)
        factor = node.op("where", node.op("equal", pivot, scalar(0.0)), scalar(0.0), factor)
        below = node.op("subtract", below, node.op("multiply", factor, top))
        a = node.op("concat", _rows(node, a, 0, k + 1, row), below, axis=row)
    product = pivots[0]
    for p_ in pivots[1:]:
        product = node.op("multiply", product, p_)
    if sign is not None:
        product = node.op("multiply", product, sign)
    return node.op("reshape", product, shape=list(dims[:-2]))
