"""default-schedule keeps the numbers: models compiled with and without it agree."""

from pathlib import Path

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module

ROOT = Path(__file__).resolve().parent.parent

CONV = """
relax.func @main(%x: !relax.tensor<[n, 4, h, w], f32>, %k: !relax.tensor<[8, 4, 3, 3], f32>)
    -> !relax.tensor<[n, 8, h, w], f32> {
  %out = relax.dataflow {
    %0 = relax.conv2d %x, %k {padding = [1, 1]} : !relax.tensor<[n, 8, h, w], f32>
    %1 = relax.relu %0 : !relax.tensor<[n, 8, h, w], f32>
    %2 = relax.sum %1 {axis = [1], keepdims = true} : !relax.tensor<[n, 1, h, w], f32>
    %3 = relax.subtract %1, %2 : !relax.tensor<[n, 8, h, w], f32>
    relax.output %3 : !relax.tensor<[n, 8, h, w], f32>
  }
  relax.return %out : !relax.tensor<[n, 8, h, w], f32>
}
"""


def rand(*shape):
    return np.random.default_rng(sum(shape) + len(shape)).standard_normal(shape, dtype=np.float32)


@pytest.fixture(scope="module")
def mlp():
    text = (ROOT / "examples/mlp.mlir").read_text()
    return compile_module(text)["main"], compile_module(text, schedule=False)["main"]


@pytest.fixture(scope="module")
def conv():
    return compile_module(CONV)["main"], compile_module(CONV, schedule=False)["main"]


@pytest.mark.parametrize("n", [1, 5, 64])
def test_mlp_same_with_and_without_schedule(mlp, n):
    args = [rand(n, 784), rand(784, 256) * 0.05, rand(256), rand(256, 10) * 0.05, rand(10)]
    scheduled, plain = mlp
    np.testing.assert_allclose(scheduled(*args), plain(*args), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("n, h, w", [(1, 5, 7), (3, 8, 8), (2, 1, 16)])
def test_conv_reduce_chain_same_with_and_without_schedule(conv, n, h, w):
    x, k = rand(n, 4, h, w), rand(8, 4, 3, 3)
    scheduled, plain = conv
    np.testing.assert_allclose(scheduled(x, k), plain(x, k), rtol=1e-4, atol=1e-4)
