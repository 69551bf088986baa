"""`default-pipeline`: what `relax-run` and `compile_module` run before lowering.

    canonicalize-bindings -> legalize-ops -> fold-constant -> relax-cse -> relax-dce
      -> annotate-op-pattern -> fuse-ops -> fuse-tir -> relax-dce -> dedup-kernels
      -> default-schedule -> check-bounds -> call-tir-rewrite -> static-plan-memory
      [-> convert-relax-to-std -> convert-std-to-llvm]   with lower=true

Each optimization can be turned off, e.g.
`relax-opt -p 'default-pipeline{fuse=false fold=false}' file.mlir` (options are separated by spaces):

| option          | default | turns on                                     |
| --------------- | ------- | -------------------------------------------- |
| `canonicalize`  | true    | canonicalize-bindings                        |
| `fold`          | true    | fold-constant                                |
| `cse`           | true    | relax-cse                                    |
| `dce`           | true    | relax-dce                                    |
| `fuse`          | true    | annotate-op-pattern, fuse-ops, fuse-tir      |
| `layout`        | true    | rewrite-layout (+ legalize-ops, fold-constant for the new transforms) |
| `schedule`      | true    | default-schedule (loop order, parallel loops) |
| `check_bounds`  | true    | check-bounds (run-time checks where memory safety is not proved); false is UNSAFE |
| `plan_memory`   | true    | call-tir-rewrite, static-plan-memory         |
| `lower`         | false   | the lowering to the llvm dialect             |
| `verify_each`   | false   | verify after every step, not only at the end |
| `target`        | host    | the CPU the schedules plan for: host, avx512, avx2, sse |
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass

from xrelax.passes.fold_constant import HANDED_IN, FoldEvaluator


@dataclass(frozen=True)
class DefaultPipeline(ModulePass):
    """The standard optimization pipeline (see the module docstring)."""

    name = "default-pipeline"

    canonicalize: bool = True
    fold: bool = True
    cse: bool = True
    dce: bool = True
    fuse: bool = True
    schedule: bool = True
    layout: bool = True
    plan_memory: bool = True
    check_bounds: bool = True
    lower: bool = False
    target: str = "host"

    def passes(self) -> list[ModulePass]:
        from xrelax.passes.annotate_op_pattern import AnnotateOpPattern
        from xrelax.passes.canonicalize_bindings import CanonicalizeBindings
        from xrelax.passes.fold_constant import FoldConstant
        from xrelax.passes.fuse_ops import FuseOps
        from xrelax.passes.fuse_tir import FuseTIR
        from xrelax.passes.legalize_ops import LegalizeOps
        from xrelax.passes.relax_cse import RelaxCSE
        from xrelax.passes.relax_dce import RelaxDCE

        steps: list[ModulePass] = []
        if self.canonicalize:
            steps.append(CanonicalizeBindings())
        steps.append(LegalizeOps())
        if self.fold:
            steps.append(FoldConstant(evaluator=self.evaluator))
        if self.cse:
            steps.append(RelaxCSE())
        if self.dce:
            steps.append(RelaxDCE())
        if self.fuse:
            steps += [AnnotateOpPattern(), FuseOps(), FuseTIR()]
            if self.dce:
                steps.append(RelaxDCE())
        if self.layout:  # kernels choose operand layouts; constants are permuted once, here
            from xrelax.passes.rewrite_layout import RewriteLayout

            steps += [RewriteLayout(target=self.target), LegalizeOps()]
            if self.fold:
                steps.append(FoldConstant(evaluator=self.evaluator))
            if self.dce:
                steps.append(RelaxDCE())
        from xrelax.passes.dedup_kernels import DedupKernels

        steps.append(DedupKernels())  # before scheduling: each kernel is scheduled once
        if self.schedule:
            from xrelax.passes.default_schedule import DefaultSchedule

            steps.append(DefaultSchedule(target=self.target))
        if self.check_bounds:  # last of the kernel transforms
            from xrelax.passes.check_bounds import CheckBounds

            steps.append(CheckBounds())
        if self.plan_memory:
            from xrelax.passes.call_tir_rewrite import CallTIRRewrite
            from xrelax.passes.static_plan_memory import StaticPlanMemory

            steps += [CallTIRRewrite(), StaticPlanMemory()]
        if self.lower:
            from xrelax.lowering.relax_to_std import ConvertRelaxToStd
            from xrelax.lowering.std_to_llvm import ConvertStdToLLVM

            steps += [ConvertRelaxToStd(), ConvertStdToLLVM()]
        return steps

    verify_each: bool = False
    # how fold-constant runs kernels (see passes/fold_constant.py)
    evaluator: FoldEvaluator | None = field(default=None, compare=False, metadata=HANDED_IN)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        """Run the steps; the module is verified at the end (and after every
        step with `verify_each=true`, to find which pass broke it)."""
        from xrelax.diagnostics import verify_module

        for step in self.passes():
            step.apply(ctx, op)
            if self.verify_each:
                verify_module(op)
        verify_module(op)
