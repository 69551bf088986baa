"""relax ops that make or take apart values: `relax.match_cast`,
`relax.shape_of`, `relax.shape`, `relax.prim_value`, `relax.constant`,
`relax.tuple`, `relax.get_item`, and the control flow `relax.if` with its
`relax.yield`.

They use the text helpers of `syntax.py`; `xrelax.relax.ops` re-exports
them (`rx.MatchCastOp`).
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    ArrayAttr,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    TensorType as BuiltinTensorType,
)
from xdsl.ir import Attribute, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
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
    EffectInstance,
    HasParent,
    IsTerminator,
    MemoryEffect,
    Pure,
    RecursiveMemoryEffect,
)
from xdsl.utils.exceptions import VerifyException

from xrelax.relax import types as rt
from xrelax.relax.syntax import (
    DefinedTypedValues,
    check_relax_type,
    print_operand_list,
)
from xrelax.relax.types import (
    ObjectType,
    PrimType,
    ShapeType,
    TensorType,
    TupleType,
    is_base_of,
    may_match,
)
from xrelax.tir.symbolic import ExprLike, parse_sym_expr
from xrelax.tir.syntax import parse_defined_operand, parse_defined_operands
from xrelax.tir.types import SymExprAttr, is_dtype, parse_dtype, parse_shape, shape_attr


# ---- shapes and casts --------------------------------------------------------------

class MatchCastEffects(MemoryEffect):
    """A match_cast whose result is unused may go (cse/dce), unless it defines
    symbolic variables: later types may use them. (None = unknown effects.)"""

    @classmethod
    def get_effects(cls, op) -> set[EffectInstance] | None:
        assert isinstance(op, MatchCastOp)
        new = rt.definable_vars(op.result.type) - rt.definable_vars(op.value.type)
        return None if new else set()


@irdl_op_definition
class MatchCastOp(IRDLOperation):
    """Check at run time that a value has a type, and give the value that type.
    Symbolic variables that appear alone in the type for the first time are
    bound to the value's actual dims: `%y = relax.match_cast %x : !relax.tensor<[m, 4], f32>`.
    """

    name = "relax.match_cast"

    value = operand_def()
    result = result_def()
    traits = traits_def(MatchCastEffects())

    def __init__(self, value: SSAValue, target: Attribute):
        super().__init__(operands=[value], result_types=[target])

    def verify_(self) -> None:
        check_relax_type(self.result.type, "relax.match_cast target")
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
        print_operand_list(printer, self.fields)


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
    traits = traits_def(RecursiveMemoryEffect())  # as pure as its branches

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
    traits = traits_def(IsTerminator(), HasParent(IfOp), Pure())
    custom_directives = (DefinedTypedValues,)
    assembly_format = "custom<DefinedTypedValues>($values, type($values)) attr-dict"

    def __init__(self, values: Sequence[SSAValue]):
        super().__init__(operands=[values])
