"""bf16 end to end: tensors stored as 16-bit patterns, every operation computed
in f32 and rounded back to bf16 (to nearest, ties to even), casts from and to
every float and integer dtype, numpy arrays of ml_dtypes.bfloat16 in and out.
The references compute each op in float32 and round it with ml_dtypes."""

import ml_dtypes
import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.ops_elementwise import AddOp, ExpOp, MultiplyOp
from xrelax.relax.ops_linalg import MatmulOp
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

BF = ml_dtypes.bfloat16
RNG = np.random.default_rng(16)


def T(shape, dtype="bf16"):
    return f"!relax.tensor<[{', '.join(map(str, shape))}], {dtype}>"


def bf(x):
    """Round to bf16 (what one operation's result is)."""
    return np.asarray(x, np.float32).astype(BF)


def f(x):
    return np.asarray(x).astype(np.float32)


TEXT = f"""
relax.func @elementwise(%x: {T(['n'])}, %y: {T(['n'])}) -> !relax.tuple<{T(['n'])}, {T(['n'])}, {T(['n'])}, {T(['n'])}, {T(['n'])}> {{
  %c = relax.constant dense<[0.1, -0.2, 0.3, 1.5]> : tensor<4xbf16>
  %a = relax.add %x, %y : {T(['n'])}
  %m = relax.multiply %a, %x : {T(['n'])}
  %d = relax.divide %m, %y : {T(['n'])}
  %g = relax.greater %x, %y : {T(['n'], 'i1')}
  %w = relax.where %g, %x, %y : {T(['n'])}
  %r = relax.relu %d : {T(['n'])}
  %t = relax.tuple(%a, %m, %d, %w, %r)
  relax.return %t : !relax.tuple<{T(['n'])}, {T(['n'])}, {T(['n'])}, {T(['n'])}, {T(['n'])}>
}}
relax.func @weights(%x: {T(['n', 4])}) -> {T(['n', 4])} {{
  %c = relax.constant dense<[0.1, -0.2, 0.3, 1.5]> : tensor<4xbf16>
  %y = relax.add %x, %c : {T(['n', 4])}
  relax.return %y : {T(['n', 4])}
}}
relax.func @casts_in(%a: {T([8], 'f64')}, %b: {T([8], 'f32')}, %c: {T([8], 'f16')},
                     %d: {T([8], 'i32')}) -> !relax.tuple<{T([8])}, {T([8])}, {T([8])}, {T([8])}> {{
  %ra = relax.cast %a {{dtype = "bf16"}} : {T([8])}
  %rb = relax.cast %b {{dtype = "bf16"}} : {T([8])}
  %rc = relax.cast %c {{dtype = "bf16"}} : {T([8])}
  %rd = relax.cast %d {{dtype = "bf16"}} : {T([8])}
  %t = relax.tuple(%ra, %rb, %rc, %rd)
  relax.return %t : !relax.tuple<{T([8])}, {T([8])}, {T([8])}, {T([8])}>
}}
relax.func @casts_out(%x: {T(['n'])}) -> !relax.tuple<{T(['n'], 'f64')}, {T(['n'], 'f32')}, {T(['n'], 'f16')}, {T(['n'], 'i32')}> {{
  %a = relax.cast %x {{dtype = "f64"}} : {T(['n'], 'f64')}
  %b = relax.cast %x {{dtype = "f32"}} : {T(['n'], 'f32')}
  %c = relax.cast %x {{dtype = "f16"}} : {T(['n'], 'f16')}
  %d = relax.cast %x {{dtype = "i32"}} : {T(['n'], 'i32')}
  %t = relax.tuple(%a, %b, %c, %d)
  relax.return %t : !relax.tuple<{T(['n'], 'f64')}, {T(['n'], 'f32')}, {T(['n'], 'f16')}, {T(['n'], 'i32')}>
}}
relax.func @matmul(%a: {T(['n', 32])}, %b: {T([32, 24])}) -> {T(['n', 24])} {{
  %y = relax.matmul %a, %b : {T(['n', 24])}
  relax.return %y : {T(['n', 24])}
}}
relax.func @softmax(%x: {T(['n', 19])}) -> {T(['n', 19])} {{
  %y = relax.softmax %x : {T(['n', 19])}
  relax.return %y : {T(['n', 19])}
}}
"""


@pytest.fixture(scope="module")
def exe():
    return compile_module(TEXT)


@pytest.mark.parametrize("n", [1, 4, 37])
def test_elementwise_ops_round_once_per_op(exe, n):
    x = RNG.standard_normal(n).astype(BF)
    y = (RNG.standard_normal(n) + 3.0).astype(BF)
    a, m, d, w, r = exe["elementwise"](x, y)
    assert a.dtype == BF
    want_a = bf(f(x) + f(y))
    want_m = bf(f(want_a) * f(x))
    want_d = bf(f(want_m) / f(y))
    for got, want in [(a, want_a), (m, want_m), (d, want_d), (w, np.where(x > y, x, y)),
                      (r, bf(np.maximum(f(want_d), 0)))]:
        np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))


def test_bf16_constants_and_inputs(exe):
    x = RNG.standard_normal((3, 4)).astype(BF)
    c = np.array([0.1, -0.2, 0.3, 1.5]).astype(BF)
    np.testing.assert_array_equal(exe["weights"](x), bf(f(x) + f(c)))


def test_casts_into_bf16_round_to_nearest_even():
    # ties, values that round differently through f32 (double rounding), the
    # largest finite bf16, overflow to inf, NaN, subnormals, big integers
    exe = compile_module(TEXT)
    a = np.array([1 + 2**-8, 1 + 3 * 2**-8, 1 + 2**-8 + 2**-30, -3.3, 3.3895e38, 1e39, np.nan,
                  1e-40])
    b = np.array([1 + 2**-8, 1 + 3 * 2**-8, 65504.0, -0.0, np.inf, -np.inf, np.nan, 1e-39],
                 np.float32)
    c = np.array([1.0009765625, 0.1, -2.5, 65504, np.inf, np.nan, 6e-8, 0]).astype(np.float16)
    d = np.array([1, -7, 257, 65535, 16777217, -(1 << 31), (1 << 31) - 1, 0], np.int32)
    ra, rb, rc, rd = exe["casts_in"](a, b, c, d)
    for got, src in [(ra, a), (rb, b), (rc, c), (rd, d)]:
        with np.errstate(over="ignore"):
            want = src.astype(BF)
        nan = np.isnan(want.astype(np.float32))
        np.testing.assert_array_equal(np.isnan(got.astype(np.float32)), nan)
        np.testing.assert_array_equal(got.view(np.uint16)[~nan], want.view(np.uint16)[~nan])


def test_casts_out_of_bf16_are_exact(exe):
    x = np.array([1.0078125, -3.296875, 3.3895e38, -np.inf, 2.5, -0.0, 9.2e-41, 255.0]
                 ).astype(BF)
    a, b, c, d = exe["casts_out"](x)
    np.testing.assert_array_equal(a, x.astype(np.float64))
    np.testing.assert_array_equal(b, x.astype(np.float32))
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(c, x.astype(np.float32).astype(np.float16))
    np.testing.assert_array_equal(d[[0, 1, 4, 5, 7]], [1, -3, 2, 0, 255])  # (toward zero)
    assert d[2] == (1 << 31) - 1 and d[3] == -(1 << 31)  # saturated


@pytest.mark.parametrize("n", [1, 5, 16])
def test_matmul_accumulates_in_bf16(exe, n):
    a = RNG.standard_normal((n, 32)).astype(BF)
    b = RNG.standard_normal((32, 24)).astype(BF)
    got = f(exe["matmul"](a, b))
    want = f(a) @ f(b)
    # 32 products and sums, each rounded to 8 bits: a few bf16 ulps of the magnitudes
    scale = np.abs(f(a)) @ np.abs(f(b))
    assert np.all(np.abs(got - want) <= 32 * 2**-8 * scale + 1e-6)


def test_softmax(exe):
    x = (RNG.standard_normal((6, 19)) * 3).astype(BF)
    e = np.exp(f(x) - f(x).max(axis=1, keepdims=True))
    want = e / e.sum(axis=1, keepdims=True)
    got = f(exe["softmax"](x))
    np.testing.assert_allclose(got, want, rtol=3e-2, atol=3e-3)
    np.testing.assert_allclose(got.sum(axis=1), 1.0, atol=3e-2)


def test_bf16_through_the_builder():
    n = var("n")
    weight = RNG.standard_normal((8, 3)).astype(BF)
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([n, 8], "bf16")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            w = df.constant(weight)
            y = df.emit(MatmulOp.make(x, w))
            e = df.emit(ExpOp.make(df.emit(MultiplyOp.make(y, df.constant(np.array(0.25, BF))))))
            z = df.emit(AddOp.make(e, e))
            df.output(z)
        fb.ret(df.result)
    module = mb.finish()
    assert "tensor<8x3xbf16>" in str(module)
    exe = compile_module(module)
    x = RNG.standard_normal((5, 8)).astype(BF)
    got = exe["main"](x)
    assert got.dtype == BF and got.shape == (5, 3)
    want = 2 * np.exp(0.25 * (f(x) @ f(weight)))
    np.testing.assert_allclose(f(got), want, rtol=8e-2)
