"""The one list of this project's passes, and the xDSL `Universe` that hands
them and the dialects (xrelax.context.DIALECTS) to xdsl-opt and relax-opt.

Add a pass to PASSES (name -> "module:Class", imported on first use) and it is
available as `relax-opt -p NAME` and `xdsl-opt -p NAME`. pyproject.toml
registers UNIVERSE as the `xdsl.universe` entry point `xrelax`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from xdsl.passes import ModulePass
from xdsl.universe import Universe

from xrelax.context import DIALECTS

# pass name -> "module:Class"; imported only when the pass is used
PASSES: dict[str, str] = {
    "legalize-ops": "xrelax.passes.legalize_ops:LegalizeOps",
    "relax-dce": "xrelax.passes.relax_dce:RelaxDCE",
    "fold-constant": "xrelax.pipeline:FoldConstant",
    "annotate-op-pattern": "xrelax.passes.annotate_op_pattern:AnnotateOpPattern",
    "fuse-ops": "xrelax.passes.fuse_ops:FuseOps",
    "fuse-tir": "xrelax.passes.fuse_tir:FuseTIR",
    "default-pipeline": "xrelax.pipeline:DefaultPipeline",
    "rewrite-layout": "xrelax.passes.rewrite_layout:RewriteLayout",
    "follow-param-layouts": "xrelax.passes.rewrite_layout:FollowParamLayouts",
    "default-schedule": "xrelax.passes.default_schedule:DefaultSchedule",
    "apply-schedule": "xrelax.passes.apply_schedule:ApplySchedule",
    "check-bounds": "xrelax.passes.check_bounds:CheckBounds",
    "call-tir-rewrite": "xrelax.passes.call_tir_rewrite:CallTIRRewrite",
    "static-plan-memory": "xrelax.passes.static_plan_memory:StaticPlanMemory",
    "dedup-kernels": "xrelax.passes.dedup_kernels:DedupKernels",
    "relax-cse": "xrelax.passes.relax_cse:RelaxCSE",
    "canonicalize-bindings": "xrelax.passes.canonicalize_bindings:CanonicalizeBindings",
    "convert-relax-to-std": "xrelax.lowering.relax_to_std:ConvertRelaxToStd",
    "convert-tir-to-std": "xrelax.lowering.tir_to_std:ConvertTirToStd",
    "convert-std-to-llvm": "xrelax.lowering.std_to_llvm:ConvertStdToLLVM",
}


def _pass_factory(spec: str) -> Callable[[], type[ModulePass]]:
    def load() -> type[ModulePass]:
        module_name, class_name = spec.split(":")
        return getattr(importlib.import_module(module_name), class_name)

    return load


def our_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    return {name: _pass_factory(spec) for name, spec in PASSES.items()}


UNIVERSE = Universe(all_dialects=dict(DIALECTS), all_passes=our_passes())
