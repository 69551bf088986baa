"""`canonicalize-bindings`: simplify bindings whose value is already known.

- `relax.match_cast %x : T` where %x already has type T exactly: uses of the
  result become uses of %x (the check cannot fail and binds nothing new);
- `relax.get_item` of a `relax.tuple` built in the same function: the field;
- `relax.shape_of` a tensor whose shape is known: `relax.shape [dims]`;
- a dataflow output that is defined outside the block (an alias): uses of the
  dataflow's result become uses of that value.

The ops left without uses are removed by `relax-dce`.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass
from xdsl.pattern_rewriter import (
    GreedyRewritePatternApplier,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
    op_type_rewrite_pattern,
)

from xrelax.relax import ops as rx
from xrelax.relax.types import TensorType


class ForwardKnownMatchCast(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: rx.MatchCastOp, rewriter: PatternRewriter) -> None:
        if op.value.type == op.result.type and op.result.uses:
            op.result.replace_all_uses_with(op.value)
            rewriter.has_done_action = True


class ForwardTupleField(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: rx.GetItemOp, rewriter: PatternRewriter) -> None:
        tup = op.tuple_value.owner
        if isinstance(tup, rx.TupleOp):
            rewriter.replace(op, [], [tup.fields[op.position]])


class KnownShapeOf(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: rx.ShapeOfOp, rewriter: PatternRewriter) -> None:
        t = op.tensor.type
        if isinstance(t, TensorType) and t.dims is not None:
            rewriter.replace(op, rx.ShapeOp(t.dims))


class ForwardDataflowAlias(RewritePattern):
    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: rx.DataflowOp, rewriter: PatternRewriter) -> None:
        term = op.body.block.last_op
        assert isinstance(term, rx.OutputOp)
        for res, value in zip(op.outputs, term.values):
            owner = value.owner
            inside = owner is op.body.block or (
                not isinstance(owner, type(op.body.block)) and op.is_ancestor(owner))
            if not inside and res.uses:
                res.replace_all_uses_with(value)
                rewriter.has_done_action = True


@dataclass(frozen=True)
class CanonicalizeBindings(ModulePass):
    """Forward values whose bindings are trivial (see the module docstring)."""

    name = "canonicalize-bindings"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        PatternRewriteWalker(GreedyRewritePatternApplier([
            ForwardKnownMatchCast(), ForwardTupleField(), KnownShapeOf(),
            ForwardDataflowAlias(),
        # no built-in dead-op removal: it would erase an unused match_cast that
        # defines a symbolic variable used later (relax-dce knows to keep it)
        ], dce_enabled=False)).rewrite_module(op)
