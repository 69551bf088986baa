"""The one list of dialects and passes that `relax-opt` and the Python API know.

Add a pass here (name -> factory returning the pass class) and it is
available as `relax-opt -p NAME`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from xdsl.ir import Dialect
from xdsl.passes import ModulePass

if TYPE_CHECKING:
    from xdsl.context import Context


def our_dialects() -> dict[str, Callable[[], Dialect]]:
    def relax():
        from xrelax.relax.ops import Relax

        return Relax

    def tir():
        from xrelax.tir.ops import Tir

        return Tir

    def sched():
        from xrelax.tir.schedule.ir import Sched

        return Sched

    return {"relax": relax, "tir": tir, "sched": sched}


# pass name -> "module:Class"; imported only when the pass is used
PASSES: dict[str, str] = {
    "legalize-ops": "xrelax.passes.legalize_ops:LegalizeOps",
    "relax-dce": "xrelax.passes.relax_dce:RelaxDCE",
    "fold-constant": "xrelax.pipeline:FoldConstant",
    "annotate-op-pattern": "xrelax.passes.annotate_op_pattern:AnnotateOpPattern",
    "fuse-ops": "xrelax.passes.fuse_ops:FuseOps",
    "fuse-tir": "xrelax.passes.fuse_tir:FuseTIR",
    "default-pipeline": "xrelax.pipeline:DefaultPipeline",
    "default-schedule": "xrelax.passes.default_schedule:DefaultSchedule",
    "apply-schedule": "xrelax.passes.apply_schedule:ApplySchedule",
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


def make_context() -> Context:
    """A context with every xDSL dialect and ours: what relax-opt parses."""
    from xdsl.context import Context
    from xdsl.universe import Universe

    ctx = Context()
    for name, factory in Universe.get_multiverse().all_dialects.items():
        ctx.register_dialect(name, factory)
    for name, factory in our_dialects().items():
        ctx.register_dialect(name, factory)
    return ctx


def parse_text(text: str, filename: str = "<input>"):
    """Parse and verify a module from text (raises CompileError on bad input)."""
    from xrelax.diagnostics import parse_module, verify_module

    module = parse_module(make_context(), text, filename)
    verify_module(module)
    return module
