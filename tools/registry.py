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
        from relax_dialect.ops import Relax

        return Relax

    def tir():
        from tir_dialect.ops import Tir

        return Tir

    return {"relax": relax, "tir": tir}


# pass name -> "module:Class"; imported only when the pass is used
PASSES: dict[str, str] = {
    "legalize-ops": "passes.legalize_ops:LegalizeOps",
    "relax-dce": "passes.relax_dce:RelaxDCE",
    "fold-constant": "passes.fold_constant:FoldConstant",
    "annotate-op-pattern": "passes.annotate_op_pattern:AnnotateOpPattern",
    "fuse-ops": "passes.fuse_ops:FuseOps",
    "fuse-tir": "passes.fuse_tir:FuseTIR",
    "default-pipeline": "passes.default_pipeline:DefaultPipeline",
    "default-schedule": "passes.default_schedule:DefaultSchedule",
    "call-tir-rewrite": "passes.call_tir_rewrite:CallTIRRewrite",
    "static-plan-memory": "passes.static_plan_memory:StaticPlanMemory",
    "relax-cse": "passes.relax_cse:RelaxCSE",
    "canonicalize-bindings": "passes.canonicalize_bindings:CanonicalizeBindings",
    "convert-relax-to-std": "lowering.relax_to_std:ConvertRelaxToStd",
    "convert-tir-to-std": "lowering.tir_to_std:ConvertTirToStd",
    "convert-std-to-llvm": "lowering.std_to_llvm:ConvertStdToLLVM",
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
    from tools.diagnostics import parse_module, verify_module

    module = parse_module(make_context(), text, filename)
    verify_module(module)
    return module
