"""Control flow: scf.while -> cf (xDSL's convert-scf-to-cf lacks it), cf -> llvm.

cf.assert branches to a block that calls `abort()` when the condition is false
(MLIR prints the message; we keep it out of the code for now).
"""

from xdsl.dialects import cf, llvm, scf
from xdsl.ir import Block
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.rewriter import BlockInsertPoint, InsertPoint

from xrelax.lowering.externs import Externs


class WhileLowering(RewritePattern):
    """scf.while -> a `before` block that tests the condition and an `after`
    block that branches back; the loop results are the continuation block's args."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: scf.WhileOp, rewriter: PatternRewriter):
        entry = op.parent_block()
        if entry is None:
            return
        cont = entry.split_before(op)
        results_block = Block(arg_types=op.res.types)
        region = entry.parent_region()
        assert region is not None
        region.insert_block_before(results_block, cont)
        rewriter.insert(cf.BranchOp(cont), InsertPoint.at_end(results_block))

        # Nested loops may already have been lowered to several blocks.
        before, after = op.before_region.first_block, op.after_region.first_block
        assert before is not None and after is not None
        condition = op.before_region.blocks[-1].last_op
        assert isinstance(condition, scf.ConditionOp)
        rewriter.replace(
            condition,
            cf.ConditionalBranchOp(
                condition.condition, after, condition.args, results_block, condition.args
            ),
        )
        yield_op = op.after_region.blocks[-1].last_op
        assert isinstance(yield_op, scf.YieldOp)
        rewriter.replace(yield_op, cf.BranchOp(before, *yield_op.operands))
        rewriter.inline_region(op.after_region, BlockInsertPoint.before(results_block))
        rewriter.inline_region(op.before_region, BlockInsertPoint.before(after))
        rewriter.insert(cf.BranchOp(before, *op.arguments), InsertPoint.at_end(entry))
        rewriter.replace(op, [], results_block.args)


class BranchLowering(RewritePattern):
    """cf.br -> llvm.br."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cf.BranchOp, rewriter: PatternRewriter):
        rewriter.replace(op, llvm.BrOp(op.successor, *op.arguments))


class CondBranchLowering(RewritePattern):
    """cf.cond_br -> llvm.cond_br."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cf.ConditionalBranchOp, rewriter: PatternRewriter):
        new = llvm.CondBrOp(
            op.cond, op.then_block, op.then_arguments, op.else_block, op.else_arguments
        )
        rewriter.replace(op, new)


class AssertLowering(RewritePattern):
    """cf.assert %c -> cond_br %c to the continuation, else to `abort()`."""

    def __init__(self, externs: Externs) -> None:
        self.externs = externs

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: cf.AssertOp, rewriter: PatternRewriter):
        block = op.parent_block()
        assert block is not None
        cont = block.split_before(op)
        failed = Block()
        region = block.parent_region()
        assert region is not None
        region.insert_block_after(failed, cont)
        self.externs.declare("abort", [], None)
        failed.add_ops([llvm.CallOp("abort"), llvm.UnreachableOp()])
        rewriter.insert(llvm.CondBrOp(op.arg, cont, (), failed, ()), InsertPoint.at_end(block))
        rewriter.erase_op(op)
