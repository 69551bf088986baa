"""The one list of dialects and passes that `relax-opt` and the Python API know.

Add a pass here (name -> factory returning the pass class) and it is
available as `relax-opt -p NAME`.
"""

from __future__ import annotations

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


def our_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    passes: dict[str, Callable[[], type[ModulePass]]] = {}

    def convert_std_to_llvm():
        from lowering.std_to_llvm import ConvertStdToLLVM

        return ConvertStdToLLVM

    passes["convert-std-to-llvm"] = convert_std_to_llvm
    return passes


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
