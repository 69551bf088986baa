"""Gathers and scatters with index tensors: gather_elements, gather_nd,
scatter_elements, scatter_nd (ONNX semantics, also TVM's).

Indices are integer tensors; a negative index counts from the end of its dim,
and an index still out of range is clamped into it (reads never leave the
tensor). Scatters return a copy of `data` with `updates` written at the
indexed positions; `reduction` ("none", "add", "mul", "max", "min") combines
an update with the data and with other updates for the same position ("none":
the last update in row-major order wins). The kernels compute each output
element by scanning the updates that can reach it: simple and exact, not fast
for huge scatters.

Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, result_def

from xrelax.relax.op_base import (
    TensorOp,
    TypeInferenceError,
    known_shape,
    normalize_axis,
    tensor_operand,
)
from xrelax.relax.ops_index import one_int
from xrelax.relax.ops_manip import clamp_index, flat_index, result_dims, unravel
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.compute_expr import is_int, reduce_identity
from xrelax.tir.symbolic import SymExpr, prove_different
from xrelax.tir.types import dtype_name

REDUCTIONS = ("none", "add", "mul", "max", "min")


def _indices(t: Attribute, op_name: str) -> TensorType:
    idx = tensor_operand(t, op_name, "indices")
    if not is_int(idx.dtype):
        raise TypeInferenceError(f"{op_name}: the indices must be integers, got "
                                 f"{dtype_name(idx.dtype)}")
    return idx


def position(v: Any, dim: SymExpr) -> Any:
    """An index value as a position in [0, dim): negatives wrap, then clamp."""
    v = te.cast("index", v)
    return clamp_index(te.if_then_else(v < 0, v + dim, v), dim)


def _reduction(props: dict[str, Any], op_name: str, dtype: Attribute) -> str:
    r = props["reduction"]
    if r not in REDUCTIONS:
        raise TypeInferenceError(f"{op_name}: reduction must be one of {', '.join(REDUCTIONS)}, "
                                 f"got {r!r}")
    if r != "none" and dtype_name(dtype) == "i1":
        raise TypeInferenceError(f"{op_name}: reduction '{r}' is not defined on bool tensors")
    return r


def _combine(r: str, a: Any, b: Any) -> Any:
    if r == "add":
        return a + b
    if r == "mul":
        return a * b
    return te.maximum(a, b) if r == "max" else te.minimum(a, b)


def _reduce(r: str, value: Any, match: Any, axes: list[Any], dtype: Attribute) -> Any:
    """The combination over `axes` of `value` where `match` holds."""
    if not axes:
        ident = {"add": 0, "mul": 1}.get(r, None)
        return te.if_then_else(match, value, te.const(
            ident if ident is not None else reduce_identity(r, dtype), dtype))
    if r == "add":
        return te.sum(te.if_then_else(match, value, te.const(0, dtype)), axis=axes)
    if r == "mul":
        return te.prod(te.if_then_else(match, value, te.const(1, dtype)), axis=axes)
    ident = reduce_identity(r, dtype)
    fn = te.max if r == "max" else te.min
    return fn(te.if_then_else(match, value, te.const(ident, dtype)), axis=axes)


# ---- gather_elements, gather_nd ---------------------------------------------------------


@irdl_op_definition
class GatherElementsOp(TensorOp):
    """out[i] = x[i with dim `axis` replaced by indices[i]] (numpy's
    take_along_axis): the result has the shape of the indices and the dtype
    of x; indices and x have the same rank."""

    name = "relax.gather_elements"
    x = operand_def(TensorType)
    indices = operand_def(TensorType)
    axis = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": 0}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        idx = _indices(types[1], cls.name)
        dims, idims = known_shape(x, cls.name), known_shape(idx, cls.name, "indices")
        if len(dims) != len(idims):
            raise TypeInferenceError(f"{cls.name}: the indices have rank {len(idims)}, x has "
                                     f"rank {len(dims)}")
        normalize_axis(one_int(props["axis"], cls.name, "axis"), len(dims), cls.name)
        return TensorType(idims, x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, idx = inputs
        axis = normalize_axis(self.prop("axis"), x.ndim, self.name)

        def element(*i: Any) -> Any:
            at = [clamp_index(v, x.shape[k]) if k != axis and prove_different(
                idx.shape[k], x.shape[k]) else v for k, v in enumerate(i)]
            at[axis] = position(idx[i], x.shape[axis])
            return x[tuple(at)]

        return te.compute(result_dims(self), element, name="T_gather_elements")


@irdl_op_definition
class GatherNdOp(TensorOp):
    """ONNX GatherND: indices [b..., j..., k] pick slices of x [b..., d1..dk, r...]:
    out[b..., j..., r...] = x[b..., indices[b..., j..., 0..k-1], r...], where the
    first `batch_dims` (default 0) dims of x and indices are shared; k (the last
    dim of the indices) must be static."""

    name = "relax.gather_nd"
    x = operand_def(TensorType)
    indices = operand_def(TensorType)
    batch_dims = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"batch_dims": 0}

    @classmethod
    def split(cls, dims: Sequence[SymExpr], idims: Sequence[SymExpr],
              b: int) -> int:
        if not idims or not idims[-1].is_const():
            raise TypeInferenceError(f"{cls.name}: the last dim of the indices must be static")
        k = idims[-1].value or 0
        if not 0 <= b < min(len(dims), len(idims)):
            raise TypeInferenceError(f"{cls.name}: batch_dims = {b} is out of range")
        if b + k > len(dims):
            raise TypeInferenceError(f"{cls.name}: {k} index components for a rank-{len(dims)} "
                                     f"x with batch_dims = {b}")
        return k

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        idx = _indices(types[1], cls.name)
        dims, idims = known_shape(x, cls.name), known_shape(idx, cls.name, "indices")
        b = one_int(props["batch_dims"], cls.name, "batch_dims")
        k = cls.split(dims, idims, b)
        return TensorType([*idims[:-1], *dims[b + k:]], x.dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, idx = inputs
        b = self.prop("batch_dims")
        k = self.split(x.shape, idx.shape, b)
        nj = idx.ndim - 1 - b

        def element(*i: Any) -> Any:
            lead = i[:b + nj]
            picked = [position(idx[(*lead, SymExpr.const(c))], x.shape[b + c]) for c in range(k)]
            return x[(*i[:b], *picked, *i[b + nj:])]

        return te.compute(result_dims(self), element, name="T_gather_nd")


# ---- scatter_elements, scatter_nd ----------------------------------------------------------


class ScatterBase(TensorOp):
    data = operand_def(TensorType)
    indices = operand_def(TensorType)
    updates = operand_def(TensorType)
    result = result_def(TensorType)
    reduction = opt_prop_def(Attribute)

    @classmethod
    def operands_of(cls, types: Sequence[Attribute]) -> tuple[TensorType, TensorType, TensorType]:
        data = tensor_operand(types[0], cls.name, "data")
        idx = _indices(types[1], cls.name)
        upd = tensor_operand(types[2], cls.name, "updates")
        if upd.dtype != data.dtype:
            raise TypeInferenceError(f"{cls.name}: the updates have dtype {dtype_name(upd.dtype)}, "
                                     f"the data {dtype_name(data.dtype)}")
        return data, idx, upd

    def finish(self, data: te.Tensor, p: tuple[Any, ...], found: Any, value: Any,
               r: str) -> Any:
        """The output element at p: the data combined with what the updates give."""
        if r == "none":
            return te.if_then_else(found, value, data[p])
        return _combine(r, data[p], value)


@irdl_op_definition
class ScatterElementsOp(ScatterBase):
    """A copy of `data` where, for each position q of `indices` (same rank as
    data; `updates` has its shape), element q with dim `axis` replaced by
    indices[q] gets updates[q] (combined by `reduction`, default "none")."""

    name = "relax.scatter_elements"
    axis = opt_prop_def(Attribute)
    DEFAULTS: ClassVar[dict[str, Any]] = {"axis": 0, "reduction": "none"}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        data, idx, upd = cls.operands_of(types)
        dims = known_shape(data, cls.name, "data")
        idims = known_shape(idx, cls.name, "indices")
        if len(idims) != len(dims) or known_shape(upd, cls.name, "updates") != idims:
            raise TypeInferenceError(f"{cls.name}: the indices and updates must have one shape "
                                     "and the rank of the data")
        normalize_axis(one_int(props["axis"], cls.name, "axis"), len(dims), cls.name)
        _reduction(props, cls.name, data.dtype)
        return data

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        data, idx, upd = inputs
        axis = normalize_axis(self.prop("axis"), data.ndim, self.name)
        r = self.prop("reduction")
        ra = te.reduce_axis(idx.shape[axis], "ru")

        def source(p: tuple[Any, ...], along: Any) -> tuple[tuple[Any, ...], Any]:
            """The update position for p with `along` on the axis, and whether it exists."""
            q, inside = [], None
            for k, v in enumerate(p):
                if k == axis:
                    q.append(along)
                    continue
                if prove_different(idx.shape[k], data.shape[k]):
                    cond = v < idx.shape[k]
                    inside = cond if inside is None else inside & cond
                    v = clamp_index(v, idx.shape[k])
                q.append(v)
            return tuple(q), inside

        def match(p: tuple[Any, ...]) -> tuple[Any, tuple[Any, ...]]:
            q, inside = source(p, ra)
            hit = position(idx[q], data.shape[axis]) == p[axis]
            return (hit if inside is None else hit & inside), q

        if r == "none":
            def last(*p: Any) -> Any:
                hit, _ = match(p)
                return te.max(te.if_then_else(hit, te.cast("i64", ra), te.const(-1, "i64")),
                              axis=ra)
            found_at = te.compute(data.shape, last, name="T_scatter_last")

            def out(*p: Any) -> Any:
                at = found_at[p]
                q, _ = source(p, clamp_index(te.cast("index", at), idx.shape[axis]))
                return self.finish(data, p, at >= 0, upd[q], r)
            return te.compute(data.shape, out, name="T_scatter_elements")

        def total(*p: Any) -> Any:
            hit, q = match(p)
            return _reduce(r, upd[q], hit, [ra], data.dtype)
        combined = te.compute(data.shape, total, name="T_scatter_sum")
        return te.compute(data.shape, lambda *p: self.finish(data, p, None, combined[p], r),
                          name="T_scatter_elements")


@irdl_op_definition
class ScatterNdOp(ScatterBase):
    """ONNX ScatterND: indices [u..., k] (k static) address slices of data
    [d1..dk, r...]; updates [u..., r...] are written there (combined by
    `reduction`, default "none")."""

    name = "relax.scatter_nd"
    DEFAULTS: ClassVar[dict[str, Any]] = {"reduction": "none"}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        data, idx, upd = cls.operands_of(types)
        dims = known_shape(data, cls.name, "data")
        idims = known_shape(idx, cls.name, "indices")
        if not idims or not idims[-1].is_const() or (idims[-1].value or 0) > len(dims):
            raise TypeInferenceError(f"{cls.name}: the last dim of the indices must be static "
                                     f"and at most the rank of the data ({len(dims)})")
        k = idims[-1].value or 0
        want = [*idims[:-1], *dims[k:]]
        udims = known_shape(upd, cls.name, "updates")
        if len(udims) != len(want) or any(prove_different(a, b) for a, b in zip(udims, want)):
            raise TypeInferenceError(f"{cls.name}: the updates must have the shape "
                                     f"[{', '.join(map(str, want))}]")
        _reduction(props, cls.name, data.dtype)
        return data

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        data, idx, upd = inputs
        r = self.prop("reduction")
        k = idx.shape[-1].value or 0
        lead = idx.shape[:-1]
        axes = [te.reduce_axis(d, f"ru{j}") for j, d in enumerate(lead)]

        def match(p: tuple[Any, ...], u: Sequence[Any]) -> Any:
            hit = None
            for c in range(k):
                eq = position(idx[(*u, SymExpr.const(c))], data.shape[c]) == p[c]
                hit = eq if hit is None else hit & eq
            return hit if hit is not None else te.const(True, "bool")

        if r == "none":
            def last(*p: Any) -> Any:
                flat = te.cast("i64", flat_index(axes, lead)) if axes else te.const(0, "i64")
                return te.max(te.if_then_else(match(p, axes), flat, te.const(-1, "i64")),
                              axis=axes) if axes else te.if_then_else(match(p, []), 0, -1)
            found_at = te.compute(data.shape, last, name="T_scatter_last")

            def out(*p: Any) -> Any:
                at = found_at[p]
                u = unravel(te.maximum(te.cast("index", at), 0), lead)
                return self.finish(data, p, at >= 0, upd[(*u, *p[k:])], r)
            return te.compute(data.shape, out, name="T_scatter_nd")

        def total(*p: Any) -> Any:
            return _reduce(r, upd[(*axes, *p[k:])], match(p, axes), axes, data.dtype)
        combined = te.compute(data.shape, total, name="T_scatter_sum")
        return te.compute(data.shape, lambda *p: self.finish(data, p, None, combined[p], r),
                          name="T_scatter_nd")


GATHER_OPS: list[type[TensorOp]] = [GatherElementsOp, GatherNdOp, ScatterElementsOp, ScatterNdOp]
