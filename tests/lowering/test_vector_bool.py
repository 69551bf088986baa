"""Bool buffers hold a byte per element; a vector load or store of them reads
or writes bytes (LLVM packs a <N x i1> in memory into bits). The register tile
epilogue of a matmul that selects with a mask along the lanes loaded the mask
as bits (the causal mask of an attention was wrong)."""

import numpy as np

from xrelax.lowering.runtime import compile_module
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import TensorType


def test_matmul_epilogue_selects_with_a_bool_mask():
    mb = ModuleBuilder()
    params = [("a", TensorType([4, 8], "f32")), ("b", TensorType([8, 16], "f32")),
              ("mask", TensorType([4, 16], "bool")), ("fill", TensorType([], "f32"))]
    with mb.function("main", params) as fb:
        a, b, mask, fill = fb.params
        with fb.dataflow() as df:
            df.output(df.emit(R.where(mask, df.emit(R.matmul(a, b)), fill)))
        fb.ret(df.result)
    exe = compile_module(mb.finish(), cache=False)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 8)).astype(np.float32)
    b = rng.standard_normal((8, 16)).astype(np.float32)
    mask = np.tril(np.ones((4, 16), bool))
    mask[:, 9] = True
    fill = np.float32(-np.inf)
    got = exe["main"](a, b, mask, np.array(fill))
    np.testing.assert_allclose(got, np.where(mask, a @ b, fill), rtol=1e-5)


BOOL_CONSTANT = """
relax.func @main(%x: !relax.tensor<[1], i64>) -> !relax.tuple<!relax.tensor<[1], i64>, !relax.tensor<[1], i64>> {
  %0 = relax.dataflow {
    %r = relax.arange {end = #tir.expr<1>} : !relax.tensor<[1], i64>
    %z = relax.constant dense<0> : tensor<i64>
    %first = relax.equal %r, %z : !relax.tensor<[1], i1>
    %same = relax.not_equal %x, %x : !relax.tensor<[1], i1>
    %either = relax.logical_or %first, %same : !relax.tensor<[1], i1>
    %n = relax.cast %either {dtype = "i64"} : !relax.tensor<[1], i64>
    %s = relax.cumsum %n {axis = 0 : i64} : !relax.tensor<[1], i64>
    %t = relax.tuple(%n, %s)
    relax.output %t : !relax.tuple<!relax.tensor<[1], i64>, !relax.tensor<[1], i64>>
  }
  relax.return %0 : !relax.tuple<!relax.tensor<[1], i64>, !relax.tensor<[1], i64>>
}
"""


def test_a_bool_constant_holds_bytes_0_and_1():
    """xDSL stores a true i1 element as -1 (0xff); a folded bool constant
    handed to kernels as is made `cast(logical_or(true, x), i64)` 255."""
    n, s = compile_module(BOOL_CONSTANT, cache=False)["main"](np.array([7]))
    np.testing.assert_array_equal(n, [1])
    np.testing.assert_array_equal(s, [1])
