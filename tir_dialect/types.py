"""Attributes and types shared by the tir and relax dialects.

- `SymExprAttr` (`#tir.expr<n * 4>`) carries one symbolic integer expression.
- `BufferType` (`!tir.buffer<[n, 4], f32>`) is a tir buffer with a symbolic shape.
- dtype helpers: the element types both dialects accept, with `bool` as an
  alias of `i1` in the text.
- shape helpers: `[n, n * 4]` as it appears inside types.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xdsl.dialects.builtin import (
    ArrayAttr,
    BFloat16Type,
    Float16Type,
    Float32Type,
    Float64Type,
    IndexType,
    IntegerType,
    Signedness,
    bf16,
    f16,
    f32,
    f64,
    i1,
    i8,
    i16,
    i32,
    i64,
)
from xdsl.ir import Attribute, Data, ParametrizedAttribute, TypeAttribute
from xdsl.irdl import irdl_attr_definition
from xdsl.parser import AttrParser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from xrelax.tir.symbolic import ExprLike, SymExpr, parse_sym_expr

# ---- dtypes ------------------------------------------------------------------

DTYPES_BY_NAME: dict[str, Attribute] = {
    "f16": f16,
    "bf16": bf16,
    "f32": f32,
    "f64": f64,
    "bool": i1,
    "i1": i1,
    "i8": i8,
    "i16": i16,
    "i32": i32,
    "i64": i64,
    "ui8": IntegerType(8, Signedness.UNSIGNED),
}


def is_dtype(attr: Attribute) -> bool:
    """Whether `attr` is an element type a tensor or buffer may hold."""
    if isinstance(attr, (Float16Type, BFloat16Type, Float32Type, Float64Type)):
        return True
    return isinstance(attr, IntegerType) and attr in DTYPES_BY_NAME.values()


def to_dtype(value: Attribute | str) -> Attribute:
    """A dtype from its name ('f32', 'bool', ...) or an xDSL type."""
    if isinstance(value, str):
        if value not in DTYPES_BY_NAME:
            raise ValueError(f"unknown dtype '{value}' (known: {', '.join(DTYPES_BY_NAME)})")
        return DTYPES_BY_NAME[value]
    if not is_dtype(value):
        raise ValueError(f"{value} is not a supported dtype")
    return value


def dtype_name(attr: Attribute) -> str:
    for name, dtype in DTYPES_BY_NAME.items():
        if dtype == attr and name != "bool":
            return name
    return str(attr)


def itemsize(dtype: Attribute) -> int:
    """Bytes per element (a bool takes a byte, as in numpy)."""
    bits = dtype.width.data if isinstance(dtype, IntegerType) else dtype.bitwidth  # type: ignore[attr-defined]
    return max(bits // 8, 1)


def parse_dtype(parser: AttrParser) -> Attribute:
    pos = parser.pos
    if parser.parse_optional_keyword("bool") is not None:
        return i1
    dtype = parser.parse_type()
    if not is_dtype(dtype):
        parser.raise_error(
            f"'{dtype}' is not a supported dtype (expected one of "
            f"{', '.join(DTYPES_BY_NAME)})", pos, parser.pos)
    return dtype


def is_index_or_int(attr: Attribute) -> bool:
    return isinstance(attr, (IndexType, IntegerType))


# ---- symbolic expressions as attributes --------------------------------------

def check_int64_constants(expr: SymExpr) -> None:
    """Every constant of a symbolic expression fits in int64 (sizes and loop
    bounds become 64-bit values)."""
    for mono, coeff in expr.terms:
        if not -(1 << 63) <= coeff < (1 << 63):
            raise VerifyException(f"the constant {coeff} in the symbolic expression {expr} "
                                  "does not fit in int64")
        for atom in mono:
            for arg in getattr(atom, "args", ()):
                check_int64_constants(arg)


@irdl_attr_definition
class SymExprAttr(Data[SymExpr]):
    """A symbolic integer expression, e.g. `#tir.expr<n * 4 + 1>`."""

    name = "tir.expr"

    @classmethod
    def parse_parameter(cls, parser: AttrParser) -> SymExpr:
        with parser.in_angle_brackets():
            return parse_sym_expr(parser)

    def print_parameter(self, printer: Printer) -> None:
        printer.print_string(f"<{self.data}>")

    def verify(self) -> None:
        check_int64_constants(self.data)

    @staticmethod
    def of(value: ExprLike) -> SymExprAttr:
        return SymExprAttr(SymExpr.lift(value))


def shape_attr(dims: Iterable[ExprLike]) -> ArrayAttr[SymExprAttr]:
    return ArrayAttr([SymExprAttr.of(d) for d in dims])


def shape_exprs(attr: ArrayAttr[SymExprAttr]) -> tuple[SymExpr, ...]:
    return tuple(d.data for d in attr.data)


def parse_shape(parser: AttrParser) -> list[SymExpr]:
    """`[d0, d1, ...]` where each dim is a symbolic expression."""
    return parser.parse_comma_separated_list(
        parser.Delimiter.SQUARE, lambda: parse_sym_expr(parser), " in a shape")


def print_shape(printer: Printer, dims: Sequence[SymExpr]) -> None:
    printer.print_string("[" + ", ".join(str(d) for d in dims) + "]")


def shape_str(dims: Sequence[SymExpr]) -> str:
    return "[" + ", ".join(str(d) for d in dims) + "]"


MAX_STATIC_ELEMENTS = 1 << 40  # as many elements as a tensor may have at run time


def check_shape_size(dims: Sequence[SymExpr], what: str) -> None:
    """No constant factor of the element count exceeds MAX_STATIC_ELEMENTS: a
    shape like [2**62] or [n * 2**50] could never be allocated, and the size
    computations of the passes (bytes, memory plans) must fit in int64."""
    count = SymExpr.const(1)
    for d in dims:
        count = count * d
        if any(abs(c) > MAX_STATIC_ELEMENTS for _, c in count.terms):
            raise VerifyException(f"{what} {shape_str(dims)} is too large: its element count "
                                  "has a constant factor above 2**40")


def check_shape_nonnegative(dims: Sequence[SymExpr], what: str) -> None:
    for d in dims:
        lo, hi = d.bounds()
        if hi < 0:
            raise VerifyException(f"{what} has a negative dimension {d}")


# ---- tir buffers -------------------------------------------------------------

@irdl_attr_definition
class BufferType(ParametrizedAttribute, TypeAttribute):
    """A tir buffer: a dense row-major array with a symbolic shape and a dtype.

    Text: `!tir.buffer<[n, 4], f32>`. A scalar buffer has shape `[]`.
    """

    name = "tir.buffer"

    shape: ArrayAttr[SymExprAttr]
    dtype: Attribute

    def __init__(self, shape: Iterable[ExprLike], dtype: Attribute | str):
        super().__init__(shape_attr(shape), to_dtype(dtype))

    @property
    def dims(self) -> tuple[SymExpr, ...]:
        return shape_exprs(self.shape)

    @property
    def rank(self) -> int:
        return len(self.shape.data)

    def verify(self) -> None:
        if not is_dtype(self.dtype):
            raise VerifyException(f"{self.dtype} is not a supported buffer dtype")
        check_shape_nonnegative(self.dims, "buffer type")
        check_shape_size(self.dims, "buffer type")

    @classmethod
    def parse_parameters(cls, parser: AttrParser) -> tuple[Attribute, ...]:
        with parser.in_angle_brackets():
            dims = parse_shape(parser)
            parser.parse_punctuation(",", " between the shape and dtype of a buffer")
            dtype = parse_dtype(parser)
        return (shape_attr(dims), dtype)

    def print_parameters(self, printer: Printer) -> None:
        printer.print_string("<")
        print_shape(printer, self.dims)
        printer.print_string(", ")
        printer.print_attribute(self.dtype)
        printer.print_string(">")
