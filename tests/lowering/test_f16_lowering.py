"""f16 code that LLVM would compile into calls of compiler-rt's `__truncdfhf2`,
which the JIT cannot resolve (the calls crashed): truncf f64 -> f16 (relax.cast,
powf on f16) and fma on f16 (the register tiles of f16 matmuls and convolutions)
are rounded once, without it."""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import TensorType


@pytest.fixture(scope="module")
def exe():
    mb = ModuleBuilder()
    with mb.function("to_f16", [("x", TensorType([4080], "f64"))]) as fb:  # vectorized
        with fb.dataflow() as df:
            df.output(df.emit(R.cast(fb.params[0], dtype="f16")))
        fb.ret(df.result)
    with mb.function("to_f16_scalar", [("x", TensorType([1], "f64"))]) as fb:  # scalar
        with fb.dataflow() as df:
            df.output(df.emit(R.cast(fb.params[0], dtype="f16")))
        fb.ret(df.result)
    with mb.function("power_f16", [("x", TensorType([64], "f16")), ("y", TensorType([64], "f16"))]) as fb:
        with fb.dataflow() as df:
            df.output(df.emit(R.power(*fb.params)))
        fb.ret(df.result)
    with mb.function("matmul_f16", [("a", TensorType([8, 16], "f16")),
                                     ("b", TensorType([16, 32], "f16"))]) as fb:
        with fb.dataflow() as df:
            df.output(df.emit(R.matmul(*fb.params)))
        fb.ret(df.result)
    with mb.function("conv_f16", [("x", TensorType([2, 4, 5, 11], "f16")),
                                  ("w", TensorType([8, 4, 3, 3], "f16"))]) as fb:
        with fb.dataflow() as df:
            df.output(df.emit(R.conv2d(*fb.params)))
        fb.ret(df.result)
    return compile_module(mb.finish())


def test_f64_to_f16_rounds_once(exe):
    rng = np.random.default_rng(0)
    low = rng.integers(0, 0x7BFF, 1020).astype(np.uint16).view(np.float16)
    high = np.nextafter(low, np.float16(np.inf))
    mid = (low.astype(np.float64) + high.astype(np.float64)) / 2  # exact ties
    # a tie, and values just above and below one (rounding through f32 to
    # nearest would turn them into ties and round them to even)
    x = np.concatenate([mid, mid * (1 + 2.0**-40), mid * (1 - 2.0**-40), -mid * (1 + 2.0**-30)])
    x[:9] = [np.nan, np.inf, -np.inf, 1e300, -1e300, 1e-300, -0.0, 65520.0, 65519.99]
    got = exe["to_f16"](x)
    with np.errstate(over="ignore"):
        want = x.astype(np.float16)
    same = (got.view(np.uint16) == want.view(np.uint16)) | (np.isnan(got) & np.isnan(want))
    assert same.all(), x[~same][:5]
    for v in (mid[100] * (1 + 2.0**-40), np.inf, -1e-300):
        assert exe["to_f16_scalar"](np.array([v])).view(np.uint16)[0] == \
            np.float16(v).view(np.uint16)


def test_f16_power_runs_and_matches(exe):
    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 2, 64).astype(np.float16)
    b = rng.uniform(-3, 3, 64).astype(np.float16)
    want = (a.astype(np.float64) ** b.astype(np.float64)).astype(np.float16)
    np.testing.assert_array_equal(exe["power_f16"](a, b), want)


def test_f16_contractions_run_on_register_tiles(exe):
    rng = np.random.default_rng(2)
    a = rng.uniform(-1, 1, (8, 16)).astype(np.float16)
    b = rng.uniform(-1, 1, (16, 32)).astype(np.float16)
    want = a.astype(np.float32) @ b.astype(np.float32)
    np.testing.assert_allclose(exe["matmul_f16"](a, b).astype(np.float32), want, atol=2e-2)
    x = rng.uniform(-1, 1, (2, 4, 5, 11)).astype(np.float16)
    w = rng.uniform(-1, 1, (8, 4, 3, 3)).astype(np.float16)
    xf, wf = x.astype(np.float32), w.astype(np.float32)
    ref = np.zeros((2, 8, 3, 9), np.float32)
    for i in range(3):
        for j in range(3):
            ref += np.einsum("nchw,oc->nohw", xf[:, :, i:i + 3, j:j + 9], wf[:, :, i, j])
    np.testing.assert_allclose(exe["conv_f16"](x, w).astype(np.float32), ref, atol=2e-2)
