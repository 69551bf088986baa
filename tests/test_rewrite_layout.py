"""rewrite-layout numerics: the same results with the layout rewrite on and
off, and against numpy, for the layouts kernels ask for (transposed weights of
x @ W^T, [C, KH, KW, O] weights and [N, H, W, O] results of strided and narrow
convolutions), with constant and non-constant weights, static and symbolic
shapes; a constant weight is permuted once, at compile time."""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.pipeline import DefaultPipeline
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var
from xrelax.context import make_context

from test_schedule_contraction import conv_ref

RNG = np.random.default_rng(3)
n = var("n")


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


W_LIN = rand(40, 24)
W_CONV = rand(32, 4, 3, 3) * 0.3
W_NARROW = rand(48, 16, 3, 3) * 0.2
W_A = rand(32, 32, 3, 3) * 0.1
W_B = rand(32, 32, 3, 3) * 0.1


def _chain(mb, name, batch):
    """conv -> relu -> conv -> add (residual) -> relu on 7x7 images: the
    layouts flow from the first kernel to the second."""
    with mb.function(name, x=TensorType([batch, 32, 7, 7], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            r = df.emit(R.relu(df.emit(R.conv2d(x, df.constant(W_A), padding=[1, 1, 1, 1]))))
            b = df.emit(R.conv2d(r, df.constant(W_B), padding=[1, 1, 1, 1]))
            df.output(df.emit(R.relu(df.emit(R.add(b, r)))))
        fb.ret(df.result)


def chain_ref(x):
    r = np.maximum(conv_ref(x, W_A, 1, 1), 0)
    return np.maximum(conv_ref(r, W_B, 1, 1) + r, 0)


def build():
    mb = ModuleBuilder()
    with mb.function("linear_const", x=TensorType([n, 24], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            w = df.constant(W_LIN)
            df.output(df.emit(R.relu(df.emit(R.linear(x, w)))))
        fb.ret(df.result)
    with mb.function("linear_param", x=TensorType([3, 24], "f32"), w=TensorType([40, 24], "f32")) as fb:
        x, w = fb.params
        with fb.dataflow() as df:
            df.output(df.emit(R.linear(x, w)))
        fb.ret(df.result)
    with mb.function("conv_s2", x=TensorType([1, 4, 17, 17], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            w = df.constant(W_CONV)
            y = df.emit(R.conv2d(x, w, strides=[2, 2], padding=[1, 1, 1, 1]))
            df.output(df.emit(R.relu(y)))
        fb.ret(df.result)
    with mb.function("conv_narrow", x=TensorType([2, 16, 5, 5], "f32"),
                     w=TensorType([48, 16, 3, 3], "f32")) as fb:
        x, w = fb.params
        with fb.dataflow() as df:
            y = df.emit(R.conv2d(x, w, padding=[1, 1, 1, 1]))
            df.output(df.emit(R.relu(y)))
        fb.ret(df.result)
    _chain(mb, "chain", 1)
    _chain(mb, "chain_sym", n)
    with mb.function("must_stay", x=TensorType([1, 32, 7, 7], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            r = df.emit(R.relu(df.emit(R.conv2d(x, df.constant(W_A), padding=[1, 1, 1, 1]))))
            c = df.emit(R.relu(df.emit(R.conv2d(r, df.constant(W_B), padding=[1, 1, 1, 1]))))
            f = df.emit(R.reshape(r, shape=[32, 49]))
            df.output(c, r, f)
        fb.ret(fb.tuple(df.results))
    return mb.finish()


def strided_ref(x, w, stride):
    return conv_ref(x, w, 1, 1)[:, :, ::stride, ::stride]


@pytest.fixture(scope="module")
def exes():
    module = build()
    return {on: compile_module(module, layout=on) for on in (True, False)}


def cases():
    for rows in (1, 7, 13):
        x = rand(rows, 24)
        yield "linear_const", (x,), np.maximum(x @ W_LIN.T, 0)
    x, w = rand(3, 24), rand(40, 24)
    yield "linear_param", (x, w), x @ w.T
    x = rand(1, 4, 17, 17)
    yield "conv_s2", (x,), np.maximum(strided_ref(x, W_CONV, 2), 0)
    x = rand(2, 16, 5, 5)
    yield "conv_narrow", (x, W_NARROW), np.maximum(conv_ref(x, W_NARROW, 1, 1), 0)
    x = rand(1, 32, 7, 7)
    yield "chain", (x,), chain_ref(x)
    for batch in (1, 3):
        x = rand(batch, 32, 7, 7)
        yield "chain_sym", (x,), chain_ref(x)


def test_layouts_flow_between_kernels_numerics(exes):
    x = rand(1, 32, 7, 7)
    r = np.maximum(conv_ref(x, W_A, 1, 1), 0)
    c = np.maximum(conv_ref(r, W_B, 1, 1), 0)
    for flag in (True, False):
        out = exes[flag]["must_stay"](x)
        for got, want in zip(out, (c, r, r.reshape(32, 49))):
            np.testing.assert_allclose(got, want, rtol=2e-4, atol=2e-4)


def test_layouts_flow_between_kernels_structure():
    """Transforms only at the boundaries: none between the two kernels."""
    module = build()
    DefaultPipeline(target="avx512", plan_memory=False).apply(make_context(), module)
    main = {f.sym_name.data: f for f in module.body.block.ops if f.name == "relax.func"}
    assert "layout_transform" not in str(main["chain"])
    assert str(main["must_stay"]).count("@layout_transform") == 1  # the returned value


@pytest.mark.parametrize("name, args, expected", list(cases()), ids=[c[0] for c in cases()])
def test_layout_rewrite_on_and_off_agree_with_numpy(exes, name, args, expected):
    on, off = (exes[flag][name](*args) for flag in (True, False))
    np.testing.assert_allclose(on, expected, rtol=2e-4, atol=2e-4)
    np.testing.assert_allclose(on, off, rtol=2e-5, atol=2e-5)


def test_constant_weights_are_permuted_at_compile_time():
    module = build()
    DefaultPipeline(target="avx512").apply(make_context(), module)
    text = str(module)
    main = {f.sym_name.data: f for f in module.body.block.ops if f.name == "relax.func"}
    for name in ("linear_const", "conv_s2"):
        body = str(main[name])
        assert "permute_dims" not in body, body  # folded into the constant
    # the non-constant weights are permuted at run time, by a kernel of their own
    assert "@layout_transform" in str(main["conv_narrow"])
    assert "tir.tensorize" in text
