"""legalize-ops: numerics, kernel reuse, skipping ops, custom legalizations."""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.passes.legalize_ops import LegalizeOps, register_legalization, unregister_legalization
from xrelax.tir import compute as te
from xrelax.diagnostics import CompileError
from xrelax.context import make_context, parse_text

PROGRAM = """
relax.func @main(%x: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[4], f32>) -> !relax.tensor<[n, 4], f32> {
  %out = relax.dataflow {
    %0 = relax.add %x, %b : !relax.tensor<[n, 4], f32>
    %1 = relax.relu %0 : !relax.tensor<[n, 4], f32>
    %2 = relax.add %1, %b : !relax.tensor<[n, 4], f32>
    relax.output %2 : !relax.tensor<[n, 4], f32>
  }
  relax.return %out : !relax.tensor<[n, 4], f32>
}
"""


def kernels(module):
    return [op.sym_name.data for op in module.body.block.ops if op.name == "tir.func"]


def test_one_kernel_per_distinct_op_and_types():
    module = parse_text(PROGRAM)
    LegalizeOps().apply(make_context(), module)
    assert kernels(module) == ["add", "relu"]
    module.verify()


def test_skip_leaves_the_op():
    module = parse_text(PROGRAM)
    LegalizeOps(skip=("relax.relu",)).apply(make_context(), module)
    assert kernels(module) == ["add"]
    assert any(op.name == "relax.relu" for op in module.walk())


@pytest.mark.parametrize("n", [1, 3, 17])
def test_numerics_with_symbolic_batch(n):
    fn = compile_module(PROGRAM)["main"]
    x = np.random.default_rng(n).standard_normal((n, 4), dtype=np.float32)
    b = np.linspace(-1, 1, 4, dtype=np.float32)
    np.testing.assert_allclose(fn(x, b), np.maximum(x + b, 0) + b, rtol=1e-6)


def test_custom_legalization_is_used_and_can_be_removed():
    @register_legalization("relax.relu")
    def leaky(op, inputs):
        (x,) = inputs
        return te.compute(x.shape, lambda i, j: te.if_then_else(x[i, j] > 0.0, x[i, j],
                                                                x[i, j] * 0.5), name="leaky")
    try:
        fn = compile_module(PROGRAM)["main"]
    finally:
        unregister_legalization("relax.relu")
    x = np.array([[-2.0, -1.0, 1.0, 2.0]], dtype=np.float32)
    b = np.zeros(4, np.float32)
    np.testing.assert_allclose(fn(x, b), [[-1.0, -0.5, 1.0, 2.0]])
    fn = compile_module(PROGRAM)["main"]
    np.testing.assert_allclose(fn(x, b), [[0.0, 0.0, 1.0, 2.0]])


def test_operand_of_unknown_shape_is_a_clear_error():
    text = """
relax.func @main(%x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<ndim=1, f32> {
  %0 = relax.relu %x : !relax.tensor<ndim=1, f32>
  relax.return %0 : !relax.tensor<ndim=1, f32>
}
"""
    with pytest.raises(CompileError, match="must be a tensor of known shape"):
        compile_module(text)
