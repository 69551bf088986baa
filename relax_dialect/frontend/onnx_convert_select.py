"""Converters of ONNX ops that pick or place elements by position:
ReverseSequence, TensorScatter (a KV-cache update), NonZero, Compress and
NonMaxSuppression.

ReverseSequence and TensorScatter gather along one axis at positions computed
from the run-time lengths or write indices (`where` keeps the rest). NonZero's
length is the number of non-zero elements, bound at run time to a fresh
variable; the positions themselves are computed natively: each non-zero
element's rank among them (a cumulative sum) is where its flat index is
scattered. Compress takes the positions NonZero gives for its condition.
NonMaxSuppression's greedy loop runs as a packed function when the model runs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax import ops as rx
from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_convert_shape import norm_axis
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.relax.types import PrimType, TensorType
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


# ---- NonMaxSuppression --------------------------------------------------------------------
# A greedy loop whose result length depends on the data: it runs as a packed
# function (numpy) when the model runs, once for the length and once to fill
# the [k, 3] result.


def _corners(box: np.ndarray, center: int) -> tuple[Any, Any, Any, Any]:
    """(y_min, x_min, y_max, x_max) of boxes [..., 4] in their own dtype."""
    if center:
        x, y, w, h = box[..., 0], box[..., 1], box[..., 2] / 2, box[..., 3] / 2
        return y - h, x - w, y + h, x + w
    return (np.minimum(box[..., 0], box[..., 2]), np.minimum(box[..., 1], box[..., 3]),
            np.maximum(box[..., 0], box[..., 2]), np.maximum(box[..., 1], box[..., 3]))


def _overlaps(boxes: np.ndarray, one: int, chosen: list[int], center: int, iou: Any) -> bool:
    """Whether box `one` overlaps a chosen box by more than `iou` (intersection
    over union; boxes without area never do)."""
    if not chosen:
        return False
    y0, x0, y1, x1 = _corners(boxes[one], center)
    cy0, cx0, cy1, cx1 = _corners(boxes[chosen], center)
    with np.errstate(all="ignore"):
        w, h = np.minimum(x1, cx1) - np.maximum(x0, cx0), np.minimum(y1, cy1) - np.maximum(y0, cy0)
        inter = w * h
        area, areas = (x1 - x0) * (y1 - y0), (cx1 - cx0) * (cy1 - cy0)
        union = area + areas - inter
        ok = (w > 0) & (h > 0) & (inter > 0) & (area > 0) & (areas > 0) & (union > 0)
        return bool(np.any(ok & (inter / np.where(ok, union, 1) > iou)))


def _nms(boxes: np.ndarray, scores: np.ndarray, max_out: np.ndarray, iou: np.ndarray,
         threshold: np.ndarray, center: int, thresholded: int) -> list[list[int]]:
    """The selected (batch, class, box) triples, by batch, class, then score."""
    limit = max(int(np.asarray(max_out).reshape(-1)[0]), 0) if np.size(max_out) else 0
    iou_v = np.asarray(iou).reshape(-1)[0] if np.size(iou) else boxes.dtype.type(0)
    thr = np.asarray(threshold).reshape(-1)[0] if np.size(threshold) else None
    out = []
    for b in range(scores.shape[0]):
        for c in range(scores.shape[1]):
            s = scores[b, c]
            keep = np.flatnonzero(s > thr) if thresholded and thr is not None else \
                np.arange(s.size)
            order = keep[np.lexsort((keep, -s[keep].astype(np.float64)))]  # score, then index
            chosen: list[int] = []
            for i in order:
                if len(chosen) >= limit:
                    break
                if not _overlaps(boxes[b], int(i), chosen, center, iou_v):
                    chosen.append(int(i))
                    out.append([b, c, int(i)])
    return out


def _nms_len(*args: Any) -> int:
    return len(_nms(*args))


def _nms_at(*args: Any) -> None:
    *inputs, out = args
    out[...] = np.asarray(_nms(*inputs), np.int64).reshape(-1, 3)


dyn.add_rule("nms.len", _nms_len)
dyn.add_rule("nms.at", _nms_at)


@converter("NonMaxSuppression")
def non_max_suppression(node: Node) -> Value:
    center = node.attr("center_point_box", 0)
    if center not in (0, 1):
        raise node.fail(f"center_point_box must be 0 or 1, got {center}")
    boxes, scores = node.shape(0), node.shape(1)
    if len(boxes) != 3 or len(scores) != 3 or (isinstance(boxes[2], int) and boxes[2] != 4):
        raise node.fail(f"boxes must be [batch, boxes, 4] and scores [batch, classes, boxes], "
                        f"got {boxes} and {scores}")
    graph = node.graph
    dyn._register()
    float_elem = elem_of_relax(node.dtype(0))
    elem = Known(np.zeros(0, numpy_dtype_of(float_elem)), float_elem)  # an absent threshold
    inputs = [node.input(0), node.input(1),
              node.input(2) if node.present(2) else Known(np.zeros(0, np.int64), 7),
              node.input(3) if node.present(3) else elem,
              node.input(4) if node.present(4) else elem]
    args = [graph.materialize(v) for v in inputs]
    args += [graph.emit(rx.PrimValueOp(v, "i64"), node) for v in (center, int(node.present(4)))]
    length = graph.emit(rx.CallPackedOp(dyn.PREFIX + "nms.len", args, [PrimType("i64")]), node)
    k = graph.model.fresh_var(f"{dyn._base(node)}_count")
    graph.emit(rx.MatchCastOp(length, PrimType("i64", k)), node)
    return graph.emit(rx.CallDPSPackedOp(dyn.PREFIX + "nms.at", args,
                                         [TensorType([k, 3], "i64")]), node)


# ---- Unique -------------------------------------------------------------------------------
# The elements sorted (a stable top-k of all of them): each one that differs from
# its predecessor starts a group; a group's rank is the cumulative count of
# starts. The number of groups is bound at run time; values, first positions
# and counts are scattered into it by group, the inverse indices by position.


def _count_unique(x: np.ndarray, ref: np.ndarray, k: int) -> int:
    return int(np.unique(x.reshape(-1)).size)


dyn.add_rule("count_unique", _count_unique)


def _scatter_by(node: Node, size: Any, slot: SSAValue, values: SSAValue, dtype: str,
                reduction: str = "none") -> SSAValue:
    out = node.op("full", shape=[size], fill_value=0, dtype=dtype)
    return node.op("scatter_elements", out, slot, values, axis=0, reduction=reduction)


@converter("Unique")
def unique(node: Node) -> list[Value]:
    if node.has("axis") and node.attr("axis") is not None:
        raise node.fail("Unique along an axis (unique slices) is not supported; only of "
                        "the flattened tensor")
    keep_sorted = bool(node.attr("sorted", 1))
    dims = node.shape(0)
    size: Any = 1
    for d in dims:
        size = size * d
    x = node.op("reshape", node.tensor(0), shape=[size])
    dtype = dtype_name(x.type.dtype)  # type: ignore[union-attr]
    (k,) = dyn.runtime_values(node, "count_unique", [x], x, 1, f"{dyn._base(node)}_count")
    ordered = node.op("topk", x, k=size, axis=0, largest=False)
    s = node.emit(rx.GetItemOp(ordered, 0))
    p = node.emit(rx.GetItemOp(ordered, 1))  # original positions, ties in order
    previous = node.op("concat", node.op("strided_slice", s, axes=[0], begin=dyn._exprs([0]),
                                         end=dyn._exprs([1])),
                       node.op("strided_slice", s, axes=[0], begin=dyn._exprs([0]),
                               end=dyn._exprs([size - 1])), axis=0)
    first = node.op("equal", node.op("arange", end=size), _i64(0))
    starts = node.op("logical_or", first, node.op("not_equal", s, previous))
    group = node.op("subtract", node.op("cumsum", node.op("cast", starts, dtype="i64"),
                                        axis=0), _i64(1))
    trash = node.op("symbolic_tensor", values=[k], shape=[])
    slot = node.op("where", starts, group, trash)  # a group's first element, else the end

    def cut(v: SSAValue) -> SSAValue:
        return node.op("strided_slice", v, axes=[0], begin=dyn._exprs([0]), end=dyn._exprs([k]))

    values = cut(_scatter_by(node, k + 1, slot, s, dtype))
    first_at = cut(_scatter_by(node, k + 1, slot, p, "i64"))
    ones = node.op("full", shape=[size], fill_value=1, dtype="i64")
    counts = cut(_scatter_by(node, k + 1, group, ones, "i64", "add"))
    inverse = _scatter_by(node, size, p, group, "i64")
    if not keep_sorted:  # groups in the order of their first occurrence
        by_first = node.op("topk", first_at, k=k, axis=0, largest=False)
        order = node.emit(rx.GetItemOp(by_first, 1))
        rank = _scatter_by(node, k, order, node.op("arange", end=k), "i64")
        values, counts = (node.op("take", v, order, axis=0) for v in (values, counts))
        first_at = node.emit(rx.GetItemOp(by_first, 0))
        inverse = node.op("take", rank, inverse, axis=0)
    return [values, first_at, inverse, counts]
