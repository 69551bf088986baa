"""relax functions: `relax.func`, `relax.return`, `relax.call` (a call of
another relax function), dataflow blocks (`relax.dataflow`, `relax.output`),
the purity rules of dataflow blocks, and the function-level rules that no
single op can check alone:

- every symbolic variable is defined before it is used: by standing alone as
  a dim of a parameter type, or by a `relax.match_cast` earlier in the body;
  the result type may use those of the parameters and those of the body's
  match_casts outside `relax.if` (as in TVM);
- a value defined inside a `relax.dataflow` is used outside only through
  that block's results.

A call `relax.call @g(args) : T` instantiates @g: each variable that stands
alone in a parameter's type takes the argument's dim there (`call_binding`),
and T must be able to match @g's result type so instantiated (`call_result_type`);
what the callee's type does not prove is checked at run time.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import (
    ArrayAttr,
    FunctionType,
    StringAttr,
    SymbolNameConstraint,
    SymbolRefAttr,
)
from xdsl.dialects.utils import parse_func_op_like, print_func_op_like
from xdsl.ir import Attribute, Block, Operation, OpResult, Region, SSAValue
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
    EffectInstance,
    HasParent,
    IsolatedFromAbove,
    IsTerminator,
    MemoryEffect,
    Pure,
    RecursiveMemoryEffect,
    SymbolOpInterface,
    SymbolTable,
)
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.call_ops import CallPackedOp
from xrelax.relax.syntax import (
    DefinedTypedValues,
    check_relax_type,
    print_operand_list,
)
from xrelax.relax.types import (
    PrimType,
    ShapeType,
    TensorType,
    TupleType,
    definable_vars,
    erase_undefined,
    free_vars,
    is_base_of,
    is_relax_type,
    may_match,
    substitute,
)
from xrelax.relax.value_ops import IfOp, MatchCastOp, YieldOp
from xrelax.tir.symbolic import SymExpr
from xrelax.tir.syntax import OpVerifyException, check_defined_before_use, parse_defined_operands
from xrelax.tir.types import SymExprAttr


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
        if len(self.function_type.outputs.data) != 1:
            raise VerifyException(f"relax.func @{self.sym_name.data} must have exactly one "
                                  "result type (use a tuple for several)")
        if tuple(self.body.block.arg_types) != self.function_type.inputs.data:
            raise VerifyException("entry block argument types do not match the function type")
        for i, t in enumerate(self.function_type.inputs.data):
            check_relax_type(t, f"parameter #{i} of @{self.sym_name.data}")
        check_relax_type(self.result_type, f"the result of @{self.sym_name.data}")
        if not isinstance(self.body.block.last_op, ReturnOp):
            raise VerifyException(f"relax.func @{self.sym_name.data} must end with relax.return")
        check_dataflow_scopes(self)
        check_defined_before_use(self)
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



class CallEffects(MemoryEffect):
    """A relax.call is as pure as its callee (no call_packed in it or in the
    functions it calls); otherwise its effects are unknown (None)."""

    @classmethod
    def get_effects(cls, op) -> set[EffectInstance] | None:
        assert isinstance(op, CallOp)
        callee = op.callee_op()
        return set() if callee is not None and is_pure_function(callee) else None


@irdl_op_definition
class CallOp(IRDLOperation):
    """Call another relax function of the module: `%y = relax.call @f(%x) : T`.
    Allowed in a dataflow block when the callee is pure (it contains no
    call_packed). `fuse-ops` makes such calls to the fused groups it outlines."""

    name = "relax.call"

    callee = prop_def(SymbolRefAttr)
    args = var_operand_def()
    result = result_def()
    traits = traits_def(CallEffects())

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
        if len(callee.function_type.outputs.data) != 1:
            return  # the callee reports its malformed type itself
        expected = call_result_type(callee, [a.type for a in self.args])
        if not may_match(self.result.type, expected):
            raise VerifyException(f"relax.call: the result type {self.result.type} can never "
                                  f"match the result type of @{name}, {expected} for these "
                                  "arguments")

    @classmethod
    def parse(cls, parser: Parser) -> CallOp:
        callee = parser.parse_symbol_name().data
        args = parse_defined_operands(parser, parser.Delimiter.PAREN, "an argument")
        parser.parse_punctuation(":")
        return CallOp(callee, args, parser.parse_type())

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.callee.root_reference.data)
        print_operand_list(printer, self.args)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


@irdl_op_definition
class ReturnOp(IRDLOperation):
    """Return the function's result: `relax.return %v : T`."""

    name = "relax.return"

    value = operand_def()
    traits = traits_def(IsTerminator(), HasParent(FuncOp))
    custom_directives = (DefinedTypedValues,)
    assembly_format = "custom<DefinedTypedValues>($value, type($value)) attr-dict"

    def __init__(self, value: SSAValue):
        super().__init__(operands=[value])

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
    # its body is pure (verified), but a match_cast in it may define variables
    traits = traits_def(RecursiveMemoryEffect())

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
    custom_directives = (DefinedTypedValues,)
    assembly_format = "custom<DefinedTypedValues>($values, type($values)) attr-dict"

    def __init__(self, values: Sequence[SSAValue]):
        super().__init__(operands=[values])



# ---- calls ------------------------------------------------------------------------

def call_binding(params: Sequence[Attribute], args: Sequence[Attribute]) -> dict[str, SymExpr]:
    """The callee's variables that a call determines: each one that stands alone
    in a parameter's dim, as the argument's dim there (the first occurrence)."""
    binding: dict[str, SymExpr] = {}

    def visit(p: Attribute, a: Attribute) -> None:
        if isinstance(p, TupleType) and isinstance(a, TupleType):
            for pf, af in zip(p.types, a.types):
                visit(pf, af)
            return
        if isinstance(p, PrimType) and isinstance(a, PrimType):
            pairs = [(p.known_value, a.known_value)]
        elif isinstance(p, (TensorType, ShapeType)) and type(a) is type(p):
            pairs = list(zip(p.dims or (), a.dims or ()))  # type: ignore[union-attr]
        else:
            return
        for pd, ad in pairs:
            v = pd.as_var() if pd is not None else None
            if v is not None and ad is not None and v not in binding:
                binding[v] = ad

    for p, a in zip(params, args):
        visit(p, a)
    return binding


def call_result_type(callee: FuncOp, args: Sequence[Attribute]) -> Attribute:
    """What the callee's result type says about a call's result, in the caller's
    variables: its variables replaced by the arguments' dims, and what mentions
    one that the arguments do not determine forgotten."""
    binding = call_binding(callee.function_type.inputs.data, args)
    return substitute(erase_undefined(callee.result_type, set(binding)), binding)


def result_scope_vars(func: FuncOp) -> set[str]:
    """The variables the body defines where the result is returned: those of the
    match_casts outside relax.if (inside dataflow blocks too)."""
    found: set[str] = set()
    for op in func.body.walk():
        if isinstance(op, MatchCastOp) and not _inside_if(op, func):
            found |= definable_vars(op.result.type)
    return found


def _inside_if(op: Operation, stop: Operation) -> bool:
    parent = op.parent_op()
    while parent is not None and parent is not stop:
        if isinstance(parent, IfOp):
            return True
        parent = parent.parent_op()
    return False


# ---- rules ------------------------------------------------------------------------

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


def _sym_exprs_of(op: Operation) -> list[SymExpr]:
    """Symbolic expressions an op carries in its properties (call_tir's `sym`,
    a shape's dims, a reshape's target shape, ...)."""
    found: list[SymExpr] = []

    def visit(attr: Attribute) -> None:
        if isinstance(attr, SymExprAttr):
            found.append(attr.data)
        elif isinstance(attr, ArrayAttr):
            for item in attr.data:
                visit(item)

    for attr in op.properties.values():
        visit(attr)
    return found


def _enclosing_dataflow(op: Operation, stop: Operation) -> Operation | None:
    parent = op.parent_op()
    while parent is not None and parent is not stop:
        if isinstance(parent, DataflowOp):
            return parent
        parent = parent.parent_op()
    return None


def _is_ancestor(ancestor: Operation, op: Operation) -> bool:
    parent = op.parent_op()
    while parent is not None:
        if parent is ancestor:
            return True
        parent = parent.parent_op()
    return False


def check_dataflow_scopes(func: FuncOp) -> None:
    """A value defined inside a relax.dataflow block is used only inside it
    (checked before the general definition order, for the clearer message)."""
    for op in func.body.walk():
        for operand in op.operands:
            if not isinstance(operand, OpResult):
                continue
            df = _enclosing_dataflow(operand.op, func)
            if df is not None and not _is_ancestor(df, op):
                raise OpVerifyException(
                    op, f"{op.name} uses a value defined inside a relax.dataflow block; only "
                    "the values listed in its relax.output are visible outside it")


def verify_function(func: FuncOp) -> None:
    fname = func.sym_name.data
    params = func.function_type.inputs.data
    defined: set[str] = set()
    for t in params:
        defined |= definable_vars(t)
    for i, t in enumerate(params):
        missing = free_vars(t) - defined
        if missing:
            raise VerifyException(
                f"symbolic variable '{sorted(missing)[0]}' in the type of parameter #{i} of "
                f"@{fname} is not defined: it must stand alone as a dim of some parameter")
    missing = free_vars(func.result_type) - defined - result_scope_vars(func)
    if missing:
        raise VerifyException(
            f"symbolic variable '{sorted(missing)[0]}' in the result type of @{fname} is not "
            "defined by the parameters, nor by a relax.match_cast in the body outside "
            "relax.if (match_cast the returned value to a type that defines it, or use a "
            "type of known rank only, e.g. !relax.tensor<ndim=2, f32>)")

    for op in func.body.walk():
        if op is func:
            continue
        if isinstance(op, MatchCastOp):
            defined |= definable_vars(op.result.type)
        used: set[str] = set()
        for r in op.results:
            used |= free_vars(r.type)
        for e in _sym_exprs_of(op):
            used |= e.free_vars()
        missing = used - defined
        if missing and isinstance(op, MatchCastOp):
            raise OpVerifyException(
                op, f"relax.match_cast: symbolic variable '{sorted(missing)[0]}' is not defined; "
                "a match_cast defines only variables that stand alone as a dim (e.g. [k], "
                "not [k * 2])")
        if missing:
            raise OpVerifyException(
                op, f"{op.name}: symbolic variable '{sorted(missing)[0]}' is used before it is "
                "defined (define it by a parameter's type or an earlier relax.match_cast)")
