"""Tensor manipulation: reshape, flatten, permute_dims, expand_dims, squeeze,
concat, split, strided_slice, take, pad, broadcast_to, and the creation ops
full, zeros, ones. numpy semantics unless a docstring says otherwise.

Properties that are shapes (`shape` of reshape, broadcast_to, full, zeros,
ones) are lists of symbolic expressions, stored as `#tir.expr<...>` attributes
(`Op.make` converts Python ints and `SymExpr`s; the text also accepts plain
integers):

    %y = relax.reshape %x {shape = [#tir.expr<n>, #tir.expr<-1>]} : !relax.tensor<[n, 12], f32>
    %z = relax.zeros {dtype = "f32", shape = [#tir.expr<n * 2>]} : !relax.tensor<[n * 2], f32>

Symbolic sizes are trusted where they cannot be checked at compile time (a
`split` index or a `strided_slice` bound beyond a symbolic dim, a reshape to a
size not provably equal): the kernels clamp their reads into the operand, so
a violated assumption gives wrong values, never a read outside memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.dialects.builtin import ArrayAttr, Signedness
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    result_def,
    var_operand_def,
)

from relax_dialect.op_base import (
    TensorOp,
    TypeInferenceError,
    known_shape,
    normalize_axis,
    tensor_operand,
)
from relax_dialect.ops_elementwise import broadcast_index
from relax_dialect.ops_reduce import int_list, normalize_axes, product
from relax_dialect.types import TensorType, TupleType
from tir_dialect import compute as te
from tir_dialect.compute_expr import is_bool, is_float, is_int
from tir_dialect.symbolic import SymExpr, floordiv, floormod, prove_different, prove_equal
from tir_dialect.types import SymExprAttr, to_dtype

# an `end` of strided_slice at least this large means "to the end of the axis"
SLICE_TO_END = 2 ** 31 - 1

# ---- property helpers ---------------------------------------------------------------------


def required(props: dict[str, Any], name: str, op_name: str) -> Any:
    if props.get(name) is None:
        raise TypeInferenceError(f"{op_name}: the property '{name}' is required")
    return props[name]


def sym_list(value: Any, op_name: str, prop: str) -> list[SymExpr]:
    """A list of symbolic expressions (ints or `#tir.expr`s)."""
    if not isinstance(value, list):
        raise TypeInferenceError(f"{op_name}: '{prop}' must be a list of integers or "
                                 f"symbolic expressions, got {value!r}")
    try:
        return [SymExpr.lift(v) for v in value]
    except TypeError:
        raise TypeInferenceError(f"{op_name}: '{prop}' must be a list of integers or symbolic "
                                 f"expressions, got {value!r}") from None


def shape_list(value: Any, op_name: str) -> list[SymExpr]:
    dims = sym_list(value, op_name, "shape")
    for d in dims:
        if d.bounds()[1] < 0:
            raise TypeInferenceError(f"{op_name}: the shape has a negative dim {d}")
    return dims


def sym_array(values: Sequence[Any]) -> ArrayAttr:
    return ArrayAttr([SymExprAttr(SymExpr.lift(v)) for v in values])


def dtype_prop(value: Any, op_name: str) -> Attribute:
    try:
        return to_dtype(value)
    except (ValueError, TypeError) as err:
        raise TypeInferenceError(f"{op_name}: 'dtype': {err}") from None


def one_int(value: Any, op_name: str, prop: str) -> int:
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeInferenceError(f"{op_name}: '{prop}' must be one integer, got {value!r}")
    return value


def scalar_of(value: Any, dtype: Attribute, op_name: str, prop: str) -> int | float | bool:
    """A Python number as a constant of `dtype` (a whole number in range for ints)."""
    if not isinstance(value, (int, float)):
        raise TypeInferenceError(f"{op_name}: '{prop}' must be a number, got {value!r}")
    if is_float(dtype):
        return float(value)
    if not float(value).is_integer():
        raise TypeInferenceError(f"{op_name}: '{prop}' {value!r} is not a whole number, as "
                                 f"the dtype {dtype} needs")
    if is_bool(dtype):
        if value not in (0, 1):
            raise TypeInferenceError(f"{op_name}: '{prop}' {value!r} is not a bool (0 or 1)")
        return bool(value)
    bits = dtype.width.data  # type: ignore[attr-defined]
    unsigned = dtype.signedness.data == Signedness.UNSIGNED  # type: ignore[attr-defined]
    lo = 0 if unsigned else -(2 ** (bits - 1))
    if not lo <= int(value) < lo + 2 ** bits:
        raise TypeInferenceError(f"{op_name}: '{prop}' {value!r} is out of range for {dtype}")
    return int(value)


class ShapePropOp(TensorOp):
    """An op with a `shape` property: `make` stores it as `#tir.expr`s."""

    @classmethod
    def make(cls, *operands: SSAValue, **props: Any):
        if isinstance(props.get("shape"), (list, tuple)):
            props["shape"] = sym_array(props["shape"])
        return super().make(*operands, **props)


# ---- index helpers for the kernels --------------------------------------------------------


def times(e: Any, d: SymExpr) -> Any:
    return e if d == 1 else e * d


def flat_index(idx: Sequence[Any], shape: Sequence[SymExpr]) -> Any:
    """The row-major position of `idx` in `shape`."""
    if not idx:
        return SymExpr.const(0)
    flat = idx[0]
    for i, d in zip(idx[1:], shape[1:]):
        flat = times(flat, d) + i
    return flat


def unravel(flat: Any, shape: Sequence[SymExpr]) -> list[Any]:
    """The index in `shape` of the row-major position `flat` (< its size)."""
    if isinstance(flat, SymExpr) and flat == 0:
        return [SymExpr.const(0)] * len(shape)
    idx: list[Any] = []
    for j, d in enumerate(shape):
        stride = product(shape[j + 1:])
        if d == 1:
            idx.append(SymExpr.const(0))
            continue
        e = flat if stride == 1 else flat // stride
        idx.append(e if j == 0 else e % d)
    return idx


def divide(total: SymExpr, known: SymExpr) -> SymExpr:
    """`total floordiv known`, exactly when `known` (a single term) divides
    every term of `total`: `(n * 12) / n` is 12, `(n * m * 4) / (m * 2)` is `n * 2`."""
    if len(known.terms) == 1 and known.terms[0][1] > 0:
        mono, coeff = known.terms[0]
        need = Counter(mono)
        quotient: dict[Any, int] = {}
        for term, c in total.terms:
            remaining, kept = Counter(need), []
            for atom in term:  # a sorted monomial stays sorted
                if remaining[atom]:
                    remaining[atom] -= 1
                else:
                    kept.append(atom)
            if c % coeff or any(remaining.values()):
                break
            quotient[tuple(kept)] = c // coeff
        else:
            return SymExpr(quotient)
    return floordiv(total, known)


def clamp_index(e: Any, dim: SymExpr) -> Any:
    """`e` clamped into [0, dim)."""
    return te.maximum(te.minimum(e, dim - 1), 0)


def inside(start: SymExpr, length: SymExpr, step: int, dim: SymExpr) -> bool:
    """Whether start + i * step (0 <= i < length, step > 0) provably stays in [0, dim)."""
    last = start + (length - 1) * step
    return start.bounds()[0] >= 0 and (dim - 1 - last).bounds()[0] >= 0


def reshape_compute(x: te.Tensor, shape: Sequence[SymExpr], name: str) -> te.Tensor:
    """x's elements in `shape`. Leading and trailing dims that the two shapes
    share are indexed directly; the rest goes through a row-major position."""
    if not prove_equal(product(x.shape), product(shape)):  # a size only trusted: stay inside x
        return te.compute(shape, lambda *i: x[tuple(unravel(
            clamp_index(flat_index(i, shape), product(x.shape)), x.shape))], name=name)
    lead = 0
    while lead < min(len(shape), x.ndim) and prove_equal(shape[lead], x.shape[lead]):
        lead += 1
    trail = 0
    while trail < min(len(shape), x.ndim) - lead and prove_equal(shape[-1 - trail],
                                                                x.shape[-1 - trail]):
        trail += 1

    def element(*i: Any) -> Any:
        mid_out, mid_in = slice(lead, len(shape) - trail), slice(lead, x.ndim - trail)
        mid = unravel(flat_index(i[mid_out], shape[mid_out]), x.shape[mid_in])
        return x[(*i[:lead], *mid, *i[len(shape) - trail:])]

    return te.compute(shape, element, name=name)


def result_dims(op: TensorOp) -> tuple[SymExpr, ...]:
    t = op.results[0].type
    assert isinstance(t, TensorType) and t.dims is not None
    return t.dims


# ---- reshape, flatten ----------------------------------------------------------------------


@irdl_op_definition
class ReshapeOp(ShapePropOp):
    """The elements of x in row-major order, in the shape `shape`. One dim may
    be -1: it is inferred as (size of x) floordiv (product of the other dims).
    The sizes must not be provably different."""

    name = "relax.reshape"
    x = operand_def(TensorType)
    shape = prop_def(Attribute)
    result = result_def(TensorType)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        dims = sym_list(required(props, "shape", cls.name), cls.name, "shape")
        holes = [k for k, d in enumerate(dims) if d == -1]
        if len(holes) > 1:
            raise TypeInferenceError(f"{cls.name}: at most one dim of the shape can be -1")
        for d in dims:
            if d != -1 and d.bounds()[1] < 0:
                raise TypeInferenceError(f"{cls.name}: the shape has a negative dim {d}")
        if x.dims is None:
            if holes:
                raise TypeInferenceError(f"{cls.name}: cannot infer the -1 dim of the shape: "
                                         f"the shape of the operand is unknown ({x})")
            return TensorType(dims, x.dtype)
        total = product(x.dims)
        known = product([d for d in dims if d != -1])
        if holes:
            if prove_equal(known, 0):
                raise TypeInferenceError(f"{cls.name}: cannot infer the -1 dim of a shape with "
                                         "zero size")
            rest = floormod(total, known)
            if rest.is_const() and rest != 0:
                raise TypeInferenceError(f"{cls.name}: cannot reshape {total} elements into "
                                         f"[{', '.join(map(str, dims))}]: not divisible by {known}")
            dims[holes[0]] = divide(total, known)
        elif prove_different(total, known):
            raise TypeInferenceError(f"{cls.name}: cannot reshape {total} elements into "
                                     f"[{', '.join(map(str, dims))}] ({known} elements)")
        return TensorType(dims, x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        return reshape_compute(inputs[0], result_dims(self), "T_reshape")


@irdl_op_definition
class FlattenOp(TensorOp):
    """x as a 1-D tensor: numpy's `x.reshape(-1)` (not TVM's [n, rest])."""

    name = "relax.flatten"
    x = operand_def(TensorType)
    result = result_def(TensorType)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        if x.dims is None:
            return TensorType(None, x.dtype, ndim=1)
        return TensorType([product(x.dims)], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        return reshape_compute(inputs[0], result_dims(self), "T_flatten")


# ---- permute_dims, expand_dims, squeeze -------------------------------------------------


@irdl_op_definition
class PermuteDimsOp(TensorOp):
    """numpy.transpose: result dim k is dim `axes[k]` of x (default: reversed)."""

    name = "relax.permute_dims"
    x = operand_def(TensorType)
    axes = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axes": None}

    @classmethod
    def permutation(cls, axes: Any, ndim: int) -> list[int]:
        if axes is None:
            return list(reversed(range(ndim)))
        perm = normalize_axes(int_list(axes, cls.name, "axes"), ndim, cls.name)
        if len(perm) != ndim:
            raise TypeInferenceError(f"{cls.name}: 'axes' has {len(perm)} entries for a tensor "
                                     f"of rank {ndim}")
        return perm

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        if x.ndim is None:
            if props["axes"] is None:
                return TensorType(None, x.dtype)
            axes = int_list(props["axes"], cls.name, "axes")
            return TensorType(None, x.dtype, ndim=len(cls.permutation(axes, len(axes))))
        perm = cls.permutation(props["axes"], x.ndim)
        if x.dims is None:
            return TensorType(None, x.dtype, ndim=x.ndim)
        return TensorType([x.dims[a] for a in perm], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        perm = self.permutation(self.prop("axes"), x.ndim)

        def element(*i: Any) -> Any:
            idx: list[Any] = [None] * x.ndim
            for k, a in enumerate(perm):
                idx[a] = i[k]
            return x[tuple(idx)]

        return te.compute(result_dims(self), element, name="T_permute_dims")


@irdl_op_definition
class ExpandDimsOp(TensorOp):
    """x with new size-1 dims inserted so that they sit at positions `axis` of
    the result (negative positions count from the end of the result)."""

    name = "relax.expand_dims"
    x = operand_def(TensorType)
    axis = prop_def(Attribute)
    result = result_def(TensorType)

    @classmethod
    def new_axes(cls, axis: Any, ndim: int) -> list[int]:
        axes = int_list(axis, cls.name, "axis")
        return normalize_axes(axes, ndim + len(axes), cls.name)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        axis = required(props, "axis", cls.name)
        if x.ndim is None:
            int_list(axis, cls.name, "axis")
            return TensorType(None, x.dtype)
        new = cls.new_axes(axis, x.ndim)
        out_ndim = x.ndim + len(new)
        if x.dims is None:
            return TensorType(None, x.dtype, ndim=out_ndim)
        old = iter(x.dims)
        return TensorType([SymExpr.const(1) if k in new else next(old) for k in range(out_ndim)],
                          x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        new = self.new_axes(self.prop("axis"), x.ndim)
        return te.compute(result_dims(self),
                          lambda *i: x[tuple(v for k, v in enumerate(i) if k not in new)],
                          name="T_expand_dims")


@irdl_op_definition
class SqueezeOp(TensorOp):
    """x without the size-1 dims `axis` (default: every dim that is the constant
    1). A dim listed in `axis` must not be provably different from 1."""

    name = "relax.squeeze"
    x = operand_def(TensorType)
    axis = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": None}

    @classmethod
    def squeezed(cls, axis: Any, x: TensorType) -> list[int]:
        assert x.ndim is not None
        if axis is None:
            dims = known_shape(x, cls.name)
            return [k for k, d in enumerate(dims) if d == 1]
        axes = normalize_axes(int_list(axis, cls.name, "axis"), x.ndim, cls.name)
        for a in axes:
            if x.dims is not None and prove_different(x.dims[a], 1):
                raise TypeInferenceError(f"{cls.name}: cannot squeeze axis {a} of size "
                                         f"{x.dims[a]} (it is not 1)")
        return axes

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        if x.ndim is None:
            raise TypeInferenceError(f"{cls.name}: the rank of the operand must be known "
                                     f"(got {x}; use relax.match_cast)")
        gone = cls.squeezed(props["axis"], x)
        if x.dims is None:
            return TensorType(None, x.dtype, ndim=x.ndim - len(gone))
        return TensorType([d for k, d in enumerate(x.dims) if k not in gone], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        t = self.x.type
        assert isinstance(t, TensorType)
        gone = self.squeezed(self.prop("axis"), t)

        def element(*i: Any) -> Any:
            rest = iter(i)
            return x[tuple(SymExpr.const(0) if k in gone else next(rest) for k in range(x.ndim))]

        return te.compute(result_dims(self), element, name="T_squeeze")


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


# ---- pad, broadcast_to ----------------------------------------------------------------------


@irdl_op_definition
class PadOp(TensorOp):
    """numpy.pad(x, pad_width, constant_values=pad_value): `pad_width` is one
    [before, after] pair of non-negative ints per dim."""

    name = "relax.pad"
    x = operand_def(TensorType)
    pad_width = prop_def(Attribute)
    pad_value = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"pad_value": 0.0}

    @classmethod
    def widths(cls, value: Any, ndim: int) -> list[tuple[int, int]]:
        if not isinstance(value, list) or len(value) != ndim:
            raise TypeInferenceError(f"{cls.name}: 'pad_width' must have one [before, after] "
                                     f"pair per dim ({ndim}), got {value!r}")
        pairs = []
        for pair in value:
            ok = isinstance(pair, list) and len(pair) == 2 and all(
                isinstance(w, int) and not isinstance(w, bool) and w >= 0 for w in pair)
            if not ok:
                raise TypeInferenceError(f"{cls.name}: each entry of 'pad_width' must be a "
                                         f"[before, after] pair of non-negative ints, got {pair!r}")
            pairs.append((pair[0], pair[1]))
        return pairs

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        dims = known_shape(x, cls.name)
        widths = cls.widths(required(props, "pad_width", cls.name), len(dims))
        scalar_of(props["pad_value"], x.dtype, cls.name, "pad_value")
        return TensorType([d + b + a for d, (b, a) in zip(dims, widths)], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        widths = self.widths(self.prop("pad_width"), x.ndim)
        value = te.const(scalar_of(self.prop("pad_value"), x.dtype, self.name, "pad_value"),
                         x.dtype)

        def element(*i: Any) -> Any:
            inside = None
            for k, (before, after) in enumerate(widths):
                if before:
                    inside = _and(inside, i[k] >= before)
                if after:
                    inside = _and(inside, i[k] < x.shape[k] + before)
            idx = tuple(v - b if b else v for v, (b, _) in zip(i, widths))
            return x[idx] if inside is None else te.if_then_else(inside, x[idx], value)

        return te.compute(result_dims(self), element, name="T_pad")


def _and(a: Any, b: Any) -> Any:
    return b if a is None else a & b


@irdl_op_definition
class BroadcastToOp(ShapePropOp):
    """numpy.broadcast_to(x, shape): x's dims align on the right with `shape`;
    each must be 1 or provably equal to the target dim."""

    name = "relax.broadcast_to"
    x = operand_def(TensorType)
    shape = prop_def(Attribute)
    result = result_def(TensorType)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        target = shape_list(required(props, "shape", cls.name), cls.name)
        if x.ndim is not None and x.ndim > len(target):
            raise TypeInferenceError(f"{cls.name}: cannot broadcast a rank-{x.ndim} tensor to "
                                     f"rank {len(target)}")
        for j, d in enumerate(x.dims or ()):
            t = target[len(target) - len(x.dims or ()) + j]
            if d != 1 and not prove_equal(d, t):
                why = "they differ" if prove_different(d, t) else "they are not provably equal"
                raise TypeInferenceError(f"{cls.name}: cannot broadcast dim {j} ({d}) to {t} "
                                         f"({why}; use relax.match_cast to assert a shape)")
        return TensorType(target, x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        return te.compute(result_dims(self), lambda *i: broadcast_index(x, i),
                          name="T_broadcast_to")


# ---- full, zeros, ones ------------------------------------------------------------------------


class FillOp(ShapePropOp):
    """A new tensor of `shape` and `dtype` (default f32) filled with FILL."""

    shape = prop_def(Attribute)
    dtype = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"dtype": "f32"}
    FILL: ClassVar[int | None] = None

    @classmethod
    def fill(cls, props: dict[str, Any], dtype: Attribute) -> int | float | bool:
        return scalar_of(cls.FILL, dtype, cls.name, "fill_value")

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        shape = shape_list(required(props, "shape", cls.name), cls.name)
        dtype = dtype_prop(props["dtype"], cls.name)
        cls.fill(props, dtype)
        return TensorType(shape, dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        value = te.const(self.fill(self.props(), t.dtype), t.dtype)
        return te.compute(t.dims, lambda *i: value, name="T_" + self.name[6:])


@irdl_op_definition
class FullOp(FillOp):
    """A tensor of `shape` and `dtype` filled with `fill_value`."""

    name = "relax.full"
    fill_value = prop_def(Attribute)

    @classmethod
    def fill(cls, props: dict[str, Any], dtype: Attribute) -> int | float | bool:
        return scalar_of(required(props, "fill_value", cls.name), dtype, cls.name, "fill_value")


@irdl_op_definition
class ZerosOp(FillOp):
    """A tensor of `shape` and `dtype` filled with 0."""

    name = "relax.zeros"
    FILL: ClassVar[int | None] = 0


@irdl_op_definition
class OnesOp(FillOp):
    """A tensor of `shape` and `dtype` filled with 1."""

    name = "relax.ones"
    FILL: ClassVar[int | None] = 1


MANIP_OPS: list[type[TensorOp]] = [
    ReshapeOp, FlattenOp, PermuteDimsOp, ExpandDimsOp, SqueezeOp, ConcatOp, SplitOp,
    StridedSliceOp, TakeOp, PadOp, BroadcastToOp, FullOp, ZerosOp, OnesOp,
]
