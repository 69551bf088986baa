"""Shapes that come from tensor data when the model runs.

Reshape's `shape`, Slice's `starts`/`ends`, Tile's `repeats`, Expand's and
ConstantOfShape's `shape`, Split's `split`, TopK's `k`, OneHot's `depth` and
Range's bounds may be run-time tensors, and NonZero's length depends on data. Their values then become fresh
symbolic variables, bound where the function runs:

    %v = relax.call_packed "xrelax.onnx.reshape"(%shape, %x, %k) : !relax.prim<i64>
    %d = relax.match_cast %v : !relax.prim<i64, reshaped_0>

so the result types are symbolic (`[reshaped_0, reshaped_1]`) and one compiled
function serves every value. Each packed function (registered with the runtime
on first use) computes one value of the ONNX rule (a -1 or 0 in a reshape, a
negative or clamped slice bound, a broadcast dim), from the tensor's data and
the dims of the operand it applies to. These calls leave the dataflow blocks
(they are not pure relax ops), so such models fuse less.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax import ops as rx
from xrelax.relax.frontend.onnx_registry import Node
from xrelax.relax.frontend.onnx_values import Known, Value
from xrelax.relax.types import PrimType, TensorType
from xrelax.tir.symbolic import SymExpr, prove_equal

PREFIX = "xrelax.onnx."


def _ints(a: np.ndarray) -> list[int]:
    return [int(v) for v in np.asarray(a).reshape(-1)]


def _reshape(shape: np.ndarray, data: np.ndarray, k: int, allowzero: int) -> int:
    dims = _ints(shape)
    out = [data.shape[j] if d == 0 and not allowzero else d for j, d in enumerate(dims)]
    if out.count(-1) > 1:
        raise ValueError(f"Reshape: more than one -1 in the shape {dims}")
    if -1 in out:
        known = math.prod(d for d in out if d != -1)
        if known == 0 or data.size % known:
            raise ValueError(f"Reshape: cannot reshape {data.shape} into {dims}")
        out[out.index(-1)] = data.size // known
    if math.prod(out) != data.size or any(d < 0 for d in out):
        raise ValueError(f"Reshape: cannot reshape {data.shape} into {dims}")
    return out[k]


def _slice(starts: np.ndarray, ends: np.ndarray, data: np.ndarray, k: int, axis: int,
           step: int, what: int) -> int:
    """what = 0: the first position of slice k, 1: its length (ONNX clamping)."""
    d = data.shape[axis]
    r = range(d)[slice(_ints(starts)[k], _ints(ends)[k], step)]
    return (r.start if len(r) else 0) if what == 0 else len(r)


def _expand(shape: np.ndarray, data: np.ndarray, k: int) -> int:
    target = _ints(shape)
    n = max(len(target), data.ndim)
    t = ([1] * (n - len(target)) + target)[k]
    d = ([1] * (n - data.ndim) + list(data.shape))[k]
    if t != d and 1 not in (t, d):
        raise ValueError(f"Expand: cannot broadcast {data.shape} to {target}")
    return max(t, d) if 0 not in (t, d) else 0


def _value(values: np.ndarray, data: np.ndarray, k: int) -> int:
    v = _ints(values)[k]
    if v < 0:
        raise ValueError(f"a shape value is negative: {v}")
    return v


def _range(start: np.ndarray, limit: np.ndarray, delta: np.ndarray, data: np.ndarray,
           k: int) -> int:
    s, e, d = (np.asarray(v).reshape(()).item() for v in (start, limit, delta))
    if d == 0:
        raise ValueError("Range: delta is 0")
    return max(math.ceil((e - s) / d), 0)


def _slice_positions(starts: np.ndarray, ends: np.ndarray, axes: np.ndarray, steps: np.ndarray,
                     data: np.ndarray, j: int, what: int, out: np.ndarray | None = None) -> Any:
    """Along dim j: the number of positions the slice keeps (what = 1), or (as a
    destination-passing call, what = 2) the positions themselves."""
    d = data.shape[j]
    picked = range(d)
    for s, e, a, st in zip(_ints(starts), _ints(ends), _ints(axes), _ints(steps)):
        if a % data.ndim == j:
            if st == 0:
                raise ValueError("Slice: a step is 0")
            picked = range(d)[slice(s, e, st)]
    if out is None:
        return len(picked)
    out[...] = np.asarray(list(picked), dtype=np.int64)
    return None


def _count_nonzero(x: np.ndarray, ref: np.ndarray, k: int) -> int:
    return int(np.count_nonzero(x))


def _resize(scales: np.ndarray, data: np.ndarray, k: int) -> int:
    return int(math.floor(data.shape[k] * float(np.asarray(scales).reshape(-1)[k])))


POLICIES = ("stretch", "not_larger", "not_smaller")


def _resize_scales(sizes: np.ndarray, axes: np.ndarray, data: np.ndarray, policy: int,
                   out: np.ndarray | None = None) -> Any:
    """The scale of every dim for Resize's `sizes` on `axes` (keep_aspect_ratio_policy)."""
    given, axes_ = [int(v) for v in np.asarray(sizes).reshape(-1)], _ints(axes)
    scales = [1.0] * data.ndim
    ratios = [g / data.shape[a] for g, a in zip(given, axes_)]
    for g, a, r in zip(given, axes_, ratios):
        scales[a] = r if policy == 0 else (min(ratios) if policy == 1 else max(ratios))
    if out is not None:
        out[...] = np.asarray(scales, np.float32)
    return scales


def _resize_size(sizes: np.ndarray, axes: np.ndarray, data: np.ndarray, k: int,
                 policy: int) -> int:
    """The output size of dim k for Resize's `sizes` on `axes`."""
    axes_ = _ints(axes)
    if k not in axes_:
        return data.shape[k]
    if policy == 0:
        return int(np.asarray(sizes).reshape(-1)[axes_.index(k)])
    scale = _resize_scales(sizes, axes, data, policy)[k]
    return int(math.floor(scale * data.shape[k] + 0.5))


def _axes_of(axes: np.ndarray, ndim: int) -> set[int]:
    out = set()
    for a in _ints(axes):
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for rank {ndim}")
        out.add(a % ndim)
    return out


def _axis_flag(axes: np.ndarray, data: np.ndarray, a: int) -> int:
    """1 if axis a is one of `axes`, else 0."""
    return int(a in _axes_of(axes, data.ndim))


def _kept_dim(axes: np.ndarray, data: np.ndarray, j: int) -> int:
    """The j-th dim of data that is not one of `axes`."""
    gone = _axes_of(axes, data.ndim)
    return [d for a, d in enumerate(data.shape) if a not in gone][j]


def _unsqueezed_dim(axes: np.ndarray, data: np.ndarray, j: int) -> int:
    """Dim j of data with size-1 dims inserted at `axes` (of the result)."""
    new = _axes_of(axes, data.ndim + len(_ints(axes)))
    rest = iter(data.shape)
    return [1 if k in new else next(rest) for k in range(data.ndim + len(new))][j]


def _pad_source(pads: np.ndarray, axes: np.ndarray, data: np.ndarray, a: int, mode: int
                ) -> list[int]:
    """Along dim a, the source position of each output position of Pad (-1: the
    constant); mode 0 constant, 1 reflect, 2 edge, 3 wrap."""
    p, ax = _ints(pads), [x % data.ndim for x in _ints(axes)]
    before = after = 0
    if a in ax:
        k = ax.index(a)
        before, after = p[k], p[k + len(ax)]
    d = data.shape[a]
    out = []
    for pos in range(-before, d + after):
        if 0 <= pos < d or mode == 0:
            out.append(pos if 0 <= pos < d else -1)
        elif d == 0:
            raise ValueError("Pad: cannot reflect, repeat or wrap an empty dim")
        elif mode == 2:
            out.append(min(max(pos, 0), d - 1))
        elif mode == 3:
            out.append(pos % d)
        else:
            period = 2 * (d - 1) if d > 1 else 1
            m = abs(pos) % period
            out.append(period - m if m >= d else m)
    return out


def _center_source(shape: np.ndarray, axes: np.ndarray, data: np.ndarray, a: int) -> list[int]:
    """Along dim a, the source position of each output position of CenterCropPad (-1: 0)."""
    ax = [x % data.ndim for x in _ints(axes)]
    d = data.shape[a]
    if a not in ax:
        return list(range(d))
    t = _ints(shape)[ax.index(a)]
    start = (d - t) // 2 if t < d else -((t - d) // 2)
    return [p if 0 <= p < d else -1 for p in range(start, start + t)]


def _length_of(rule: Callable[..., list[int]]) -> Callable[..., int]:
    return lambda *args: len(rule(*args))


def _positions_of(rule: Callable[..., list[int]]) -> Callable[..., None]:
    """The positions, written destination-passing into the last argument."""
    def fn(*args: Any) -> None:
        *inputs, out = args
        out[...] = np.asarray(rule(*inputs), np.int64)
    return fn


POSITIONS = {"pad_source": _pad_source, "center_source": _center_source}
RULES: dict[str, Callable[..., Any]] = {
    **{f"{k}.len": _length_of(v) for k, v in POSITIONS.items()},
    **{f"{k}.at": _positions_of(v) for k, v in POSITIONS.items()},
    "axis_flag": _axis_flag, "kept_dim": _kept_dim, "unsqueezed_dim": _unsqueezed_dim,
    "resize": _resize, "resize_size": _resize_size, "resize_scales": _resize_scales,
    "slice_positions": _slice_positions,
    "reshape": _reshape, "slice": _slice, "expand": _expand, "value": _value, "range": _range,
    "count_nonzero": _count_nonzero,
}
_registered = False


def _register() -> None:
    # The functions run inside the compiled code, through the runtime's
    # packed-call registry: the one import of the lowering layer here.
    global _registered
    if _registered:
        return
    from xrelax.lowering.packed_calls import register_packed

    for name, rule in RULES.items():
        register_packed(PREFIX + name, rule)
    _registered = True


def add_rule(name: str, fn: Callable[..., Any]) -> None:
    """A rule of another converter module (registered with the others)."""
    RULES[name] = fn
    if _registered:
        from xrelax.lowering.packed_calls import register_packed

        register_packed(PREFIX + name, fn)


def runtime_values(node: Node, rule: str, tensors: list[Value], ref: Value, count: int,
                   base: str, params: tuple[int, ...] = ()) -> list[SymExpr]:
    """`count` fresh variables bound at run time to rule(tensors..., ref, k, *params)."""
    _register()
    graph = node.graph
    args = [graph.materialize(t) for t in tensors] + [graph.materialize(ref)]
    out = []
    for k in range(count):
        prims = [graph.emit(rx.PrimValueOp(v, "i64"), node) for v in (k, *params)]
        call = rx.CallPackedOp(PREFIX + rule, args + prims, [PrimType("i64")])
        value = graph.emit(call, node)
        var = graph.model.fresh_var(f"{base}_{k}")
        graph.emit(rx.MatchCastOp(value, PrimType("i64", var)), node)
        out.append(var)
    return out


def _base(node: Node) -> str:
    return node.proto.output[0] if node.proto.output and node.proto.output[0] else node.op_type


def _length(node: Node, i: int, what: str) -> int:
    dims = node.shape(i)
    if len(dims) != 1 or not isinstance(dims[0], int):
        raise node.fail(f"the run-time input {what} must be 1-D of static length")
    return dims[0]


def dynamic_reshape(node: Node, allowzero: int) -> Value:
    dims = runtime_values(node, "reshape", [node.input(1)], node.input(0),
                          _length(node, 1, "shape"), _base(node), (allowzero,))
    return node.op("reshape", node.tensor(0), shape=dims)


def dynamic_values(node: Node, i: int, what: str) -> list[SymExpr]:
    """The non-negative integers of input i (1-D or a scalar), bound at run time."""
    count = 1 if not node.shape(i) else _length(node, i, what)
    return runtime_values(node, "value", [node.input(i)], node.input(0), count, _base(node))


def dynamic_expand(node: Node) -> Value:
    dims = node.shape(0)
    n = max(_length(node, 1, "shape"), len(dims))
    vars_ = runtime_values(node, "expand", [node.input(1)], node.input(0), n, _base(node))
    aligned = [None] * (n - len(dims)) + list(dims)
    target = [d if d is not None and not (isinstance(d, int) and d == 1) else v
              for d, v in zip(aligned, vars_)]
    return node.op("broadcast_to", node.tensor(0), shape=target)


def dynamic_slice(node: Node, axes: list[int], steps: list[int]) -> Value:
    """Slice with run-time starts / ends (axes and steps known)."""
    x = node.tensor(0)
    base = _base(node)
    for k, (axis, step) in enumerate(zip(axes, steps)):
        tensors = [node.input(1), node.input(2)]
        begin = _slice_value(node, tensors, k, axis, step, 0, f"{base}_begin")
        length = _slice_value(node, tensors, k, axis, step, 1, f"{base}_len")
        if step > 0:
            x = node.op("strided_slice", x, axes=[axis], begin=_exprs([begin]),
                        end=_exprs([begin + length * step]), strides=[step])
        else:  # a reversed walk: gather the positions begin, begin + step, ...
            positions = node.op("arange", start=begin, end=begin + length * step, step=step)
            x = node.op("take", x, positions, axis=axis)
    return x


def dynamic_slice_all(node: Node) -> Value:
    """Slice with run-time axes or steps: along every dim, the kept positions
    are computed at run time and gathered."""
    dims = node.shape(0)
    count = node.shape(1)[0]
    if not isinstance(count, int):
        raise node.fail("the run-time starts must be 1-D of static length")
    graph = node.graph
    _register()
    defaults = {3: np.arange(count, dtype=np.int64), 4: np.ones(count, dtype=np.int64)}
    tensors = [node.input(i) if node.present(i) else Known(defaults[i], 7) for i in (1, 2, 3, 4)]
    args = [graph.materialize(t) for t in tensors] + [graph.materialize(node.input(0))]
    x = node.tensor(0)
    for j in range(len(dims)):
        prims = [graph.emit(rx.PrimValueOp(v, "i64"), node) for v in (j, 1)]
        value = graph.emit(rx.CallPackedOp(PREFIX + "slice_positions", args + prims,
                                           [PrimType("i64")]), node)
        var = graph.model.fresh_var(f"{_base(node)}_len{j}")
        graph.emit(rx.MatchCastOp(value, PrimType("i64", var)), node)
        prims = [graph.emit(rx.PrimValueOp(v, "i64"), node) for v in (j, 2)]
        positions = graph.emit(rx.CallDPSPackedOp(PREFIX + "slice_positions", args + prims,
                                                  [TensorType([var], "i64")]), node)
        x = node.op("take", x, positions, axis=j)
    return x


def _slice_value(node: Node, tensors: list[Value | None], k: int, axis: int, step: int,
                 what: int, base: str) -> SymExpr:
    graph = node.graph
    _register()
    args = [graph.materialize(t) for t in tensors if t is not None]
    args.append(graph.materialize(node.input(0)))
    prims = [graph.emit(rx.PrimValueOp(v, "i64"), node) for v in (k, axis, step, what)]
    value = graph.emit(rx.CallPackedOp(PREFIX + "slice", args + prims, [PrimType("i64")]), node)
    var = graph.model.fresh_var(f"{base}{k}")
    graph.emit(rx.MatchCastOp(value, PrimType("i64", var)), node)
    return var


def _exprs(values: list[Any]) -> Any:
    from xrelax.relax.ops_manip import sym_array

    return sym_array(values)


def dynamic_range(node: Node) -> Value:
    """Range with run-time bounds: the length is bound at run time, the values
    computed as start + i * delta."""
    from xrelax.tir.types import dtype_name

    (length,) = runtime_values(node, "range", [node.input(0), node.input(1), node.input(2)],
                               node.input(0), 1, _base(node))
    dtype = dtype_name(node.dtype(0))
    steps = node.op("cast", node.op("arange", end=length), dtype=dtype)
    start = node.op("reshape", node.tensor(0), shape=[])
    delta = node.op("reshape", node.tensor(2), shape=[])
    return node.op("add", start, node.op("multiply", steps, delta))


def flag_tensor(node: Node, flag: SymExpr) -> Value:
    """A bool scalar that holds when the run-time 0/1 variable `flag` is 1."""
    t = node.op("symbolic_tensor", values=[flag], shape=[])
    return node.op("not_equal", t, Known(np.array(0, np.int64), 7))


def gather_along(node: Node, x: SSAValue, rule: str, tensors: list[Value], params: tuple[int, ...],
                 fill: Any) -> SSAValue:
    """x gathered along every dim at the positions `rule` computes at run time
    (-1: `fill`, a Known scalar, or None when the rule gives none)."""
    graph = node.graph
    _register()
    args = [graph.materialize(t) for t in tensors] + [x]
    dims = list(x.type.dims)  # type: ignore[union-attr]
    y, mask = x, None
    for a in range(len(dims)):
        prims = [graph.emit(rx.PrimValueOp(v, "i64"), node) for v in (a, *params)]
        value = graph.emit(rx.CallPackedOp(PREFIX + rule + ".len", args + prims,
                                           [PrimType("i64")]), node)
        var = graph.model.fresh_var(f"{_base(node)}_dim{a}")
        graph.emit(rx.MatchCastOp(value, PrimType("i64", var)), node)
        pos = graph.emit(rx.CallDPSPackedOp(PREFIX + rule + ".at", args + prims,
                                            [TensorType([var], "i64")]), node)
        zero = Known(np.array(0, np.int64), 7)
        y = node.op("take", y, node.op("maximum", pos, zero), axis=a)
        if fill is not None:
            shape = [1] * len(dims)
            shape[a] = var
            valid = node.op("reshape", node.op("greater_equal", pos, zero), shape=shape)
            mask = valid if mask is None else node.op("logical_and", mask, valid)
    if mask is not None:
        y = node.op("where", mask, y, fill)
    return y


def equal_dims(node: Node, values: list[SSAValue], axis: int | None = None) -> list[SSAValue]:
    """The operands of a broadcasting op (`axis` None), or of a concatenation
    along `axis`, where dims that line up are not provably equal (symbolic:
    bound at run time by two different shape computations, say) matched at run
    time to be equal (`relax.match_cast`): ONNX allows only equal dims there
    (or 1, when broadcasting; a run-time 1 is then a clear error, not a wrong
    broadcast)."""
    types = [v.type for v in values]
    if not all(isinstance(t, TensorType) and t.dims is not None for t in types):
        return values
    rank = max(len(t.dims) for t in types)  # type: ignore[union-attr, arg-type]
    dims = [[None] * (rank - len(t.dims)) + list(t.dims) for t in types]  # type: ignore[union-attr]

    def free(d: Any) -> bool:  # a dim that takes no part in the check
        return d is None or (axis is None and d.is_const() and d.value == 1)

    for j in range(rank):
        column = [row[j] for row in dims if not free(row[j])]
        if j == axis or not column:
            continue
        target = next((d for d in column if d.is_const()), column[0])  # a constant if any
        for row in dims:
            d = row[j]
            if free(d) or prove_equal(d, target):
                continue
            if d.is_const():
                return values  # two different constants: the op reports it
            row[j] = target
    out = []
    for v, t, row in zip(values, types, dims):
        new = row[rank - len(t.dims):]  # type: ignore[union-attr]
        if any(a is not b for a, b in zip(new, t.dims)):  # type: ignore[union-attr]
            v = node.emit(rx.MatchCastOp(v, TensorType(new, t.dtype)))  # type: ignore[union-attr]
        out.append(v)
    return out


def is_runtime(v: Value | None) -> bool:
    return isinstance(v, SSAValue) or (v is not None and not isinstance(v, Known))
