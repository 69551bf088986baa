"""relax ops with explicit memory, made by `call-tir-rewrite` and `static-plan-memory`.

```mlir
%s = relax.alloc_storage [n * 64] : f32          // storage for n * 64 elements
%t = relax.alloc_tensor %s : !relax.tensor<[n, 64], f32>   // a tensor over it
%u = relax.alloc_tensor : !relax.tensor<[n, 8], f32>       // a tensor of its own
relax.call_kernel @matmul(%x, %w, %t)            // the kernel writes into %t
```

They are impure (they allocate, or write into their operands), so they live
outside dataflow blocks; `call-tir-rewrite` flattens those first.
"""

from __future__ import annotations

from collections.abc import Sequence

from xdsl.dialects.builtin import ArrayAttr, IntAttr, SymbolRefAttr
from xdsl.ir import Attribute, SSAValue
from xdsl.irdl import (
    IRDLOperation,
    irdl_op_definition,
    opt_operand_def,
    prop_def,
    result_def,
    var_operand_def,
)
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from xrelax.relax.types import ObjectType, TensorType
from xrelax.tir.symbolic import ExprLike, SymExpr, parse_sym_expr
from xrelax.tir.syntax import parse_defined_operand, parse_defined_operands
from xrelax.tir.types import SymExprAttr, is_dtype, parse_dtype, parse_shape, shape_attr


@irdl_op_definition
class AllocStorageOp(IRDLOperation):
    """Storage for `size` elements of a dtype, shared by tensors whose
    lifetimes do not overlap. Freed when the function returns."""

    name = "relax.alloc_storage"

    size = prop_def(SymExprAttr)
    dtype = prop_def(Attribute)
    result = result_def(ObjectType)

    def __init__(self, size: ExprLike, dtype: Attribute):
        super().__init__(properties={"size": SymExprAttr.of(size), "dtype": dtype},
                         result_types=[ObjectType()])

    def verify_(self) -> None:
        if not is_dtype(self.dtype):
            raise VerifyException(f"relax.alloc_storage: {self.dtype} is not a dtype")

    @classmethod
    def parse(cls, parser: Parser) -> AllocStorageOp:
        parser.parse_punctuation("[")
        size = parse_sym_expr(parser)
        parser.parse_punctuation("]")
        parser.parse_punctuation(":")
        return AllocStorageOp(size, parse_dtype(parser))

    def print(self, printer: Printer) -> None:
        printer.print_string(f" [{self.size.data}] : ")
        printer.print_attribute(self.dtype)


@irdl_op_definition
class AllocTensorOp(IRDLOperation):
    """A tensor of known shape: fresh memory, or a view of `storage` at offset 0."""

    name = "relax.alloc_tensor"

    storage = opt_operand_def(ObjectType)
    result = result_def(TensorType)

    def __init__(self, tensor_type: TensorType, storage: SSAValue | None = None):
        super().__init__(operands=[[storage] if storage is not None else []],
                         result_types=[tensor_type])

    def verify_(self) -> None:
        t = self.result.type
        assert isinstance(t, TensorType)
        if t.dims is None:
            raise VerifyException("relax.alloc_tensor: the shape must be known")
        if self.storage is not None:
            owner = self.storage.owner
            if isinstance(owner, AllocStorageOp) and owner.dtype != t.dtype:
                raise VerifyException(f"relax.alloc_tensor: a {t.dtype} tensor cannot use "
                                      f"{owner.dtype} storage")

    @classmethod
    def parse(cls, parser: Parser) -> AllocTensorOp:
        storage = None
        if parser.parse_optional_punctuation(":") is None:
            storage = parse_defined_operand(parser, "a storage")
            parser.parse_punctuation(":")
        t = parser.parse_type()
        if not isinstance(t, TensorType):
            parser.raise_error(f"relax.alloc_tensor makes a tensor, not {t}")
        return AllocTensorOp(t, storage)

    def print(self, printer: Printer) -> None:
        if self.storage is not None:
            printer.print_string(" ")
            printer.print_ssa_value(self.storage)
        printer.print_string(" : ")
        printer.print_attribute(self.result.type)


@irdl_op_definition
class CallKernelOp(IRDLOperation):
    """Call a tir kernel on explicit outputs: `relax.call_kernel @k(%x, %out) sym [n]`.
    The last `num_outputs` operands are the outputs the kernel writes."""

    name = "relax.call_kernel"

    callee = prop_def(SymbolRefAttr)
    operands_ = var_operand_def()
    num_outputs = prop_def(IntAttr)
    sym_args = prop_def(ArrayAttr[SymExprAttr])

    def __init__(self, callee: str, args: Sequence[SSAValue], outs: Sequence[SSAValue],
                 sym_args: Sequence[ExprLike] = ()):
        super().__init__(operands=[[*args, *outs]],
                         properties={"callee": SymbolRefAttr(callee),
                                     "num_outputs": IntAttr(len(outs)),
                                     "sym_args": shape_attr(sym_args)})

    @property
    def n_outs(self) -> int:
        return self.num_outputs.data

    @property
    def args(self) -> tuple[SSAValue, ...]:
        return tuple(self.operands_[:len(self.operands_) - self.n_outs])

    @property
    def outs(self) -> tuple[SSAValue, ...]:
        return tuple(self.operands_[len(self.operands_) - self.n_outs:])

    @property
    def sym_exprs(self) -> tuple[SymExpr, ...]:
        return tuple(a.data for a in self.sym_args.data)

    def verify_(self) -> None:
        from xrelax.relax.verify import verify_call_tir

        verify_call_tir(self, self.outs)

    @classmethod
    def parse(cls, parser: Parser) -> CallKernelOp:
        callee = parser.parse_symbol_name().data
        args = parse_defined_operands(parser, parser.Delimiter.PAREN, "an argument")
        parser.parse_keyword("outs")
        outs = parse_defined_operands(parser, parser.Delimiter.PAREN, "an output")
        sym: list[SymExpr] = []
        if parser.parse_optional_keyword("sym") is not None:
            sym = parse_shape(parser)
        return CallKernelOp(callee, args, outs, sym)

    def print(self, printer: Printer) -> None:
        printer.print_string(" ")
        printer.print_symbol_name(self.callee.root_reference.data)
        for word, values in (("", self.args), (" outs", self.outs)):
            printer.print_string(f"{word}(")
            printer.print_list(values, printer.print_ssa_value)
            printer.print_string(")")
        if self.sym_args.data:
            printer.print_string(" sym [" + ", ".join(str(e) for e in self.sym_exprs) + "]")


MEMORY_OPS: list[type[IRDLOperation]] = [AllocStorageOp, AllocTensorOp, CallKernelOp]
