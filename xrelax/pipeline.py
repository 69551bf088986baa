"""The passes that need the JIT, as the tools run them.

`fold-constant` (and `default-pipeline`, which runs it) compute kernels at
compile time through an evaluator they are handed, because the JIT sits above
the passes. Here, in the driver layer, they are bound to this project's JIT:
`xrelax.pipeline.DefaultPipeline` and `xrelax.pipeline.FoldConstant` are what
relax-opt and xdsl-opt run under those names (see xrelax/universe.py), and what
Python code uses to run them. The classes of xrelax.passes take the evaluator
as an argument instead. The `lower` option of default-pipeline is here too: a
pipeline that optimizes and lowers sits above both the passes and the lowering.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.passes import ModulePass

from xrelax.lowering.relax_to_std import ConvertRelaxToStd
from xrelax.lowering.runtime import fold_evaluator
from xrelax.lowering.std_to_llvm import ConvertStdToLLVM
from xrelax.passes import default_pipeline, fold_constant
from xrelax.passes.fold_constant import HANDED_IN, FoldEvaluator


@dataclass(frozen=True)
class FoldConstant(fold_constant.FoldConstant):
    """Replace call_tir on constants by their computed results, run by the JIT."""

    evaluator: FoldEvaluator | None = field(default=fold_evaluator, compare=False,
                                            metadata=HANDED_IN)


@dataclass(frozen=True)
class DefaultPipeline(default_pipeline.DefaultPipeline):
    """The standard optimization pipeline, folding constants through the JIT.
    With `lower=true` it goes on to the llvm dialect."""

    evaluator: FoldEvaluator | None = field(default=fold_evaluator, compare=False,
                                            metadata=HANDED_IN)
    lower: bool = False

    def passes(self) -> list[ModulePass]:
        lowering = [ConvertRelaxToStd(), ConvertStdToLLVM()] if self.lower else []
        return super().passes() + lowering
