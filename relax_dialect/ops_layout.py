"""`relax.layout_transform`: the same tensor in another memory layout.

The layout is an index map from the old indices to the new ones, an MLIR
`affine_map` (`xrelax.tir.schedule.index_map`): a permutation, a split of a
dim into blocks (`d floordiv 16`, `d mod 16`: NCHW -> NCHW16c), a row-major
merge of dims (`d0 * 7 + d1`), or a composition of those:

From Python: `R.layout_transform(x, index_map=lambda n, c, h, w: (n, c // 16,
h, w, c % 16), pad_value=0.0)`.

    %y = relax.layout_transform %x {index_map = affine_map<(d0, d1, d2, d3) ->
           (d0, d1 floordiv 16, d2, d3, d1 mod 16)>, pad_value = 0.0 : f64}
           : !relax.tensor<[1, 3, h, w], f32>   // -> [1, 1, h, w, 16]

`result[map(i)] = x[i]` for every index i of x. The new shape is one more than
the largest value each new index takes, so a split whose block does not
divide the dim pads: those elements hold `pad_value` (default 0). The
`rewrite-layout` pass inserts these ops where a kernel asks for a layout;
fold-constant turns the transform of a constant into a new constant, and
`rewrite-layout` cancels a transform followed by its inverse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.dialects.builtin import AffineMapAttr
from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, operand_def, opt_prop_def, prop_def, result_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, known_shape, tensor_operand
from xrelax.relax.ops_create import scalar_of
from xrelax.relax.ops_manip import required, result_dims
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.schedule.index_map import IndexMap, IndexMapError, image_shape, inverse
from xrelax.tir.symbolic import Call, SymExpr, Var


def index_map_of(value: Any, op_name: str) -> IndexMap:
    if not isinstance(value, AffineMapAttr):
        raise TypeInferenceError(f"{op_name}: 'index_map' must be an affine_map, got {value}")
    try:
        return IndexMap.of(value)
    except IndexMapError as err:
        raise TypeInferenceError(f"{op_name}: 'index_map': {err}") from None


@irdl_op_definition
class LayoutTransformOp(TensorOp):
    """x in the layout `index_map` (see the module docstring)."""

    name = "relax.layout_transform"
    x = operand_def(TensorType)
    index_map = prop_def(Attribute)
    pad_value = opt_prop_def(Attribute)
    result = result_def(TensorType)

    DEFAULTS: ClassVar[dict[str, Any]] = {"index_map": None, "pad_value": 0.0}

    @classmethod
    def make(cls, *operands: Any, **props: Any):
        """`index_map` may also be a Python function of the old indices
        (`lambda n, c, h, w: (n, c // 16, h, w, c % 16)`) or an IndexMap."""
        imap = props.get("index_map")
        if imap is not None and not isinstance(imap, AffineMapAttr):
            try:
                props["index_map"] = AffineMapAttr(IndexMap.of(imap).to_affine_map())
            except IndexMapError as err:
                raise TypeInferenceError(f"{cls.name}: 'index_map': {err}") from None
        return super().make(*operands, **props)

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        x = tensor_operand(types[0], cls.name)
        imap = index_map_of(required(props, "index_map", cls.name), cls.name)
        dims = known_shape(x, cls.name)
        scalar_of(props["pad_value"], x.dtype, cls.name, "pad_value")
        try:
            shape = image_shape(imap, dims)
            inverse(imap, dims)
        except IndexMapError as err:
            raise TypeInferenceError(f"{cls.name}: {err}") from None
        return TensorType(shape, x.dtype)

    def imap(self) -> IndexMap:
        return index_map_of(self.properties["index_map"], self.name)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        (x,) = inputs
        inv = inverse(self.imap(), x.shape)
        value = te.const(scalar_of(self.prop("pad_value"), x.dtype, self.name, "pad_value"),
                         x.dtype)

        def element(*i: Any) -> Any:
            env = dict(zip(inv.params, i))
            idx = tuple(_to_te(e, env) for e in inv.exprs)
            inside = None
            for index, bound in inv.bounds:
                cond = _to_te(index, env) < bound
                inside = cond if inside is None else inside & cond
            return x[idx] if inside is None else te.if_then_else(inside, x[idx], value)

        return te.compute(result_dims(self), element, name="T_layout_trans")


def _to_te(e: SymExpr, env: dict[str, Any]) -> Any:
    """A symbolic index expression over the new indices as a compute expression."""
    total: Any = None
    for mono, coeff in e.terms:
        term: Any = None
        for atom in mono:
            part = _atom_to_te(atom, env)
            term = part if term is None else term * part
        if term is None:
            term = coeff
        elif coeff != 1:
            term = term * coeff
        total = term if total is None else total + term
    return 0 if total is None else total


def _atom_to_te(atom: Var | Call, env: dict[str, Any]) -> Any:
    if isinstance(atom, Var):
        return env.get(atom.name, SymExpr.var(atom.name))
    a, b = (_to_te(x, env) for x in atom.args)
    if atom.kind == "floordiv":
        return a // b
    if atom.kind == "mod":
        return a % b
    raise TypeInferenceError(f"relax.layout_transform: {atom.kind} in an inverse index")


LAYOUT_OPS: list[type[TensorOp]] = [LayoutTransformOp]
