"""The relax dialect: graph-level functions over tensors with symbolic shapes.

This module holds the text helpers the relax ops share, the function-level ops
(`relax.func`, `relax.return`, `relax.dataflow`, `relax.output`), the purity
checks, and the `Relax` dialect. The other structural ops live in
`call_ops.py` (calls) and `value_ops.py` (casts, shapes, constants, tuples,
`relax.if`); high-level operators (matmul, softmax, ...) with their type
inference live in the `ops_*.py` families. Every op class is re-exported here,
so `from relax_dialect import ops as rx; rx.CallTIROp` works.

```mlir
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
```
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import FunctionType, StringAttr, SymbolNameConstraint
from xdsl.dialects.utils import parse_func_op_like, print_func_op_like
from xdsl.ir import Attribute, Block, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import HasParent, IsolatedFromAbove, IsTerminator, Pure, SymbolOpInterface
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.types import (
    ObjectType,
    PrimType,
    ShapeType,
    TensorType,
    TupleType,
    is_base_of,
    is_relax_type,
)
from xrelax.tir.syntax import OpVerifyException, parse_defined_operand, resolve_defined


# ---- text helpers shared by the relax ops --------------------------------------

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


# ---- functions ------------------------------------------------------------------

@irdl_op_definition
class FuncOp(IRDLOperation):
    """A relax function. Symbolic variables that stand alone as a dimension of a
    parameter's type (`n` in `[n, 4]`) are defined by the call; others are
    defined by `relax.match_cast`. The body ends with `relax.return`."""

    name = "relax.func"

    body = region_def("single_block")
    sym_name = prop_def(SymbolNameConstraint())
    function_type = prop_def(FunctionType)
    sym_visibility = opt_prop_def(StringAttr)

    traits = traits_def(IsolatedFromAbove(), SymbolOpInterface())

    def __init__(self, name: str, arg_types: Sequence[Attribute], result_type: Attribute,
                 region: Region | None = None, visibility: str | None = None):
        props: dict[str, Attribute | None] = {
            "sym_name": StringAttr(name),
            "function_type": FunctionType.from_lists(list(arg_types), [result_type]),
            "sym_visibility": StringAttr(visibility) if visibility else None,
        }
        super().__init__(properties=props,
                         regions=[region or Region(Block(arg_types=arg_types))])

    @property
    def result_type(self) -> Attribute:
        return self.function_type.outputs.data[0]

    @property
    def args(self) -> tuple[SSAValue, ...]:
        return tuple(self.body.block.args)

    @property
    def is_private(self) -> bool:
        return self.sym_visibility is not None and self.sym_visibility.data == "private"

    def verify_(self) -> None:
        from xrelax.relax.verify import verify_function

        if len(self.function_type.outputs.data) != 1:
            raise VerifyException(f"relax.func @{self.sym_name.data} must have exactly one "
                                  "result type (use a tuple for several)")
        if tuple(self.body.block.arg_types) != self.function_type.inputs.data:
            raise VerifyException("entry block argument types do not match the function type")
        for i, t in enumerate(self.function_type.inputs.data):
            check_relax_type(t, f"parameter #{i} of @{self.sym_name.data}")
        check_relax_type(self.result_type, f"the result of @{self.sym_name.data}")
        verify_function(self)

    @classmethod
    def parse(cls, parser: Parser) -> FuncOp:
        start = parser.pos
        visibility = parser.parse_optional_visibility_keyword()
        name, inputs, outputs, region, attrs, _, _ = parse_func_op_like(
            parser, reserved_attr_names=("sym_name", "function_type", "sym_visibility"))
        if len(outputs) != 1:
            parser.raise_error(f"relax.func @{name} must declare exactly one result type", start)
        op = FuncOp(name, inputs, outputs[0], region, visibility.data if visibility else None)
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        if self.sym_visibility:
            printer.print_string(f" {self.sym_visibility.data}")
        print_func_op_like(printer, self.sym_name, self.function_type, self.body,
                           self.attributes,
                           reserved_attr_names=("sym_name", "function_type", "sym_visibility"))


@irdl_op_definition
class ReturnOp(IRDLOperation):
    """Return the function's result: `relax.return %v : T`."""

    name = "relax.return"

    value = operand_def()
    traits = traits_def(IsTerminator(), HasParent(FuncOp))

    def __init__(self, value: SSAValue):
        super().__init__(operands=[value])

    @classmethod
    def parse(cls, parser: Parser) -> ReturnOp:
        start = parser.pos
        values = parse_typed_values(parser)
        if len(values) != 1:
            parser.raise_error("relax.return takes exactly one value", start)
        return ReturnOp(values[0])

    def print(self, printer: Printer) -> None:
        print_typed_values(printer, [self.value])

    def verify_(self) -> None:
        func = self.parent_op()
        assert isinstance(func, FuncOp)
        if len(func.function_type.outputs.data) != 1:
            return  # relax.func reports its malformed type itself
        if not is_base_of(func.result_type, self.value.type):
            raise VerifyException(
                f"relax.return: the returned value has type {self.value.type}, which is not "
                f"provably of the declared result type {func.result_type} of "
                f"@{func.sym_name.data} (use relax.match_cast to check it at run time)")


# ---- dataflow blocks --------------------------------------------------------------

@irdl_op_definition
class DataflowOp(IRDLOperation):
    """A pure region: no side effects and no control flow inside. Values
    defined in it are visible outside only through its `relax.output`, whose
    operands become the results of this op."""

    name = "relax.dataflow"

    outputs = var_result_def()
    body = region_def("single_block")
    traits = traits_def(Pure())

    def __init__(self, result_types: Sequence[Attribute], region: Region):
        super().__init__(result_types=[result_types], regions=[region])

    def verify_(self) -> None:
        term = self.body.block.last_op
        if not isinstance(term, OutputOp):
            raise VerifyException("relax.dataflow must end with relax.output")
        if tuple(v.type for v in term.values) != tuple(r.type for r in self.outputs):
            raise VerifyException("relax.dataflow result types do not match its relax.output")
        for op in self.body.block.ops:
            if not is_pure_relax_op(op):
                kind = "impure" if op.dialect_name() == "relax" else "not a relax op"
                raise OpVerifyException(op, f"{op.name} is {kind} and cannot appear inside "
                                        "a relax.dataflow block")

    @classmethod
    def parse(cls, parser: Parser) -> DataflowOp:
        start = parser.pos  # report at the block's '{', not at the op after it
        region = parser.parse_region()
        term = region.block.last_op if region.blocks else None
        if not isinstance(term, OutputOp):
            parser.raise_error("relax.dataflow must end with relax.output", start)
        return DataflowOp([v.type for v in term.values], region)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_region(self.body, print_entry_block_args=False)


@irdl_op_definition
class OutputOp(IRDLOperation):
    """End a dataflow block, making values visible after it:
    `relax.output %a, %b : T1, T2`."""

    name = "relax.output"

    values = var_operand_def()
    traits = traits_def(IsTerminator(), HasParent(DataflowOp), Pure())

    def __init__(self, values: Sequence[SSAValue]):
        super().__init__(operands=[values])

    @classmethod
    def parse(cls, parser: Parser) -> OutputOp:
        return OutputOp(parse_typed_values(parser))

    def print(self, printer: Printer) -> None:
        print_typed_values(printer, self.values)


def is_pure_relax_op(op: Operation) -> bool:
    """May this op appear in a dataflow block? (pure relax ops only)"""
    if op.dialect_name() != "relax":
        return False
    if op.name in ("relax.alloc_storage", "relax.alloc_tensor", "relax.call_kernel"):
        return False  # they allocate or write into their operands
    if isinstance(op, CallOp):
        callee = op.callee_op()
        return callee is not None and is_pure_function(callee)
    return not isinstance(op, (CallPackedOp, IfOp, DataflowOp, FuncOp, ReturnOp, YieldOp))


def is_pure_function(fn: FuncOp, visiting: frozenset[str] = frozenset()) -> bool:
    """No call_packed in the function or in any relax function it calls."""
    name = fn.sym_name.data
    for op in fn.walk():
        if isinstance(op, CallPackedOp):
            return False
        if isinstance(op, CallOp):
            callee = op.callee_op()
            if callee is not None and callee.sym_name.data not in visiting | {name} \
                    and not is_pure_function(callee, visiting | {name}):
                return False
    return True


# the other structural ops import the helpers and FuncOp above; re-exported here
from xrelax.relax.call_ops import (  # noqa: E402
    CallDPSPackedOp,
    CallOp,
    CallPackedOp,
    CallTIROp,
)
from xrelax.relax.value_ops import (  # noqa: E402
    ConstantOp,
    GetItemOp,
    IfOp,
    MatchCastOp,
    PrimValueOp,
    ShapeOfOp,
    ShapeOp,
    TupleOp,
    YieldOp,
    shape_of_type,
)

STRUCTURAL_OPS: list[type[Operation]] = [
    FuncOp, ReturnOp, DataflowOp, OutputOp, MatchCastOp, ShapeOfOp, ShapeOp, PrimValueOp,
    ConstantOp, TupleOp, GetItemOp, CallTIROp, CallDPSPackedOp, CallPackedOp, CallOp, IfOp,
    YieldOp,
]

from xrelax.relax.memory_ops import MEMORY_OPS  # noqa: E402 (they import this module)
from xrelax.relax.op_library import HIGH_LEVEL_OPS  # noqa: E402 (they import the base)

Relax = Dialect(
    "relax",
    STRUCTURAL_OPS + MEMORY_OPS + HIGH_LEVEL_OPS,
    [TensorType, ShapeType, TupleType, ObjectType, PrimType],
)
