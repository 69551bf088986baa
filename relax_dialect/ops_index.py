"""Tensor ops that select or join parts along axes: concat, split,
strided_slice, take. numpy semantics unless a docstring says otherwise.

Symbolic sizes are trusted where they cannot be checked at compile time (a
`split` index or a `strided_slice` bound beyond a symbolic dim): the kernels
clamp their reads into the operand, so a violated assumption gives wrong
values, never a read outside memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    var_operand_def,
)

from xrelax.relax.op_base import (
    TensorOp,
    TypeInferenceError,
    known_shape,
    normalize_axis,
    tensor_operand,
)
from xrelax.relax.ops_manip import (
    clamp_index,
    required,
    result_dims,
    sym_list,
    unravel,
)
from xrelax.relax.ops_reduce import int_list, normalize_axes, product
from xrelax.relax.types import TensorType, TupleType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_int
from xrelax.tir.symbolic import SymExpr, floordiv, floormod, prove_different, prove_equal

# an `end` of strided_slice at least this large means "to the end of the axis"
SLICE_TO_END = 2 ** 31 - 1


# ---- property and index helpers -----------------------------------------------------------


def one_int(value: Any, op_name: str, prop: str) -> int:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeInferenceError(f"{op_name}: '{prop}' must be one integer, got {value!r}")
    return value


def inside(start: SymExpr, length: SymExpr, step: int, dim: SymExpr) -> bool:
    """Whether start + i * step (0 <= i < length, step > 0) provably stays in [0, dim)."""
    last = start + (length - 1) * step
    return start.bounds()[0] >= 0 and (dim - 1 - last).bounds()[0] >= 0


# ---- concat, split --------------------------------------------------------------------------


@irdl_op_definition
class ConcatOp(TensorOp):
    """numpy.concatenate of the operands along `axis` (default 0): same rank and
    dtype, the other dims provably equal; the axis sizes add up."""

    name = "relax.concat"
    tensors = var_operand_def(TensorType)
    axis = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": 0}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        if not types:
            raise TypeInferenceError(f"{cls.name}: needs at least one tensor")
        ts = [tensor_operand(t, cls.name, f"operand #{k}") for k, t in enumerate(types)]
        axis = one_int(props["axis"], cls.name, "axis")
        for k, t in enumerate(ts[1:], 1):
            if t.dtype != ts[0].dtype:
                raise TypeInferenceError(f"{cls.name}: operand #{k} has dtype {t.dtype}, "
                                         f"operand #0 has {ts[0].dtype}")
        ranks = {t.ndim for t in ts} - {None}
        if len(ranks) > 1:
            raise TypeInferenceError(f"{cls.name}: the operands have different ranks "
                                     f"{', '.join(str(t.ndim) for t in ts)}")
        if not ranks:
            return TensorType(None, ts[0].dtype)
        (ndim,) = ranks
        if ndim == 0:
            raise TypeInferenceError(f"{cls.name}: cannot concatenate 0-d tensors")
        axis = normalize_axis(axis, ndim, cls.name)
        if any(t.dims is None for t in ts):
            return TensorType(None, ts[0].dtype, ndim=ndim)
        first = ts[0].dims
        assert first is not None
        for k, t in enumerate(ts[1:], 1):
            assert t.dims is not None
            for j, (a, b) in enumerate(zip(first, t.dims)):
                if j != axis and not prove_equal(a, b):
                    why = "differs from" if prove_different(a, b) else "is not provably equal to"
                    raise TypeInferenceError(
                        f"{cls.name}: dim {j} of operand #{k} ({b}) {why} that of operand #0 "
                        f"({a}) (use relax.match_cast to assert a shape)")
        dims = list(first)
        dims[axis] = sum((t.dims[axis] for t in ts), SymExpr.const(0))  # type: ignore[index]
        return TensorType(dims, ts[0].dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        axis = normalize_axis(one_int(self.prop("axis"), self.name, "axis"), inputs[0].ndim,
                              self.name)
        # the operands that can hold elements, with their first position on the axis
        parts, offset = [], SymExpr.const(0)
        for x in inputs:
            if x.shape[axis] != 0:
                parts.append((x, offset))
            offset = offset + x.shape[axis]

        def element(*i: Any) -> Any:
            def load(x: te.Tensor, start: SymExpr) -> Any:
                idx = list(i)
                idx[axis] = i[axis] if start == 0 else i[axis] - start
                return x[tuple(idx)]

            x, start = parts[-1]
            value = load(x, start)
            for (x, start), (_, end) in zip(reversed(parts[:-1]), reversed(parts[1:])):
                value = te.if_then_else(i[axis] < end, load(x, start), value)
            return value

        if not parts:
            return te.compute(result_dims(self), lambda *i: te.const(0, inputs[0].dtype),
                              name="T_concat")
        return te.compute(result_dims(self), element, name="T_concat")


@irdl_op_definition
class SplitOp(TensorOp):
    """numpy.split along `axis` (default 0) into a tuple of tensors.
    `indices_or_sections` is an int N (N equal parts: a static dim must be
    divisible by N; a symbolic dim d gives parts of d floordiv N) or a list of
    split positions (numpy's slice rules on a static dim; on a symbolic dim the
    positions must be non-negative and non-decreasing, and are trusted to be
    within the dim)."""

    name = "relax.split"
    x = operand_def(TensorType)
    indices_or_sections = prop_def(Attribute)
    axis = opt_prop_def(Attribute)
    result = result_def(TupleType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": 0}

    @classmethod
    def pieces(cls, dim: SymExpr, spec: Any) -> list[tuple[SymExpr, SymExpr]]:
        """(start, size) of each part."""
        if isinstance(spec, int) and not isinstance(spec, bool):
            if spec <= 0:
                raise TypeInferenceError(f"{cls.name}: the number of sections must be positive, "
                                         f"got {spec}")
            rest = floormod(dim, spec)
            if rest.is_const() and rest != 0:
                raise TypeInferenceError(f"{cls.name}: cannot split a dim of size {dim} into "
                                         f"{spec} equal sections")
            size = floordiv(dim, spec)
            return [(size * k, size) for k in range(spec)]
        indices = int_list(spec, cls.name, "indices_or_sections")
        bounds = [None, *indices, None]
        if dim.is_const():
            out = []
            for a, b in zip(bounds, bounds[1:]):
                r = range(dim.value or 0)[slice(a, b)]
                out.append((SymExpr.const(r.start), SymExpr.const(len(r))))
            return out
        if any(i < 0 for i in indices) or indices != sorted(indices):
            raise TypeInferenceError(f"{cls.name}: the split indices {indices} must be "
                                     f"non-negative and non-decreasing for the symbolic dim {dim}")
        starts = [SymExpr.const(0), *(SymExpr.const(i) for i in indices)]
        ends = [*starts[1:], dim]
        return [(a, b - a) for a, b in zip(starts, ends)]

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        spec = required(props, "indices_or_sections", cls.name)
        axis = one_int(props["axis"], cls.name, "axis")
        dims = known_shape(x, cls.name)
        axis = normalize_axis(axis, len(dims), cls.name)
        if not dims:
            raise TypeInferenceError(f"{cls.name}: cannot split a 0-d tensor")
        fields = []
        for _, size in cls.pieces(dims[axis], spec):
            piece = list(dims)
            piece[axis] = size
            fields.append(TensorType(piece, x.dtype))
        return TupleType(fields)

    def legalize(self, inputs: Sequence[te.Tensor]) -> list[te.Tensor]:
        (x,) = inputs
        axis = normalize_axis(one_int(self.prop("axis"), self.name, "axis"), x.ndim, self.name)
        t = self.result.type
        assert isinstance(t, TupleType)
        dim = x.shape[axis]

        def part(start: SymExpr, safe: bool) -> Any:
            def element(*i: Any) -> Any:
                idx = list(i)
                pos = i[axis] if start == 0 else i[axis] + start
                idx[axis] = pos if safe else clamp_index(pos, dim)
                return x[tuple(idx)]
            return element

        pieces = self.pieces(dim, self.prop("indices_or_sections"))
        return [te.compute(piece.dims, part(start, inside(start, size, 1, dim)),
                           name=f"T_split{k}")
                for k, ((start, size), piece) in enumerate(zip(pieces, t.types))]


# ---- strided_slice, take ----------------------------------------------------------------------


@irdl_op_definition
class StridedSliceOp(TensorOp):
    """x[begin:end:stride] on each axis in `axes` (the others are whole).
    Static dims follow Python slicing (negative positions, clamping, negative
    strides). A symbolic dim needs a positive stride; `begin`/`end` are ints
    or symbolic expressions, a negative int counts from the end, an `end` of
    at least 2**31 - 1 means the end of the axis, and the bounds are trusted to
    lie within the dim (reads are clamped into it)."""

    name = "relax.strided_slice"
    x = operand_def(TensorType)
    axes = prop_def(Attribute)
    begin = prop_def(Attribute)
    end = prop_def(Attribute)
    strides = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"strides": None}

    @classmethod
    def slices(cls, dims: Sequence[SymExpr],
               props: dict[str, Any]) -> dict[int, tuple[SymExpr, SymExpr, int, bool]]:
        """For each sliced axis: (start, length, stride, whether every read is
        provably inside the axis)."""
        axes = int_list(required(props, "axes", cls.name), cls.name, "axes")
        begin = sym_list(required(props, "begin", cls.name), cls.name, "begin")
        end = sym_list(required(props, "end", cls.name), cls.name, "end")
        strides = [1] * len(axes) if props["strides"] is None else int_list(
            props["strides"], cls.name, "strides")
        if not len(axes) == len(begin) == len(end) == len(strides):
            raise TypeInferenceError(f"{cls.name}: 'axes', 'begin', 'end' and 'strides' must have "
                                     "the same length")
        out = {}
        for a, b, e, s in zip(normalize_axes(axes, len(dims), cls.name), begin, end, strides):
            d = dims[a]
            if s == 0:
                raise TypeInferenceError(f"{cls.name}: the stride of axis {a} is 0")
            if d.is_const() and b.is_const() and e.is_const():
                r = range(d.value or 0)[slice(b.value, e.value, s)]
                out[a] = (SymExpr.const(r.start), SymExpr.const(len(r)), s, True)
                continue
            if s < 0:
                raise TypeInferenceError(f"{cls.name}: a negative stride on axis {a} needs a "
                                         "static dim and integer begin and end")
            start = d + b if b.is_const() and (b.value or 0) < 0 else b
            if e.is_const() and (e.value or 0) >= SLICE_TO_END:
                stop = d
            else:
                stop = d + e if e.is_const() and (e.value or 0) < 0 else e
            length = floordiv(stop - start + (s - 1), s)
            if length.bounds()[1] < 0:
                raise TypeInferenceError(f"{cls.name}: the slice of axis {a} has a negative "
                                         f"length {length}")
            out[a] = (start, length, s, inside(start, length, s, d))
        return out

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        dims = list(known_shape(x, cls.name))
        for a, (_, length, _, _) in cls.slices(dims, props).items():
            dims[a] = length
        return TensorType(dims, x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        slices = self.slices(x.shape, self.props())

        def element(*i: Any) -> Any:
            idx = list(i)
            for a, (start, _, s, safe) in slices.items():
                pos = i[a] if s == 1 else i[a] * s
                pos = pos if start == 0 else pos + start
                idx[a] = pos if safe else clamp_index(pos, x.shape[a])
            return x[tuple(idx)]

        return te.compute(result_dims(self), element, name="T_strided_slice")


@irdl_op_definition
class TakeOp(TensorOp):
    """numpy.take(x, indices, axis): the elements of x at the integer `indices`
    along `axis` (absent: of the flattened x). The result shape is
    x.shape[:axis] + indices.shape + x.shape[axis + 1:]. A negative index counts
    from the end; an index still out of range is clamped to the nearest valid
    one (numpy's mode='clip' beyond [-d, d))."""

    name = "relax.take"
    x = operand_def(TensorType)
    indices = operand_def(TensorType)
    axis = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": None}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        idx = tensor_operand(types[1], cls.name, "indices")
        if not is_int(idx.dtype):
            raise TypeInferenceError(f"{cls.name}: the indices must be integers, got "
                                     f"{idx.dtype}")
        if props["axis"] is None:
            return TensorType(idx.dims, x.dtype, ndim=idx.ndim)
        axis = one_int(props["axis"], cls.name, "axis")
        if x.ndim is None:
            return TensorType(None, x.dtype)
        axis = normalize_axis(axis, x.ndim, cls.name)
        if x.ndim == 0:
            raise TypeInferenceError(f"{cls.name}: cannot take along an axis of a 0-d tensor")
        if x.dims is None or idx.dims is None:
            return TensorType(None, x.dtype, ndim=None if idx.ndim is None else
                              x.ndim - 1 + idx.ndim)
        return TensorType([*x.dims[:axis], *idx.dims, *x.dims[axis + 1:]], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, indices = inputs
        axis = self.prop("axis")

        def position(v: Any, dim: SymExpr) -> Any:
            v = te.cast("index", v)
            return clamp_index(te.if_then_else(v < 0, v + dim, v), dim)

        def element(*i: Any) -> Any:
            if axis is None:
                pos = position(indices[i], product(x.shape))
                return x[tuple(unravel(pos, x.shape))]
            a = normalize_axis(one_int(axis, self.name, "axis"), x.ndim, self.name)
            pos = position(indices[i[a:a + indices.ndim]], x.shape[a])
            return x[(*i[:a], pos, *i[a + indices.ndim:])]

        return te.compute(result_dims(self), element, name="T_take")


INDEX_OPS: list[type[TensorOp]] = [ConcatOp, SplitOp, StridedSliceOp, TakeOp]
