"""Tensor manipulation that rearranges or broadcasts elements: reshape,
flatten, permute_dims, expand_dims, squeeze, broadcast_to. numpy semantics
unless a docstring says otherwise. The property and index helpers here are
shared with the other tensor-manipulation families, `ops_index.py` (concat,
split, strided_slice, take) and `ops_create.py` (full, zeros, ones, pad).

Properties that are shapes (`shape` of reshape, broadcast_to, full, zeros,
ones) are lists of symbolic expressions, stored as `#tir.expr<...>` attributes
(`Op.make` converts Python ints and `SymExpr`s; the text also accepts plain
integers):

    %y = relax.reshape %x {shape = [#tir.expr<n>, #tir.expr<-1>]} : !relax.tensor<[n, 12], f32>

Symbolic sizes are trusted where they cannot be checked at compile time (here:
a reshape to a size not provably equal): the kernels clamp their reads into the
operand, so a violated assumption gives wrong values, never a read outside
memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.dialects.builtin import ArrayAttr
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, known_shape, tensor_operand
from xrelax.relax.ops_elementwise import broadcast_index
from xrelax.relax.ops_reduce import int_list, normalize_axes, product
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.symbolic import SymExpr, floordiv, floormod, prove_different, prove_equal
from xrelax.tir.types import SymExprAttr

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


# ---- broadcast_to --------------------------------------------------------------------------


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


MANIP_OPS: list[type[TensorOp]] = [
    ReshapeOp, FlattenOp, PermuteDimsOp, ExpandDimsOp, SqueezeOp, BroadcastToOp,
]
