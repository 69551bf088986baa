"""The tir dialect: tensor-level kernels over buffers with symbolic shapes.

A `tir.func` takes buffers (and scalars) and writes its results into output
buffers (destination-passing style). Its body is a loop nest (`tir.for`) of
`tir.block`s; each block names iteration variables that are *spatial* or
*reduce*, bound to expressions of the surrounding loop variables, so passes can
tell what a loop nest computes. Scalar arithmetic uses `arith` and `math`.

```mlir
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      tir.store %e, %Y[%vi] : f32
    }
  }
}
```
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from xdsl.dialects.builtin import (
    ArrayAttr,
    FunctionType,
    IndexType,
    IntegerType,
    StringAttr,
    SymbolNameConstraint,
    i1,
)
from xdsl.ir import Attribute, Block, Dialect, Operation, Region, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    operand_def,
    opt_prop_def,
    opt_region_def,
    prop_def,
    region_def,
    result_def,
    traits_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.traits import (
    HasParent,
    IsolatedFromAbove,
    NoTerminator,
    Pure,
    RecursiveMemoryEffect,
    SymbolOpInterface,
)
from xdsl.utils.exceptions import VerifyException

from xrelax.tir.symbolic import ExprLike, SymExpr, parse_sym_expr
from xrelax.tir.syntax import (
    OpVerifyException,
    check_defined_before_use,
    check_index_constants,
    parse_defined_operand,
    parse_defined_operands,
)
from xrelax.tir.types import BufferType, SymExprAttr, is_dtype

LOOP_KINDS = ("serial", "parallel", "vectorized", "unrolled")
# Run-time bounds checks on an access (inserted by `check-bounds`): `checked`
# reports an out-of-bounds index as an error; a `guarded` load whose value is
# used only where it is in bounds reads nothing (and yields 0) when it is not.
ACCESS_CHECKS = ("checked", "guarded")
ITER_KINDS = ("spatial", "reduce")


def _single_block_region(arg_types: Sequence[Attribute] = ()) -> Region:
    return Region(Block(arg_types=arg_types))


def _parse_body(parser: Parser, args: list[Parser.Argument]) -> Region:
    region = parser.parse_region(args)
    if not region.blocks:
        region.add_block(Block(arg_types=[a.type for a in args]))
    return region


def _print_body(printer: Printer, region: Region) -> None:
    printer.print_string(" ")
    printer.print_region(region, print_entry_block_args=False, print_empty_block=False)


@irdl_op_definition
class FuncOp(IRDLOperation):
    """A tir kernel. Parameters are buffers or scalars; outputs are buffers the
    caller allocates (the last ones by convention of `relax.call_tir`).

    Symbolic variables of the kernel are those that stand alone as a dimension
    of a buffer parameter, plus those listed in `sym(...)`, which the caller
    passes explicitly (as index values after the other arguments).
    """

    name = "tir.func"

    body = region_def("single_block")
    sym_name = prop_def(SymbolNameConstraint())
    function_type = prop_def(FunctionType)
    sym_visibility = opt_prop_def(StringAttr)
    sym_args = prop_def(ArrayAttr[StringAttr])

    traits = traits_def(IsolatedFromAbove(), SymbolOpInterface(), NoTerminator())

    def __init__(self, name: str, arg_types: Sequence[Attribute],
                 sym_args: Iterable[str] = (), region: Region | None = None,
                 visibility: str | None = None):
        arg_types = list(arg_types)
        props: dict[str, Attribute | None] = {
            "sym_name": StringAttr(name),
            "function_type": FunctionType.from_lists(arg_types, []),
            "sym_visibility": StringAttr(visibility) if visibility else None,
            "sym_args": ArrayAttr([StringAttr(s) for s in sym_args]),
        }
        super().__init__(properties=props,
                         regions=[region or _single_block_region(arg_types)])

    @property
    def args(self) -> tuple[SSAValue, ...]:
        return tuple(self.body.block.args)

    @property
    def explicit_sym_args(self) -> tuple[str, ...]:
        return tuple(s.data for s in self.sym_args.data)

    def defined_vars(self) -> list[str]:
        """Symbolic variables in order of definition: buffer dims, then sym(...)."""
        names: list[str] = []
        for t in self.function_type.inputs.data:
            if isinstance(t, BufferType):
                for d in t.dims:
                    v = d.as_var()
                    if v is not None and v not in names:
                        names.append(v)
        for s in self.explicit_sym_args:
            if s not in names:
                names.append(s)
        return names

    def verify_(self) -> None:
        if self.function_type.outputs.data:
            raise VerifyException(f"tir.func @{self.sym_name.data} must not return values "
                                  "(it writes its outputs into buffer parameters)")
        check_defined_before_use(self)
        check_index_constants(self)
        if tuple(self.body.block.arg_types) != self.function_type.inputs.data:
            raise VerifyException("entry block argument types do not match the function type")
        for t in self.function_type.inputs.data:
            if not (isinstance(t, BufferType) or is_dtype(t) or isinstance(t, IndexType)):
                raise VerifyException(f"tir.func parameter type {t} is neither a buffer "
                                      "nor a scalar")
        defined = set(self.defined_vars())
        for i, t in enumerate(self.function_type.inputs.data):
            missing = set().union(*(d.free_vars() for d in t.dims)) - defined \
                if isinstance(t, BufferType) else set()
            if missing:
                raise VerifyException(
                    f"symbolic variable '{sorted(missing)[0]}' in the type of parameter #{i} of "
                    f"@{self.sym_name.data} is not defined: it must stand alone as a dim of a "
                    "buffer parameter, or be listed in sym(...)")
        for op in self.walk():
            for name, expr in _sym_uses(op):
                missing = expr.free_vars() - defined
                if missing:
                    raise OpVerifyException(
                        op, f"symbolic variable '{sorted(missing)[0]}' in {name} is not defined: "
                        f"the kernel @{self.sym_name.data} defines {sorted(defined) or 'none'} "
                        "(a variable is defined by standing alone as a dim of a buffer "
                        "parameter, or by sym(...))")

    @classmethod
    def parse(cls, parser: Parser) -> FuncOp:
        visibility = parser.parse_optional_visibility_keyword()
        name = parser.parse_symbol_name().data
        args = parser.parse_comma_separated_list(
            parser.Delimiter.PAREN, lambda: parser.parse_argument(expect_type=True))
        sym_args: list[str] = []
        if parser.parse_optional_keyword("sym") is not None:
            sym_args = parser.parse_comma_separated_list(
                parser.Delimiter.PAREN, lambda: parser.parse_identifier(" (a symbolic variable)"))
        attrs = parser.parse_optional_attr_dict_with_keyword(
            ("sym_name", "function_type", "sym_visibility", "sym_args"))
        region = _parse_body(parser, args)
        op = FuncOp(name, [a.type for a in args], sym_args, region,
                    visibility.data if visibility else None)
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        if self.sym_visibility:
            printer.print_string(f" {self.sym_visibility.data}")
        printer.print_string(" ")
        printer.print_symbol_name(self.sym_name.data)
        printer.print_string("(")
        printer.print_list(self.body.block.args, printer.print_block_argument)
        printer.print_string(")")
        if self.sym_args.data:
            printer.print_string(" sym(" + ", ".join(self.explicit_sym_args) + ")")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        _print_body(printer, self.body)


def _sym_uses(op: Operation) -> list[tuple[str, SymExpr]]:
    """The symbolic expressions an op mentions, with a description of where."""
    if isinstance(op, ForOp):
        return [("the bounds of a tir.for", op.lower.data), ("the bounds of a tir.for", op.upper.data)]
    if isinstance(op, BlockOp):
        return [(f"the domain of block \"{op.block_name.data}\"", d.data) for d in op.iter_doms.data]
    if isinstance(op, ExprOp):
        return [("tir.expr", op.expr.data)]
    uses: list[tuple[str, SymExpr]] = []
    for r in op.results:
        if isinstance(r.type, BufferType):
            uses += [(f"the type of a buffer made by {op.name}", d) for d in r.type.dims]
    return uses


@irdl_op_definition
class ForOp(IRDLOperation):
    """A loop `for %i = lower to upper` (step 1) with symbolic bounds.

    The kind says how it may run: `serial` (default), `parallel` (iterations
    are independent and may run on several threads), `vectorized` (may run as
    vector instructions) or `unrolled`. Annotations (pragmas such as
    `tir.tensorize`) are attributes: `tir.for %i = 0 to n attributes {...} {`.
    """

    name = "tir.for"

    lower = prop_def(SymExprAttr)
    upper = prop_def(SymExprAttr)
    kind = prop_def(StringAttr)
    body = region_def("single_block")

    traits = traits_def(NoTerminator(), RecursiveMemoryEffect())

    def __init__(self, lower: ExprLike, upper: ExprLike, kind: str = "serial",
                 region: Region | None = None):
        super().__init__(
            properties={"lower": SymExprAttr.of(lower), "upper": SymExprAttr.of(upper),
                        "kind": StringAttr(kind)},
            regions=[region or _single_block_region([IndexType()])])

    @property
    def induction_var(self) -> SSAValue:
        return self.body.block.args[0]

    def verify_(self) -> None:
        if self.kind.data not in LOOP_KINDS:
            raise VerifyException(f"unknown loop kind '{self.kind.data}' "
                                  f"(expected one of {', '.join(LOOP_KINDS)})")
        args = self.body.block.args
        if len(args) != 1 or not isinstance(args[0].type, IndexType):
            raise VerifyException("tir.for body must have exactly one index argument")

    @classmethod
    def parse(cls, parser: Parser) -> ForOp:
        kind = parser.parse_optional_keyword_in(LOOP_KINDS[1:]) or "serial"
        arg = parser.parse_argument(expect_type=False)
        parser.parse_punctuation("=")
        lower = parse_sym_expr(parser)
        parser.parse_keyword("to")
        upper = parse_sym_expr(parser)
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = _parse_body(parser, [arg.resolve(IndexType())])
        op = ForOp(lower, upper, kind, region)
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        if self.kind.data != "serial":
            printer.print_string(f" {self.kind.data}")
        printer.print_string(" ")
        printer.print_ssa_value(self.induction_var)
        printer.print_string(f" = {self.lower.data} to {self.upper.data}")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        _print_body(printer, self.body)


@irdl_op_definition
class BlockOp(IRDLOperation):
    """A named unit of computation with iteration variables.

    Each iteration variable is `spatial` or `reduce`, has a domain `[0, extent)`
    and is bound to an index value computed from the surrounding loops. A block
    with reduce variables may start with a `tir.init` whose body runs before
    the first reduction step for each spatial point. What a block reads and
    writes is computed from its `tir.load`s and `tir.store`s.
    """

    name = "tir.block"

    bindings = var_operand_def(IndexType)
    block_name = prop_def(StringAttr)
    iter_kinds = prop_def(ArrayAttr[StringAttr])
    iter_doms = prop_def(ArrayAttr[SymExprAttr])
    body = region_def("single_block")

    traits = traits_def(NoTerminator(), RecursiveMemoryEffect())

    def __init__(self, name: str, bindings: Sequence[SSAValue],
                 kinds: Sequence[str], doms: Sequence[ExprLike],
                 region: Region | None = None):
        super().__init__(
            operands=[bindings],
            properties={"block_name": StringAttr(name),
                        "iter_kinds": ArrayAttr([StringAttr(k) for k in kinds]),
                        "iter_doms": ArrayAttr([SymExprAttr.of(d) for d in doms])},
            regions=[region or _single_block_region([IndexType()] * len(bindings))])

    @property
    def iter_vars(self) -> tuple[SSAValue, ...]:
        return tuple(self.body.block.args)

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(k.data for k in self.iter_kinds.data)

    @property
    def init(self) -> InitOp | None:
        first = self.body.block.first_op
        return first if isinstance(first, InitOp) else None

    def verify_(self) -> None:
        n = len(self.bindings)
        if not (len(self.iter_kinds.data) == len(self.iter_doms.data) == n
                == len(self.body.block.args)):
            raise VerifyException(f"block \"{self.block_name.data}\": the numbers of iteration "
                                  "variables, kinds, domains and bindings differ")
        for k in self.kinds:
            if k not in ITER_KINDS:
                raise VerifyException(f"block \"{self.block_name.data}\": unknown iteration "
                                      f"kind '{k}' (expected spatial or reduce)")
        for op in self.body.block.ops:
            if isinstance(op, InitOp) and op is not self.body.block.first_op:
                raise VerifyException(f"block \"{self.block_name.data}\": tir.init must be "
                                      "the first op of the block")
        if self.init is not None and "reduce" not in self.kinds:
            raise VerifyException(f"block \"{self.block_name.data}\" has a tir.init but no "
                                  "reduce iteration variable")

    @classmethod
    def parse(cls, parser: Parser) -> BlockOp:
        name = parser.parse_str_literal(" (the block name)")

        def parse_iter() -> tuple[Parser.Argument, str, SymExpr, SSAValue]:
            arg = parser.parse_argument(expect_type=False)
            parser.parse_punctuation("=")
            kind = parser.parse_keyword_in(ITER_KINDS, " (iteration variable kind)")
            parser.parse_punctuation("[")
            dom = parse_sym_expr(parser)
            parser.parse_punctuation("]")
            binding = parse_defined_operand(parser, "a binding index value")
            return arg.resolve(IndexType()), kind, dom, binding

        iters = parser.parse_comma_separated_list(parser.Delimiter.PAREN, parse_iter)
        attrs = parser.parse_optional_attr_dict_with_keyword()
        region = _parse_body(parser, [i[0] for i in iters])
        op = BlockOp(name, [i[3] for i in iters], [i[1] for i in iters],
                     [i[2] for i in iters], region)
        if attrs is not None:
            op.attributes |= attrs.data
        return op

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_string_literal(self.block_name.data)
        printer.print_string(" (")
        for i, (arg, kind, dom, binding) in enumerate(
                zip(self.iter_vars, self.kinds, self.iter_doms.data, self.bindings)):
            if i:
                printer.print_string(", ")
            printer.print_ssa_value(arg)
            printer.print_string(f" = {kind}[{dom.data}] ")
            printer.print_ssa_value(binding)
        printer.print_string(")")
        printer.print_op_attributes(self.attributes, print_keyword=True)
        _print_body(printer, self.body)


@irdl_op_definition
class InitOp(IRDLOperation):
    """The init part of a reduction block: runs once per spatial point, before
    the first reduction step (when every reduce variable is at 0)."""

    name = "tir.init"

    body = region_def("single_block")
    traits = traits_def(NoTerminator(), HasParent(BlockOp), RecursiveMemoryEffect())

    def __init__(self, region: Region | None = None):
        super().__init__(regions=[region or _single_block_region()])

    @classmethod
    def parse(cls, parser: Parser) -> InitOp:
        op = InitOp(_parse_body(parser, []))  # an empty `{ }` still gets its block
        if (attrs := parser.parse_optional_attr_dict()):
            op.attributes |= attrs
        return op

    def print(self, printer: Printer) -> None:
        _print_body(printer, self.body)
        printer.print_op_attributes(self.attributes)


def _parse_indices(parser: Parser) -> list[SSAValue]:
    return parse_defined_operands(parser, parser.Delimiter.SQUARE, "an index value")


def _verify_access(op_name: str, buffer: SSAValue, indices: Sequence[SSAValue],
                   value_type: Attribute, check: StringAttr | None = None) -> None:
    allowed = ACCESS_CHECKS if op_name == "tir.load" else ACCESS_CHECKS[:1]
    if check is not None and check.data not in allowed:
        raise VerifyException(f"{op_name}: unknown check '{check.data}' (expected "
                              f"{' or '.join(allowed)})")
    btype = buffer.type
    assert isinstance(btype, BufferType)
    if len(indices) != btype.rank:
        raise VerifyException(f"{op_name}: buffer of rank {btype.rank} indexed with "
                              f"{len(indices)} indices")
    if value_type != btype.dtype:
        raise VerifyException(f"{op_name}: value type {value_type} does not match the "
                              f"buffer dtype {btype.dtype}")


@irdl_op_definition
class LoadOp(IRDLOperation):
    """Read one element of a buffer: `%x = tir.load %A[%i, %j] : f32`
    (`tir.load %A[%i] checked : f32`: with a run-time bounds check, see
    ACCESS_CHECKS)."""

    name = "tir.load"

    buffer = operand_def(BufferType)
    indices = var_operand_def(IndexType)
    check = opt_prop_def(StringAttr)
    result = result_def()

    def __init__(self, buffer: SSAValue, indices: Sequence[SSAValue], check: str | None = None):
        assert isinstance(buffer.type, BufferType)
        super().__init__(operands=[buffer, indices], result_types=[buffer.type.dtype],
                         properties={"check": StringAttr(check) if check else None})

    def verify_(self) -> None:
        _verify_access("tir.load", self.buffer, self.indices, self.result.type, self.check)

    @classmethod
    def parse(cls, parser: Parser) -> LoadOp:
        start = parser.pos
        buffer = parse_defined_operand(parser, "a buffer")
        if not isinstance(buffer.type, BufferType):
            parser.raise_error(f"tir.load expects a buffer, got a value of type {buffer.type}",
                               start)
        indices = _parse_indices(parser)
        check = parser.parse_optional_keyword_in(ACCESS_CHECKS)
        parser.parse_punctuation(":")
        pos = parser.pos
        value_type = parser.parse_type()
        if value_type != buffer.type.dtype:
            parser.raise_error(f"tir.load result type {value_type} does not match the buffer "
                               f"dtype {buffer.type.dtype}", pos, parser.pos)
        return LoadOp(buffer, indices, check)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.buffer)
        printer.print_string("[")
        printer.print_list(self.indices, printer.print_ssa_value)
        printer.print_string("]")
        if self.check is not None:
            printer.print_string(f" {self.check.data}")
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


@irdl_op_definition
class StoreOp(IRDLOperation):
    """Write one element of a buffer: `tir.store %v, %A[%i, %j] : f32`
    (`... %A[%i] checked : f32`: with a run-time bounds check)."""

    name = "tir.store"

    value = operand_def()
    buffer = operand_def(BufferType)
    indices = var_operand_def(IndexType)
    check = opt_prop_def(StringAttr)

    def __init__(self, value: SSAValue, buffer: SSAValue, indices: Sequence[SSAValue],
                 check: str | None = None):
        super().__init__(operands=[value, buffer, indices],
                         properties={"check": StringAttr(check) if check else None})

    def verify_(self) -> None:
        _verify_access("tir.store", self.buffer, self.indices, self.value.type, self.check)

    @classmethod
    def parse(cls, parser: Parser) -> StoreOp:
        value = parse_defined_operand(parser, "the value to store")
        parser.parse_punctuation(",")
        start = parser.pos
        buffer = parse_defined_operand(parser, "a buffer")
        if not isinstance(buffer.type, BufferType):
            parser.raise_error(f"tir.store expects a buffer, got a value of type {buffer.type}",
                               start)
        indices = _parse_indices(parser)
        check = parser.parse_optional_keyword_in(ACCESS_CHECKS[:1])
        parser.parse_punctuation(":")
        pos = parser.pos
        value_type = parser.parse_type()
        if value_type != value.type:
            parser.raise_error(f"tir.store: the stored value has type {value.type}, not "
                               f"{value_type}", pos, parser.pos)
        return StoreOp(value, buffer, indices, check)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.value)
        printer.print_string(", ")
        printer.print_ssa_value(self.buffer)
        printer.print_string("[")
        printer.print_list(self.indices, printer.print_ssa_value)
        printer.print_string("]")
        if self.check is not None:
            printer.print_string(f" {self.check.data}")
        printer.print_string(" : ")
        printer.print_attribute(self.value.type)


@irdl_op_definition
class AllocBufferOp(IRDLOperation):
    """A buffer local to the kernel (freed when the kernel returns):
    `%t = tir.alloc_buffer : !tir.buffer<[16], f32>`."""

    name = "tir.alloc_buffer"

    result = result_def(BufferType)
    assembly_format = "attr-dict `:` type($result)"

    def __init__(self, buffer_type: BufferType):
        super().__init__(result_types=[buffer_type])


@irdl_op_definition
class IfOp(IRDLOperation):
    """Run `then` when the i1 condition holds, else the optional `else` region."""

    name = "tir.if"

    cond = operand_def(i1)
    then_region = region_def("single_block")
    else_region = opt_region_def("single_block")

    traits = traits_def(NoTerminator(), RecursiveMemoryEffect())

    def __init__(self, cond: SSAValue, then_region: Region | None = None,
                 else_region: Region | None = None):
        super().__init__(operands=[cond], regions=[then_region or _single_block_region(),
                                                   else_region])

    @classmethod
    def parse(cls, parser: Parser) -> IfOp:
        cond = parse_defined_operand(parser, "an i1 condition")
        then_region = _parse_body(parser, [])
        else_region = None
        if parser.parse_optional_keyword("else") is not None:
            else_region = _parse_body(parser, [])
        return IfOp(cond, then_region, else_region)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_ssa_value(self.cond)
        _print_body(printer, self.then_region)
        if self.else_region is not None and self.else_region.blocks:
            printer.print_string(" else")
            _print_body(printer, self.else_region)


@irdl_op_definition
class ExprOp(IRDLOperation):
    """The value of a symbolic expression over the kernel's symbolic variables:
    `%n4 = tir.expr n * 4 : index`."""

    name = "tir.expr"

    expr = prop_def(SymExprAttr)
    result = result_def(IndexType | IntegerType)

    traits = traits_def(Pure())

    def __init__(self, expr: ExprLike, result_type: Attribute = IndexType()):
        super().__init__(properties={"expr": SymExprAttr.of(expr)}, result_types=[result_type])

    @classmethod
    def parse(cls, parser: Parser) -> ExprOp:
        expr = parse_sym_expr(parser)
        parser.parse_punctuation(":")
        return ExprOp(expr, parser.parse_type())

    def print(self, printer: Printer) -> None:
        printer.print_string(f" {self.expr.data} : ")
        printer.print_attribute(self.result.type)


Tir = Dialect(
    "tir",
    [FuncOp, ForOp, BlockOp, InitOp, LoadOp, StoreOp, AllocBufferOp, IfOp, ExprOp],
    [SymExprAttr, BufferType],
)
