"""Inline math: transcendental functions as polynomial code in the llvm dialect.

`expand(name, operands, type, emit)` builds `exp`, `log`, `tanh`, `erf`, ...
from llvm arithmetic, comparisons, selects and bit casts, on a scalar
(`f16`/`f32`/`f64`) or on a 1-D vector of them. The same straight-line code
serves both, so a vector op stays one vector computation (no libm call per
lane), and a scalar loop of `exp` is vectorizable by LLVM. `f16` is computed
in `f32` and rounded once.

Method (the usual one: range reduction, a polynomial on a small interval,
reconstruction by bit manipulation):
- exp, exp2, expm1: `x = k ln2 + r`, |r| <= ln2/2 (Cody-Waite: ln2 in two
  parts, `k ln2_hi` exact); `expm1(r) = r + r^2 P(r)`; `2^k` is built in the
  exponent field, in two factors so that results near overflow and in the
  denormal range round once (on AVX-512 hosts: one `llvm.ldexp`, i.e.
  vscalefps); `expm1(x) = 2^k expm1(r) + (2^k - 1)`. Callers that know the
  sign of the argument (tanh, erf) use cheaper variants without the
  overflow handling.
- log, log2, log10, log1p: `x = 2^e m`, m in [sqrt(1/2), sqrt(2)) (denormals
  are scaled first); `log(m) = 2 atanh(s)`, `s = (m - 1) / (m + 1)`,
  `= 2s + 2s z Q(z)`, `z = s^2 <= 0.0295`; log1p adds the rounding error of
  `1 + x` back (`(x - (u - 1)) / u`).
- tanh: `tanh|x| = -t / (t + 2)`, `t = expm1(-2|x|)`; sinh/cosh from expm1/exp
  (`exp(|x|/2)^2 / 2` near overflow); asinh, acosh, atanh from log1p/log.
- erf: |x| < 0.875: `x P(x^2)`; up to where erf rounds to 1:
  `1 - exp(L(|x| - c))`, L a polynomial fit of log(erfc).
- pow (f32, f16): `exp2(y log2|x|)` evaluated in f64, then C99's special cases
  (integer y with negative x, zeros, infinities, pow(x, 0) = pow(1, y) = 1).
Polynomials are fitted when first needed: interpolation at Chebyshev nodes in
60-digit decimal arithmetic, coefficients rounded to the type
(lowering/vector_math_fits.py).

Maximum error, measured in ulp of the result type against numpy in a wider
type (float64 for f16/f32 arguments, longdouble for f64), over random bit
patterns (every magnitude), a dense sample of [-10, 10], tiny numbers, and 0,
-0, denormals, +-inf, NaN, the largest numbers
(tests/lowering/test_vector_math.py asserts bounds just above these):

| function | f32 | f64 |   | function | f32 | f64 |
| --- | --- | --- | --- | --- | --- | --- |
| exp | 0.99 | 0.96 | | tanh | 2.5 | 2.5 |
| exp2 | 0.98 | 1.0 | | sinh | 2.0 | 1.9 |
| expm1 | 1.5 | 1.6 | | cosh | 1.3 | 1.3 |
| log | 1.7 | 1.4 | | asinh | 2.8 | 2.5 |
| log2 | 2.6 | 1.8 | | acosh | 1.6 | 1.8 |
| log10 | 2.6 | 2.1 | | atanh | 2.5 | 2.5 |
| log1p | 2.4 | 2.3 | | erf | 2.3 | (libm) |
| powf | 0.5 | (libm) | | | | |

f16 results (computed in f32) were correctly rounded on the whole sample.
Polynomials use `llvm.fmuladd` (fused where the CPU has FMA, else a multiply
and an add); the figures were measured with FMA. The range reductions do not
depend on fusion (`k * ln2_hi` is exact either way).
Special values follow C: NaN in, NaN out; exp(-inf) = 0, exp(+inf) = inf,
log(0) = -inf, log(x < 0) = NaN, tanh(+-inf) = +-1, erf(+-inf) = +-1, signed
zeros are kept (tanh(-0) = -0, erf(-0) = -0).

Not expanded (still libm, per lane for vectors): f64 erf and pow (pow needs a
double-double log to be accurate), and the trigonometric family (sin, cos,
tan, asin, acos, atan, atan2: a correct reduction of huge arguments needs
Payne-Hanek), cbrt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    DenseIntOrFPElementsAttr,
    Float16Type,
    Float32Type,
    Float64Type,
    IntegerAttr,
    VectorType,
    f32,
    f64,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue

from xrelax.lowering.arith_casts import truncate_f64_to_f16
from xrelax.lowering.llvm_ext import VectorFCmpOp, VectorSelectOp
from xrelax.lowering.llvm_types import call_intrinsic, mangle, splat_float
from xrelax.lowering.vector_math_fits import (
    ERF_CENTER,
    ERF_ONE,
    ERF_SPLIT,
    coefficients,
    ln2_parts,
    log10_2_parts,
)

Emit = Callable[[Operation], Operation]

# ---- the builder -------------------------------------------------------------------

class _Builder:
    """Emits llvm ops on values of one float type (scalar or vector) and the
    integer type of the same width and shape."""

    def __init__(self, emit: Emit, t: Attribute, ldexp: bool = False):
        self.emit_op, self.t, self.ldexp = emit, t, ldexp
        elem = t.element_type if isinstance(t, VectorType) else t
        self.bits = 64 if isinstance(elem, Float64Type) else 32
        ielem = i64 if self.bits == 64 else i32
        self.lanes = t.get_shape()[0] if isinstance(t, VectorType) else None
        self.it = VectorType(ielem, [self.lanes]) if self.lanes else ielem
        self.mant = 52 if self.bits == 64 else 23
        self.bias = 1023 if self.bits == 64 else 127
        self._consts: dict[tuple[str, float | int], SSAValue] = {}

    def _r(self, op: Operation) -> SSAValue:
        return self.emit_op(op).results[0]

    # constants
    def f(self, value: float) -> SSAValue:
        key = ("f", value)
        if key not in self._consts:
            v = float(np.float32(value)) if self.bits == 32 else value
            self._consts[key] = self._r(splat_float(v, self.t))
        return self._consts[key]

    def i(self, value: int) -> SSAValue:
        key = ("i", value)
        if key not in self._consts:
            if self.lanes:
                attr = DenseIntOrFPElementsAttr.from_list(self.it, [value] * self.lanes)
            else:
                attr = IntegerAttr(value, self.it)
            self._consts[key] = self._r(llvm.ConstantOp(attr, self.it))
        return self._consts[key]

    # float arithmetic
    def add(self, a, b): return self._r(llvm.FAddOp(a, b))
    def sub(self, a, b): return self._r(llvm.FSubOp(a, b))
    def mul(self, a, b): return self._r(llvm.FMulOp(a, b))
    def div(self, a, b): return self._r(llvm.FDivOp(a, b))
    def neg(self, a): return self._r(llvm.FNegOp(a))
    def abs(self, a): return self.intr("fabs", a)
    def copysign(self, a, b): return self.intr("copysign", a, b)

    def intr(self, name: str, *args: SSAValue) -> SSAValue:
        return self._r(call_intrinsic(f"llvm.{name}.{mangle(self.t)}", args, self.t))

    def fma(self, a, b, c):
        """a * b + c, fused where the CPU has FMA (llvm.fmuladd)."""
        return self.intr("fmuladd", a, b, c)

    def sqrt(self, a): return self.intr("sqrt", a)
    def rint(self, a):
        """Round to the nearest integer, halves to even (by adding 1.5 * 2^mant:
        no libm call even where the CPU has no rounding instruction)."""
        magic = self.f(1.5 * 2.0 ** self.mant)
        rounded = self.copysign(self.sub(self.add(a, magic), magic), a)
        return self.select(self.cmp("olt", self.abs(a), self.f(2.0 ** (self.mant - 1))), rounded, a)

    def poly(self, x: SSAValue, cs: Sequence[float]) -> SSAValue:
        """c0 + c1 x + ... (Horner)."""
        acc = self.f(cs[-1])
        for c in reversed(cs[:-1]):
            acc = self.fma(acc, x, self.f(c))
        return acc

    # comparisons and selects
    def cmp(self, pred: str, a, b): return self._r(VectorFCmpOp(a, b, pred))
    def select(self, c, a, b): return self._r(VectorSelectOp(c, a, b))
    def and_(self, a, b): return self._r(llvm.AndOp(a, b))
    def or_(self, a, b): return self._r(llvm.OrOp(a, b))

    def clamp(self, x, lo: float, hi: float):
        """min(max(x, lo), hi), NaN stays NaN."""
        x = self.select(self.cmp("olt", x, self.f(lo)), self.f(lo), x)
        return self.select(self.cmp("ogt", x, self.f(hi)), self.f(hi), x)

    # bits
    def bits_of(self, a): return self._r(llvm.BitcastOp(a, self.it))
    def from_bits(self, a): return self._r(llvm.BitcastOp(a, self.t))
    def iadd(self, a, b): return self._r(llvm.AddOp(a, b))
    def isub(self, a, b): return self._r(llvm.SubOp(a, b))
    def iand(self, a, b): return self._r(llvm.AndOp(a, b))
    def shl(self, a, b): return self._r(llvm.ShlOp(a, b))
    def ashr(self, a, b): return self._r(llvm.AShrOp(a, b))
    def to_float(self, a): return self._r(llvm.SIToFPOp(a, self.t))

    def pow2i(self, k) -> SSAValue:
        """2^k for an integer k of the float's exponent range (a normal float)."""
        return self.from_bits(self.shl(self.iadd(k, self.i(self.bias)), self.i(self.mant)))

    # ---- kernels ---------------------------------------------------------------
    def reduce_exp(self, x) -> tuple[SSAValue, SSAValue]:
        """x = k ln2 + r: (k as an integer, r)."""
        magic = 1.5 * 2.0**self.mant  # adding it rounds to an integer in the low bits
        t = self.fma(x, self.f(1.4426950408889634), self.f(magic))
        kf = self.sub(t, self.f(magic))
        k = self.isub(self.bits_of(t), self.bits_of(self.f(magic)))
        hi, lo = ln2_parts(self.bits)
        r = self.fma(kf, self.f(-hi), x)
        return k, self.fma(kf, self.f(-lo), r)

    def expm1_reduced(self, r) -> SSAValue:
        """expm1(r) for |r| <= ln2/2."""
        p = self.poly(r, coefficients("exp", self.bits))
        return self.fma(self.mul(r, r), p, r)

    def scale(self, p, k) -> SSAValue:
        """p * 2^k for k in [-(bias + mant + 2), bias + 1], rounding once: one
        `llvm.ldexp` where the target has AVX-512 (vscalefps), else two
        multiplications by powers of two built in the exponent field."""
        if self.ldexp:
            return self._r(call_intrinsic(f"llvm.ldexp.{mangle(self.t)}.{mangle(self.it)}",
                                          [p, k], self.t))
        k1 = self.ashr(k, self.i(1))
        return self.mul(self.mul(p, self.pow2i(k1)), self.pow2i(self.isub(k, k1)))

    def exp_negative(self, x) -> SSAValue:
        """exp(x) for -(bias - 1) * ln2 <= x <= 0 (or NaN): no clamp, one scaling."""
        k, r = self.reduce_exp(x)
        return self.mul(self.add(self.expm1_reduced(r), self.f(1.0)), self.pow2i(k))

    def expm1_nonpositive(self, x) -> SSAValue:
        """expm1(x) for x <= 0 (or NaN): 2^k expm1(r) + (2^k - 1) with 2^k normal."""
        lo = -30.0 if self.bits == 32 else -60.0
        x = self.select(self.cmp("olt", x, self.f(lo)), self.f(lo), x)
        k, r = self.reduce_exp(x)
        s = self.pow2i(k)
        return self.fma(s, self.expm1_reduced(r), self.sub(s, self.f(1.0)))

    def exp_limits(self) -> tuple[float, float]:
        return (-104.0, 89.0) if self.bits == 32 else (-746.0, 710.0)

    def exp(self, x) -> SSAValue:
        lo, hi = self.exp_limits()
        k, r = self.reduce_exp(self.clamp(x, lo, hi))
        return self.scale(self.add(self.expm1_reduced(r), self.f(1.0)), k)

    def exp2(self, x) -> SSAValue:
        lo, hi = (-151.0, 129.0) if self.bits == 32 else (-1076.0, 1025.0)
        x = self.clamp(x, lo, hi)
        kf = self.rint(x)
        magic = 1.5 * 2.0**self.mant
        k = self.isub(self.bits_of(self.add(kf, self.f(magic))), self.bits_of(self.f(magic)))
        r = self.mul(self.sub(x, kf), self.f(0.6931471805599453))
        return self.scale(self.add(self.expm1_reduced(r), self.f(1.0)), k)

    def expm1(self, x) -> SSAValue:
        lo = -30.0 if self.bits == 32 else -60.0
        _, hi = self.exp_limits()
        k, r = self.reduce_exp(self.clamp(x, lo, hi))
        q = self.expm1_reduced(r)
        big = self.mant + 2
        # small k: 2^k q + (2^k - 1), exact subtraction; large k: exp(x) (1 is negligible)
        kc = self._r(VectorSelectOp(self._r(llvm.ICmpOp(k, self.i(big), IntegerAttr(4, i64))),
                                   self.i(big), k))  # sgt
        s = self.pow2i(kc)
        small = self.fma(s, q, self.sub(s, self.f(1.0)))
        large = self.scale(self.add(q, self.f(1.0)), k)
        is_large = self._r(llvm.ICmpOp(k, self.i(big), IntegerAttr(4, i64)))
        return self.select(is_large, large, small)

    def log_parts(self, x) -> tuple[SSAValue, SSAValue]:
        """x = 2^e m (e as a float), and log(m), for positive finite x."""
        tiny = self.cmp("olt", x, self.f(2.0 ** (-126 if self.bits == 32 else -1022)))
        shift = self.mant + 2
        x = self.select(tiny, self.mul(x, self.f(2.0**shift)), x)
        sqrt_half = self.bits_of(self.f(0.7071067811865476))
        ix = self.isub(self.bits_of(x), sqrt_half)
        e = self.ashr(ix, self.i(self.mant))
        m = self.from_bits(self.iadd(self.iand(ix, self.i((1 << self.mant) - 1)), sqrt_half))
        ef = self.to_float(e)
        ef = self.select(tiny, self.sub(ef, self.f(float(shift))), ef)
        f = self.sub(m, self.f(1.0))
        s = self.div(f, self.add(m, self.f(1.0)))
        z = self.mul(s, s)
        two_s = self.add(s, s)
        q = self.poly(z, coefficients("atanh", self.bits))
        return ef, self.fma(self.mul(two_s, z), q, two_s)

    def log_special(self, x, core) -> SSAValue:
        """core where 0 < x < inf; else log's value at 0, inf, negatives, NaN."""
        regular = self.and_(self.cmp("ogt", x, self.f(0.0)), self.cmp("olt", x, self.f(np.inf)))
        special = self.select(self.cmp("olt", x, self.f(0.0)), self.f(np.nan), x)
        special = self.select(self.cmp("oeq", x, self.f(0.0)), self.f(-np.inf), special)
        return self.select(regular, core, special)

    def log(self, x, base: str = "e") -> SSAValue:
        e, lm = self.log_parts(x)
        if base == "2":
            core = self.fma(lm, self.f(1.4426950408889634), e)
        else:
            hi, lo = ln2_parts(self.bits) if base == "e" else log10_2_parts(self.bits)
            low = self.mul(e, self.f(lo))
            if base == "e":
                low = self.add(low, lm)
            else:
                low = self.fma(lm, self.f(0.4342944819032518), low)
            core = self.fma(e, self.f(hi), low)
        return self.log_special(x, core)

    def log1p(self, x) -> SSAValue:
        u = self.add(x, self.f(1.0))
        e, lm = self.log_parts(u)
        correction = self.div(self.sub(x, self.sub(u, self.f(1.0))), u)
        hi, lo = ln2_parts(self.bits)
        core = self.fma(e, self.f(hi), self.add(self.fma(e, self.f(lo), lm), correction))
        # tiny x: u == 1 and the result is x itself (keeps -0 and denormals)
        core = self.select(self.cmp("oeq", u, self.f(1.0)), x, core)
        return self.log_special(u, core)

    def tanh(self, x) -> SSAValue:
        t = self.expm1_nonpositive(self.mul(self.abs(x), self.f(-2.0)))
        th = self.div(self.neg(t), self.add(t, self.f(2.0)))
        return self.copysign(th, x)

    def _exp_half_squared(self, a) -> SSAValue:
        """exp(a) / 2 for large a, without overflowing early."""
        w = self.exp(self.mul(a, self.f(0.5)))
        return self.mul(self.mul(w, self.f(0.5)), w)

    def sinh(self, x) -> SSAValue:
        a = self.abs(x)
        big = 80.0 if self.bits == 32 else 700.0
        t = self.expm1(self.select(self.cmp("ogt", a, self.f(big)), self.f(big), a))
        small = self.mul(self.f(0.5), self.add(t, self.div(t, self.add(t, self.f(1.0)))))
        res = self.select(self.cmp("ogt", a, self.f(big)), self._exp_half_squared(a), small)
        return self.copysign(res, x)

    def cosh(self, x) -> SSAValue:
        a = self.abs(x)
        big = 80.0 if self.bits == 32 else 700.0
        e = self.exp(self.select(self.cmp("ogt", a, self.f(big)), self.f(big), a))
        small = self.fma(self.f(0.5), e, self.div(self.f(0.5), e))
        return self.select(self.cmp("ogt", a, self.f(big)), self._exp_half_squared(a), small)

    def _log_plus_ln2(self, a) -> SSAValue:
        return self.add(self.log(a), self.f(0.6931471805599453))

    def asinh(self, x) -> SSAValue:
        a = self.abs(x)
        huge = 2.0**12 if self.bits == 32 else 2.0**28
        a2 = self.mul(a, a)
        inner = self.add(a, self.div(a2, self.add(self.f(1.0), self.sqrt(self.add(a2, self.f(1.0))))))
        res = self.log1p(inner)
        res = self.select(self.cmp("ogt", a, self.f(huge)), self._log_plus_ln2(a), res)
        return self.copysign(res, x)

    def acosh(self, x) -> SSAValue:
        huge = 2.0**12 if self.bits == 32 else 2.0**28
        t = self.sub(x, self.f(1.0))
        res = self.log1p(self.add(t, self.sqrt(self.fma(t, t, self.add(t, t)))))
        res = self.select(self.cmp("ogt", x, self.f(huge)), self._log_plus_ln2(x), res)
        return self.select(self.cmp("olt", x, self.f(1.0)), self.f(np.nan), res)

    def atanh(self, x) -> SSAValue:
        a = self.abs(x)
        res = self.mul(self.f(0.5), self.log1p(self.div(self.add(a, a), self.sub(self.f(1.0), a))))
        return self.copysign(res, x)

    def erf(self, x) -> SSAValue:
        a = self.abs(x)
        small = self.mul(x, self.poly(self.mul(x, x), coefficients("erf_small", self.bits)))
        one_at = ERF_ONE[self.bits]
        u = self.sub(self.select(self.cmp("ogt", a, self.f(one_at)), self.f(one_at), a),
                     self.f(ERF_CENTER))
        log_erfc = self.poly(u, coefficients("erfc_log", self.bits))  # in [-19, -1.5]
        outer = self.sub(self.f(1.0), self.exp_negative(log_erfc))
        outer = self.select(self.cmp("oge", a, self.f(one_at)), self.f(1.0), outer)
        outer = self.copysign(outer, x)
        return self.select(self.cmp("olt", a, self.f(ERF_SPLIT)), small, outer)


def _pow_f64(b: _Builder, x: SSAValue, y: SSAValue) -> SSAValue:
    """pow on f64 lanes that hold f32 values: exp2(y log2|x|) is exact enough in f64."""
    ax = b.abs(x)
    lg = b.log(ax, "2")
    r = b.exp2(b.mul(y, lg))
    yint = b.cmp("oeq", b.rint(y), y)
    half = b.mul(y, b.f(0.5))
    odd = b.and_(yint, b.cmp("une", b.rint(half), half))
    negative_sign = b.cmp("olt", b.copysign(b.f(1.0), x), b.f(0.0))  # -0 included
    r = b.select(b.and_(negative_sign, odd), b.neg(r), r)
    finite_neg = b.and_(b.cmp("olt", x, b.f(0.0)), b.cmp("ogt", x, b.f(-np.inf)))
    r = b.select(b.and_(finite_neg, b.cmp("une", b.rint(y), y)), b.f(np.nan), r)
    one = b.or_(b.cmp("oeq", y, b.f(0.0)), b.cmp("oeq", x, b.f(1.0)))
    minus_one_inf = b.and_(b.cmp("oeq", x, b.f(-1.0)), b.cmp("oeq", b.abs(y), b.f(np.inf)))
    one = b.or_(one, minus_one_inf)
    return b.select(one, b.f(1.0), r)


# ---- entry point --------------------------------------------------------------------

UNARY = {
    "exp": _Builder.exp, "exp2": _Builder.exp2, "expm1": _Builder.expm1,
    "log": _Builder.log, "log2": lambda b, x: b.log(x, "2"), "log10": lambda b, x: b.log(x, "10"),
    "log1p": _Builder.log1p, "tanh": _Builder.tanh, "sinh": _Builder.sinh,
    "cosh": _Builder.cosh, "asinh": _Builder.asinh, "acosh": _Builder.acosh,
    "atanh": _Builder.atanh, "erf": _Builder.erf,
}  # fmt: skip

F64_UNSUPPORTED = frozenset(["erf", "powf"])


def _elem(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, VectorType) else t


def _with_elem(t: Attribute, elem: Attribute) -> Attribute:
    return VectorType(elem, t.get_shape()) if isinstance(t, VectorType) else elem


def supports(name: str, t: Attribute) -> bool:
    """Whether `expand(name, ..., t)` emits inline code for this type."""
    elem = _elem(t)
    if isinstance(t, VectorType) and t.get_num_dims() != 1:
        return False
    if isinstance(elem, Float64Type):
        return name not in F64_UNSUPPORTED and (name in UNARY)
    return isinstance(elem, (Float16Type, Float32Type)) and (name in UNARY or name == "powf")


def scale_with_ldexp() -> bool:
    """Whether 2^k scaling uses `llvm.ldexp` (one vscalefps on AVX-512; other CPUs
    would get a libm call per lane, so they get exponent-field arithmetic)."""
    from xrelax.tir.target import host_target

    return host_target().vector_bits >= 512


def expand(name: str, operands: Sequence[SSAValue], t: Attribute, emit: Emit,
           ldexp: bool | None = None) -> SSAValue:
    """Emit the inline computation of math function `name` on operands of type t
    (`ldexp`: see scale_with_ldexp, the default)."""
    if ldexp is None:
        ldexp = scale_with_ldexp()
    elem = _elem(t)
    if name == "powf":  # in f64, rounded once to the type
        wide = _with_elem(t, f64)
        xs = [emit(llvm.FPExtOp(o, wide)).results[0] for o in operands]
        r = _pow_f64(_Builder(emit, wide, ldexp), xs[0], xs[1])
        if isinstance(elem, Float16Type):  # (no __truncdfhf2 in the JIT)
            return truncate_f64_to_f16(r, t, emit)
        return emit(llvm.FPTruncOp(r, t)).results[0]
    if isinstance(elem, Float16Type):
        wide = _with_elem(t, f32)
        x = emit(llvm.FPExtOp(operands[0], wide)).results[0]
        r = UNARY[name](_Builder(emit, wide, ldexp), x)
        return emit(llvm.FPTruncOp(r, t)).results[0]
    return UNARY[name](_Builder(emit, t, ldexp), operands[0])
