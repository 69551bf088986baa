"""Converters of ONNX ops that pick or place elements by position:
ReverseSequence, TensorScatter (a KV-cache update), NonZero and Compress.

ReverseSequence and TensorScatter gather along one axis at positions computed
from the run-time lengths or write indices (`where` keeps the rest). NonZero's
length is the number of non-zero elements, bound at run time to a fresh
variable; the positions themselves are computed natively: each non-zero
element's rank among them (a cumulative sum) is where its flat index is
scattered. Compress takes the positions NonZero gives for its condition.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_convert_shape import norm_axis
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value
from xrelax.tir.types import dtype_name


def _i64(value: int) -> Known:
    return Known(np.array(value, np.int64), 7)


def _along(node: Node, v: SSAValue, axis: int, rank: int) -> SSAValue:
    """A 1-D v reshaped to lie along `axis` of a rank-`rank` tensor."""
    shape: list[Any] = [1] * rank
    shape[axis] = v.type.dims[0]  # type: ignore[union-attr]
    return node.op("reshape", v, shape=shape)


def _positions(node: Node, extent: Any, axis: int, rank: int) -> SSAValue:
    return _along(node, node.op("arange", end=extent), axis, rank)


def _as_i64(node: Node, v: SSAValue) -> SSAValue:
    return v if dtype_name(v.type.dtype) == "i64" else node.op("cast", v, dtype="i64")  # type: ignore[union-attr]


# ---- ReverseSequence ----------------------------------------------------------------------


@converter("ReverseSequence")
def reverse_sequence(node: Node) -> Value:
    dims = node.shape(0)
    rank = len(dims)
    if rank < 2:
        raise node.fail(f"the input must have rank 2 or more, got {rank}")
    time_axis = norm_axis(node, node.attr("time_axis", 0), rank)
    batch_axis = norm_axis(node, node.attr("batch_axis", 1), rank)
    if {time_axis, batch_axis} != {0, 1}:
        raise node.fail(f"time_axis and batch_axis must be 0 and 1, got {time_axis} and "
                        f"{batch_axis}")
    if node.shape(1) != [dims[batch_axis]] and len(node.shape(1)) != 1:
        raise node.fail(f"sequence_lens must be 1-D of the batch size, got {node.shape(1)}")
    t = _positions(node, dims[time_axis], time_axis, rank)
    lens = _along(node, _as_i64(node, node.tensor(1)), batch_axis, rank)
    # position t of batch b reads position len[b] - 1 - t while t < len[b]
    reversed_t = node.op("subtract", node.op("subtract", lens, _i64(1)), t)
    index = node.op("where", node.op("less", t, lens), reversed_t, t)
    index = node.op("broadcast_to", index, shape=dims)
    return node.op("gather_elements", node.tensor(0), index, axis=time_axis)


# ---- TensorScatter ------------------------------------------------------------------------


@converter("TensorScatter")
def tensor_scatter(node: Node) -> Value:
    dims, update = node.shape(0), node.shape(1)
    rank = len(dims)
    axis = norm_axis(node, node.attr("axis", -2), rank)
    mode = node.attr("mode", "linear")
    if mode not in ("linear", "circular"):
        raise node.fail(f"mode must be 'linear' or 'circular', got '{mode}'")
    if axis == 0:
        raise node.fail("axis must not be the batch axis (0)")
    if len(update) != rank:
        raise node.fail(f"update must have the rank of past_cache ({rank}), got {update}")
    past, new = dyn.equal_dims(node, [node.tensor(0), node.tensor(1)], axis)
    # cache position p of batch b holds update[p - w[b]] (mod the cache length
    # when circular) where that is inside the update, else the past value
    p = _positions(node, dims[axis], axis, rank)
    if node.present(2):
        w = _along(node, _as_i64(node, node.tensor(2)), 0, rank)
        offset = node.op("subtract", p, w)
    else:
        offset = p
    if mode == "circular":
        length = node.op("symbolic_tensor", values=[dims[axis]], shape=[])
        offset = node.op("floor_mod", offset, length)
    if isinstance(update[axis], int) and update[axis] == 0:
        return past  # nothing to write
    count = node.op("symbolic_tensor", values=[update[axis]], shape=[])
    inside = node.op("logical_and", node.op("greater_equal", offset, _i64(0)),
                     node.op("less", offset, count))
    last = node.op("symbolic_tensor", values=[update[axis] - 1], shape=[])
    index = node.op("minimum", node.op("maximum", offset, _i64(0)), last)
    full = list(dims)
    gathered = node.op("gather_elements", new, node.op("broadcast_to", index, shape=full),
                       axis=axis)
    return node.op("where", node.op("broadcast_to", inside, shape=full), gathered, past)


# ---- NonZero and Compress -----------------------------------------------------------------


def flat_nonzero(node: Node, x: SSAValue) -> SSAValue:
    """The flat positions of the non-zero elements of x, in order ([k], i64;
    k bound at run time)."""
    dims = list(x.type.dims)  # type: ignore[union-attr]
    size: Any = 1
    for d in dims:
        size = size * (d.value if d.is_const() else d)
    (k,) = dyn.runtime_values(node, "count_nonzero", [x], x, 1, f"{dyn._base(node)}_count")
    flat = node.op("reshape", x, shape=[size])
    if dtype_name(flat.type.dtype) == "i1":  # type: ignore[union-attr]
        hit = flat
    else:
        zero = Known(np.zeros((), dtype=np.bool_), 9)
        hit = node.op("not_equal", flat, node.op("cast", node.graph.materialize(zero),
                                                  dtype=dtype_name(flat.type.dtype)))  # type: ignore[union-attr]
    rank_of = node.op("subtract", node.op("cumsum", node.op("cast", hit, dtype="i64"), axis=0),
                      _i64(1))
    trash = node.op("symbolic_tensor", values=[k], shape=[])  # one slot past the end
    slot = node.op("where", hit, rank_of, trash)
    out = node.op("full", shape=[k + 1], fill_value=0, dtype="i64")
    out = node.op("scatter_elements", out, slot, node.op("arange", end=size), axis=0)
    return node.op("strided_slice", out, axes=[0], begin=dyn._exprs([0]), end=dyn._exprs([k]))


@converter("NonZero")
def nonzero(node: Node) -> Value:
    known = node.known(0)
    if known is not None and not known.symbolic:
        return Known(np.array(np.nonzero(known.data), dtype=np.int64).reshape(
            known.data.ndim, -1), 7)
    dims = node.shape(0)
    if not dims:
        raise node.fail("the input must have rank 1 or more (a scalar has no positions)")
    flat = flat_nonzero(node, node.tensor(0))
    rows = []
    stride: Any = 1
    for d in reversed(dims):  # the coordinate along each dim, last dim first
        q = flat if isinstance(stride, int) and stride == 1 else node.op(
            "divide", flat, node.op("symbolic_tensor", values=[stride], shape=[]))  # (floor)
        coord = node.op("floor_mod", q, node.op("symbolic_tensor", values=[d], shape=[]))
        rows.append(node.op("expand_dims", coord, axis=[0]))
        stride = stride * d
    rows.reverse()
    return node.op("concat", *rows, axis=0) if len(rows) > 1 else rows[0]


@converter("Compress")
def compress(node: Node) -> Value:
    x = node.tensor(0)
    dims = node.shape(0)
    axis = node.attr("axis", None)
    if axis is None:
        size: Any = 1
        for d in dims:
            size = size * d
        x, dims, axis = node.op("reshape", x, shape=[size]), [size], 0
    axis = norm_axis(node, axis, len(dims))
    cond_shape = node.shape(1)
    if len(cond_shape) != 1:
        raise node.fail(f"the condition must be 1-D, got shape {cond_shape}")
    known = node.known(1)
    if known is not None and not known.symbolic:
        picked = np.flatnonzero(known.data).astype(np.int64)
        if isinstance(dims[axis], int) and picked.size and picked[-1] >= dims[axis]:
            raise node.fail(f"the condition selects position {picked[-1]} of a dim of "
                            f"{dims[axis]}")
        return node.op("take", x, node.graph.materialize(Known(picked, 7)), axis=axis)
    cond = node.op("cast", node.tensor(1), dtype="bool")
    return node.op("take", x, flat_nonzero(node, cond), axis=axis)
