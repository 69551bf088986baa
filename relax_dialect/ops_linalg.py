"""Linear-algebra relax operators: `matmul` (numpy semantics) and `linear`
(TVM's `linear(x, weight, bias)`: x @ weight^T + bias).

Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from xdsl.dialects.builtin import AnyFloat, i1
from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, result_def, var_operand_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, tensor_operand
from xrelax.relax.ops_elementwise import broadcast_dims, broadcast_index
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.symbolic import SymExpr, prove_different, prove_equal

# ---- shared checks -------------------------------------------------------------------


def same_dtype(types: Sequence[TensorType], op_name: str, names: Sequence[str]) -> Attribute:
    """The common dtype of the operands, or an error naming the first that differs."""
    for t, what in zip(types[1:], names[1:]):
        if t.dtype != types[0].dtype:
            raise TypeInferenceError(f"{op_name}: the {what} has dtype {t.dtype} but the "
                                     f"{names[0]} has {types[0].dtype} (use relax.cast)")
    return types[0].dtype


def require_dtype(dtype: Attribute, op_name: str, kind: str) -> None:
    """`kind` is "numeric" (not bool) or "float"."""
    if dtype == i1 or (kind == "float" and not isinstance(dtype, AnyFloat)):
        shown = "bool" if dtype == i1 else dtype
        raise TypeInferenceError(f"{op_name}: needs a {kind} dtype, got {shown} (use relax.cast)")


def require_equal(a: SymExpr, b: SymExpr, op_name: str, what: str) -> None:
    """Two dims that must agree: provably equal, or an error saying why not."""
    if prove_equal(a, b):
        return
    why = "they differ" if prove_different(a, b) else "they are not provably equal"
    raise TypeInferenceError(f"{op_name}: {what}: {a} vs {b} ({why}; use relax.match_cast "
                             "to assert a shape)")


# ---- matmul ----------------------------------------------------------------------------


def matmul_rank(ra: int, rb: int) -> int:
    """The rank of numpy's matmul result for operand ranks ra, rb (both >= 1)."""
    if ra == 1 and rb == 1:
        return 0
    if ra == 1:
        return rb - 1
    if rb == 1:
        return ra - 1
    return max(ra, rb)


def matmul_dims(a: Sequence[SymExpr], b: Sequence[SymExpr], op_name: str) -> list[SymExpr]:
    """numpy matmul of shapes: 1-D operands are promoted (and the added dim dropped),
    the leading (batch) dims broadcast, the contracted dims must agree."""
    k_a = a[-1]
    k_b = b[0] if len(b) == 1 else b[-2]
    require_equal(k_a, k_b, op_name, "the reduction dims do not match")
    batch = broadcast_dims([a[:-2], b[:-2]], op_name)
    rows = [a[-2]] if len(a) >= 2 else []
    cols = [b[-1]] if len(b) >= 2 else []
    return batch + rows + cols


def matmul_compute(a: te.Tensor, b: te.Tensor, out_shape: Sequence[SymExpr],
                   name: str) -> te.Tensor:
    """C[batch..., i, j] = sum_r A[batch..., i, r] * B[batch..., r, j], numpy-style."""
    r = te.reduce_axis(a.shape[-1], name="k")
    n_batch = len(out_shape) - (a.ndim >= 2) - (b.ndim >= 2)

    def element(*idx: Any) -> Any:
        batch = idx[:n_batch]
        i = idx[n_batch] if a.ndim >= 2 else None
        j = idx[-1] if b.ndim >= 2 else None
        a_idx = (*_batch_index(a, batch), i, r) if a.ndim >= 2 else (r,)
        b_idx = (*_batch_index(b, batch), r, j) if b.ndim >= 2 else (r,)
        return te.sum(a[a_idx] * b[b_idx], axis=r)

    return te.compute(out_shape, element, name=name)


def _batch_index(t: te.Tensor, batch: Sequence[Any]) -> list[Any]:
    """The batch part of an index into `t` (rank >= 2), broadcasting size-1 dims."""
    dims = t.shape[:-2]
    offset = len(batch) - len(dims)
    return [SymExpr.const(0) if d == 1 else batch[offset + j] for j, d in enumerate(dims)]


@irdl_op_definition
class MatmulOp(TensorOp):
    """numpy's `matmul`: the product over the last dim of `lhs` and the
    second-to-last of `rhs`. A 1-D lhs is a row vector and a 1-D rhs a column
    vector (the added dim is dropped from the result); the other leading dims
    are batch dims that broadcast: [b, 1, n, k] @ [c, k, m] -> [b, c, n, m].
    Both operands have the same dtype, which is the result's."""

    name = "relax.matmul"

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        a, b = (tensor_operand(t, cls.name, w) for t, w in zip(types, ("lhs", "rhs")))
        dtype = same_dtype([a, b], cls.name, ["lhs", "rhs"])
        require_dtype(dtype, cls.name, "numeric")
        for t, what in ((a, "lhs"), (b, "rhs")):
            if t.ndim == 0:
                raise TypeInferenceError(f"{cls.name}: the {what} is a scalar (rank 0); "
                                         "matmul needs rank >= 1")
        if a.dims is not None and b.dims is not None:
            return TensorType(matmul_dims(a.dims, b.dims, cls.name), dtype)
        if a.ndim is None or b.ndim is None:
            return TensorType(None, dtype)
        return TensorType(None, dtype, ndim=matmul_rank(a.ndim, b.ndim))

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        a, b = inputs
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        return matmul_compute(a, b, t.dims, "T_matmul")


# ---- linear ------------------------------------------------------------------------------


@irdl_op_definition
class LinearOp(TensorOp):
    """TVM's `linear(x, weight, bias)`: `x @ weight^T (+ bias)`, with x of shape
    [..., in] and weight [out, in]; the result is [..., out]. The operands are
    variadic: `relax.linear %x, %w` has no bias, `relax.linear %x, %w, %b` adds
    a bias that broadcasts to [..., out] (usually [out]). All dtypes are equal."""

    name = "relax.linear"

    inputs = var_operand_def(TensorType)
    result = result_def(TensorType)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        if len(types) not in (2, 3):
            raise TypeInferenceError(f"{cls.name}: expects 2 operands (x, weight) or 3 "
                                     f"(x, weight, bias), got {len(types)}")
        names = ["x", "weight", "bias"][:len(types)]
        ts = [tensor_operand(t, cls.name, w) for t, w in zip(types, names)]
        dtype = same_dtype(ts, cls.name, names)
        require_dtype(dtype, cls.name, "numeric")
        x, w = ts[0], ts[1]
        if x.ndim == 0:
            raise TypeInferenceError(f"{cls.name}: x is a scalar (rank 0); it needs rank >= 1")
        if w.ndim is not None and w.ndim != 2:
            raise TypeInferenceError(f"{cls.name}: the weight must have rank 2 ([out, in]), "
                                     f"got rank {w.ndim}")
        if x.dims is None or w.dims is None:
            return TensorType(None, dtype, ndim=x.ndim)
        require_equal(x.dims[-1], w.dims[1], cls.name,
                      "the last dim of x does not match the weight's [out, in] in dim")
        out = [*x.dims[:-1], w.dims[0]]
        if len(ts) == 3 and ts[2].dims is not None:
            bias = ts[2].dims
            if len(bias) > len(out) or not _broadcasts_into(bias, out):
                raise TypeInferenceError(f"{cls.name}: the bias of shape [{_dims(bias)}] does "
                                         f"not broadcast to the output shape [{_dims(out)}]")
        return TensorType(out, dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        x, w = inputs[0], inputs[1]
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        r = te.reduce_axis(x.shape[-1], name="k")
        y = te.compute(t.dims, lambda *i: te.sum(x[(*i[:-1], r)] * w[i[-1], r], axis=r),
                       name="T_matmul")
        if len(inputs) == 2:
            return y
        bias = inputs[2]
        return te.compute(t.dims, lambda *i: y[i] + broadcast_index(bias, i), name="T_add")


def _broadcasts_into(small: Sequence[SymExpr], big: Sequence[SymExpr]) -> bool:
    offset = len(big) - len(small)
    return all(d == 1 or prove_equal(d, big[offset + j]) for j, d in enumerate(small))


def _dims(dims: Sequence[SymExpr]) -> str:
    return ", ".join(str(d) for d in dims)


LINALG_OPS: list[type[TensorOp]] = [MatmulOp, LinearOp]
