"""arith -> llvm patterns.

Each pattern rewrites one arith op.  Ops that map one-to-one onto an llvm op
(or an LLVM intrinsic) are table-driven instances of `OneToOne`/`IntrinsicBinary`;
the others (constants, floor/ceil division, casts) have their own pattern.
`index` values are left typed `index` here; `retype_values` makes them i64.
"""

from dataclasses import dataclass

from xdsl.dialects import arith, llvm
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    VectorType,
    i1,
    i64,
)
from xdsl.ir import Attribute, Operation
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern
from xdsl.utils.type import get_element_type_or_self

from xrelax.lowering.llvm_types import LoweringError, call_intrinsic, const, convert_type, mangle


def _width(t: Attribute) -> int:
    """Bit width of an integer-like scalar or vector element type (index = 64)."""
    elem = get_element_type_or_self(t)
    if isinstance(elem, IndexType):
        return 64
    assert isinstance(elem, IntegerType), t
    return elem.width.data


def _fastmath(op: Operation) -> llvm.FastMathAttr:
    """The llvm fastmath flags equal to an arith/math op's `fastmath` property."""
    flags = op.properties.get("fastmath")
    return llvm.FastMathAttr(flags.data if flags is not None else None)  # type: ignore


# Float add/sub/mul carry `contract`: LLVM may fuse a multiply and an add into
# one FMA (one rounding instead of two: the result is as accurate or more, but
# not bit-identical to numpy's separate operations). Nothing else is relaxed:
# no reassociation, NaN/inf/signed-zero semantics stay IEEE.
CONTRACTED = (llvm.FAddOp, llvm.FSubOp, llvm.FMulOp)


def _contracted(op: Operation) -> llvm.FastMathAttr:
    flags = _fastmath(op).data
    return llvm.FastMathAttr(flags | {llvm.FastMathFlag.ALLOW_CONTRACT})


@dataclass
class OneToOne(RewritePattern):
    """Rewrite `source` into the binary llvm op `target` with the same operands."""

    source: type[Operation]
    target: type[Operation]

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        if issubclass(self.target, CONTRACTED):
            new = self.target(op.operands[0], op.operands[1], _contracted(op))
        elif issubclass(self.target, llvm.AbstractFloatArithOp):
            new = self.target(op.operands[0], op.operands[1], _fastmath(op))
        else:
            new = self.target(op.operands[0], op.operands[1])
        rewriter.replace(op, new)


@dataclass
class IntrinsicBinary(RewritePattern):
    """Rewrite `source(a, b)` into a call of the overloaded intrinsic `llvm.<name>`."""

    source: type[Operation]
    name: str

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter):
        if type(op) is not self.source:
            return
        t = op.results[0].type
        call = call_intrinsic(f"llvm.{self.name}.{mangle(t)}", op.operands, convert_type(t))
        rewriter.replace(op, call)


ONE_TO_ONE = [
    (arith.AddiOp, llvm.AddOp), (arith.SubiOp, llvm.SubOp), (arith.MuliOp, llvm.MulOp),
    (arith.DivSIOp, llvm.SDivOp), (arith.DivUIOp, llvm.UDivOp),
    (arith.RemSIOp, llvm.SRemOp), (arith.RemUIOp, llvm.URemOp),
    (arith.AndIOp, llvm.AndOp), (arith.OrIOp, llvm.OrOp), (arith.XOrIOp, llvm.XOrOp),
    (arith.ShLIOp, llvm.ShlOp), (arith.ShRSIOp, llvm.AShrOp), (arith.ShRUIOp, llvm.LShrOp),
    (arith.AddfOp, llvm.FAddOp), (arith.SubfOp, llvm.FSubOp),
    (arith.MulfOp, llvm.FMulOp), (arith.DivfOp, llvm.FDivOp),
]  # fmt: skip

INTRINSIC_BINARY = [
    (arith.MinSIOp, "smin"), (arith.MaxSIOp, "smax"),
    (arith.MinUIOp, "umin"), (arith.MaxUIOp, "umax"),
    (arith.MinimumfOp, "minimum"), (arith.MaximumfOp, "maximum"),
    (arith.MinnumfOp, "minnum"), (arith.MaxnumfOp, "maxnum"),
]  # fmt: skip


class ConstantLowering(RewritePattern):
    """arith.constant -> llvm.mlir.constant (index constants become i64)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.ConstantOp, rewriter: PatternRewriter):
        t = convert_type(op.result.type)
        value = op.value
        if isinstance(value, IntegerAttr) and isinstance(value.type, IndexType):
            value = IntegerAttr(value.value.data, i64)
        elif isinstance(value, DenseIntOrFPElementsAttr):
            if not isinstance(t, VectorType):
                raise LoweringError(f"dense constant of non-vector type {t}")
            value = DenseIntOrFPElementsAttr.from_list(t, value.get_values())
        rewriter.replace(op, llvm.ConstantOp(value, t))


class NegfLowering(RewritePattern):
    """arith.negf -> llvm.fneg."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.NegfOp, rewriter: PatternRewriter):
        rewriter.replace(op, llvm.FNegOp(op.operand, _fastmath(op)))


class CmpiLowering(RewritePattern):
    """arith.cmpi -> llvm.icmp (the predicate numbering is the same)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CmpiOp, rewriter: PatternRewriter):
        pred = IntegerAttr(op.predicate.value.data, i64)
        rewriter.replace(op, llvm.ICmpOp(op.lhs, op.rhs, pred))


class CmpfLowering(RewritePattern):
    """arith.cmpf -> llvm.fcmp; the constant predicates false/true become constants."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CmpfOp, rewriter: PatternRewriter):
        pred = op.predicate.value.data
        if pred in (0, 15):  # "false" / "true": llvmlite cannot print them
            rewriter.replace(op, llvm.ConstantOp(IntegerAttr(pred // 15, i1), i1))
            return
        rewriter.replace(op, llvm.FCmpOp(op.lhs, op.rhs, IntegerAttr(pred, i64)))


class SelectLowering(RewritePattern):
    """arith.select -> llvm.select."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.SelectOp, rewriter: PatternRewriter):
        new = llvm.SelectOp(op.cond, op.lhs, op.rhs)
        rewriter.replace(op, new)


def _div_and_rem(op: Operation, signed: bool):
    """Ops computing the truncating quotient and remainder of op's operands."""
    a, b = op.operands
    q = (llvm.SDivOp if signed else llvm.UDivOp)(a, b)
    r = (llvm.SRemOp if signed else llvm.URemOp)(a, b)
    return q, r


def _zero_like(t: Attribute) -> llvm.ConstantOp:
    """A zero integer constant of type t (scalar only; vectors are rejected)."""
    if isinstance(t, VectorType):
        raise LoweringError("floordivsi/ceildivsi on vectors is not supported")
    return const(0, convert_type(t))


class FloorDivSILowering(RewritePattern):
    """arith.floordivsi: q = a / b (truncating), minus one if the remainder is
    non-zero and has the sign opposite to b (rounds towards -inf, like numpy //)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.FloorDivSIOp, rewriter: PatternRewriter):
        t = op.result.type
        q, r = _div_and_rem(op, signed=True)
        zero, one = _zero_like(t), const(1, convert_type(t))
        r_nz = llvm.ICmpOp(r.res, zero.result, IntegerAttr(1, i64))  # ne
        r_neg = llvm.ICmpOp(r.res, zero.result, IntegerAttr(2, i64))  # slt
        b_neg = llvm.ICmpOp(op.rhs, zero.result, IntegerAttr(2, i64))  # slt
        signs_differ = llvm.XOrOp(r_neg.res, b_neg.res)
        adjust = llvm.AndOp(r_nz.res, signs_differ.res)
        q_minus = llvm.SubOp(q.res, one.result)
        res = llvm.SelectOp(adjust, q_minus, q)
        ops = [q, r, zero, one, r_nz, r_neg, b_neg, signs_differ, adjust, q_minus, res]
        rewriter.replace(op, ops)


class CeilDivSILowering(RewritePattern):
    """arith.ceildivsi: q = a / b (truncating), plus one if the remainder is
    non-zero and has the sign of b (rounds towards +inf)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CeilDivSIOp, rewriter: PatternRewriter):
        t = op.result.type
        q, r = _div_and_rem(op, signed=True)
        zero, one = _zero_like(t), const(1, convert_type(t))
        r_nz = llvm.ICmpOp(r.res, zero.result, IntegerAttr(1, i64))
        r_neg = llvm.ICmpOp(r.res, zero.result, IntegerAttr(2, i64))
        b_neg = llvm.ICmpOp(op.rhs, zero.result, IntegerAttr(2, i64))
        same_sign = llvm.ICmpOp(r_neg.res, b_neg.res, IntegerAttr(0, i64))  # eq
        adjust = llvm.AndOp(r_nz.res, same_sign.res)
        q_plus = llvm.AddOp(q.res, one.result)
        res = llvm.SelectOp(adjust, q_plus, q)
        ops = [q, r, zero, one, r_nz, r_neg, b_neg, same_sign, adjust, q_plus, res]
        rewriter.replace(op, ops)


class CeilDivUILowering(RewritePattern):
    """arith.ceildivui: a / b rounded up (unsigned)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: arith.CeilDivUIOp, rewriter: PatternRewriter):
        t = op.result.type
        q, r = _div_and_rem(op, signed=False)
        zero, one = _zero_like(t), const(1, convert_type(t))
        r_nz = llvm.ICmpOp(r.res, zero.result, IntegerAttr(1, i64))
        q_plus = llvm.AddOp(q.res, one.result)
        res = llvm.SelectOp(r_nz, q_plus, q)
        rewriter.replace(op, [q, r, zero, one, r_nz, q_plus, res])
