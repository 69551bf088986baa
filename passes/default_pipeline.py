"""`default-pipeline`: what `relax-run` and `compile_module` run before lowering.

    follow-param-layouts -> canonicalize-bindings -> legalize-ops -> fold-constant -> relax-cse -> relax-dce
      -> annotate-op-pattern -> fuse-ops -> fuse-tir -> relax-dce -> dedup-kernels
      -> default-schedule -> check-bounds -> call-tir-rewrite -> static-plan-memory
      [-> convert-relax-to-std -> convert-std-to-llvm]   with lower=true (xrelax/pipeline.py)

Each optimization can be turned off, e.g.
`relax-opt -p 'default-pipeline{fuse=false fold=false}' file.mlir` (options are separated by spaces).
The steps are the table STEPS below; the pipeline runs them as an xDSL
`PassPipeline`, and relax-opt runs them one by one, so that
`--print-between-passes` and `--time-passes` show every step.
`lower` belongs to the driver (the lowering sits above the passes): it is an
option of `xrelax.pipeline.DefaultPipeline`, which relax-opt runs.


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
| `lower`         | false   | the lowering to the llvm dialect (relax-opt) |
| `verify_each`   | false   | verify after every step, not only at the end |
| `target`        | host    | the CPU the schedules plan for: host, avx512, avx2, sse |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline

from xrelax.diagnostics import verify_pass_output
from xrelax.passes.annotate_op_pattern import AnnotateOpPattern
from xrelax.passes.call_tir_rewrite import CallTIRRewrite
from xrelax.passes.canonicalize_bindings import CanonicalizeBindings
from xrelax.passes.check_bounds import CheckBounds
from xrelax.passes.dedup_kernels import DedupKernels
from xrelax.passes.default_schedule import DefaultSchedule
from xrelax.passes.fold_constant import HANDED_IN, FoldConstant, FoldEvaluator
from xrelax.passes.fuse_ops import FuseOps
from xrelax.passes.fuse_tir import FuseTIR
from xrelax.passes.legalize_ops import LegalizeOps
from xrelax.passes.relax_cse import RelaxCSE
from xrelax.passes.relax_dce import RelaxDCE
from xrelax.passes.rewrite_layout import FollowParamLayouts, RewriteLayout
from xrelax.passes.static_plan_memory import StaticPlanMemory


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
    target: str = "host"
    verify_each: bool = False
    # how fold-constant runs kernels (see passes/fold_constant.py)
    evaluator: FoldEvaluator | None = field(default=None, compare=False, metadata=HANDED_IN)

    def passes(self) -> list[ModulePass]:
        """The steps whose options are all on, in order."""
        return [make(self) for options, make in STEPS if all(getattr(self, o) for o in options)]

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        """Run the steps; the module is verified at the end (and after every
        step with `verify_each=true`, to find which pass broke it)."""
        def verify_after(previous: ModulePass | None, module: ModuleOp, _: object) -> None:
            if previous is not None and self.verify_each:
                verify_pass_output(module, previous.name)

        PassPipeline(tuple(self.passes()), verify_after).apply(ctx, op)
        verify_pass_output(op, self.name)


Step = Callable[[DefaultPipeline], ModulePass]

# The steps in order: (the options that must all be on, how to make the step).
STEPS: list[tuple[tuple[str, ...], Step]] = [
    # layouts a schedule gave kernel parameters are followed at the calls,
    # whatever the options (the kernels already read the new layout)
    ((), lambda p: FollowParamLayouts()),
    (("canonicalize",), lambda p: CanonicalizeBindings()),
    ((), lambda p: LegalizeOps()),
    (("fold",), lambda p: FoldConstant(evaluator=p.evaluator)),
    (("cse",), lambda p: RelaxCSE()),
    (("dce",), lambda p: RelaxDCE()),
    (("fuse",), lambda p: AnnotateOpPattern()),
    (("fuse",), lambda p: FuseOps()),
    (("fuse",), lambda p: FuseTIR()),
    (("fuse", "dce"), lambda p: RelaxDCE()),
    # kernels choose operand layouts; constants are permuted once, here
    (("layout",), lambda p: RewriteLayout(target=p.target)),
    (("layout",), lambda p: LegalizeOps()),  # the layout transforms it adds
    (("layout", "fold"), lambda p: FoldConstant(evaluator=p.evaluator)),
    (("layout", "dce"), lambda p: RelaxDCE()),
    ((), lambda p: DedupKernels()),  # before scheduling: each kernel is scheduled once
    (("schedule",), lambda p: DefaultSchedule(target=p.target)),
    (("check_bounds",), lambda p: CheckBounds()),  # last of the kernel transforms
    (("plan_memory",), lambda p: CallTIRRewrite()),
    (("plan_memory",), lambda p: StaticPlanMemory()),
]
