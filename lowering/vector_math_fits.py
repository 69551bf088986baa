"""Polynomial coefficients and split constants for lowering/vector_math.py.

Each approximation is the polynomial interpolating a function at the
Chebyshev nodes of its interval (close to the minimax polynomial), computed
in 60-digit decimal arithmetic (`decimal`, no other dependency) the first
time it is needed, then rounded to the float type. Constants such as ln2 are
split into a high part with few significant bits (so that `k * hi` is exact
for every k of the type's exponent range) and a low part.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from decimal import Decimal, localcontext

import numpy as np

_DIGITS = 60


def _d(x: float | int) -> Decimal:
    return Decimal(x)


def _derf(x: Decimal) -> Decimal:
    """erf by its Taylor series (converges everywhere; enough digits for |x| <= 6)."""
    with localcontext() as ctx:
        ctx.prec = _DIGITS + 40
        x2, term, total, n = x * x, x, x, 0
        while True:
            n += 1
            term = -term * x2 / n
            add = term / (2 * n + 1)
            total += add
            if abs(add) < Decimal(10) ** -(_DIGITS + 20) and n > 2 * x2:
                break
        pi = _dpi()
        return +(total * 2 / pi.sqrt())


@functools.cache
def _dpi() -> Decimal:
    """pi by Machin's formula."""
    with localcontext() as ctx:
        ctx.prec = _DIGITS + 50

        def arctan_inv(n: int) -> Decimal:
            x, total, k, sign = Decimal(1) / n, Decimal(0), 0, 1
            power = x
            while power > Decimal(10) ** -(_DIGITS + 45):
                total += sign * power / (2 * k + 1)
                power = power / (n * n)
                k, sign = k + 1, -sign
            return total

        return 4 * (4 * arctan_inv(5) - arctan_inv(239))


def _solve(a: list[list[Decimal]], b: list[Decimal]) -> list[Decimal]:
    """Gaussian elimination with partial pivoting."""
    n = len(b)
    m = [row[:] + [v] for row, v in zip(a, b)]
    for col in range(n):
        piv = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[piv] = m[piv], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [Decimal(0)] * n
    for r in reversed(range(n)):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def fit(fn: Callable[[Decimal], Decimal], lo: float, hi: float, degree: int) -> list[Decimal]:
    """Coefficients c0..cd of the polynomial interpolating fn at the degree + 1
    Chebyshev nodes of [lo, hi] (close to the minimax polynomial)."""
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        n = degree + 1
        nodes = [_d((lo + hi) / 2 + (hi - lo) / 2 * math.cos((2 * k + 1) * math.pi / (2 * n)))
                 for k in range(n)]
        rows = [[x ** j for j in range(n)] for x in nodes]
        return _solve(rows, [fn(x) for x in nodes])


def _exp_p(r: Decimal) -> Decimal:  # (e^r - 1 - r) / r^2
    return (r.exp() - 1 - r) / (r * r)


def _atanh_q(z: Decimal) -> Decimal:  # (atanh(s)/s - 1) / z, s = sqrt(z)
    s = z.sqrt()
    return (((1 + s) / (1 - s)).ln() / 2 / s - 1) / z


def _erf_small(t: Decimal) -> Decimal:  # erf(sqrt t) / sqrt t
    s = t.sqrt()
    return _derf(s) / s


ERF_SPLIT = 0.875
ERF_CENTER = 2.4375  # the outer fit runs in u = |x| - ERF_CENTER
ERF_ONE = {32: 3.9375}  # above this erf rounds to 1


def _erfc_log(u: Decimal) -> Decimal:
    return (1 - _derf(u + _d(ERF_CENTER))).ln()


LN2_HALF = 0.34657359027997264
Z_MAX = 0.02943725152285941  # ((sqrt 2 - 1) / (sqrt 2 + 1))^2

# name -> (function, lo, hi, degree per float width)
_FITS: dict[str, tuple[Callable[[Decimal], Decimal], float, float, dict[int, int]]] = {
    "exp": (_exp_p, -LN2_HALF, LN2_HALF, {32: 4, 64: 10}),
    "atanh": (_atanh_q, 1e-30, Z_MAX, {32: 3, 64: 8}),
    "erf_small": (_erf_small, 1e-30, ERF_SPLIT**2, {32: 5}),
    "erfc_log": (_erfc_log, ERF_SPLIT - ERF_CENTER, 3.9375 - ERF_CENTER, {32: 8}),
}


@functools.cache
def coefficients(name: str, bits: int) -> tuple[float, ...]:
    """The polynomial for `name` on `bits`-wide floats, coefficients rounded."""
    fn, lo, hi, degrees = _FITS[name]
    cs = fit(fn, lo, hi, degrees[bits])
    if bits == 32:
        return tuple(float(np.float32(float(c))) for c in cs)
    return tuple(float(c) for c in cs)


def _split(value: Decimal, bits: int, keep: int) -> tuple[float, float]:
    """value = hi + lo with hi on `keep` significant bits (so k * hi is exact)."""
    m, e = math.frexp(float(value))
    hi = math.ldexp(math.floor(m * 2**keep) / 2**keep, e)
    lo = float(value - _d(hi))
    if bits == 32:
        hi, lo = float(np.float32(hi)), float(np.float32(lo))
    return hi, lo


@functools.cache
def ln2_parts(bits: int) -> tuple[float, float]:
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        return _split(Decimal(2).ln(), bits, 16 if bits == 32 else 40)


@functools.cache
def log10_2_parts(bits: int) -> tuple[float, float]:
    with localcontext() as ctx:
        ctx.prec = _DIGITS
        return _split(Decimal(2).ln() / Decimal(10).ln(), bits, 16 if bits == 32 else 40)
