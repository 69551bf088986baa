"""relax calls out of the graph: `relax.call_tir` (a tir kernel,
destination-passing style), `relax.call_dps_packed` and `relax.call_packed`
(external registered functions). `relax.call` (another relax function) is in
`func_ops.py`; `xrelax.relax.ops` re-exports them all (`rx.CallTIROp`).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, StringAttr, SymbolRefAttr
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    prop_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import Pure
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.syntax import (
    check_relax_type,
    parse_result_types,
    print_operand_list,
    print_result_types,
)
from xrelax.relax.types import TensorType
from xrelax.relax.verify import verify_call_tir
from xrelax.tir.symbolic import ExprLike, SymExpr
from xrelax.tir.syntax import parse_defined_operands
from xrelax.tir.types import SymExprAttr, parse_shape, shape_attr


@irdl_op_definition
class CallTIROp(IRDLOperation):
    """Call a tir kernel in destination-passing style: the caller allocates one
    output tensor per result type and the kernel writes into them.

    `%y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>`;
    `sym [e, ...]` passes symbolic expressions to the kernel's `sym(...)` variables.
    Arguments are tensors (for buffer parameters) or prim values (for scalars),
    followed by the outputs, in the order of the kernel's parameters.
    """

    name = "relax.call_tir"

    callee = prop_def(SymbolRefAttr)
    args = var_operand_def()
    sym_args = prop_def(ArrayAttr[SymExprAttr])
    outputs = var_result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, callee: str, args: Sequence[SSAValue], out_types: Sequence[Attribute],
                 sym_args: Sequence[ExprLike] = ()):
        super().__init__(operands=[args], result_types=[out_types],
                         properties={"callee": SymbolRefAttr(callee),
                                     "sym_args": shape_attr(sym_args)})

    @property
    def sym_exprs(self) -> tuple[SymExpr, ...]:
        return tuple(a.data for a in self.sym_args.data)

    def verify_(self) -> None:
        verify_call_tir(self)

    @classmethod
    def parse(cls, parser: Parser) -> CallTIROp:
        callee = parser.parse_symbol_name().data
        args = parse_defined_operands(parser, parser.Delimiter.PAREN, "an argument")
        sym: list[SymExpr] = []
        if parser.parse_optional_keyword("sym") is not None:
            sym = parse_shape(parser)
        return CallTIROp(callee, args, parse_result_types(parser), sym)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.callee.root_reference.data)
        print_operand_list(printer, self.args)
        if self.sym_args.data:
            printer.print_string(" sym [" + ", ".join(str(e) for e in self.sym_exprs) + "]")
        print_result_types(printer, [r.type for r in self.outputs])


def _parse_packed_call(parser: Parser) -> tuple[str, list[SSAValue], list[Attribute]]:
    pos = parser.pos
    name = parser.parse_optional_str_literal()
    if name is None:
        parser.raise_error("expected the external function's name as a string literal",
                           pos, parser.pos)
    args = parse_defined_operands(parser, parser.Delimiter.PAREN, "an argument")
    return name, args, parse_result_types(parser)


def _print_packed_call(printer: Printer, op: CallDPSPackedOp | CallPackedOp) -> None:
    printer.print_string(" ")
    printer.print_string_literal(op.func_name.data)
    print_operand_list(printer, op.args)
    print_result_types(printer, [r.type for r in op.outputs])


@irdl_op_definition
class CallDPSPackedOp(IRDLOperation):
    """Call an external (registered) function in destination-passing style; the
    function must be pure: `%y = relax.call_dps_packed "my_op"(%x) : T`."""

    name = "relax.call_dps_packed"

    func_name = prop_def(StringAttr)
    args = var_operand_def()
    outputs = var_result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, func_name: str, args: Sequence[SSAValue], out_types: Sequence[Attribute]):
        super().__init__(operands=[args], result_types=[out_types],
                         properties={"func_name": StringAttr(func_name)})

    def verify_(self) -> None:
        for i, a in enumerate(self.args):
            check_relax_type(a.type, f"argument #{i} of relax.call_dps_packed")
        if not self.outputs:
            raise VerifyException("relax.call_dps_packed needs at least one output type")

    @classmethod
    def parse(cls, parser: Parser) -> CallDPSPackedOp:
        return CallDPSPackedOp(*_parse_packed_call(parser))

    def print(self, printer: Printer) -> None:
        _print_packed_call(printer, self)


@irdl_op_definition
class CallPackedOp(IRDLOperation):
    """Call an external (registered) function that returns its own result and
    may have side effects; not allowed in dataflow blocks:
    `%r = relax.call_packed "print"(%x) : !relax.object`."""

    name = "relax.call_packed"

    func_name = prop_def(StringAttr)
    args = var_operand_def()
    outputs = var_result_def()

    def __init__(self, func_name: str, args: Sequence[SSAValue], out_types: Sequence[Attribute]):
        super().__init__(operands=[args], result_types=[out_types],
                         properties={"func_name": StringAttr(func_name)})

    def verify_(self) -> None:
        for i, a in enumerate(self.args):
            check_relax_type(a.type, f"argument #{i} of relax.call_packed")
        if len(self.outputs) != 1:
            raise VerifyException("relax.call_packed has exactly one result (use a tuple type "
                                  "for several)")
        check_relax_type(self.outputs[0].type, "the result of relax.call_packed")

    @classmethod
    def parse(cls, parser: Parser) -> CallPackedOp:
        return CallPackedOp(*_parse_packed_call(parser))

    def print(self, printer: Printer) -> None:
        _print_packed_call(printer, self)
