"""Element-wise relax operators: unary math, binary arithmetic with numpy
broadcasting, comparisons, `where`, `clip`, `cast`.

Each op states its semantics, its type inference and its legalization here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, result_def

from relax_dialect.op_base import TensorOp, TypeInferenceError, tensor_operand
from relax_dialect.types import TensorType
from tir_dialect import compute as te
from tir_dialect.symbolic import SymExpr, prove_different, prove_equal

# ---- broadcasting -------------------------------------------------------------------


def broadcast_dims(shapes: Sequence[Sequence[SymExpr]], op_name: str) -> list[SymExpr]:
    """numpy broadcasting of symbolic shapes: align on the right; a dim of 1
    stretches; other dims must be provably equal."""
    ndim = max((len(s) for s in shapes), default=0)
    out: list[SymExpr] = []
    for j in range(ndim):
        dims = [s[len(s) - ndim + j] for s in shapes if len(s) - ndim + j >= 0]
        chosen: SymExpr | None = None
        for d in dims:
            if d == 1:
                continue
            if chosen is None:
                chosen = d
            elif not prove_equal(chosen, d):
                why = "they differ" if prove_different(chosen, d) else "they are not provably equal"
                raise TypeInferenceError(f"{op_name}: cannot broadcast dim {chosen} with {d} "
                                         f"({why}; use relax.match_cast to assert a shape)")
        out.append(chosen if chosen is not None else SymExpr.const(1))
    return out


def broadcast_types(types: Sequence[Attribute], op_name: str) -> tuple[list[SymExpr] | None, int | None]:
    """The broadcast shape, or (None, rank) when some operand's dims are unknown."""
    tensors = [tensor_operand(t, op_name, f"operand #{i}") for i, t in enumerate(types)]
    if all(t.dims is not None for t in tensors):
        return broadcast_dims([t.dims for t in tensors], op_name), None  # type: ignore[misc]
    ranks = [t.ndim for t in tensors]
    return None, (None if None in ranks else max(ranks))  # type: ignore[type-var]


def broadcast_index(t: te.Tensor, out_axes: Sequence[Any]) -> Any:
    """Element of `t` for the output index `out_axes`, with numpy broadcasting."""
    offset = len(out_axes) - t.ndim
    idx = [SymExpr.const(0) if d == 1 else out_axes[offset + j] for j, d in enumerate(t.shape)]
    return t[tuple(idx)] if idx else t[()]


def _same_dtype(types: Sequence[TensorType], op_name: str) -> Attribute:
    dtypes = {t.dtype for t in types}
    if len(dtypes) != 1:
        raise TypeInferenceError(f"{op_name}: operands have different dtypes "
                                 f"{', '.join(str(t.dtype) for t in types)} (use relax.cast)")
    return types[0].dtype


# ---- binary ------------------------------------------------------------------------------


class BinaryOp(TensorOp):
    """`lhs OP rhs` element-wise, with numpy broadcasting; same dtypes."""

    lhs = operand_def(TensorType)
    rhs = operand_def(TensorType)
    result = result_def(TensorType)

    COMPUTE: ClassVar[Callable[[Any, Any], Any]]
    BOOL_RESULT: ClassVar[bool] = False

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        a, b = (tensor_operand(t, cls.name) for t in types)
        dtype = _same_dtype([a, b], cls.name)
        dims, ndim = broadcast_types([a, b], cls.name)
        return TensorType(dims, "bool" if cls.BOOL_RESULT else dtype, ndim=ndim)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        a, b = inputs
        t = self.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        fn = type(self).COMPUTE
        return te.compute(t.dims, lambda *i: fn(broadcast_index(a, i), broadcast_index(b, i)),
                          name=f"T_{self.name.split('.')[1]}")


@irdl_op_definition
class AddOp(BinaryOp):
    """Element-wise sum."""

    name = "relax.add"
    COMPUTE: ClassVar[Callable[[Any, Any], Any]] = staticmethod(lambda x, y: x + y)


# ---- unary ---------------------------------------------------------------------------------


class UnaryOp(TensorOp):
    """`f(x)` element-wise; the result has the type of x."""

    x = operand_def(TensorType)
    result = result_def(TensorType)

    COMPUTE: ClassVar[Callable[[Any], Any]]

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        return tensor_operand(types[0], cls.name)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        fn = type(self).COMPUTE
        return te.compute(x.shape, lambda *i: fn(x[i] if i else x[()]),
                          name=f"T_{self.name.split('.')[1]}")


@irdl_op_definition
class ReluOp(UnaryOp):
    """max(x, 0)."""

    name = "relax.relu"
    COMPUTE: ClassVar[Callable[[Any], Any]] = staticmethod(lambda x: te.maximum(x, 0))


ELEMENTWISE_OPS: list[type[TensorOp]] = [AddOp, ReluOp]
