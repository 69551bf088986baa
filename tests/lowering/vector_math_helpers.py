"""Run one math op through convert-std-to-llvm on scalars and on vectors, and
measure its error in ulp against a more precise numpy reference."""

from __future__ import annotations

import functools
import math

import numpy as np

from tests.lowering.std_llvm_helpers import jit

LANES = 16

NP_TYPES = {"f16": np.float16, "f32": np.float32, "f64": np.float64}


def kernel_text(op: str, t: str, arity: int) -> str:
    """Two functions over memref<?xT>: @vec applies `math.op` to vector<16xT>
    chunks, @scalar element by element (n must be a multiple of 16)."""
    vt = f"vector<{LANES}x{t}>"
    ins = ", ".join(f"%a{j}: memref<?x{t}>" for j in range(arity))
    vloads = "\n".join(f"    %v{j} = vector.load %a{j}[%i] : memref<?x{t}>, {vt}"
                       for j in range(arity))
    sloads = "\n".join(f"    %s{j} = memref.load %a{j}[%i] : memref<?x{t}>" for j in range(arity))
    vargs = ", ".join(f"%v{j}" for j in range(arity))
    sargs = ", ".join(f"%s{j}" for j in range(arity))
    return f"""
func.func @vec({ins}, %out: memref<?x{t}>) {{
  %c0 = arith.constant 0 : index
  %n = memref.dim %out, %c0 : memref<?x{t}>
  %step = arith.constant {LANES} : index
  scf.for %i = %c0 to %n step %step {{
{vloads}
    %r = math.{op} {vargs} : {vt}
    vector.store %r, %out[%i] : memref<?x{t}>, {vt}
  }}
  func.return
}}
func.func @scalar({ins}, %out: memref<?x{t}>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %out, %c0 : memref<?x{t}>
  scf.for %i = %c0 to %n step %c1 {{
{sloads}
    %r = math.{op} {sargs} : {t}
    memref.store %r, %out[%i] : memref<?x{t}>
  }}
  func.return
}}
"""


@functools.cache
def compiled(op: str, t: str, arity: int):
    return jit(kernel_text(op, t, arity))


def run(op: str, t: str, *inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vector result, scalar result) of math.op on the inputs."""
    dtype = NP_TYPES[t]
    n = len(inputs[0])
    pad = (-n) % LANES
    args = [np.concatenate([np.asarray(a, dtype), np.ones(pad, dtype)]) for a in inputs]
    mod = compiled(op, t, len(inputs))
    outs = []
    for fn in ("vec", "scalar"):
        out = np.empty(n + pad, dtype)
        mod.call(fn, *args, out)
        outs.append(out[:n])
    return outs[0], outs[1]


def ulp_error(result: np.ndarray, reference: np.ndarray, dtype) -> np.ndarray:
    """|result - reference| in units of the last place of `dtype` at the
    reference (finite values; the caller compares special values exactly)."""
    info = np.finfo(dtype)
    ref = np.asarray(reference, np.longdouble)
    mag = np.maximum(np.abs(ref), np.longdouble(info.smallest_normal))
    exponent = np.floor(np.log2(mag))
    ulp = np.exp2(exponent - info.nmant)
    return np.asarray(np.abs(np.asarray(result, np.longdouble) - ref) / ulp, np.float64)


def rounded(reference: np.ndarray, dtype) -> np.ndarray:
    with np.errstate(over="ignore", under="ignore"):
        return np.asarray(reference).astype(dtype)


def check(op: str, t: str, inputs: list[np.ndarray], reference: np.ndarray,
          max_ulp: float) -> float:
    """Run op on scalars and vectors; special values (NaN, inf, zero sign) must
    equal the correctly rounded reference's, finite values be within max_ulp.
    Returns the largest error seen."""
    dtype = NP_TYPES[t]
    expected = rounded(reference, dtype)
    worst = 0.0
    for result in run(op, t, *inputs):
        nan = np.isnan(expected)
        assert np.array_equal(np.isnan(result), nan), _where(inputs, result, expected,
                                                             np.isnan(result) != nan)
        inf = np.isinf(expected)
        bad = inf & (result != expected)
        assert not bad.any(), _where(inputs, result, expected, bad)
        zero = expected == 0
        bad = zero & ((result != 0) | (np.signbit(result) != np.signbit(expected)))
        bad &= ulp_error(result, reference, dtype) > max_ulp  # a denormal-sized error is fine
        assert not bad.any(), _where(inputs, result, expected, bad)
        finite = ~nan & ~inf
        err = ulp_error(result[finite], np.asarray(reference)[finite], dtype)
        if err.size:
            worst = max(worst, float(err.max()))
            bad = np.zeros_like(finite)
            bad[finite] = err > max_ulp
            assert not bad.any(), _where(inputs, result, expected, bad, err.max())
    return worst


def _where(inputs, result, expected, bad, err=None) -> str:
    i = int(np.flatnonzero(bad)[0])
    args = ", ".join(repr(a[i]) for a in inputs)
    return f"f({args}) = {result[i]!r}, expected {expected[i]!r} ({bad.sum()} bad; max err {err})"


def wide_range(dtype, n: int = 20000, seed: int = 0) -> np.ndarray:
    """Random bit patterns (every magnitude), plus 0, -0, denormals, +-inf, NaN,
    the largest and smallest numbers, and a dense sample of [-10, 10]."""
    rng = np.random.default_rng(seed)
    info = np.finfo(dtype)
    ints = {np.float16: np.uint16, np.float32: np.uint32, np.float64: np.uint64}[dtype]
    bits = rng.integers(0, np.iinfo(ints).max, n, dtype=ints, endpoint=True)
    random = bits.view(dtype)
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, info.max, -info.max,
                        info.smallest_normal, -info.smallest_normal,
                        info.smallest_subnormal, -info.smallest_subnormal,
                        info.smallest_subnormal * 3, 1.0, -1.0, 0.5, 2.0], dtype)
    dense = rng.uniform(-10, 10, n).astype(dtype)
    small = (rng.uniform(-1, 1, n) * 10.0 ** rng.uniform(-40, 0, n)).astype(dtype)
    return np.concatenate([special, random, dense, small])


ERF = np.vectorize(math.erf, otypes=[np.float64])
