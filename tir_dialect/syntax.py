"""Small parsing helpers shared by the custom text forms of relax and tir ops."""

from __future__ import annotations

from xdsl.ir import Operation, SSAValue
from xdsl.parser import Parser, UnresolvedOperand
from xdsl.utils.exceptions import VerifyException


def parse_defined_operand(parser: Parser, what: str = "value") -> SSAValue:
    """Parse `%name` that must already be defined, and return its value.

    Our custom forms leave out operand types where the definition already
    fixes them (`tir.load %A[%i] : f32`), so the operand must be in scope.
    Values never need forward references in relax or tir: dataflow is acyclic
    and buffers are defined before they are used.
    """
    operand = parser.parse_optional_unresolved_operand()
    if operand is None:
        parser.raise_error(f"expected {what} (an SSA value such as %x)")
    return resolve_defined(parser, operand)


def resolve_defined(parser: Parser, operand: UnresolvedOperand) -> SSAValue:
    """The value an already-parsed `%name` refers to; an error if undefined."""
    values = parser.ssa_values.get(operand.operand_name)
    if values is None:
        parser.raise_error(
            f"'%{operand.operand_name}' is not defined at this point (note: a value "
            "defined inside a relax.dataflow block is visible outside it only "
            "through relax.output, and a value must be defined before it is used)",
            operand.span)
    if operand.index >= len(values):
        parser.raise_error(f"'%{operand.operand_name}' has only {len(values)} results",
                           operand.span)
    return values[operand.index]


def parse_defined_operands(parser: Parser, delimiter: Parser.Delimiter,
                           what: str = "value") -> list[SSAValue]:
    return parser.parse_comma_separated_list(
        delimiter, lambda: parse_defined_operand(parser, what))


class OpVerifyException(VerifyException):
    """A verification error that names the op at fault, so the driver can
    report that op's source location (a function-level check finds errors in
    ops nested deep inside it)."""

    def __init__(self, op: Operation, message: str):
        super().__init__(message)
        self.op = op


def check_index_constants(func: Operation) -> None:
    """An `index` constant fits in int64 (index values are 64-bit; xDSL accepts
    up to 2**64 - 1)."""
    from xdsl.dialects.builtin import IndexType, IntegerAttr

    for op in func.walk():
        for attr in op.properties.values():
            if isinstance(attr, IntegerAttr) and isinstance(attr.type, IndexType) \
                    and not -(1 << 63) <= attr.value.data < (1 << 63):
                raise OpVerifyException(op, f"{op.name}: the index constant {attr.value.data} "
                                        "does not fit in 64 bits")


def check_defined_before_use(func: Operation) -> None:
    """Every operand is defined before its use: earlier in the same block, in
    an enclosing block, or as a block argument. (xDSL's parser accepts forward
    references and its verifier does not check dominance; the lowerings walk
    ops in order.)"""
    visible: set[SSAValue] = set()

    def visit(op: Operation) -> None:
        for operand in op.operands:
            if operand not in visible:
                name = f"%{operand.name_hint}" if operand.name_hint else "a value"
                raise OpVerifyException(op, f"{op.name} uses {name} before it is defined "
                                        "(a value must be defined before its uses, in this "
                                        "block or an enclosing one)")
        for region in op.regions:
            for block in region.blocks:
                added = [*block.args]
                visible.update(added)
                for inner in block.ops:
                    visit(inner)
                    added += inner.results
                    visible.update(inner.results)
                visible.difference_update(added)

    visit(func)
