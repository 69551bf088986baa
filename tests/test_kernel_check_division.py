"""The 128-bit overflow checks of symbolic expressions (lowering/kernel_checks.py)
divide in 64 bits: an i128 division is a call of libgcc's __divti3, which the
JIT does not resolve (every relocation of the module was then left at 0 and
the first call crashed)."""

import numpy as np
import pytest

from xrelax.lowering.runtime import RelaxRuntimeError, compile_module

TEXT = """
tir.func @k(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to (n * n * n * n - 1) floordiv 3 {
    %n = tir.expr n : index
    %j = arith.remsi %i, %n : index
    %x = tir.load %X[%j] : f32
    %one = arith.constant 1.0 : f32
    %y = tir.load %Y[%j] : f32
    %s = arith.addf %y, %one : f32
    tir.store %s, %Y[%j] : f32
  }
}
tir.func @zero(%Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    %z = arith.constant 0.0 : f32
    tir.store %z, %Y[%i] : f32
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @zero() : !relax.tensor<[n], f32>
  relax.call_kernel @k(%x) outs(%y)
  relax.return %y : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def exe():
    return compile_module(TEXT, filename="t.mlir")


@pytest.mark.parametrize("n", [1, 2, 5, 16])
def test_floordiv_in_an_overflow_check_runs(exe, n):
    steps = (n ** 4 - 1) // 3
    want = np.bincount(np.arange(steps) % n, minlength=n).astype(np.float32)
    np.testing.assert_array_equal(exe["main"](np.zeros(n, np.float32)), want)


def test_floordiv_of_an_overflowing_expression_is_reported(exe):
    with pytest.raises(RelaxRuntimeError, match=r"t.mlir:2:1: @k: the symbolic expression "
                                                r"\(n \* n \* n \* n - 1\) floordiv 3 overflows "
                                                r"int64 \(with n = 65536\)"):
        exe["main"](np.zeros(65536, np.float32))
