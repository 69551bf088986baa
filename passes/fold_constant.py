"""`fold-constant`: compute at compile time what depends only on constants.

A `relax.call_tir` whose arguments are all `relax.constant`s (and whose output
shapes and symbolic arguments are static) is run once, through the same JIT
as everything else, and replaced by `relax.constant`s holding its outputs.
Chains fold from the front, one call at a time, until nothing changes; a
kernel is compiled once per pass however often it is folded.

Run it after `legalize-ops` to fold high-level ops too. Options:
`fold-constant{max_bytes=N}` leaves calls whose outputs are larger than N
bytes (default 1 GiB), so a huge broadcast is not materialized.

The pass compiles and runs kernels through an evaluator that it is handed
(`FoldConstant(evaluator=...)`), so that it does not import the JIT, which sits
above the passes: `compile_module` hands in its own JIT
(`xrelax.lowering.runtime.fold_evaluator`), and the `fold-constant` that
relax-opt and xdsl-opt run has it bound (`xrelax.pipeline`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Operation
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.traits import SymbolTable

from xrelax.relax import ops as rx
from xrelax.relax.builder import ModuleBuilder, dense_attr
from xrelax.relax.types import TensorType
from xrelax.tir.types import itemsize

# Compiles a module that holds a kernel and a relax function `fold` calling it,
# and returns `fold` as a Python function: it takes the constants' value
# attributes and returns numpy arrays (a tuple of them for several outputs).
FoldEvaluator = Callable[[ModuleOp], Callable[..., Any]]

# Marks a pass field that the driver hands in: not a command-line option.
HANDED_IN = {"handed_in": True}


def _static(t: object) -> bool:
    return isinstance(t, TensorType) and t.dims is not None and all(d.is_const() for d in t.dims)


def _foldable(op: rx.CallTIROp, max_bytes: int) -> bool:
    if not all(isinstance(a.owner, rx.ConstantOp) for a in op.args):
        return False
    if not all(_static(r.type) for r in op.outputs) or not all(e.is_const() for e in op.sym_exprs):
        return False
    total = 0
    for r in op.outputs:
        t = r.type
        assert isinstance(t, TensorType) and t.dims is not None
        total += int(np.prod([d.value for d in t.dims])) * itemsize(t.dtype)
    return total <= max_bytes


class _Folder:
    """Compiles each kernel once, as a relax function over its constant inputs."""

    def __init__(self, module: ModuleOp, evaluate: FoldEvaluator):
        self.module = module
        self.evaluate = evaluate
        self.compiled: dict[tuple, Callable[..., Any]] = {}

    def run(self, op: rx.CallTIROp) -> list[np.ndarray]:
        key = (op.callee.root_reference.data, tuple(str(a.type) for a in op.args),
               tuple(str(r.type) for r in op.outputs), tuple(str(e) for e in op.sym_exprs))
        if key not in self.compiled:
            kernel = SymbolTable.lookup_symbol(self.module, op.callee)
            assert kernel is not None
            self.compiled[key] = self.evaluate(self._wrapper(op, kernel))
        values = [a.owner.value for a in op.args]  # type: ignore[union-attr]
        result = self.compiled[key](*values)
        return list(result) if isinstance(result, tuple) else [result]

    @staticmethod
    def _wrapper(op: rx.CallTIROp, kernel: Operation) -> ModuleOp:
        """`relax.func @fold(args) { call_tir; return }` next to a copy of the kernel."""
        mb = ModuleBuilder()
        mb.add(kernel.clone())
        params = [(f"c{i}", a.type) for i, a in enumerate(op.args)]
        with mb.function("fold", params) as fb:
            outs = fb.call_tir(op.callee.root_reference.data, list(fb.params),
                               [r.type for r in op.outputs], op.sym_exprs)
            outs = outs if isinstance(outs, tuple) else (outs,)
            fb.ret(outs[0] if len(outs) == 1 else fb.tuple(list(outs)))
        return mb.finish()


@dataclass(frozen=True)
class FoldConstant(ModulePass):
    """Replace call_tir on constants by their computed results."""

    name = "fold-constant"

    max_bytes: int = field(default=1 << 30)
    evaluator: FoldEvaluator | None = field(default=None, compare=False, metadata=HANDED_IN)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        if self.evaluator is None:
            raise ValueError("fold-constant needs an evaluator to run kernels: "
                             "FoldConstant(evaluator=xrelax.lowering.runtime.fold_evaluator)")
        evaluator = _Folder(op, self.evaluator)
        changed = True
        while changed:
            changed = False
            for call in list(op.walk()):
                if isinstance(call, rx.CallTIROp) and _foldable(call, self.max_bytes):
                    outputs = evaluator.run(call)
                    consts = [rx.ConstantOp(dense_attr(a)) for a in outputs]
                    for c, r in zip(consts, call.outputs):
                        c.result.name_hint = r.name_hint
                        c.location = call.location
                    Rewriter.replace_op(call, consts, [c.result for c in consts])
                    changed = True
