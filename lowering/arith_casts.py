"""arith cast ops -> llvm.

xDSL's llvm dialect has no fptosi/fptoui/uitofp ops, so:
- fptosi/fptoui call the saturating intrinsics `llvm.fpto[su]i.sat` (same result
  wherever the plain instruction is defined; out-of-range inputs saturate
  instead of giving poison);
- uitofp zero-extends narrower integers to i64 and uses sitofp; a 64-bit
  unsigned source is halved (keeping the low bit for correct rounding),
  converted, and doubled when its top bit is set.
"""

from dataclasses import dataclass

from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import IntegerAttr, VectorType, i64
from xdsl.ir import Attribute, Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from xrelax.lowering.arith_to_llvm import _width
from xrelax.lowering.llvm_types import LoweringError, call_intrinsic, const, convert_type, mangle


def _with_element(t: Attribute, elem: Attribute) -> Attribute:
    """t with its (vector) element type replaced by elem."""
    if isinstance(t, VectorType):
        return VectorType(elem, t.get_shape())
    return elem


@dataclass
class SimpleCast(RewritePattern):
    """Rewrite `source` into the llvm cast op `target` with the converted result type."""

    source: type[Operation]
    target: type[Operation]

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        new = self.target(op.operands[0], convert_type(op.results[0].type))
        rewriter.replace(op, new)


SIMPLE_CASTS = [
    (arith.ExtSIOp, llvm.SExtOp), (arith.ExtUIOp, llvm.ZExtOp),
    (arith.TruncIOp, llvm.TruncOp), (arith.ExtFOp, llvm.FPExtOp),
    (arith.TruncFOp, llvm.FPTruncOp), (arith.SIToFPOp, llvm.SIToFPOp),
    (arith.BitcastOp, llvm.BitcastOp),
]  # fmt: skip


def _resize_int(op: Operation, rewriter: PatternRewriter, signed: bool) -> None:
    """Replace op (an integer<->index cast) by sext/zext/trunc or nothing."""
    src, dst = op.operands[0], op.results[0]
    sw, dw = _width(src.type), _width(dst.type)
    if sw == dw:  # index <-> i64: the same LLVM type
        rewriter.replace(op, [], [src])
        return
    target = convert_type(dst.type)
    if sw > dw:
        rewriter.replace(op, llvm.TruncOp(src, target))
    else:
        rewriter.replace(op, (llvm.SExtOp if signed else llvm.ZExtOp)(src, target))


class IndexCastLowering(RewritePattern):
    """arith.index_cast: sign-extend or truncate between index (i64) and iN."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.IndexCastOp, rewriter: PatternRewriter):
        _resize_int(op, rewriter, signed=True)


@dataclass
class FPToIntLowering(RewritePattern):
    """arith.fptosi/fptoui -> llvm.fpto{s,u}i.sat.<dst>.<src>."""

    source: type[Operation]
    name: str

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        src, dst = op.operands[0].type, convert_type(op.results[0].type)
        intr = f"llvm.{self.name}.sat.{mangle(dst)}.{mangle(src)}"
        rewriter.replace(op, call_intrinsic(intr, op.operands, dst))


class UIToFPLowering(RewritePattern):
    """arith.uitofp (see the module docstring for the method)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.UIToFPOp, rewriter: PatternRewriter):
        src, dst = op.input, convert_type(op.result.type)
        width = _width(src.type)
        if width < 64:
            wide = llvm.ZExtOp(src, _with_element(src.type, i64))
            rewriter.replace(op, [wide, llvm.SIToFPOp(wide, dst)])
            return
        if isinstance(src.type, VectorType):
            raise LoweringError("uitofp from 64-bit integer vectors is not supported")
        one, zero = const(1, i64), const(0, i64)
        half = llvm.LShrOp(src, one.result)
        low = llvm.AndOp(src, one.result)
        halved = llvm.OrOp(half.res, low.res)
        as_fp = llvm.SIToFPOp(halved, dst)
        doubled = llvm.FAddOp(as_fp, as_fp)
        direct = llvm.SIToFPOp(src, dst)
        negative = llvm.ICmpOp(src, zero.result, IntegerAttr(2, i64))  # slt: top bit set
        res = llvm.SelectOp(negative, doubled, direct)
        ops = [one, zero, half, low, halved, as_fp, doubled, direct, negative, res]
        rewriter.replace(op, ops)


def cast_patterns() -> list[RewritePattern]:
    """All arith cast patterns."""
    pats: list[RewritePattern] = [SimpleCast(s, t) for s, t in SIMPLE_CASTS]
    pats += [IndexCastLowering(), UIToFPLowering()]
    pats += [FPToIntLowering(arith.FPToSIOp, "fptosi"), FPToIntLowering(arith.FPToUIOp, "fptoui")]
    return pats

