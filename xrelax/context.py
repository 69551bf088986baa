"""The dialects of xrelax in one xDSL context: what `relax-opt`, `compile_module`
and the Python API parse.

`DIALECTS` is the one table of this project's dialects (name -> factory that
imports it on first use); xrelax.universe hands the same table to xdsl-opt.
"""

from __future__ import annotations

from collections.abc import Callable

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Dialect

from xrelax.diagnostics import parse_module, verify_module


def _relax() -> Dialect:
    from xrelax.relax.ops import Relax

    return Relax


def _tir() -> Dialect:
    from xrelax.tir.ops import Tir

    return Tir


def _sched() -> Dialect:
    from xrelax.tir.schedule.ir import Sched

    return Sched


DIALECTS: dict[str, Callable[[], Dialect]] = {"relax": _relax, "tir": _tir, "sched": _sched}


def make_context() -> Context:
    """A context with every xDSL dialect and ours."""
    from xdsl.universe import Universe

    ctx = Context()
    # xDSL's dialects and any plugin's (ours among them once installed), ours last
    dialects = {**Universe.get_multiverse().all_dialects, **DIALECTS}
    for name, factory in dialects.items():
        ctx.register_dialect(name, factory)
    return ctx


def parse_text(text: str, filename: str = "<input>") -> ModuleOp:
    """Parse and verify a module from text (raises CompileError on bad input)."""
    module = parse_module(make_context(), text, filename)
    verify_module(module)
    return module
