"""relax types: what is known of a value at compile time (TVM's StructInfo).

| type                         | text                                              |
| ---------------------------- | ------------------------------------------------- |
| tensor, shape known          | `!relax.tensor<[n, 4], f32>`                      |
| tensor, only rank known      | `!relax.tensor<ndim=2, f32>`                      |
| tensor, nothing of the shape | `!relax.tensor<*, f32>`                           |
| shape value                  | `!relax.shape<[n, 4]>`, `<ndim=2>`, `<*>`         |
| tuple                        | `!relax.tuple<!relax.tensor<[n], f32>, ...>`      |
| opaque object                | `!relax.object`                                   |
| primitive value              | `!relax.prim<i64>`, `!relax.prim<i64, n + 1>`     |

Shapes are symbolic expressions (`xrelax.tir.symbolic`). A dimension that is
a single variable (`n`) can *define* that variable where the value enters a
function (a parameter) or is checked at run time (`relax.match_cast`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xdsl.dialects.builtin import ArrayAttr, IntAttr, NoneAttr
from xdsl.ir import Attribute, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from xrelax.tir.symbolic import ExprLike, SymExpr, parse_sym_expr, prove_different, prove_equal
from xrelax.tir.types import (
    SymExprAttr,
    check_shape_nonnegative,
    check_shape_size,
    is_dtype,
    parse_dtype,
    parse_shape,
    shape_attr,
    shape_exprs,
    shape_str,
    to_dtype,
)

UNKNOWN_NDIM = -1


def _parse_shape_info(parser: AttrParser) -> tuple[Attribute, IntAttr]:
    """`[dims]` | `ndim = K` | `*` -> (shape or none, ndim)."""
    if parser.parse_optional_punctuation("*") is not None:
        return NoneAttr(), IntAttr(UNKNOWN_NDIM)
    if parser.parse_optional_keyword("ndim") is not None:
        parser.parse_punctuation("=")
        ndim = parser.parse_integer(allow_boolean=False, allow_negative=False)
        return NoneAttr(), IntAttr(ndim)
    dims = parse_shape(parser)
    return shape_attr(dims), IntAttr(len(dims))


def _shape_info_str(shape: Attribute, ndim: IntAttr) -> str:
    if isinstance(shape, ArrayAttr):
        return shape_str(shape_exprs(shape))
    if ndim.data == UNKNOWN_NDIM:
        return "*"
    return f"ndim={ndim.data}"


class _ShapedInfo:
    """Shared accessors of TensorType and ShapeType."""

    shape: Attribute
    ndim_attr: IntAttr

    @property
    def dims(self) -> tuple[SymExpr, ...] | None:
        """The symbolic dims, or None when only the rank (or nothing) is known."""
        if isinstance(self.shape, ArrayAttr):
            return shape_exprs(self.shape)
        return None

    @property
    def ndim(self) -> int | None:
        return None if self.ndim_attr.data == UNKNOWN_NDIM else self.ndim_attr.data

    def _verify_shape(self, what: str) -> None:
        if isinstance(self.shape, ArrayAttr):
            if len(self.shape.data) != self.ndim_attr.data:
                raise VerifyException(f"{what}: rank {self.ndim_attr.data} does not match shape")
            check_shape_nonnegative(shape_exprs(self.shape), what)
        elif self.ndim_attr.data < UNKNOWN_NDIM:
            raise VerifyException(f"{what}: invalid rank {self.ndim_attr.data}")


def _shape_params(shape: Iterable[ExprLike] | None, ndim: int | None) -> tuple[Attribute, IntAttr]:
    if shape is not None:
        dims = [SymExpr.lift(d) for d in shape]
        return shape_attr(dims), IntAttr(len(dims))
    return NoneAttr(), IntAttr(UNKNOWN_NDIM if ndim is None else ndim)


@irdl_attr_definition
class TensorType(_ShapedInfo, ParametrizedAttribute, TypeAttribute):
    """A tensor value: dtype, and its shape as far as it is known."""

    name = "relax.tensor"

    shape: ArrayAttr[SymExprAttr] | NoneAttr
    ndim_attr: IntAttr
    dtype: Attribute

    def __init__(self, shape: Iterable[ExprLike] | None, dtype: Attribute | str,
                 ndim: int | None = None):
        super().__init__(*_shape_params(shape, ndim), to_dtype(dtype))

    def verify(self) -> None:
        if not is_dtype(self.dtype):
            raise VerifyException(f"{self.dtype} is not a supported tensor dtype")
        self._verify_shape("tensor type")
        if self.dims is not None:
            check_shape_size(self.dims, "tensor type")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            shape, ndim = _parse_shape_info(parser)
            parser.parse_punctuation(",", " between the shape and dtype of a tensor")
            dtype = parse_dtype(parser)
        return (shape, ndim, dtype)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{_shape_info_str(self.shape, self.ndim_attr)}, ")
        printer.print_attribute(self.dtype)
        printer.print_string(">")


@irdl_attr_definition
class ShapeType(_ShapedInfo, ParametrizedAttribute, TypeAttribute):
    """A shape value (a tuple of integers), e.g. the result of `relax.shape_of`."""

    name = "relax.shape"

    shape: ArrayAttr[SymExprAttr] | NoneAttr
    ndim_attr: IntAttr

    def __init__(self, shape: Iterable[ExprLike] | None, ndim: int | None = None):
        super().__init__(*_shape_params(shape, ndim))

    def verify(self) -> None:
        self._verify_shape("shape type")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            return _parse_shape_info(parser)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string(f"<{_shape_info_str(self.shape, self.ndim_attr)}>")


@irdl_attr_definition
class TupleType(ParametrizedAttribute, TypeAttribute):
    """A tuple of relax values."""

    name = "relax.tuple"

    fields: ArrayAttr[Attribute]

    def __init__(self, fields: Iterable[Attribute]):
        super().__init__(ArrayAttr(list(fields)))

    @property
    def types(self) -> tuple[Attribute, ...]:
        return tuple(self.fields.data)

    def verify(self) -> None:
        for field in self.fields.data:
            if not is_relax_type(field):
                raise VerifyException(f"tuple field {field} is not a relax type")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            first = parser.parse_optional_type()
            fields = [] if first is None else [first]
            while first is not None and parser.parse_optional_punctuation(",") is not None:
                fields.append(parser.parse_type())
        return (ArrayAttr(fields),)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_list(self.fields.data, printer.print_attribute)
        printer.print_string(">")


@irdl_attr_definition
class ObjectType(ParametrizedAttribute, TypeAttribute):
    """Any runtime object; nothing is known of it at compile time."""

    name = "relax.object"


@irdl_attr_definition
class PrimType(ParametrizedAttribute, TypeAttribute):
    """A scalar of a dtype, whose value may be known as a symbolic expression."""

    name = "relax.prim"

    dtype: Attribute
    value: SymExprAttr | NoneAttr

    def __init__(self, dtype: Attribute | str, value: ExprLike | None = None):
        super().__init__(to_dtype(dtype),
                         NoneAttr() if value is None else SymExprAttr.of(value))

    @property
    def known_value(self) -> SymExpr | None:
        return self.value.data if isinstance(self.value, SymExprAttr) else None

    def verify(self) -> None:
        if not is_dtype(self.dtype):
            raise VerifyException(f"{self.dtype} is not a supported prim dtype")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            dtype = parse_dtype(parser)
            value: Attribute = NoneAttr()
            if parser.parse_optional_punctuation(",") is not None:
                value = SymExprAttr(parse_sym_expr(parser))
        return (dtype, value)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        printer.print_attribute(self.dtype)
        if isinstance(self.value, SymExprAttr):
            printer.print_string(f", {self.value.data}")
        printer.print_string(">")


RELAX_TYPES = (TensorType, ShapeType, TupleType, ObjectType, PrimType)


def is_relax_type(attr: Attribute) -> bool:
    return isinstance(attr, RELAX_TYPES)


# ---- symbolic variables in types ----------------------------------------------

def type_dims(t: Attribute) -> list[SymExpr]:
    """Every symbolic expression that appears in a type."""
    if isinstance(t, (TensorType, ShapeType)):
        return list(t.dims or ())
    if isinstance(t, PrimType):
        return [t.known_value] if t.known_value is not None else []
    if isinstance(t, TupleType):
        return [d for f in t.types for d in type_dims(f)]
    return []


def free_vars(t: Attribute) -> set[str]:
    """The symbolic variables a type mentions."""
    names: set[str] = set()
    for d in type_dims(t):
        names |= d.free_vars()
    return names


def definable_vars(t: Attribute) -> set[str]:
    """Variables a type can bind: those that stand alone as a dim or prim value."""
    return {v for d in type_dims(t) if (v := d.as_var()) is not None}


def substitute(t: Attribute, mapping: dict[str, ExprLike]) -> Attribute:
    """The type with symbolic variables replaced (used to instantiate callees)."""
    if isinstance(t, TensorType) and t.dims is not None:
        return TensorType([d.substitute(mapping) for d in t.dims], t.dtype)
    if isinstance(t, ShapeType) and t.dims is not None:
        return ShapeType([d.substitute(mapping) for d in t.dims])
    if isinstance(t, PrimType) and t.known_value is not None:
        return PrimType(t.dtype, t.known_value.substitute(mapping))
    if isinstance(t, TupleType):
        return TupleType([substitute(f, mapping) for f in t.types])
    return t


# ---- comparing what is known ----------------------------------------------------

def _dims_relation(a: Sequence[SymExpr], b: Sequence[SymExpr]) -> str:
    """'equal' if provably equal, 'different' if provably not, else 'unknown'."""
    if len(a) != len(b):
        return "different"
    if any(prove_different(x, y) for x, y in zip(a, b)):
        return "different"
    if all(prove_equal(x, y) for x, y in zip(a, b)):
        return "equal"
    return "unknown"


def is_base_of(base: Attribute, derived: Attribute) -> bool:
    """Whether every value of type `derived` is also a value of type `base`
    (provably: symbolic dims must be provably equal)."""
    if isinstance(base, ObjectType):
        return is_relax_type(derived)
    if type(base) is not type(derived):
        return False
    if isinstance(base, TupleType):
        assert isinstance(derived, TupleType)
        return len(base.types) == len(derived.types) and all(
            is_base_of(x, y) for x, y in zip(base.types, derived.types))
    if isinstance(base, PrimType):
        assert isinstance(derived, PrimType)
        if base.dtype != derived.dtype:
            return False
        if base.known_value is None:
            return True
        return derived.known_value is not None and prove_equal(base.known_value,
                                                                derived.known_value)
    assert isinstance(base, (TensorType, ShapeType)) and isinstance(derived, type(base))
    if isinstance(base, TensorType) and base.dtype != derived.dtype:  # type: ignore[union-attr]
        return False
    if base.ndim is not None and base.ndim != derived.ndim:
        return False
    if base.dims is None:
        return True
    return derived.dims is not None and _dims_relation(base.dims, derived.dims) == "equal"


def may_match(target: Attribute, value: Attribute) -> bool:
    """False when no value of type `value` can ever have type `target` (a
    compile-time error for match_cast); True when a run-time check may pass."""
    if isinstance(target, ObjectType) or isinstance(value, ObjectType):
        return True
    if type(target) is not type(value):
        return False
    if isinstance(target, TupleType):
        assert isinstance(value, TupleType)
        return len(target.types) == len(value.types) and all(
            may_match(x, y) for x, y in zip(target.types, value.types))
    if isinstance(target, PrimType):
        assert isinstance(value, PrimType)
        return target.dtype == value.dtype
    if isinstance(target, TensorType) and target.dtype != value.dtype:  # type: ignore[union-attr]
        return False
    if target.ndim is not None and value.ndim is not None and target.ndim != value.ndim:  # type: ignore[union-attr]
        return False
    if target.dims is not None and value.dims is not None:  # type: ignore[union-attr]
        return _dims_relation(target.dims, value.dims) != "different"  # type: ignore[union-attr]
    return True


def erase_undefined(t: Attribute, defined: set[str]) -> Attribute:
    """Forget what a type says in terms of variables outside `defined` (as TVM
    erases a function's result to what its parameters can express)."""
    if isinstance(t, TupleType):
        return TupleType([erase_undefined(f, defined) for f in t.types])
    if free_vars(t) <= defined:
        return t
    if isinstance(t, TensorType):
        return TensorType(None, t.dtype, ndim=t.ndim)
    if isinstance(t, ShapeType):
        return ShapeType(None, ndim=t.ndim)
    if isinstance(t, PrimType):
        return PrimType(t.dtype)
    return t
