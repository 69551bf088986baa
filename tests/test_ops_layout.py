"""relax.layout_transform numerics against numpy: blocked (padded) layouts,
row-major merges, permutations, symbolic dims, built from Python with a
lambda index map; the transform of a constant folds into a new constant."""

import numpy as np
import pytest

from xrelax.context import make_context
from xrelax.lowering.runtime import compile_module
from xrelax.pipeline import DefaultPipeline
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.op_base import TypeInferenceError
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

RNG = np.random.default_rng(5)


def nchw16c(x, pad_value=0.0):
    n, c, h, w = x.shape
    blocks = -(-c // 16)
    padded = np.full((n, blocks * 16, h, w), pad_value, x.dtype)
    padded[:, :c] = x
    return padded.reshape(n, blocks, 16, h, w).transpose(0, 1, 3, 4, 2)


def build():
    c, h = var("c"), var("h")
    mb = ModuleBuilder()
    with mb.function("blocked", x=TensorType([2, c, h, 3], "f32")) as fb:
        (x,) = fb.params
        fb.ret(fb.emit(R.layout_transform(
            x, index_map=lambda n, c, h, w: (n, c // 16, h, w, c % 16), pad_value=-1.0)))
    with mb.function("round_trip", x=TensorType([1, 32, h, 5], "f32")) as fb:
        (x,) = fb.params
        y = fb.emit(R.layout_transform(x, index_map=lambda n, c, h, w: (n, c // 16, h, w, c % 16)))
        fb.ret(fb.emit(R.layout_transform(
            y, index_map=lambda n, c0, h, w, c1: (n, c0 * 16 + c1, h, w))))
    with mb.function("permute", x=TensorType([2, 3, 4], "i32")) as fb:
        (x,) = fb.params
        fb.ret(fb.emit(R.layout_transform(x, index_map=lambda a, b, c: (c, a, b))))
    with mb.function("folded") as fb:
        w = fb.constant(np.arange(24, dtype=np.float32).reshape(4, 6))
        fb.ret(fb.emit(R.layout_transform(w, index_map=lambda i, j: (j // 4, i, j % 4))))
    return mb.finish()


@pytest.fixture(scope="module")
def exe():
    return compile_module(build())


@pytest.mark.parametrize("c, h", [(40, 3), (16, 1), (5, 2)])
def test_blocked_layout_pads(exe, c, h):
    x = RNG.standard_normal((2, c, h, 3)).astype(np.float32)
    np.testing.assert_array_equal(exe["blocked"](x), nchw16c(x, -1.0))


@pytest.mark.parametrize("h", [1, 4])
def test_merge_inverts_the_split(exe, h):
    x = RNG.standard_normal((1, 32, h, 5)).astype(np.float32)
    np.testing.assert_array_equal(exe["round_trip"](x), x)


def test_permutation(exe):
    x = np.arange(24, dtype=np.int32).reshape(2, 3, 4)
    np.testing.assert_array_equal(exe["permute"](x), x.transpose(2, 0, 1))


def test_constant_transform_folds(exe):
    module = build()
    DefaultPipeline().apply(make_context(), module)
    folded = next(f for f in module.body.block.ops if getattr(f, "sym_name", None)
                  and f.sym_name.data == "folded")
    assert "layout_transform" not in str(folded)  # a new constant, no kernel
    w = np.arange(24, dtype=np.float32).reshape(4, 6)
    ref = np.zeros((2, 4, 4), np.float32)
    for i in range(4):
        for j in range(6):
            ref[j // 4, i, j % 4] = w[i, j]
    np.testing.assert_array_equal(exe["folded"](), ref)


def test_python_index_map_errors():
    mb = ModuleBuilder()
    with mb.function("f", x=TensorType([4, 3], "f32")) as fb:
        (x,) = fb.params
        with pytest.raises(TypeInferenceError, match="drops the index"):
            R.layout_transform(x, index_map=lambda a, b: (a,))
        with pytest.raises(TypeInferenceError, match="takes 1 indices"):
            R.layout_transform(x, index_map=lambda a: (a,))
        fb.ret(x)


def test_permuted_dims_keep_their_form():
    """A dim carried over by the map keeps its expression (not an equal but
    differently written extent): `h floordiv 2 + 1` stays as it is."""
    from xrelax.tir.schedule.index_map import image_shape, permutation_map
    h = var("h")
    dims = [h // 2 + 1, var("c")]
    assert [str(d) for d in image_shape(permutation_map([1, 0]), dims)] == \
        ["c", str(h // 2 + 1)]
