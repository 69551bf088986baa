"""The relax dialect: graph-level functions over tensors with symbolic shapes.

Structural ops live here; high-level operators (matmul, softmax, ...) with
their type inference live beside them in their own modules.

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

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    FunctionType,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
    TensorType as BuiltinTensorType,
)
from xdsl.dialects.utils import parse_func_op_like, print_func_op_like
from xdsl.ir import Attribute, Block, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
    var_result_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    Pure,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException

from relax_dialect import types as rt
from relax_dialect.types import (
    ObjectType,
    PrimType,
    ShapeType,
    TensorType,
    TupleType,
    is_base_of,
    is_relax_type,
    may_match,
)
from tir_dialect.symbolic import ExprLike, SymExpr, parse_sym_expr
from tir_dialect.syntax import OpVerifyException, parse_defined_operand, parse_defined_operands, resolve_defined
from tir_dialect.types import SymExprAttr, is_dtype, parse_dtype, parse_shape, shape_attr


def _check_relax_type(t: Attribute, what: str) -> None:
    if not is_relax_type(t):
        raise VerifyException(f"{what} has type {t}, which is not a relax type")


def _parse_result_types(parser: Parser) -> list[Attribute]:
    """`: T` or `: (T1, T2, ...)`."""
    parser.parse_punctuation(":")
    types = parser.parse_optional_comma_separated_list(parser.Delimiter.PAREN, parser.parse_type)
    return types if types is not None else [parser.parse_type()]


def _print_result_types(printer: Printer, types: Sequence[Attribute]) -> None:
    printer.print_string(" : ")
    if len(types) == 1:
        printer.print_attribute(types[0])
    else:
        printer.print_string("(")
        printer.print_list(types, printer.print_attribute)
        printer.print_string(")")


def _parse_typed_values(parser: Parser) -> list[SSAValue]:
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


def _print_typed_values(printer: Printer, values: Sequence[SSAValue]) -> None:
    if not values:
        return
    printer.print_string(" ")
    printer.print_list(values, printer.print_ssa_value)
    printer.print_string(" : ")
    printer.print_list([v.type for v in values], printer.print_attribute)


def _print_operand_list(printer: Printer, operands: Sequence[SSAValue]) -> None:
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
        from relax_dialect.verify import verify_function

        if len(self.function_type.outputs.data) != 1:
            raise VerifyException(f"relax.func @{self.sym_name.data} must have exactly one "
                                  "result type (use a tuple for several)")
        if tuple(self.body.block.arg_types) != self.function_type.inputs.data:
            raise VerifyException("entry block argument types do not match the function type")
        for i, t in enumerate(self.function_type.inputs.data):
            _check_relax_type(t, f"parameter #{i} of @{self.sym_name.data}")
        _check_relax_type(self.result_type, f"the result of @{self.sym_name.data}")
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
        values = _parse_typed_values(parser)
        if len(values) != 1:
            parser.raise_error("relax.return takes exactly one value", start)
        return ReturnOp(values[0])

    def print(self, printer: Printer) -> None:
        _print_typed_values(printer, [self.value])

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
        return OutputOp(_parse_typed_values(parser))

    def print(self, printer: Printer) -> None:
        _print_typed_values(printer, self.values)


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


# ---- shapes and casts --------------------------------------------------------------

@irdl_op_definition
class MatchCastOp(IRDLOperation):
    """Check at run time that a value has a type, and give the value that type.
    Symbolic variables that appear alone in the type for the first time are
    bound to the value's actual dims: `%y = relax.match_cast %x : !relax.tensor<[m, 4], f32>`.
    """

    name = "relax.match_cast"

    value = operand_def()
    result = result_def()
    traits = traits_def(Pure())

    def __init__(self, value: SSAValue, target: Attribute):
        super().__init__(operands=[value], result_types=[target])

    def verify_(self) -> None:
        _check_relax_type(self.result.type, "relax.match_cast target")
        if not may_match(self.result.type, self.value.type):
            raise VerifyException(
                f"relax.match_cast: a value of type {self.value.type} can never have type "
                f"{self.result.type}")

    @classmethod
    def parse(cls, parser: Parser) -> MatchCastOp:
        value = parse_defined_operand(parser, "the value to cast")
        parser.parse_punctuation(":")
        return MatchCastOp(value, parser.parse_type())

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.value)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


@irdl_op_definition
class ShapeOfOp(IRDLOperation):
    """The shape of a tensor as a shape value: `%s = relax.shape_of %x`."""

    name = "relax.shape_of"

    tensor = operand_def(TensorType)
    result = result_def(ShapeType)
    traits = traits_def(Pure())

    def __init__(self, tensor: SSAValue):
        assert isinstance(tensor.type, TensorType)
        super().__init__(operands=[tensor], result_types=[shape_of_type(tensor.type)])

    def verify_(self) -> None:
        assert isinstance(self.tensor.type, TensorType)
        expected = shape_of_type(self.tensor.type)
        if self.result.type != expected:
            raise VerifyException(f"relax.shape_of: result type {self.result.type} does not "
                                  f"match the tensor's shape {expected}")

    @classmethod
    def parse(cls, parser: Parser) -> ShapeOfOp:
        start = parser.pos
        tensor = parse_defined_operand(parser, "a tensor")
        if not isinstance(tensor.type, TensorType):
            parser.raise_error(f"relax.shape_of expects a tensor, got {tensor.type}", start)
        return ShapeOfOp(tensor)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.tensor)


def shape_of_type(t: TensorType) -> ShapeType:
    return ShapeType(t.dims, t.ndim)


@irdl_op_definition
class ShapeOp(IRDLOperation):
    """A shape value from symbolic expressions: `%s = relax.shape [n, 4]`."""

    name = "relax.shape"

    dims = prop_def(ArrayAttr[SymExprAttr])
    result = result_def(ShapeType)
    traits = traits_def(Pure())

    def __init__(self, dims: Sequence[ExprLike]):
        super().__init__(properties={"dims": shape_attr(dims)},
                         result_types=[ShapeType(dims)])

    def verify_(self) -> None:
        if self.result.type != ShapeType([d.data for d in self.dims.data]):
            raise VerifyException("relax.shape: result type does not match its dims")

    @classmethod
    def parse(cls, parser: Parser) -> ShapeOp:
        return ShapeOp(parse_shape(parser))

    def print(self, printer: Printer) -> None:
        printer.print_string(" [" + ", ".join(str(d.data) for d in self.dims.data) + "]")


@irdl_op_definition
class PrimValueOp(IRDLOperation):
    """A scalar from a symbolic expression: `%p = relax.prim_value n * 2 : i64`."""

    name = "relax.prim_value"

    value = prop_def(SymExprAttr)
    result = result_def(PrimType)
    traits = traits_def(Pure())

    def __init__(self, value: ExprLike, dtype: Attribute | str = "i64"):
        super().__init__(properties={"value": SymExprAttr.of(value)},
                         result_types=[PrimType(dtype, value)])

    def verify_(self) -> None:
        assert isinstance(self.result.type, PrimType)
        if self.result.type.known_value != self.value.data:
            raise VerifyException("relax.prim_value: result type does not match its value")

    @classmethod
    def parse(cls, parser: Parser) -> PrimValueOp:
        value = parse_sym_expr(parser)
        parser.parse_punctuation(":")
        return PrimValueOp(value, parse_dtype(parser))

    def print(self, printer: Printer) -> None:
        assert isinstance(self.result.type, PrimType)
        printer.print_string(f" {self.value.data} : ")
        printer.print_attribute(self.result.type.dtype)


# ---- constants and tuples ----------------------------------------------------------

def _constant_type(value: Attribute) -> TensorType:
    assert isinstance(value, (DenseIntOrFPElementsAttr, DenseResourceAttr))
    shaped = value.get_type()
    assert isinstance(shaped, BuiltinTensorType)
    return TensorType(shaped.get_shape(), shaped.get_element_type())


@irdl_op_definition
class ConstantOp(IRDLOperation):
    """A constant tensor, inline (`relax.constant dense<[1.0, 2.0]> : tensor<2xf32>`)
    or a named blob from the file's resources (`dense_resource<w1> : tensor<512x512xf32>`)."""

    name = "relax.constant"

    value = prop_def(DenseIntOrFPElementsAttr | DenseResourceAttr)
    result = result_def(TensorType)
    traits = traits_def(Pure())

    def __init__(self, value: DenseIntOrFPElementsAttr | DenseResourceAttr):
        super().__init__(properties={"value": value}, result_types=[_constant_type(value)])

    def verify_(self) -> None:
        if not isinstance(self.value.get_type(), BuiltinTensorType):
            raise VerifyException("relax.constant value must have a tensor type")
        if self.result.type != _constant_type(self.value):
            raise VerifyException(f"relax.constant: result type {self.result.type} does not "
                                  f"match the value's type {self.value.get_type()}")
        if isinstance(self.value, DenseResourceAttr):
            from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
            from xdsl.dialects.builtin import Builtin

            blobs = Builtin.get_interface(OpAsmDialectInterface)
            key = self.value.resource_handle.data
            if blobs is None or not blobs.lookup(key):
                raise VerifyException(f"relax.constant: dense_resource<{key}> has no data (add "
                                      "it to the file's {-# dialect_resources: ... #-} section)")

    @classmethod
    def parse(cls, parser: Parser) -> ConstantOp:
        pos = parser.pos
        value = parser.parse_attribute()
        if not isinstance(value, (DenseIntOrFPElementsAttr, DenseResourceAttr)) or \
                not isinstance(value.get_type(), BuiltinTensorType):
            parser.raise_error("relax.constant expects dense<...> or dense_resource<...> "
                               "with a tensor type", pos, parser.pos)
        shaped = value.get_type()
        if not is_dtype(shaped.get_element_type()) or any(d < 0 for d in shaped.get_shape()):
            parser.raise_error(f"relax.constant: {shaped} must have a static shape and a "
                               "supported dtype", pos, parser.pos)
        return ConstantOp(value)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_attribute(self.value)


@irdl_op_definition
class TupleOp(IRDLOperation):
    """Group values into a tuple: `%t = relax.tuple(%a, %b)`."""

    name = "relax.tuple"

    fields = var_operand_def()
    result = result_def(TupleType)
    traits = traits_def(Pure())

    def __init__(self, fields: Sequence[SSAValue]):
        super().__init__(operands=[fields], result_types=[TupleType(f.type for f in fields)])

    def verify_(self) -> None:
        if self.result.type != TupleType(f.type for f in self.fields):
            raise VerifyException("relax.tuple: result type does not match the field types")

    @classmethod
    def parse(cls, parser: Parser) -> TupleOp:
        return TupleOp(parse_defined_operands(parser, parser.Delimiter.PAREN))

    def print(self, printer: Printer) -> None:
        _print_operand_list(printer, self.fields)


@irdl_op_definition
class GetItemOp(IRDLOperation):
    """Take field `index` of a tuple: `%a = relax.get_item %t[0]`."""

    name = "relax.get_item"

    tuple_value = operand_def(TupleType)
    index = prop_def(SymExprAttr)
    result = result_def()
    traits = traits_def(Pure())

    def __init__(self, tuple_value: SSAValue, index: int):
        t = tuple_value.type
        assert isinstance(t, TupleType)
        result = t.types[index] if 0 <= index < len(t.types) else ObjectType()
        super().__init__(operands=[tuple_value], properties={"index": SymExprAttr.of(index)},
                         result_types=[result])

    @property
    def position(self) -> int:
        return self.index.data.value or 0

    def verify_(self) -> None:
        t = self.tuple_value.type
        assert isinstance(t, TupleType)
        if not self.index.data.is_const() or not 0 <= self.position < len(t.types):
            raise VerifyException(f"relax.get_item: index {self.index.data} is out of range "
                                  f"for a tuple of {len(t.types)} fields")
        if self.result.type != t.types[self.position]:
            raise VerifyException(f"relax.get_item: result type {self.result.type} does not "
                                  f"match field {self.position} of type {t.types[self.position]}")

    @classmethod
    def parse(cls, parser: Parser) -> GetItemOp:
        start = parser.pos
        tup = parse_defined_operand(parser, "a tuple")
        if not isinstance(tup.type, TupleType):
            parser.raise_error(f"relax.get_item expects a tuple, got {tup.type}", start)
        parser.parse_punctuation("[")
        pos = parser.pos
        index = parser.parse_integer(allow_boolean=False)
        if not 0 <= index < len(tup.type.types):
            parser.raise_error(f"index {index} is out of range for a tuple of "
                               f"{len(tup.type.types)} fields", pos, parser.pos)
        parser.parse_punctuation("]")
        return GetItemOp(tup, index)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.tuple_value)
        printer.print_string(f"[{self.position}]")


# ---- calls -------------------------------------------------------------------------

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
        from relax_dialect.verify import verify_call_tir

        verify_call_tir(self)

    @classmethod
    def parse(cls, parser: Parser) -> CallTIROp:
        callee = parser.parse_symbol_name().data
        args = parse_defined_operands(parser, parser.Delimiter.PAREN, "an argument")
        sym: list[SymExpr] = []
        if parser.parse_optional_keyword("sym") is not None:
            sym = parse_shape(parser)
        return CallTIROp(callee, args, _parse_result_types(parser), sym)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.callee.root_reference.data)
        _print_operand_list(printer, self.args)
        if self.sym_args.data:
            printer.print_string(" sym [" + ", ".join(str(e) for e in self.sym_exprs) + "]")
        _print_result_types(printer, [r.type for r in self.outputs])


def _parse_packed_call(parser: Parser) -> tuple[str, list[SSAValue], list[Attribute]]:
    pos = parser.pos
    name = parser.parse_optional_str_literal()
    if name is None:
        parser.raise_error("expected the external function's name as a string literal",
                           pos, parser.pos)
    args = parse_defined_operands(parser, parser.Delimiter.PAREN, "an argument")
    return name, args, _parse_result_types(parser)


def _print_packed_call(printer: Printer, op: CallDPSPackedOp | CallPackedOp) -> None:
    printer.print_string(" ")
    printer.print_string_literal(op.func_name.data)
    _print_operand_list(printer, op.args)
    _print_result_types(printer, [r.type for r in op.outputs])


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
            _check_relax_type(a.type, f"argument #{i} of relax.call_dps_packed")
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
            _check_relax_type(a.type, f"argument #{i} of relax.call_packed")
        if len(self.outputs) != 1:
            raise VerifyException("relax.call_packed has exactly one result (use a tuple type "
                                  "for several)")
        _check_relax_type(self.outputs[0].type, "the result of relax.call_packed")

    @classmethod
    def parse(cls, parser: Parser) -> CallPackedOp:
        return CallPackedOp(*_parse_packed_call(parser))

    def print(self, printer: Printer) -> None:
        _print_packed_call(printer, self)


@irdl_op_definition
class CallOp(IRDLOperation):
    """Call another relax function of the module: `%y = relax.call @f(%x) : T`.
    Allowed in a dataflow block when the callee is pure (it contains no
    call_packed). `fuse-ops` makes such calls to the fused groups it outlines."""

    name = "relax.call"

    callee = prop_def(SymbolRefAttr)
    args = var_operand_def()
    result = result_def()

    def __init__(self, callee: str, args: Sequence[SSAValue], result_type: Attribute):
        super().__init__(operands=[args], result_types=[result_type],
                         properties={"callee": SymbolRefAttr(callee)})

    def callee_op(self) -> FuncOp | None:
        found = SymbolTable.lookup_symbol(self, self.callee)
        return found if isinstance(found, FuncOp) else None

    def verify_(self) -> None:
        name = self.callee.root_reference.data
        callee = SymbolTable.lookup_symbol(self, self.callee)
        if not isinstance(callee, FuncOp):
            raise VerifyException(f"relax.call: no relax function named @{name}")
        params = callee.function_type.inputs.data
        if len(params) != len(self.args):
            raise VerifyException(f"relax.call: @{name} takes {len(params)} arguments, "
                                  f"got {len(self.args)}")
        for i, (p, a) in enumerate(zip(params, self.args)):
            if not may_match(p, a.type):
                raise VerifyException(f"relax.call: argument #{i} of type {a.type} can never "
                                      f"match parameter type {p} of @{name}")
        if not is_relax_type(self.result.type):
            raise VerifyException("relax.call: the result must have a relax type")

    @classmethod
    def parse(cls, parser: Parser) -> CallOp:
        callee = parser.parse_symbol_name().data
        args = parse_defined_operands(parser, parser.Delimiter.PAREN, "an argument")
        parser.parse_punctuation(":")
        return CallOp(callee, args, parser.parse_type())

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.callee.root_reference.data)
        _print_operand_list(printer, self.args)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


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


# ---- control flow ------------------------------------------------------------------

@irdl_op_definition
class IfOp(IRDLOperation):
    """Choose between two regions on a boolean (a scalar `i1` tensor or prim);
    each region ends with `relax.yield`. Not allowed inside dataflow blocks.

    `%r = relax.if %c -> !relax.tensor<[n], f32> { ... relax.yield %a : T } else { ... }`
    """

    name = "relax.if"

    cond = operand_def()
    results_ = var_result_def()
    then_region = region_def("single_block")
    else_region = region_def("single_block")

    def __init__(self, cond: SSAValue, result_types: Sequence[Attribute],
                 then_region: Region, else_region: Region):
        super().__init__(operands=[cond], result_types=[result_types],
                         regions=[then_region, else_region])

    def verify_(self) -> None:
        t = self.cond.type
        ok = (isinstance(t, TensorType) and t.ndim == 0 and t.dtype == rt.to_dtype("bool")) or \
            (isinstance(t, PrimType) and t.dtype == rt.to_dtype("bool"))
        if not ok:
            raise VerifyException(f"relax.if condition must be a bool scalar (tensor<[], i1> "
                                  f"or prim<i1>), got {t}")
        for name, region in (("then", self.then_region), ("else", self.else_region)):
            term = region.block.last_op
            if not isinstance(term, YieldOp):
                raise VerifyException(f"relax.if {name} region must end with relax.yield")
            if len(term.values) != len(self.results_):
                raise VerifyException(f"relax.if {name} region yields {len(term.values)} "
                                      f"values, expected {len(self.results_)}")
            for v, r in zip(term.values, self.results_):
                if not is_base_of(r.type, v.type):
                    raise VerifyException(f"relax.if {name} region yields {v.type}, which is "
                                          f"not provably of the result type {r.type}")

    @classmethod
    def parse(cls, parser: Parser) -> IfOp:
        cond = parse_defined_operand(parser, "a condition")
        types: list[Attribute] = []
        if parser.parse_optional_punctuation("->") is not None:
            types = parser.parse_optional_comma_separated_list(
                parser.Delimiter.PAREN, parser.parse_type) or [parser.parse_type()]
        then_region = parser.parse_region()
        parser.parse_keyword("else")
        else_region = parser.parse_region()
        return IfOp(cond, types, then_region, else_region)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.cond)
        if self.results_:
            printer.print_string(" -> ")
            types = [r.type for r in self.results_]
            if len(types) == 1:
                printer.print_attribute(types[0])
            else:
                printer.print_string("(")
                printer.print_list(types, printer.print_attribute)
                printer.print_string(")")
        printer.print_string(" ")
        printer.print_region(self.then_region, print_entry_block_args=False)
        printer.print_string(" else ")
        printer.print_region(self.else_region, print_entry_block_args=False)


@irdl_op_definition
class YieldOp(IRDLOperation):
    """End a region of `relax.if`: `relax.yield %a : T`."""

    name = "relax.yield"

    values = var_operand_def()
    traits = traits_def(IsTerminator(), HasParent(IfOp))

    def __init__(self, values: Sequence[SSAValue]):
        super().__init__(operands=[values])

    @classmethod
    def parse(cls, parser: Parser) -> YieldOp:
        return YieldOp(_parse_typed_values(parser))

    def print(self, printer: Printer) -> None:
        _print_typed_values(printer, self.values)


STRUCTURAL_OPS: list[type[Operation]] = [
    FuncOp, ReturnOp, DataflowOp, OutputOp, MatchCastOp, ShapeOfOp, ShapeOp, PrimValueOp,
    ConstantOp, TupleOp, GetItemOp, CallTIROp, CallDPSPackedOp, CallPackedOp, CallOp, IfOp,
    YieldOp,
]

from relax_dialect.memory_ops import MEMORY_OPS  # noqa: E402 (they import this module)
from relax_dialect.op_library import HIGH_LEVEL_OPS  # noqa: E402 (they import the base)

Relax = Dialect(
    "relax",
    STRUCTURAL_OPS + MEMORY_OPS + HIGH_LEVEL_OPS,
    [TensorType, ShapeType, TupleType, ObjectType, PrimType],
)
