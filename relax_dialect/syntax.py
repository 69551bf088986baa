"""Text helpers shared by the structural relax ops: result types, typed value
lists (`%a, %b : T1, T2`, a custom directive of the declarative assembly
format), operand lists."""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import IRDLOperation
from xdsl.irdl.declarative_assembly_format import (
    CustomDirective,
    OperandDirective,
    OperandVariable,
    ParsingState,
    PrintingState,
    TypeDirective,
    VariadicOperandVariable,
    irdl_custom_directive,
)
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.types import is_relax_type
from xrelax.tir.syntax import resolve_defined


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


@irdl_custom_directive
class DefinedTypedValues(CustomDirective):
    """`custom<DefinedTypedValues>($values, type($values))`: `%a, %b : T1, T2`,
    or nothing. The values must already be defined and each type must be its
    value's own, with errors that say so (the declarative `$values `:`
    type($values)` would take an undefined name as a forward reference and
    report it later, elsewhere). Used by relax.return, relax.output, relax.yield."""

    values: OperandDirective
    types: TypeDirective

    def is_present(self, op: IRDLOperation) -> bool:
        return bool(self.types.get(op))

    def parse(self, parser: Parser, state: ParsingState) -> None:
        start = parser.pos
        operands: list[UnresolvedOperand] = []
        values: list[SSAValue] = []
        operand = parser.parse_optional_unresolved_operand()
        while operand is not None:
            operands.append(operand)
            values.append(resolve_defined(parser, operand))
            if parser.parse_optional_punctuation(",") is None:
                break
            operand = parser.parse_optional_unresolved_operand()
            if operand is None:
                parser.raise_error("expected value (an SSA value such as %x)")
        types: list[Attribute] = []
        if values:
            parser.parse_punctuation(":")
        for i, v in enumerate(values):
            if i:
                parser.parse_punctuation(",")
            pos = parser.pos
            t = parser.parse_type()
            if t != v.type:
                parser.raise_error(f"type {t} does not match the value's type {v.type}",
                                   pos, parser.pos)
            types.append(t)
        if isinstance(self.values, VariadicOperandVariable):
            self.values.set(state, operands)
        elif len(operands) == 1 and isinstance(self.values, OperandVariable):
            self.values.set(state, operands[0])
        else:
            parser.raise_error(f"{state.op_type.name} takes exactly one value", start)
        self.values.set_types(state, types)

    def print(self, printer: Printer, state: PrintingState, op: IRDLOperation) -> None:
        types = self.types.get(op)
        if not types:
            return
        assert isinstance(self.values, (OperandVariable, VariadicOperandVariable))
        value = self.values.get(op)
        values = [value] if isinstance(value, SSAValue) else list(value)
        state.print_whitespace(printer)
        printer.print_list(values, printer.print_ssa_value)
        printer.print_string(" : ")
        printer.print_list(types, printer.print_attribute)


def print_operand_list(printer: Printer, operands: Sequence[SSAValue]) -> None:
    printer.print_string("(")
    printer.print_list(operands, printer.print_ssa_value)
    printer.print_string(")")
