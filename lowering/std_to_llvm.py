"""The `convert-std-to-llvm` pass: func/arith/math/memref/vector/scf/cf -> llvm.

Steps, in order:
0. bf16 becomes i16 (computations in f32: lowering/bf16.py);
1. `scf.parallel` loops are outlined and run through libgomp (parallel_to_gomp);
2. scf.for / scf.if / scf.index_switch -> cf (the patterns of xDSL's
   convert-scf-to-cf), and scf.while -> cf (ours);
3. a C-callable wrapper `_mlir_ciface_NAME` is prepared for each public
   function with a body (see lowering/func_to_llvm.py for its convention);
4. every standard op is rewritten into llvm ops by one pattern per op, keeping
   the original types of values it does not create;
5. every SSA value gets its llvm type (index -> i64, memref -> descriptor struct);
6. external functions used (aligned_alloc, free, libm, libgomp) are declared.
The result contains only `llvm` ops and passes verification.
"""

from typing import ClassVar

from xdsl.context import Context
from xdsl.dialects import builtin, func
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriteWalker,
    RewritePattern,
)
from xdsl.passes import ModulePass
from xdsl.transforms.convert_scf_to_cf import ForLowering, IfLowering, SwitchLowering

from xrelax.lowering import arith_to_llvm as ar
from xrelax.lowering.arith_casts import cast_patterns
from xrelax.lowering.bf16 import lower_bf16
from xrelax.lowering.control_flow import (
    AssertLowering,
    BranchLowering,
    CondBranchLowering,
    WhileLowering,
)
from xrelax.lowering.externs import Externs
from xrelax.lowering.func_to_llvm import c_wrapper, func_patterns
from xrelax.lowering.llvm_types import retype_values
from xrelax.lowering.math_to_llvm import math_patterns
from xrelax.lowering.memref_to_llvm import memref_patterns
from xrelax.lowering.parallel_to_gomp import ParallelToGomp
from xrelax.lowering.vector_to_llvm import vector_patterns


def arith_patterns() -> list[RewritePattern]:
    """All arith patterns (arithmetic, comparisons, casts)."""
    pats: list[RewritePattern] = [ar.OneToOne(s, t) for s, t in ar.ONE_TO_ONE]
    pats += [ar.IntrinsicBinary(s, n) for s, n in ar.INTRINSIC_BINARY]
    pats += [
        ar.ConstantLowering(), ar.NegfLowering(), ar.CmpiLowering(), ar.CmpfLowering(),
        ar.SelectLowering(), ar.FloorDivSILowering(), ar.CeilDivSILowering(),
        ar.CeilDivUILowering(),
    ]  # fmt: skip
    return pats + cast_patterns()


def std_patterns(externs: Externs) -> list[RewritePattern]:
    """Every op-to-llvm pattern of the conversion."""
    return [
        *arith_patterns(),
        *math_patterns(externs),
        *memref_patterns(externs),
        *vector_patterns(),
        *func_patterns(),
        BranchLowering(),
        CondBranchLowering(),
        AssertLowering(externs),
    ]


def _public_functions(module: builtin.ModuleOp) -> list[func.FuncOp]:
    return [
        f
        for f in module.ops
        if isinstance(f, func.FuncOp)
        and f.body.blocks
        and f.sym_visibility != builtin.StringAttr("private")
    ]


class ConvertStdToLLVM(ModulePass):
    """Lower a module of standard dialects to the llvm dialect (see module docstring)."""

    name: ClassVar[str] = "convert-std-to-llvm"

    def apply(self, ctx: Context, op: builtin.ModuleOp) -> None:
        externs = Externs()
        lower_bf16(op)
        ParallelToGomp(externs).apply(ctx, op)
        scf_to_cf = [SwitchLowering(), IfLowering(), ForLowering(), WhileLowering()]
        PatternRewriteWalker(GreedyRewritePatternApplier(scf_to_cf)).rewrite_module(op)
        wrappers = [c_wrapper(f.sym_name.data, f.function_type) for f in _public_functions(op)]
        PatternRewriteWalker(
            GreedyRewritePatternApplier(std_patterns(externs)), apply_recursively=False
        ).rewrite_module(op)
        retype_values(op)
        op.body.block.add_ops(wrappers)
        externs.materialize(op)


