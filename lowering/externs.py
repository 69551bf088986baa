"""Declarations of external functions (libc, libm, libgomp) used by lowered code."""

from collections.abc import Sequence

from xdsl.dialects import llvm
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute

from xrelax.lowering.llvm_types import LoweringError


class Externs:
    """Collects the external functions that patterns call, declared once at the end.

    Patterns must not insert top-level ops while the module is being walked, so
    they record what they call here and the pass adds the `llvm.func`
    declarations afterwards.
    """

    def __init__(self) -> None:
        self.types: dict[str, llvm.LLVMFunctionType] = {}

    def declare(self, name: str, inputs: Sequence[Attribute], output: Attribute | None) -> None:
        """Record that `name` is called with this signature (None: returns void)."""
        ft = llvm.LLVMFunctionType(list(inputs), output)
        if self.types.setdefault(name, ft) != ft:
            raise LoweringError(f"external function {name} used with two signatures")

    def materialize(self, module: ModuleOp) -> None:
        """Add an `llvm.func` declaration for every recorded name not defined in module."""
        defined = {
            op.sym_name.data for op in module.ops if isinstance(op, llvm.FuncOp)
        }
        decls = [
            llvm.FuncOp(name, ft, linkage=llvm.LinkageAttr("external"))
            for name, ft in sorted(self.types.items())
            if name not in defined
        ]
        block = module.body.block
        if block.first_op is None:
            block.add_ops(decls)
        elif decls:
            block.insert_ops_before(decls, block.first_op)
