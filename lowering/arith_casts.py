"""arith cast ops -> llvm.

xDSL's llvm dialect has no fptosi/fptoui/uitofp ops, so:
- fptosi/fptoui call the saturating intrinsics `llvm.fpto[su]i.sat` (same result
  wherever the plain instruction is defined; out-of-range inputs saturate
  instead of giving poison);
- uitofp zero-extends narrower integers to i64 and uses sitofp; a 64-bit
  unsigned source is halved (keeping the low bit for correct rounding),
  converted, and doubled when its top bit is set;
- truncf f64 -> f16 goes through f32 rounded to odd (`truncate_f64_to_f16`): LLVM
  would call compiler-rt's `__truncdfhf2`, which the JIT does not have (nor
  for an f16 fma, which it computes in f64: see `fma_f16`).
"""

from dataclasses import dataclass

from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float64Type,
    IntegerAttr,
    IntegerType,
    Signedness,
    VectorType,
    f32,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from xrelax.lowering.arith_to_llvm import _width
from xrelax.lowering.llvm_ext import VectorFCmpOp, VectorSelectOp
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
        new = self.target(op.operands[0], _signless(convert_type(op.results[0].type)))
        rewriter.replace(op, new)


def _signless(t: Attribute) -> Attribute:
    """llvm casts produce signless integers (ui8 -> i8: the same bits)."""
    if isinstance(t, IntegerType) and t.signedness.data != Signedness.SIGNLESS:
        return IntegerType(t.width.data)
    if isinstance(t, VectorType) and isinstance(t.element_type, IntegerType):
        return VectorType(_signless(t.element_type), t.get_shape())
    return t


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


def truncate_f64_to_f16(x: SSAValue, t: Attribute, emit) -> SSAValue:
    """x (f64, or a vector of f64) rounded once to t (f16 of the same shape).

    Rounding to f32 to odd (truncate towards zero, then set the lowest bit when
    inexact) keeps enough bits for the second rounding, to nearest-even f16, to
    be the correctly rounded result. NaN and infinities pass through as such;
    a finite value beyond f32 becomes FLT_MAX (odd), which rounds to inf."""
    def r(op: Operation) -> SSAValue:
        return emit(op).results[0]

    ft, it = _with_element(t, f32), _with_element(t, i32)
    lanes = t.get_shape()[0] if isinstance(t, VectorType) else None

    def int_const(v: int) -> SSAValue:
        attr = DenseIntOrFPElementsAttr.from_list(it, [v] * lanes) if lanes else \
            IntegerAttr(v, i32)
        return r(llvm.ConstantOp(attr, it))

    def fabs(v: SSAValue) -> SSAValue:
        return r(call_intrinsic(f"llvm.fabs.{mangle(v.type)}", [v], v.type))

    nearest = r(llvm.FPTruncOp(x, ft))
    back = r(llvm.FPExtOp(nearest, x.type))
    inexact = r(VectorFCmpOp(back, x, "one"))  # (false for NaN)
    bits = r(llvm.BitcastOp(nearest, it))
    away = r(VectorFCmpOp(fabs(back), fabs(x), "ogt"))  # rounded up in magnitude
    toward_zero = r(VectorSelectOp(away, r(llvm.SubOp(bits, int_const(1))), bits))
    odd = r(VectorSelectOp(inexact, r(llvm.OrOp(toward_zero, int_const(1))), bits))
    return r(llvm.FPTruncOp(r(llvm.BitcastOp(odd, ft)), t))


def is_f16(t: Attribute) -> bool:
    """t is f16 or a vector of f16."""
    return isinstance(t.element_type if isinstance(t, VectorType) else t, Float16Type)


def fma_f16(a: SSAValue, b: SSAValue, c: SSAValue, emit) -> SSAValue:
    """a * b + c on f16 (scalars or vectors) rounded once: exact in f64 (the
    product has 22 bits, the sum fits in 53), then truncate_f64_to_f16."""
    wide = _with_element(a.type, Float64Type())
    args = [emit(llvm.FPExtOp(v, wide)).results[0] for v in (a, b, c)]
    exact = emit(llvm.FMAOp(*args)).results[0]
    return truncate_f64_to_f16(exact, a.type, emit)


class TruncF64ToF16Lowering(RewritePattern):
    """arith.truncf f64 -> f16 (see truncate_f64_to_f16)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.TruncFOp, rewriter: PatternRewriter):
        src, dst = op.input.type, op.result.type
        src_elem = src.element_type if isinstance(src, VectorType) else src
        dst_elem = dst.element_type if isinstance(dst, VectorType) else dst
        if not (isinstance(src_elem, Float64Type) and isinstance(dst_elem, Float16Type)):
            return
        ops: list[Operation] = []

        def emit(new: Operation) -> Operation:
            ops.append(new)
            return new

        result = truncate_f64_to_f16(op.input, dst, emit)
        rewriter.replace(op, ops, [result])


def cast_patterns() -> list[RewritePattern]:
    """All arith cast patterns."""
    pats: list[RewritePattern] = [TruncF64ToF16Lowering()]
    pats += [SimpleCast(s, t) for s, t in SIMPLE_CASTS]
    pats += [IndexCastLowering(), UIToFPLowering()]
    pats += [FPToIntLowering(arith.FPToSIOp, "fptosi"), FPToIntLowering(arith.FPToUIOp, "fptoui")]
    return pats

