"""Text helpers shared by the structural relax ops: result types, typed value
lists (`%a, %b : T1, T2`), operand lists."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Attribute, SSAValue
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.types import is_relax_type
from xrelax.tir.syntax import parse_defined_operand, resolve_defined


def check_relax_type(t: Attribute, what: str) -> None:
    if not is_relax_type(t):
        raise VerifyException(f"{what} has type {t}, which is not a relax type")


def parse_result_types(parser: Parser) -> list[Attribute]:
    """`: T` or `: (T1, T2, ...)`."""
    parser.parse_punctuation(":")
    types = parser.parse_optional_comma_separated_list(parser.Delimiter.PAREN, parser.parse_type)
    return types if types is not None else [parser.parse_type()]


def print_result_types(printer: Printer, types: Sequence[Attribute]) -> None:
    printer.print_string(" : ")
    if len(types) == 1:
        printer.print_attribute(types[0])
    else:
        printer.print_string("(")
        printer.print_list(types, printer.print_attribute)
        printer.print_string(")")


def parse_typed_values(parser: Parser) -> list[SSAValue]:
    """`%a, %b : T1, T2` (or nothing) where the values are already defined."""
    first = parser.parse_optional_unresolved_operand()
    if first is None:
        return []
    values = [resolve_defined(parser, first)]
    while parser.parse_optional_punctuation(",") is not None:
        values.append(parse_defined_operand(parser))
    parser.parse_punctuation(":")
    for i, v in enumerate(values):
        if i:
            parser.parse_punctuation(",")
        pos = parser.pos
        t = parser.parse_type()
        if t != v.type:
            parser.raise_error(f"type {t} does not match the value's type {v.type}", pos, parser.pos)
    return values


def print_typed_values(printer: Printer, values: Sequence[SSAValue]) -> None:
    if not values:
        return
    printer.print_string(" ")
    printer.print_list(values, printer.print_ssa_value)
    printer.print_string(" : ")
    printer.print_list([v.type for v in values], printer.print_attribute)


def print_operand_list(printer: Printer, operands: Sequence[SSAValue]) -> None:
    printer.print_string("(")
    printer.print_list(operands, printer.print_ssa_value)
    printer.print_string(")")
