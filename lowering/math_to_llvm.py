"""math -> llvm patterns.

Transcendental functions that `vector_math` implements (exp, exp2, expm1,
log, log2, log10, log1p, tanh, sinh, cosh, asinh, acosh, atanh, erf, powf;
see INLINE) become inline polynomial code, for scalars and vectors alike:
no libm call, so loops of them vectorize and a vector op stays one vector
computation. The rest, and the types vector_math does not cover (f64 erf
and pow), go as follows.
Functions with an LLVM intrinsic call it (`llvm.exp.v16f32`, ...); the backend
expands intrinsics that have no instruction (tanh, sin, ...) into libm calls,
also lane by lane for vectors.  Functions without an intrinsic (erf, cbrt,
...) call libm directly (`erff` for f32, `erf` for f64); vector operands are
scalarized here.  libm symbols resolve from the process at JIT time.
"""

from dataclasses import dataclass

from xdsl.dialects import llvm, math
from xdsl.dialects.builtin import Float32Type, IntegerAttr, VectorType, i1, i32
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from xrelax.lowering import vector_math
from xrelax.lowering.arith_casts import fma_f16, is_f16
from xrelax.lowering.externs import Externs
from xrelax.lowering.llvm_types import (
    LoweringError,
    call_intrinsic,
    convert_type,
    extract_lane,
    mangle,
    splat_float,
)

# math op -> overloaded LLVM intrinsic (name without the type suffix).
INTRINSICS: list[tuple[type[Operation], str]] = [
    (math.AbsFOp, "fabs"), (math.CeilOp, "ceil"), (math.FloorOp, "floor"),
    (math.RoundOp, "round"), (math.RoundEvenOp, "roundeven"), (math.TruncOp, "trunc"),
    (math.SqrtOp, "sqrt"), (math.ExpOp, "exp"), (math.Exp2Op, "exp2"),
    (math.LogOp, "log"), (math.Log2Op, "log2"), (math.Log10Op, "log10"),
    (math.SinOp, "sin"), (math.CosOp, "cos"), (math.TanOp, "tan"),
    (math.AsinOp, "asin"), (math.AcosOp, "acos"), (math.AtanOp, "atan"),
    (math.SinhOp, "sinh"), (math.CoshOp, "cosh"), (math.TanhOp, "tanh"),
    (math.PowFOp, "pow"), (math.CopySignOp, "copysign"), (math.Atan2Op, "atan2"),
    (math.FmaOp, "fma"), (math.CtPopOp, "ctpop"),
]  # fmt: skip

# math op -> libm base name (f64 name; the f32 one has an "f" suffix).
LIBM: list[tuple[type[Operation], str]] = [
    (math.ErfOp, "erf"), (math.CbrtOp, "cbrt"), (math.ExpM1Op, "expm1"),
    (math.Log1pOp, "log1p"), (math.AsinhOp, "asinh"), (math.AcoshOp, "acosh"),
    (math.AtanhOp, "atanh"),
]  # fmt: skip


# math op -> vector_math function name (inline polynomial code).
INLINE: list[tuple[type[Operation], str]] = [
    (math.ExpOp, "exp"), (math.Exp2Op, "exp2"), (math.ExpM1Op, "expm1"),
    (math.LogOp, "log"), (math.Log2Op, "log2"), (math.Log10Op, "log10"),
    (math.Log1pOp, "log1p"), (math.TanhOp, "tanh"), (math.SinhOp, "sinh"),
    (math.CoshOp, "cosh"), (math.AsinhOp, "asinh"), (math.AcoshOp, "acosh"),
    (math.AtanhOp, "atanh"), (math.ErfOp, "erf"), (math.PowFOp, "powf"),
]  # fmt: skip


@dataclass
class InlineMathLowering(RewritePattern):
    """Rewrite `source(args...)` into vector_math's inline code, where it
    supports the type (else leave the op to the intrinsic/libm patterns)."""

    source: type[Operation]
    name: str

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        t = op.results[0].type
        if not vector_math.supports(self.name, t):
            return

        def emit(new_op: Operation) -> Operation:
            rewriter.insert(new_op)
            return new_op

        result = vector_math.expand(self.name, op.operands, t, emit)
        rewriter.replace(op, [], [result])


@dataclass
class IntrinsicLowering(RewritePattern):
    """Rewrite `source(args...)` into `llvm.<name>.<type>(args...)`."""

    source: type[Operation]
    name: str

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        t = op.results[0].type
        if self.name == "fma" and is_f16(t):  # (LLVM's f16 fma needs __truncdfhf2)
            ops: list[Operation] = []
            result = fma_f16(*op.operands, lambda new: ops.append(new) or new)
            rewriter.replace(op, ops, [result])
            return
        intr = f"llvm.{self.name}.{mangle(t)}"
        rewriter.replace(op, call_intrinsic(intr, op.operands, convert_type(t)))


@dataclass
class BitCountLowering(RewritePattern):
    """ctlz/cttz/absi: intrinsics with an extra `i1 false` flag (result defined for 0/INT_MIN)."""

    source: type[Operation]
    name: str

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        t = op.results[0].type
        flag = llvm.ConstantOp(IntegerAttr(0, i1), i1)
        call = call_intrinsic(f"llvm.{self.name}.{mangle(t)}", [op.operands[0], flag.result], t)
        rewriter.replace(op, [flag, call])


class FPowILowering(RewritePattern):
    """math.fpowi -> llvm.powi.<float>.<int>."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.FPowIOp, rewriter: PatternRewriter):
        t, it = op.result.type, op.rhs.type
        if isinstance(it, VectorType):
            raise LoweringError("math.fpowi with a vector exponent is not supported")
        intr = f"llvm.powi.{mangle(t)}.{mangle(it)}"
        rewriter.replace(op, call_intrinsic(intr, [op.lhs, op.rhs], t))


class RsqrtLowering(RewritePattern):
    """math.rsqrt(x) -> 1.0 / llvm.sqrt(x)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: math.RsqrtOp, rewriter: PatternRewriter):
        t = op.result.type
        root = call_intrinsic(f"llvm.sqrt.{mangle(t)}", [op.operand], t)
        one = splat_float(1.0, t)
        div = llvm.FDivOp(one, root.results[0])
        rewriter.replace(op, [root, one, div])


@dataclass
class LibmLowering(RewritePattern):
    """Rewrite a unary math op into a libm call, lane by lane for vectors."""

    source: type[Operation]
    name: str
    externs: Externs

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        t = op.results[0].type
        elem = t.element_type if isinstance(t, VectorType) else t
        fn = self.name + ("f" if isinstance(elem, Float32Type) else "")
        self.externs.declare(fn, [elem], elem)

        def emit(new_op: Operation) -> Operation:
            rewriter.insert(new_op)
            return new_op

        x = op.operands[0]
        if not isinstance(t, VectorType):
            rewriter.replace(op, llvm.CallOp(fn, x, return_type=elem))
            return
        rewriter.replace(op, [], [self._per_lane(fn, x, t, elem, emit)])

    @staticmethod
    def _per_lane(fn: str, x: SSAValue, t: VectorType, elem: Attribute, emit) -> SSAValue:
        acc: SSAValue = emit(llvm.UndefOp(t)).results[0]
        for lane in range(t.get_shape()[0]):
            scalar = extract_lane(x, lane, emit)
            y = emit(llvm.CallOp(fn, scalar, return_type=elem)).results[0]
            idx = emit(llvm.ConstantOp(IntegerAttr(lane, i32), i32)).results[0]
            acc = emit(llvm.InsertElementOp(acc, y, idx)).results[0]
        return acc


def math_patterns(externs: Externs) -> list[RewritePattern]:
    """All math patterns; libm functions used are recorded in `externs`."""
    pats: list[RewritePattern] = [InlineMathLowering(s, n) for s, n in INLINE]
    pats += [IntrinsicLowering(s, n) for s, n in INTRINSICS]
    pats += [LibmLowering(s, n, externs) for s, n in LIBM]
    pats += [
        BitCountLowering(math.CountLeadingZerosOp, "ctlz"),
        BitCountLowering(math.CountTrailingZerosOp, "cttz"),
        BitCountLowering(math.AbsIOp, "abs"),
        FPowILowering(),
        RsqrtLowering(),
    ]
    return pats
