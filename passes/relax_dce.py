"""`relax-dce`: remove what a relax program computes but never uses.

- a pure op (every relax op but `call_packed` and control flow, and pure
  arith ops) whose results are unused is erased, innermost first, repeatedly;
- a dataflow output that nobody uses is dropped from `relax.output` and from
  the dataflow's results, and an empty dataflow block disappears;
- a private function (relax or tir) that no remaining op refers to is erased.

Impure calls (`relax.call_packed`, and `relax.call` of a function that
contains one) are always kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, StringAttr, SymbolRefAttr
from xdsl.ir import Operation, Region
from xdsl.passes import ModulePass
from xdsl.rewriter import Rewriter
from xdsl.traits import is_side_effect_free

from xrelax.relax import ops as rx
from xrelax.relax.types import definable_vars
from xrelax.tir import ops as tir


def _removable(op: Operation) -> bool:
    if op.results and all(not r.uses for r in op.results):
        if isinstance(op, (rx.CallPackedOp, rx.IfOp)):
            return False
        if isinstance(op, rx.CallOp):  # a call is as pure as its callee
            callee = op.callee_op()
            return callee is not None and rx.is_pure_function(callee)
        if isinstance(op, rx.MatchCastOp) and (definable_vars(op.result.type)
                                               - definable_vars(op.value.type)):
            return False  # it defines symbolic variables that later types may use
        return op.dialect_name() == "relax" or is_side_effect_free(op)
    return False


def _shrink_dataflow(df: rx.DataflowOp) -> bool:
    """Drop unused outputs; erase the block if nothing is left. True if changed."""
    term = df.body.block.last_op
    assert isinstance(term, rx.OutputOp)
    keep = [i for i, r in enumerate(df.outputs) if r.uses]
    if len(keep) == len(df.outputs):
        return False
    parent = df.parent_block()
    assert parent is not None
    if keep:
        values = [term.values[i] for i in keep]
        Rewriter.replace_op(term, rx.OutputOp(values))
        new = rx.DataflowOp([v.type for v in values], df.detach_region(df.body))
        parent.insert_op_before(new, df)
        for i, res in zip(keep, new.outputs):
            res.name_hint = df.outputs[i].name_hint
            df.outputs[i].replace_all_uses_with(res)
    parent.erase_op(df)
    return True


def _sweep(region: Region) -> bool:
    changed = False
    for block in region.blocks:
        for op in reversed(list(block.ops)):
            for inner in op.regions:
                changed |= _sweep(inner)
            if isinstance(op, rx.DataflowOp):
                changed |= _shrink_dataflow(op)
                continue
            if _removable(op):
                block.erase_op(op)
                changed = True
    return changed


def _referenced_symbols(module: ModuleOp) -> set[str]:
    names: set[str] = set()
    for op in module.walk():
        for attr in list(op.properties.values()) + list(op.attributes.values()):
            if isinstance(attr, SymbolRefAttr):
                names.add(attr.root_reference.data)
    return names


def _private_functions(module: ModuleOp) -> list[Operation]:
    found = []
    for op in module.body.block.ops:
        if isinstance(op, (rx.FuncOp, tir.FuncOp)):
            vis = op.sym_visibility
            # kernels are internal to the module unless marked public
            if isinstance(op, tir.FuncOp) or (isinstance(vis, StringAttr) and vis.data == "private"):
                found.append(op)
    return found


@dataclass(frozen=True)
class RelaxDCE(ModulePass):
    """Remove unused pure bindings, unused dataflow outputs and unused private
    functions (tir kernels count as private)."""

    name = "relax-dce"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        while True:
            changed = False
            for fn in op.body.block.ops:
                if isinstance(fn, rx.FuncOp):
                    changed |= _sweep(fn.body)
            used = _referenced_symbols(op)
            has_entry = any(isinstance(f, rx.FuncOp) for f in op.body.block.ops)
            for fn in _private_functions(op) if has_entry else []:
                if fn.sym_name.data not in used:  # type: ignore[attr-defined]
                    op.body.block.erase_op(fn)
                    changed = True
            if not changed:
                return
