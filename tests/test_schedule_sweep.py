"""A seeded sweep of convolution and matmul shapes through the whole default
pipeline (tiles, layout rewrite, epilogues) against numpy: strides, padding,
dilation, groups, batch, odd sizes, constant and run-time weights."""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import TensorType

from test_schedule_contraction import conv_ref

SEED = 20261203


def conv_general(x, w, stride, pad, dil, groups):
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    og = o // groups
    out = []
    for g in range(groups):
        y = conv_ref(x[:, g * cg:(g + 1) * cg], w[g * og:(g + 1) * og], pad, dil)
        out.append(y[:, :, ::stride, ::stride])
    return np.concatenate(out, axis=1)


def conv_cases():
    rng = np.random.default_rng(SEED)
    for i in range(10):
        groups = int(rng.choice([1, 1, 2, 4]))
        c = groups * int(rng.integers(1, 5))
        o = groups * int(rng.integers(1, 12))
        k = int(rng.choice([1, 3, 5]))
        stride, dil = int(rng.choice([1, 2])), int(rng.choice([1, 1, 2]))
        pad = int(rng.integers(0, k))
        h = int(rng.integers(k * dil, 24))
        batch = int(rng.choice([1, 2]))
        const = bool(rng.integers(0, 2))
        yield i, (batch, c, h), (o, c // groups, k), stride, pad, dil, groups, const


def build_conv(xs, ws, stride, pad, dil, groups, const, w, b):
    batch, c, h = xs
    mb = ModuleBuilder()
    params = {"x": TensorType([batch, c, h, h + 3], "f32")}
    if not const:
        params["w"] = TensorType(list(w.shape), "f32")
    with mb.function("main", **params) as fb:
        x = fb.params[0]
        with fb.dataflow() as df:
            wv = df.constant(w) if const else fb.params[1]
            y = df.emit(R.conv2d(x, wv, strides=[stride, stride], padding=[pad] * 4,
                                 dilation=[dil, dil], groups=groups))
            df.output(df.emit(R.relu(df.emit(R.add(y, df.constant(b))))))
        fb.ret(df.result)
    return mb.finish()


@pytest.mark.parametrize("case", list(conv_cases()), ids=lambda c: f"conv{c[0]}")
def test_conv_sweep(case):
    i, xs, ws, stride, pad, dil, groups, const = case
    rng = np.random.default_rng(SEED + i)
    batch, c, h = xs
    o, cg, k = ws
    x = rng.standard_normal((batch, c, h, h + 3)).astype(np.float32)
    w = (rng.standard_normal((o, cg, k, k)) * 0.3).astype(np.float32)
    b = rng.standard_normal((1, o, 1, 1)).astype(np.float32)
    exe = compile_module(build_conv(xs, ws, stride, pad, dil, groups, const, w, b))
    y = exe["main"](x) if const else exe["main"](x, w)
    # conv_ref pads both spatial dims alike; the width here differs from the height
    ref = np.maximum(conv_general(x, w, stride, pad, dil, groups) + b, 0)
    np.testing.assert_allclose(y, ref, rtol=3e-4, atol=3e-4)


def test_matmul_sweep():
    rng = np.random.default_rng(SEED)
    mb = ModuleBuilder()
    shapes = [tuple(int(v) for v in rng.integers(1, 90, 3)) for _ in range(8)]
    for i, (m, k, n) in enumerate(shapes):
        with mb.function(f"f{i}", a=TensorType([m, k], "f32"), b=TensorType([k, n], "f32")) as fb:
            a, bb = fb.params
            with fb.dataflow() as df:
                df.output(df.emit(R.matmul(a, bb)))
            fb.ret(df.result)
    exe = compile_module(mb.finish())
    for i, (m, k, n) in enumerate(shapes):
        a = rng.standard_normal((m, k)).astype(np.float32)
        bm = rng.standard_normal((k, n)).astype(np.float32)
        np.testing.assert_allclose(exe[f"f{i}"](a, bm), a @ bm, rtol=2e-4, atol=2e-4)
