"""Inline transcendental math (lowering/vector_math.py): accuracy in ulp against
numpy, on scalars and on vector<16xT>, over every magnitude (random bit
patterns) plus 0, -0, denormals, +-inf, NaN, the largest and smallest numbers;
special values must match exactly. The bounds are the documented maximum
errors (docs/passes.md); the reference is numpy in float64 for f16/f32
arguments and in longdouble for f64 arguments."""

import warnings

import numpy as np
import pytest

from tests.lowering.std_llvm_helpers import lower
from tests.lowering.vector_math_helpers import ERF, NP_TYPES, check, kernel_text, wide_range
from xrelax.lowering.jit import JitModule

# op -> (numpy reference, max ulp on f32, max ulp on f64)
UNARY = {
    "exp": (np.exp, 1, 1), "exp2": (np.exp2, 1, 1.5), "expm1": (np.expm1, 2, 2),
    "log": (np.log, 2, 2), "log2": (np.log2, 3, 2), "log10": (np.log10, 3, 2.5),
    "log1p": (np.log1p, 3, 3), "tanh": (np.tanh, 3, 3), "sinh": (np.sinh, 3, 3),
    "cosh": (np.cosh, 2, 2), "asinh": (np.arcsinh, 3, 3), "acosh": (np.arccosh, 2, 2),
    "atanh": (np.arctanh, 3, 3),
}  # fmt: skip


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with np.errstate(all="ignore"):
            yield


@pytest.mark.parametrize("op", sorted(UNARY))
@pytest.mark.parametrize("t", ["f32", "f64", "f16"])
def test_unary_accuracy(op, t):
    ref_fn, ulp32, ulp64 = UNARY[op]
    x = wide_range(NP_TYPES[t])
    wide = np.longdouble if t == "f64" else np.float64
    reference = ref_fn(x.astype(wide))
    max_ulp = {"f32": ulp32, "f64": ulp64, "f16": 1}[t]
    assert check(op, t, [x], reference, max_ulp) <= max_ulp


@pytest.mark.parametrize("t", ["f32", "f16"])
def test_erf_accuracy(t):
    x = wide_range(NP_TYPES[t])
    max_ulp = 3 if t == "f32" else 1
    assert check("erf", t, [x], ERF(x.astype(np.float64)), max_ulp) <= max_ulp


POW_SPECIALS = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 0.5, -0.5, np.inf, -np.inf,
                np.nan, 1e10, -1e10]


@pytest.mark.parametrize("t", ["f32", "f16"])
def test_pow_accuracy(t):
    """C99 pow: every pair of special values, random bit patterns, negative
    bases with integer exponents, and a dense sample."""
    dt = NP_TYPES[t]
    rng = np.random.default_rng(0)
    specials = np.array(POW_SPECIALS, dt)
    x = np.concatenate([wide_range(dt, 4000), np.repeat(specials, len(specials)),
                        rng.uniform(0, 4, 20000).astype(dt), rng.uniform(-5, 5, 20000).astype(dt)])
    y = np.concatenate([rng.permutation(wide_range(dt, 4000)), np.tile(specials, len(specials)),
                        rng.uniform(-30, 30, 20000).astype(dt),
                        np.rint(rng.uniform(-20, 20, 20000)).astype(dt)])
    x, y = x[: len(y)], y[: len(x)]
    # quiet NaNs only: the f16 -> f64 conversion in hardware quiets a signaling
    # NaN (so pow(sNaN, 0) = 1), numpy's f16 conversion keeps it (pow gives NaN)
    x, y = (np.where(np.isnan(v), dt(np.nan), v) for v in (x, y))
    reference = np.power(x.astype(np.float64), y.astype(np.float64))
    assert check("powf", t, [x, y], reference, 1) <= 1


def test_exact_values():
    """Values that must come out exact: exp(0) = 1, log(1) = 0, log2(2^k) = k,
    log10(10^k) near k, tanh(+-inf) = +-1, erf(-0) = -0."""
    from tests.lowering.vector_math_helpers import run

    ks = np.arange(-149, 128, dtype=np.float32)
    vec, scalar = run("log2", "f32", np.exp2(ks))
    assert np.array_equal(vec, ks) and np.array_equal(scalar, ks)
    vec, _ = run("exp", "f32", np.array([0, -0.0], np.float32))
    assert np.array_equal(vec, [1, 1])
    vec, _ = run("tanh", "f32", np.array([np.inf, -np.inf, -0.0, 20, -20], np.float32))
    assert np.array_equal(vec, [1, -1, 0, 1, -1]) and np.signbit(vec[2])
    vec, _ = run("erf", "f32", np.array([-0.0, np.inf, -np.inf, 4, -4], np.float32))
    assert np.array_equal(vec, [0, 1, -1, 1, -1]) and np.signbit(vec[0])


@pytest.mark.parametrize("op", ["exp", "log", "tanh", "erf", "powf", "expm1", "log1p",
                                "sinh", "cosh", "asinh", "acosh", "atanh", "exp2",
                                "log2", "log10"])
def test_no_libm_call(op):
    """Neither the vector nor the scalar form calls a function (libm) any more."""
    arity = 2 if op == "powf" else 1
    ir = JitModule(lower(kernel_text(op, "f32", arity))).llvm_ir(optimized=True)
    calls = [line for line in ir.splitlines() if " call " in line and "@llvm." not in line
             and "@__relax_" not in line]
    assert calls == []


def test_scalar_loop_vectorizes():
    """A scalar loop of exp is vectorized by LLVM: the optimized IR computes on vectors."""
    ir = JitModule(lower(kernel_text("exp", "f32", 1))).llvm_ir(optimized=True)
    scalar = ir[ir.index("define void @__relax_scalar("):]
    scalar = scalar[: scalar.index("\n}")]
    assert "x float>" in scalar


@pytest.mark.parametrize("target", ["avx2", "avx512"])
def test_both_scalings_of_2k(monkeypatch, target):
    """2^k by exponent-field arithmetic (avx2 plan) and by llvm.ldexp (avx512
    plan) give the same accuracy; both run on any host (LLVM lowers ldexp for
    the real CPU)."""
    from tests.lowering.std_llvm_helpers import jit as jit_text
    from xrelax.tir import target as target_mod

    monkeypatch.setenv("XRELAX_TARGET", target)
    target_mod.host_target.cache_clear()
    try:
        mod = jit_text(kernel_text("exp", "f32", 1))
        ir = mod.llvm_ir(optimized=False)
    finally:
        target_mod.host_target.cache_clear()
    assert ("llvm.ldexp" in ir) == (target == "avx512")
    x = wide_range(np.float32)
    n = len(x) - len(x) % 16
    out = np.empty(n, np.float32)
    mod.call("vec", x[:n].copy(), out)
    expected = np.exp(x[:n].astype(np.float64)).astype(np.float32)
    same = (out == expected) | (np.isnan(out) & np.isnan(expected))
    finite = np.isfinite(expected) & (expected != 0)
    err = np.abs(out[finite] - expected[finite]) / np.spacing(np.abs(expected[finite]))
    assert same[~finite].all() and err.max() <= 1
