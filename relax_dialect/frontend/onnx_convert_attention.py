"""The ONNX Attention op (opsets 23+) as a decomposition into relax ops:
heads split from 3-D inputs, the past key / value concatenated, grouped-query
heads repeated, scaled Q @ K^T, soft capping, the bias from `attn_mask`,
`is_causal`, the sliding window and `nonpad_kv_seqlen`, a softmax that gives 0
(not NaN) for a fully masked row, then @ V.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import (
    Known,
    Value,
    elem_of_relax,
    numpy_dtype_of,
    relax_dtype,
)
from xrelax.tir.types import dtype_name


def _scalar(node: Node, value: float, like: SSAValue) -> Known:
    elem = elem_of_relax(like.type.dtype)  # type: ignore[union-attr]
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


def _i64(value: int) -> Known:
    return Known(np.array(value, np.int64), 7)


def _heads(node: Node, x: SSAValue, heads: int) -> SSAValue:
    """[B, S, H * D] -> [B, H, S, D]."""
    b, s, hidden = x.type.dims  # type: ignore[union-attr]
    y = node.op("reshape", x, shape=[b, s, heads, hidden // heads])
    return node.op("permute_dims", y, axes=[0, 2, 1, 3])


def _grid(node: Node, rows: Any, cols: Any) -> SSAValue:
    """(i + 0) - j as an i64 [rows, cols] tensor: query index minus key index."""
    i = node.op("expand_dims", node.op("arange", end=rows), axis=[1])
    j = node.op("expand_dims", node.op("arange", end=cols), axis=[0])
    return node.op("subtract", i, j)


@converter("Attention")
def attention(node: Node) -> list[Value | None]:
    q, k, v = node.tensor(0), node.tensor(1), node.tensor(2)
    out_dt = dtype_name(q.type.dtype)  # type: ignore[union-attr]
    if out_dt == "f16":  # computed in f32 (as the reference does per op), cast back at the end
        node.inputs = [node.op("cast", node.tensor(i), dtype="f32") if node.present(i) and
                       dtype_name(node.dtype(i)) == "f16" else node.input(i)
                       for i in range(len(node.inputs))]
        outs = attention(node)
        return [node.op("cast", o, dtype="f16") if o is not None and dtype_name(
            o.type.dtype) == "f32" else o for o in outs]  # type: ignore[union-attr]
    rank = node.rank(0)
    q_heads, kv_heads = node.attr("q_num_heads", None), node.attr("kv_num_heads", None)
    if rank == 3:
        if q_heads is None or kv_heads is None:
            raise node.fail("3-D inputs need q_num_heads and kv_num_heads")
        q, k, v = _heads(node, q, q_heads), _heads(node, k, kv_heads), _heads(node, v, kv_heads)
    elif rank != 4:
        raise node.fail(f"Q must be 3-D or 4-D, got rank {rank}")
    batch, hq, sq, d = q.type.dims  # type: ignore[union-attr]
    past = node.present(4)
    if past != node.present(5):
        raise node.fail("past_key and past_value must be given together")
    if past:
        k = node.op("concat", node.tensor(4), k, axis=2)
        v = node.op("concat", node.tensor(5), v, axis=2)
    present_k, present_v = k, v
    skv = k.type.dims[2]  # type: ignore[union-attr]
    dt = dtype_name(q.type.dtype)  # type: ignore[union-attr]
    hkv = k.type.dims[1]  # type: ignore[union-attr]
    if hkv != hq:  # grouped-query attention: repeat each key / value head
        reps = hq // hkv
        def repeat(t: SSAValue) -> SSAValue:
            dims = list(t.type.dims)  # type: ignore[union-attr]
            t = node.op("expand_dims", t, axis=[2])
            t = node.op("broadcast_to", t, shape=[dims[0], dims[1], reps, *dims[2:]])
            return node.op("reshape", t, shape=[dims[0], hq, *dims[2:]])
        k, v = repeat(k), repeat(v)
    scale = node.attr("scale", None)
    d_static = d.value if hasattr(d, "value") and d.is_const() else None
    if scale is None:
        if d_static is None:
            raise node.fail("the default scale needs a static head size")
        scale = 1.0 / math.sqrt(d_static)
    root = _scalar(node, math.sqrt(scale), q)
    scores = node.op("matmul", node.op("multiply", q, root), node.op(
        "multiply", node.op("permute_dims", k, axes=[0, 1, 3, 2]), root))
    softcap = float(node.attr("softcap", 0.0))
    if softcap > 0:
        scores = node.op("multiply", node.op("tanh", node.op(
            "multiply", scores, _scalar(node, 1.0 / softcap, q))), _scalar(node, softcap, q))
    qk_raw = scores

    # ---- the bias -------------------------------------------------------------------------
    neg_inf, zero = _scalar(node, -np.inf, q), _scalar(node, 0.0, q)
    bias: Any = None
    mask_v = node.tensor(3) if node.present(3) else None
    if mask_v is not None:
        mdims = list(mask_v.type.dims)  # type: ignore[union-attr]
        short = skv - mdims[-1]
        if not (hasattr(short, "is_const") and short.is_const() and short.value == 0):
            fill = 0 if dtype_name(mask_v.type.dtype) == "i1" else -np.inf  # type: ignore
            widths = [[0, 0]] * (len(mdims) - 1) + [[0, int(short.value if hasattr(
                short, "value") else short)]]
            mask_v = node.op("pad", mask_v, pad_width=widths, pad_value=fill)
        if dtype_name(mask_v.type.dtype) == "i1":  # type: ignore[union-attr]
            mask_v = node.op("where", mask_v, zero, neg_inf)
        bias = mask_v
    nonpad = node.tensor(6) if node.present(6) else None
    if nonpad is not None and past:
        raise node.fail("nonpad_kv_seqlen cannot be combined with past_key / past_value")
    offset: Any = _i64(0)
    if past:
        p_len = node.shape(4)[2]
        offset = node.graph.materialize(Known(np.array(p_len, np.int64), 7)) if isinstance(
            p_len, int) else node.op("symbolic_tensor", values=[p_len], shape=[])
    elif nonpad is not None:
        per_batch = node.op("cast", nonpad, dtype="i64")
        sq_k = node.op("symbolic_tensor", values=[sq], shape=[])
        offset = node.op("reshape", node.op("subtract", per_batch, sq_k),
                         shape=[batch, 1, 1, 1])
    diff = None
    left, right = node.attr("left_window_size", -1), node.attr("right_window_size", -1)
    is_causal = bool(node.attr("is_causal", 0))
    if is_causal or left >= 0 or right >= 0:
        diff = node.op("add", _grid(node, sq, skv), offset)  # (i + offset) - j
    allowed: Any = None

    def both(a: Any, b: Any) -> Any:
        return b if a is None else node.op("logical_and", a, b)

    if is_causal:
        allowed = both(allowed, node.op("greater_equal", diff, _i64(0)))
    if left >= 0:
        allowed = both(allowed, node.op("less_equal", diff, _i64(left)))
    if right >= 0:
        allowed = both(allowed, node.op("greater_equal", diff, _i64(-right)))
    if nonpad is not None:
        keys = node.op("reshape", node.op("arange", end=skv), shape=[1, 1, 1, skv])
        lens = node.op("reshape", node.op("cast", nonpad, dtype="i64"), shape=[batch, 1, 1, 1])
        allowed = both(allowed, node.op("less", keys, lens))
    if allowed is not None:
        window = node.op("where", allowed, zero, neg_inf)
        bias = window if bias is None else node.op("add", bias, window)
    with_bias = scores if bias is None else node.op("add", scores, bias)
    mode = node.attr("qk_matmul_output_mode", 0)
    qk_out = qk_raw if mode in (0, 1) else with_bias

    # ---- the softmax ----------------------------------------------------------------------
    precision = node.attr("softmax_precision", None)
    logits = with_bias
    if precision is not None:
        target = relax_dtype(precision)
        if target is None:
            raise node.fail(f"softmax_precision {precision} is not supported")
        logits = node.op("cast", logits, dtype=target) if target != dt else logits
    top = node.op("max", logits, axis=[-1], keepdims=True)
    lzero = _scalar(node, 0.0, logits)
    safe_top = node.op("where", node.op("isinf", top, detect_positive=False), lzero, top)
    e = node.op("exp", node.op("subtract", logits, safe_top))
    total = node.op("sum", e, axis=[-1], keepdims=True)
    total = node.op("where", node.op("equal", total, lzero), _scalar(node, 1.0, logits), total)
    probs = node.op("divide", e, total)
    if bias is not None:
        bias_full = node.op("add", bias, node.op("zeros", shape=[sq, skv], dtype=dt))
        masked = node.op("isinf", node.op("max", bias_full, axis=[-1], keepdims=True),
                         detect_positive=False)
        probs = node.op("where", masked, lzero, probs)
    if dtype_name(probs.type.dtype) != dt:  # type: ignore[union-attr]
        probs = node.op("cast", probs, dtype=dt)
    if mode == 3:
        qk_out = probs
    y = node.op("matmul", probs, v)
    if rank == 3:
        b, h, s, dv = y.type.dims  # type: ignore[union-attr]
        y = node.op("reshape", node.op("permute_dims", y, axes=[0, 2, 1, 3]), shape=[b, s, h * dv])
    return [y, present_k, present_v, qk_out]


# ---- RotaryEmbedding ------------------------------------------------------------------------


def _slice_last(node: Node, x: SSAValue, start: int, end: int, step: int = 1) -> SSAValue:
    from xrelax.relax.frontend.onnx_dynamic import _exprs

    return node.op("strided_slice", x, axes=[-1], begin=_exprs([start]), end=_exprs([end]),
                   strides=[step])


@converter("RotaryEmbedding")
def rotary_embedding(node: Node) -> Value:
    x = node.tensor(0)
    shape = list(x.type.dims)  # type: ignore[union-attr]
    heads = node.attr("num_heads", 0)
    interleaved = node.attr("interleaved", 0)
    if len(shape) == 4:  # [B, H, S, D] -> [B, S, H, D]
        x = node.op("permute_dims", x, axes=[0, 2, 1, 3])
    elif len(shape) == 3:
        if not heads:
            raise node.fail("3-D input needs num_heads")
        b, s, hidden = shape
        x = node.op("reshape", x, shape=[b, s, heads, hidden // heads])
    else:
        raise node.fail(f"the input must be 3-D or 4-D, got rank {len(shape)}")
    d = x.type.dims[3]  # type: ignore[union-attr]
    if not d.is_const():
        raise node.fail("the head size must be static")
    head = d.value or 0
    rot = node.attr("rotary_embedding_dim", 0) or head
    half = rot // 2
    cos, sin = node.tensor(1), node.tensor(2)
    if node.present(3):
        ids = node.tensor(3)
        cos, sin = (node.op("take", c, ids, axis=0) for c in (cos, sin))
    cos, sin = (node.op("expand_dims", c, axis=[2]) for c in (cos, sin))
    rotate = _slice_last(node, x, 0, rot)
    if interleaved:
        x1, x2 = _slice_last(node, rotate, 0, rot, 2), _slice_last(node, rotate, 1, rot, 2)
    else:
        x1, x2 = _slice_last(node, rotate, 0, half), _slice_last(node, rotate, half, rot)
    real = node.op("subtract", node.op("multiply", cos, x1), node.op("multiply", sin, x2))
    imag = node.op("add", node.op("multiply", sin, x1), node.op("multiply", cos, x2))
    if interleaved:
        pairs = node.op("concat", node.op("expand_dims", real, axis=[-1]),
                        node.op("expand_dims", imag, axis=[-1]), axis=-1)
        rotated = node.op("reshape", pairs, shape=list(rotate.type.dims))  # type: ignore
    else:
        rotated = node.op("concat", real, imag, axis=-1)
    out = rotated if rot == head else node.op("concat", rotated,
                                              _slice_last(node, x, rot, head), axis=-1)
    if len(shape) == 3:
        return node.op("reshape", out, shape=shape)
    return node.op("permute_dims", out, axes=[0, 2, 1, 3])
