"""Parse standard-dialect MLIR text, lower it with convert-std-to-llvm, JIT it."""

from xdsl.context import Context
from xdsl.dialects import arith, builtin, cf, func, llvm, math, memref, scf, vector
from xdsl.dialects.builtin import ModuleOp
from xdsl.parser import Parser

from xrelax.lowering.jit import JitModule
from xrelax.lowering.std_to_llvm import ConvertStdToLLVM


def make_context() -> Context:
    ctx = Context()
    dialects = (
        builtin.Builtin, func.Func, arith.Arith, math.Math, memref.MemRef,
        scf.Scf, cf.Cf, vector.Vector, llvm.LLVM,
    )  # fmt: skip
    for d in dialects:
        ctx.load_dialect(d)
    return ctx


def lower(text: str) -> ModuleOp:
    """Parse `text`, run convert-std-to-llvm, verify the result."""
    ctx = make_context()
    module = Parser(ctx, text).parse_module()
    module.verify()
    ConvertStdToLLVM().apply(ctx, module)
    module.verify()
    return module


def jit(text: str) -> JitModule:
    return JitModule(lower(text))
