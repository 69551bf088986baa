"""Converters of ONNX ops that compute or rearrange shapes: Shape, Size,
Constant, ConstantOfShape, Reshape, Flatten, Transpose, Squeeze, Unsqueeze,
Concat, Split, Slice, Gather, Expand, Tile, Range, Pad, DepthToSpace,
SpaceToDepth, EyeLike, Trilu, OneHot.

On known values (constants and shape arithmetic) they compute the result
with numpy, symbolic dims included; on run-time tensors they emit relax ops.
Shape inputs (Reshape's shape, Expand's shape, ...) must be known at import
time, or run-time tensors bound through `onnx_dynamic` (see there).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from xrelax.relax.frontend import onnx_dynamic as dyn
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import (
    Known,
    Value,
    elem_of_relax,
    numpy_dtype_of,
    relax_dtype,
    sym_array,
)
from xrelax.tir.symbolic import SymExpr, prove_equal

INT64 = 7
INT_MAX = 2 ** 63 - 1


def norm_axis(node: Node, axis: int, ndim: int, what: str = "axis") -> int:
    if not -ndim <= axis < max(ndim, 1):
        raise node.fail(f"{what} {axis} is out of range for rank {ndim}")
    return axis % ndim if ndim else 0


def prod(dims: list[Any]) -> Any:
    out: Any = 1
    for d in dims:
        out = out * d
    return out.value if isinstance(out, SymExpr) and out.is_const() else out


# ---- shape queries and constants ---------------------------------------------------------


@converter("Shape")
def shape(node: Node) -> Value:
    dims = node.shape(0)
    start, end = node.attr("start", 0), node.attr("end", None)
    return Known(sym_array(dims[slice(start, end)]), INT64)


@converter("Size")
def size(node: Node) -> Value:
    return Known(sym_array([prod(node.shape(0))], ()), INT64)


@converter("Constant")
def constant(node: Node) -> Value:
    for key, elem in (("value_float", 1), ("value_floats", 1), ("value_int", INT64),
                      ("value_ints", INT64)):
        if node.has(key):
            return Known(np.array(node.attr(key), dtype=numpy_dtype_of(elem)), elem,
                         node.proto.output[0])
    if node.has("value"):
        value = node.attr("value")
        return Known(value.data, value.elem, node.proto.output[0])
    for key in ("value_string", "value_strings", "sparse_value"):
        if node.has(key):
            raise node.fail(f"a constant given as '{key}' is not supported")
    raise node.fail("the constant has no value")


@converter("ConstantOfShape")
def constant_of_shape(node: Node) -> Value:
    value = node.attr("value", Known(np.zeros(1, np.float32), 1))
    dims = dyn.dynamic_values(node, 0, "shape") if dyn.is_runtime(node.input(0)) else \
        node.ints(0, "shape")
    if value.data.size != 1:
        raise node.fail("value must hold one element")
    scalar = value.data.reshape(()).item()
    if all(isinstance(d, int) for d in dims):
        dtype = numpy_dtype_of(value.elem) or np.float32
        return Known(np.full(dims, scalar, dtype=dtype), value.elem)
    return node.op("full", shape=dims, fill_value=scalar, dtype=relax_dtype(value.elem))


# ---- reshaping ------------------------------------------------------------------------------


@converter("Reshape")
def reshape_(node: Node) -> Value:
    node.ignore("consumed_inputs")
    allowzero = node.attr("allowzero", 0)
    if node.opset >= 5 and dyn.is_runtime(node.input(1)):
        return dyn.dynamic_reshape(node, allowzero)
    target = node.attr("shape") if node.opset < 5 else node.ints(1, "shape")
    dims = node.shape(0)
    out = []
    for j, d in enumerate(target):
        if isinstance(d, int) and d == 0 and not allowzero:
            if j >= len(dims):
                raise node.fail(f"shape entry {j} is 0 (copy the input dim), but the input has "
                                f"rank {len(dims)}")
            out.append(dims[j])
        elif isinstance(d, int) and d < -1:
            raise node.fail(f"shape entry {j} is {d}")
        else:
            out.append(d)
    x = node.input(0)
    if isinstance(x, Known) and all(isinstance(d, int) for d in out):
        return Known(x.data.reshape(out), x.elem)
    return node.op("reshape", node.tensor(0), shape=out)


@converter("Flatten")
def flatten(node: Node) -> Value:
    dims = node.shape(0)
    axis = node.attr("axis", 1)
    if axis < 0:
        axis += len(dims)
    if not 0 <= axis <= len(dims):
        raise node.fail(f"axis {node.attr('axis')} is out of range for rank {len(dims)}")
    target = [prod(dims[:axis]), prod(dims[axis:])]
    x = node.input(0)
    if isinstance(x, Known) and all(isinstance(d, int) for d in target):
        return Known(x.data.reshape(target), x.elem)
    return node.op("reshape", node.tensor(0), shape=target)


@converter("Transpose")
def transpose(node: Node) -> Value:
    ndim = node.rank(0)
    perm = node.attr("perm", list(reversed(range(ndim))))
    if sorted(perm) != list(range(ndim)):
        raise node.fail(f"perm {perm} is not a permutation of the {ndim} dims")
    x = node.input(0)
    if isinstance(x, Known):
        return Known(np.transpose(x.data, perm), x.elem)
    return node.op("permute_dims", node.tensor(0), axes=list(perm))


@converter("Squeeze")
def squeeze(node: Node) -> Value:
    dims = node.shape(0)
    if node.opset >= 13 and dyn.is_runtime(node.input(1)):
        (count,) = node.shape(1)
        kept = dyn.runtime_values(node, "kept_dim", [node.input(1)], node.input(0),
                                  len(dims) - count, dyn._base(node))
        return node.op("reshape", node.tensor(0), shape=kept)
    axes = node.axes(1)
    if axes is None:
        axes = [j for j, d in enumerate(dims) if isinstance(d, int) and d == 1]
    axes = sorted(norm_axis(node, a, len(dims)) for a in axes)
    for a in axes:
        if isinstance(dims[a], int) and dims[a] != 1:
            raise node.fail(f"cannot squeeze axis {a} of size {dims[a]}")
    x = node.input(0)
    if isinstance(x, Known):
        return Known(x.data.reshape([d for j, d in enumerate(x.data.shape) if j not in axes]),
                     x.elem)
    if not axes:
        return node.tensor(0)
    return node.op("squeeze", node.tensor(0), axis=axes)


@converter("Unsqueeze")
def unsqueeze(node: Node) -> Value:
    if node.opset >= 13 and dyn.is_runtime(node.input(1)):
        (count,) = node.shape(1)
        dims = dyn.runtime_values(node, "unsqueezed_dim", [node.input(1)], node.input(0),
                                  node.rank(0) + count, dyn._base(node))
        return node.op("reshape", node.tensor(0), shape=dims)
    axes = node.axes(1)
    if axes is None:
        raise node.fail("axes are required")
    out_rank = node.rank(0) + len(axes)
    axes = sorted(norm_axis(node, a, out_rank) for a in axes)
    if len(set(axes)) != len(axes):
        raise node.fail(f"axes {axes} repeat an axis")
    x = node.input(0)
    if isinstance(x, Known):
        shape = list(x.data.shape)
        for a in axes:
            shape.insert(a, 1)
        return Known(x.data.reshape(shape), x.elem)
    return node.op("expand_dims", node.tensor(0), axis=axes)


# ---- joining and splitting ----------------------------------------------------------------


@converter("Concat")
def concat(node: Node) -> Value:
    inputs = [v for v in node.inputs if v is not None]
    if not inputs:
        raise node.fail("needs at least one input")
    ndim = node.rank(0)
    axis = norm_axis(node, node.attr("axis", 1) if node.opset < 4 else node.attr("axis"), ndim)
    if all(isinstance(v, Known) for v in inputs):
        ks: list[Known] = inputs  # type: ignore[assignment]
        sym = any(k.symbolic for k in ks)
        datas = [k.data.astype(object) if sym else k.data for k in ks]
        return Known(np.concatenate(datas, axis=axis), ks[0].elem)
    tensors = dyn.equal_dims(node, [node.graph.materialize(v) for v in inputs], axis)
    return node.op("concat", *tensors, axis=axis) if len(tensors) > 1 else tensors[0]


@converter("Split")
def split(node: Node) -> list[Value]:
    dims = node.shape(0)
    axis = norm_axis(node, node.attr("axis", 0), len(dims))
    n_out = len(node.proto.output)
    if node.opset >= 13 and dyn.is_runtime(node.input(1)):
        sizes = dyn.dynamic_values(node, 1, "split")
        if len(sizes) != n_out:
            raise node.fail(f"{len(sizes)} split sizes for {n_out} outputs")
        outs, start = [], 0
        for size in sizes:
            outs.append(node.op("strided_slice", node.tensor(0), axes=[axis],
                                begin=_sym([start]), end=_sym([start + size])))
            start = start + size
        return outs
    sizes = node.attr("split", None) if node.opset < 13 else (
        node.ints(1, "split") if node.present(1) else None)
    num = node.attr("num_outputs", None) if node.opset >= 18 else None
    d = dims[axis]
    if sizes is None:
        parts = num if num is not None else n_out
        if isinstance(d, int):
            chunk = -(-d // parts)
            sizes = [min(chunk, max(d - k * chunk, 0)) for k in range(parts)]
            if num is None and d % parts:
                raise node.fail(f"cannot split a dim of {d} into {parts} equal parts")
        else:
            sizes = None
    if sizes is not None and len(sizes) != n_out:
        raise node.fail(f"{len(sizes)} split sizes for {n_out} outputs")
    x = node.input(0)
    if isinstance(x, Known) and sizes is not None:
        bounds = np.cumsum([0] + [int(s) for s in sizes])
        return [Known(np.take(x.data, range(a, b), axis=axis), x.elem)
                for a, b in zip(bounds, bounds[1:])]
    if sizes is None:
        spec: Any = n_out
    else:
        if isinstance(d, int) and sum(int(s) for s in sizes) != d:
            raise node.fail(f"the split sizes {sizes} do not add up to the dim {d}")
        spec = [int(v) for v in np.cumsum([int(s) for s in sizes])[:-1]]
        if n_out == 1:
            return [node.tensor(0)]
    t = node.op("split", node.tensor(0), indices_or_sections=spec, axis=axis)
    from xrelax.relax import ops as rx

    return [node.emit(rx.GetItemOp(t, k)) for k in range(n_out)]


@converter("Slice")
def slice_(node: Node) -> Value:
    dims = node.shape(0)
    if node.opset < 10:
        starts, ends = node.attr("starts"), node.attr("ends")
        axes, steps = node.attr("axes", None), None
    else:
        if any(dyn.is_runtime(node.input(i)) for i in (3, 4)):
            return dyn.dynamic_slice_all(node)
        axes = node.ints(3, "axes") if node.present(3) else None
        steps = node.ints(4, "steps") if node.present(4) else None
        if dyn.is_runtime(node.input(1)) or dyn.is_runtime(node.input(2)):
            count = node.shape(1)[0]
            if not isinstance(count, int):
                raise node.fail("the run-time starts must be 1-D of static length")
            axes = list(range(count)) if axes is None else axes
            steps = [1] * count if steps is None else steps
            if any(not isinstance(s, int) or s == 0 for s in steps):
                raise node.fail(f"steps must be non-zero integers, got {steps}")
            return dyn.dynamic_slice(node, [norm_axis(node, a, len(dims)) for a in axes], steps)
        starts, ends = node.ints(1, "starts"), node.ints(2, "ends")
    axes = list(range(len(starts))) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise node.fail("starts, ends, axes and steps must have the same length")
    axes = [norm_axis(node, a, len(dims)) for a in axes]
    if any(isinstance(s, SymExpr) or s == 0 for s in steps):
        raise node.fail(f"steps must be non-zero integers, got {steps}")
    x = node.input(0)
    if isinstance(x, Known) and all(isinstance(v, int) for v in starts + ends):
        index = [slice(None)] * x.data.ndim
        for a, b, e, s in zip(axes, starts, ends, steps):
            index[a] = slice(b, e, s)
        return Known(x.data[tuple(index)], x.elem)
    begin, end = [], []
    for a, b, e, s in zip(axes, starts, ends, steps):
        d = dims[a]
        if not isinstance(d, int):
            # clamp what is provable; an INT_MAX end means the end of the axis
            if isinstance(e, int) and e >= 2 ** 31 - 1 and s > 0:
                e = 2 ** 31 - 1
            if isinstance(e, int) and e <= -(2 ** 31) and s < 0:
                raise node.fail(f"a negative step on the symbolic dim {d} is not supported")
        else:
            b = max(-(2 ** 62), min(b, 2 ** 62)) if isinstance(b, int) else b
            e = max(-(2 ** 62), min(e, 2 ** 62)) if isinstance(e, int) else e
        begin.append(b)
        end.append(e)
    return node.op("strided_slice", node.tensor(0), axes=axes, begin=_sym(begin),
                   end=_sym(end), strides=steps)


def _sym(values: list[Any]) -> Any:
    from xrelax.relax.ops_manip import sym_array as attrs

    return attrs(values)


# ---- gathering ----------------------------------------------------------------------------


@converter("Gather")
def gather(node: Node) -> Value:
    dims = node.shape(0)
    axis = norm_axis(node, node.attr("axis", 0), len(dims))
    x, idx = node.known(0), node.known(1)
    if x is not None and idx is not None and not idx.symbolic and (
            x.symbolic or x.data.size <= 1 << 16):
        index = np.where(idx.data < 0, idx.data + x.data.shape[axis], idx.data)
        if np.any(index < 0) or np.any(index >= x.data.shape[axis]):
            raise node.fail(f"an index in {idx.data.tolist()} is out of range for dim "
                            f"{x.data.shape[axis]}")
        return Known(np.take(x.data, index, axis=axis), x.elem)
    return node.op("take", node.tensor(0), node.tensor(1), axis=axis)


# ---- broadcasting and tiling ------------------------------------------------------------


def broadcast_shape(node: Node, a: list[Any], b: list[Any]) -> list[Any]:
    """ONNX multidirectional broadcasting of two shapes."""
    n = max(len(a), len(b))
    a, b = [1] * (n - len(a)) + list(a), [1] * (n - len(b)) + list(b)
    out = []
    for x, y in zip(a, b):
        if isinstance(x, int) and x == 1:
            out.append(y)
        elif isinstance(y, int) and y == 1:
            out.append(x)
        elif prove_equal(SymExpr.lift(x), SymExpr.lift(y)):
            out.append(x)
        else:
            raise node.fail(f"cannot broadcast the dims {x} and {y}")
    return out


@converter("Expand")
def expand(node: Node) -> Value:
    if dyn.is_runtime(node.input(1)):
        return dyn.dynamic_expand(node)
    target = broadcast_shape(node, node.shape(0), node.ints(1, "shape"))
    x = node.input(0)
    if isinstance(x, Known) and all(isinstance(d, int) for d in target) and (
            x.symbolic or math.prod(target) <= 1 << 16):
        return Known(np.broadcast_to(x.data, target).copy(), x.elem)
    if target == node.shape(0):
        return node.tensor(0)
    return node.op("broadcast_to", node.tensor(0), shape=target)


@converter("Tile")
def tile(node: Node) -> Value:
    dims = node.shape(0)
    repeats = dyn.dynamic_values(node, 1, "repeats") if dyn.is_runtime(node.input(1)) else \
        node.ints(1, "repeats")
    if len(repeats) != len(dims):
        raise node.fail(f"{len(repeats)} repeats for a rank-{len(dims)} input")
    x = node.input(0)
    if isinstance(x, Known) and all(isinstance(r, int) for r in repeats):
        return Known(np.tile(x.data, repeats), x.elem)
    if all(isinstance(r, int) and r == 1 for r in repeats):
        return node.tensor(0)
    # [d0, d1] -> [1, d0, 1, d1] -> [r0, d0, r1, d1] -> [r0 * d0, r1 * d1]
    spread = [v for d in dims for v in (1, d)]
    wide = [v for r, d in zip(repeats, dims) for v in (r, d)]
    y = node.op("reshape", node.tensor(0), shape=spread)
    y = node.op("broadcast_to", y, shape=wide)
    return node.op("reshape", y, shape=[r * d for r, d in zip(repeats, dims)])


# ---- sequences ----------------------------------------------------------------------------


@converter("Range")
def range_(node: Node) -> Value:
    node.ignore("stash_type")  # the precision of start + i * delta; computed in the dtype
    elem = elem_of_relax(node.dtype(0))
    values = []
    for i, what in ((0, "start"), (1, "limit"), (2, "delta")):
        k = node.known(i)
        if k is None:
            from xrelax.relax.frontend.onnx_dynamic import dynamic_range

            return dynamic_range(node)
        if k.data.size != 1:
            raise node.fail(f"{what} must be a scalar")
        values.append(k.items()[0])
    start, limit, delta = values
    if delta == 0:
        raise node.fail("delta must not be 0")
    if all(isinstance(v, (int, float)) for v in values):
        n = max(math.ceil((limit - start) / delta), 0)
        if n <= 1 << 16:
            dtype = numpy_dtype_of(elem)
            data = (np.asarray(start, dtype) + np.arange(n).astype(dtype) * np.asarray(delta, dtype)
                    ) if dtype.kind == "f" else np.arange(start, start + n * delta, delta)[:n]
            return Known(np.asarray(data, dtype=dtype), elem)
    if isinstance(delta, SymExpr):
        raise node.fail("a symbolic delta is not supported")
    if any(isinstance(v, float) for v in values):
        values = [float(v) for v in values]
    return node.op("arange", start=values[0], end=values[1], step=values[2],
                   dtype=relax_dtype(elem))


# ---- padding ------------------------------------------------------------------------------


@converter("Pad")
def pad(node: Node) -> Value:
    dims = node.shape(0)
    ndim = len(dims)
    if node.opset < 11:
        pads = node.attr("pads" if node.opset >= 2 else "paddings")
        value = node.attr("value", 0.0)
        axes = None
    else:
        mode = node.attr("mode", "constant")
        if any(dyn.is_runtime(node.input(i)) for i in (1, 2, 3)):
            return _dynamic_pad(node, mode)
        pads = node.ints(1, "pads")
        value = 0
        if node.present(2):
            v = node.require_known(2, "constant_value")
            if v.symbolic or v.data.size != 1:
                raise node.fail("constant_value must be a known scalar")
            value = v.data.reshape(()).item()
        axes = node.ints(3, "axes") if node.present(3) else None
    mode = node.attr("mode", "constant")
    axes = list(range(ndim)) if axes is None else [norm_axis(node, a, ndim) for a in axes]
    if len(pads) != 2 * len(axes) or any(not isinstance(p, int) for p in pads):
        raise node.fail(f"pads must be {2 * len(axes)} integers, got {pads}")
    before, after = [0] * ndim, [0] * ndim
    for k, a in enumerate(axes):
        before[a], after[a] = pads[k], pads[k + len(axes)]
    x = node.tensor(0)
    # negative pads crop
    if any(p < 0 for p in before + after):
        crop = [a for a in range(ndim) if before[a] < 0 or after[a] < 0]
        x = node.op("strided_slice", x, axes=crop,
                    begin=_sym([max(-before[a], 0) for a in crop]),
                    end=_sym([(dims[a] - max(-after[a], 0)) for a in crop]))
        before, after = [max(p, 0) for p in before], [max(p, 0) for p in after]
    if not any(before + after):
        return x
    if mode == "constant":
        from xrelax.tir.compute_expr import is_float

        fill = float(value) if is_float(node.dtype(0)) else int(value)
        return node.op("pad", x, pad_width=[[b, a] for b, a in zip(before, after)],
                       pad_value=fill)
    if mode not in ("reflect", "edge", "wrap"):
        raise node.fail(f"mode '{mode}' is not supported")
    for a in range(ndim):
        if not (before[a] or after[a]):
            continue
        d = x.type.dims[a].value if x.type.dims[a].is_const() else None
        if d is None:
            raise node.fail(f"mode '{mode}' needs static dims (dim {a} is {x.type.dims[a]})")
        pos = np.arange(-before[a], d + after[a])
        if mode == "edge":
            src = np.clip(pos, 0, d - 1)
        elif mode == "wrap":
            src = pos % d
        else:
            if d == 1:
                src = np.zeros_like(pos)
            else:
                period = 2 * (d - 1)
                m = np.abs(pos) % period
                src = np.where(m >= d, period - m, m)
        x = node.op("take", x, Known(src.astype(np.int64), INT64), axis=a)
    return x


PAD_MODES = ("constant", "reflect", "edge", "wrap")


def _dynamic_pad(node: Node, mode: str) -> Value:
    """Pad with run-time pads, axes or value: each dim gathered at positions
    computed when the function runs (a -1 position takes the value)."""
    if mode not in PAD_MODES:
        raise node.fail(f"mode '{mode}' is not supported")
    rank = node.rank(0)
    axes = node.input(3) if node.present(3) else Known(np.arange(rank, dtype=np.int64), INT64)
    fill = None
    if mode == "constant":
        fill = node.op("reshape", node.tensor(2), shape=[]) if node.present(2) else \
            Known(np.zeros((), numpy_dtype_of(elem_of_relax(node.dtype(0))) or np.float32),
                  elem_of_relax(node.dtype(0)))
    return dyn.gather_along(node, node.tensor(0), "pad_source", [node.input(1), axes],
                            (PAD_MODES.index(mode),), fill)


@converter("CenterCropPad")
def center_crop_pad(node: Node) -> Value:
    rank = node.rank(0)
    axes = node.attr("axes", list(range(rank)))
    zero = Known(np.zeros((), numpy_dtype_of(elem_of_relax(node.dtype(0))) or np.float32),
                 elem_of_relax(node.dtype(0)))
    return dyn.gather_along(node, node.tensor(0), "center_source",
                            [node.input(1), Known(np.array(axes, np.int64), INT64)], (), zero)


# ---- rearranging blocks -------------------------------------------------------------------


@converter("DepthToSpace")
def depth_to_space(node: Node) -> Value:
    n, c, h, w = node.shape(0)
    b = node.attr("blocksize")
    mode = node.attr("mode", "DCR")
    x = node.tensor(0)
    if mode == "DCR":
        y = node.op("reshape", x, shape=[n, b, b, c // b // b, h, w])
        y = node.op("permute_dims", y, axes=[0, 3, 4, 1, 5, 2])
    elif mode == "CRD":
        y = node.op("reshape", x, shape=[n, c // b // b, b, b, h, w])
        y = node.op("permute_dims", y, axes=[0, 1, 4, 2, 5, 3])
    else:
        raise node.fail(f"mode '{mode}' is not supported")
    return node.op("reshape", y, shape=[n, c // b // b, h * b, w * b])


@converter("SpaceToDepth")
def space_to_depth(node: Node) -> Value:
    n, c, h, w = node.shape(0)
    b = node.attr("blocksize")
    mode = node.attr("mode", "DCR")
    y = node.op("reshape", node.tensor(0), shape=[n, c, h // b, b, w // b, b])
    if mode == "DCR":
        y = node.op("permute_dims", y, axes=[0, 3, 5, 1, 2, 4])
    elif mode == "CRD":
        y = node.op("permute_dims", y, axes=[0, 1, 3, 5, 2, 4])
    else:
        raise node.fail(f"mode '{mode}' is not supported")
    return node.op("reshape", y, shape=[n, c * b * b, h // b, w // b])


# ---- masks: EyeLike, Trilu, OneHot ----------------------------------------------------------


def _index_grid(node: Node, rows: Any, cols: Any) -> Any:
    """col - row as an i64 [rows, cols] tensor."""
    r = node.op("expand_dims", node.op("arange", end=rows), axis=[1])
    c = node.op("expand_dims", node.op("arange", end=cols), axis=[0])
    return node.op("subtract", c, r)


def _i64(value: int) -> Known:
    return Known(np.array(value, dtype=np.int64), INT64)


@converter("EyeLike")
def eye_like(node: Node) -> Value:
    rows, cols = node.shape(0)
    k = node.attr("k", 0)
    elem = node.attr("dtype", elem_of_relax(node.dtype(0)))
    dtype = relax_dtype(elem)
    if dtype is None:
        raise node.fail(f"dtype {elem} is not supported")
    if isinstance(rows, int) and isinstance(cols, int):
        return Known(np.eye(rows, cols, k, dtype=numpy_dtype_of(elem) or np.float32), elem)
    mask = node.op("equal", _index_grid(node, rows, cols), _i64(k))
    return node.op("cast", mask, dtype=dtype)


@converter("Trilu")
def trilu(node: Node) -> Value:
    dims = node.shape(0)
    if len(dims) < 2:
        raise node.fail("the input must have rank >= 2")
    k: Any = _i64(0)
    if node.present(1):
        k = node.op("reshape", node.op("cast", node.tensor(1), dtype="i64"), shape=[])
    upper = node.attr("upper", 1)
    grid = _index_grid(node, dims[-2], dims[-1])
    keep = node.op("greater_equal" if upper else "less_equal", grid, k)
    zero = Known(np.zeros((), numpy_dtype_of(elem_of_relax(node.dtype(0))) or np.float32),
                 elem_of_relax(node.dtype(0)))
    return node.op("where", keep, node.tensor(0), zero)


@converter("OneHot")
def one_hot(node: Node) -> Value:
    if dyn.is_runtime(node.input(1)):
        (depth,) = dyn.dynamic_values(node, 1, "depth")
    else:
        depth = node.require_known(1, "depth").items()[0]
        depth = int(depth) if isinstance(depth, float) else depth
    dims = node.shape(0)
    axis = norm_axis(node, node.attr("axis", -1), len(dims) + 1)
    idx = node.tensor(0)
    from xrelax.tir.compute_expr import is_float

    if is_float(node.dtype(0)):
        idx = node.op("floor", idx)
    idx = node.op("cast", idx, dtype="i64")
    idx = node.op("where", node.op("less", idx, _i64(0)),
                  node.op("add", idx, Known(sym_array([depth], ()), INT64)), idx)
    positions = node.op("arange", end=depth)
    shape = [1] * (len(dims) + 1)
    shape[axis] = depth
    positions = node.op("reshape", positions, shape=shape)
    hit = node.op("equal", node.op("expand_dims", idx, axis=[axis]), positions)
    values = node.tensor(2)
    off = node.op("reshape", node.op("strided_slice", values, axes=[0], begin=_sym([0]),
                                     end=_sym([1])), shape=[])
    on = node.op("reshape", node.op("strided_slice", values, axes=[0], begin=_sym([1]),
                                    end=_sym([2])), shape=[])
    return node.op("where", hit, on, off)
