"""The base of relax's high-level operators (TVM's `FInferStructInfo` + `FLegalize`).

A high-level op is an IRDL op that subclasses `TensorOp` and defines, in one place:

- its operands and properties (IRDL `operand_def`/`var_operand_def`, `prop_def`);
- `infer(types, props) -> type`: the result type from the operand types and the
  properties, symbolic shapes included; it raises `TypeInferenceError` with a
  message for incompatible inputs (the verifier reports it at the op);
- `legalize(self, inputs) -> te.Tensor | list[te.Tensor]`: a compute-DSL
  description of the result over `te.placeholder`s of the operands, from which
  `legalize-ops` generates the tir kernel.

Every high-level op has the same text form: operands, the properties as an
optional dictionary, and the result type:

    %y = relax.add %a, %b : !relax.tensor<[n, 4], f32>
    %s = relax.sum %x {axis = [1], keepdims = false} : !relax.tensor<[n], f32>

From Python, `Op.make(operand, ..., prop=value)` infers the result type
(properties may be given as Python ints, floats, bools, strings, lists of
ints, or symbolic expressions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from xdsl.dialects.builtin import (
    ArrayAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation, VarOperandDef, traits_def
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.types import TensorType, is_base_of
from xrelax.tir.symbolic import SymExpr
from xrelax.tir.syntax import parse_defined_operand
from xrelax.tir.types import SymExprAttr
from xrelax.xdsl_overrides import next_token_text

if TYPE_CHECKING:
    from xrelax.tir.compute import Tensor as TeTensor


class TypeInferenceError(VerifyException):
    """The operands and properties of a high-level op do not fit together."""


def to_attr(value: Any) -> Attribute:
    """A property attribute from a Python value."""
    if isinstance(value, Attribute):
        return value
    if isinstance(value, bool):
        return IntegerAttr(int(value), i1)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, SymExpr):
        return SymExprAttr(value)
    if isinstance(value, (list, tuple)):
        return ArrayAttr([to_attr(v) for v in value])
    raise TypeError(f"cannot use {value!r} as an op property")


def from_attr(attr: Attribute) -> Any:
    """The Python value of a property attribute (ints, floats, bools, lists, exprs)."""
    if isinstance(attr, IntegerAttr):
        v = attr.value.data
        return bool(v) if attr.type == i1 else v
    if isinstance(attr, FloatAttr):
        return attr.value.data
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, SymExprAttr):
        return attr.data
    if isinstance(attr, ArrayAttr):
        return [from_attr(a) for a in attr.data]
    return attr


def tensor_operand(t: Attribute, op_name: str, what: str = "operand") -> TensorType:
    if not isinstance(t, TensorType):
        raise TypeInferenceError(f"{op_name}: {what} must be a tensor, got {t}")
    return t


def known_shape(t: TensorType, op_name: str, what: str = "operand") -> tuple[SymExpr, ...]:
    if t.dims is None:
        raise TypeInferenceError(f"{op_name}: the shape of the {what} must be known "
                                 f"(got {t}; use relax.match_cast)")
    return t.dims


def normalize_axis(axis: int, ndim: int, op_name: str) -> int:
    if not -ndim <= axis < max(ndim, 1):
        raise TypeInferenceError(f"{op_name}: axis {axis} is out of range for rank {ndim}")
    return axis % ndim if ndim else 0


class TensorOp(IRDLOperation):
    """Base class of high-level ops: see the module docstring. They compute a
    value from their operands and nothing else (Pure: xDSL's cse and dce apply)."""

    traits = traits_def(Pure())

    # properties that may be left out, with their defaults (Python values)
    DEFAULTS: ClassVar[dict[str, Any]] = {}

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        raise NotImplementedError

    def legalize(self, inputs: Sequence[TeTensor]) -> TeTensor | list[TeTensor]:
        raise NotImplementedError(f"{self.name} has no legalization")

    # ---- properties ------------------------------------------------------------------
    def prop(self, name: str) -> Any:
        if name in self.properties:
            return from_attr(self.properties[name])
        return self.DEFAULTS[name]

    def props(self) -> dict[str, Any]:
        values = dict(self.DEFAULTS)
        values.update({k: from_attr(v) for k, v in self.properties.items()})
        return values

    # ---- construction -------------------------------------------------------------------
    @classmethod
    def _is_variadic(cls) -> bool:
        defs = cls.get_irdl_definition().operands
        return len(defs) == 1 and isinstance(defs[0][1], VarOperandDef)

    @classmethod
    def make(cls, *operands: SSAValue, **props: Any):
        """Build the op with its inferred result type."""
        attrs = {k: to_attr(v) for k, v in props.items() if v is not None}
        values = {k: from_attr(v) for k, v in attrs.items()}
        result = cls.infer([o.type for o in operands], {**cls.DEFAULTS, **values})
        grouped = [list(operands)] if cls._is_variadic() else list(operands)
        return cls.build(operands=grouped, properties=attrs, result_types=[result])

    def verify_(self) -> None:
        inferred = self.infer([o.type for o in self.operands], self.props())
        actual = self.results[0].type
        if not (is_base_of(actual, inferred) and is_base_of(inferred, actual)):
            raise TypeInferenceError(f"{self.name}: the result type {actual} does not match "
                                     f"the inferred type {inferred}")

    # ---- text -----------------------------------------------------------------------------
    @classmethod
    def parse(cls, parser: Parser):
        operands: list[SSAValue] = []
        if next_token_text(parser).startswith("%"):  # the operands are optional
            operands.append(parse_defined_operand(parser))
            while parser.parse_optional_punctuation(",") is not None:
                operands.append(parse_defined_operand(parser))
        attrs = parser.parse_optional_attr_dict()
        parser.parse_punctuation(":")
        result = parser.parse_type()
        grouped = [operands] if cls._is_variadic() else operands
        try:
            return cls.build(operands=grouped, properties=attrs, result_types=[result])
        except (ValueError, VerifyException) as err:
            parser.raise_error(f"{cls.name}: {err}")

    def print(self, printer: Printer) -> None:
        if self.operands:
            printer.print_string(" ")
            printer.print_list(self.operands, printer.print_ssa_value)
        if self.properties:
            printer.print_string(" ")
            printer.print_attr_dict(self.properties)
        printer.print_string(" : ")
        printer.print_attribute(self.results[0].type)
