"""Fusion and memory passes keep what a program computes: annotate-op-pattern,
fuse-ops, fuse-tir, call-tir-rewrite, static-plan-memory.

Each test applies the passes by hand to a parsed module, then compiles it with
every default-pipeline option off, and compares with the unchanged program
compiled the same way, for a symbolic batch `n` at several sizes and for
static shapes.
"""

import numpy as np
import pytest

from xrelax.lowering.packed_calls import register_packed, unregister_packed
from xrelax.lowering.runtime import compile_module
from xrelax.passes.annotate_op_pattern import AnnotateOpPattern, kernel_pattern
from xrelax.passes.call_tir_rewrite import CallTIRRewrite
from xrelax.passes.fuse_ops import FuseOps
from xrelax.passes.fuse_tir import FuseTIR
from xrelax.passes.legalize_ops import LegalizeOps
from xrelax.passes.relax_dce import RelaxDCE
from xrelax.passes.static_plan_memory import StaticPlanMemory
from pass_helpers import ALL_OFF, apply, compile_plain, ops_named, random_source
from xrelax.context import make_context, parse_text

rand = random_source(11)


def kernels(module) -> dict:
    return {op.sym_name.data: op for op in module.body.block.ops if op.name == "tir.func"}


# matmul + add + relu | matmul + add | exp -> row sum -> exp (a reduction
# with an element-wise producer and consumer) | transpose -> add (injective)
def model(n: str) -> str:
    return f"""
relax.func @main(%x: !relax.tensor<[{n}, 16], f32>, %w: !relax.tensor<[16, 8], f32>,
                 %b: !relax.tensor<[8], f32>, %v: !relax.tensor<[8, 8], f32>)
    -> !relax.tuple<!relax.tensor<[{n}, 8], f32>, !relax.tensor<[{n}], f32>, !relax.tensor<[8, {n}], f32>> {{
  %o1, %o2, %o3 = relax.dataflow {{
    %0 = relax.matmul %x, %w : !relax.tensor<[{n}, 8], f32>
    %1 = relax.add %0, %b : !relax.tensor<[{n}, 8], f32>
    %2 = relax.relu %1 : !relax.tensor<[{n}, 8], f32>
    %3 = relax.matmul %2, %v : !relax.tensor<[{n}, 8], f32>
    %4 = relax.add %3, %b : !relax.tensor<[{n}, 8], f32>
    %5 = relax.exp %x : !relax.tensor<[{n}, 16], f32>
    %6 = relax.sum %5 {{axis = [1]}} : !relax.tensor<[{n}], f32>
    %7 = relax.log %6 : !relax.tensor<[{n}], f32>
    %8 = relax.permute_dims %4 : !relax.tensor<[8, {n}], f32>
    %9 = relax.multiply %8, %8 : !relax.tensor<[8, {n}], f32>
    relax.output %4, %7, %9 : !relax.tensor<[{n}, 8], f32>, !relax.tensor<[{n}], f32>, !relax.tensor<[8, {n}], f32>
  }}
  %t = relax.tuple(%o1, %o2, %o3)
  relax.return %t : !relax.tuple<!relax.tensor<[{n}, 8], f32>, !relax.tensor<[{n}], f32>, !relax.tensor<[8, {n}], f32>>
}}
"""


def model_reference(x, w, b, v):
    y = np.maximum(x @ w + b, 0) @ v + b
    return y, np.log(np.exp(x).sum(axis=1)), (y.T * y.T)


def model_args(n: int):
    return rand(n, 16) * 0.5, rand(16, 8) * 0.5, rand(8), rand(8, 8) * 0.5


def assert_model(fn, n: int):
    args = model_args(n)
    for got, want in zip(fn(*args), model_reference(*args)):
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


SHAPES = [("n", [1, 4, 13]), ("5", [5])]


@pytest.fixture(scope="module")
def reference():
    return {dim: compile_plain(model(dim)) for dim, _ in SHAPES}


def compare(module, dim: str, sizes: list[int], reference) -> None:
    after = compile_plain(module)
    for size in sizes:
        args = model_args(size)
        for got, want in zip(after(*args), reference[dim](*args)):
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert_model(after, sizes[0])


# ---- annotate-op-pattern -----------------------------------------------------------

def test_annotate_legalized_ops():
    module = apply(model("n"), LegalizeOps(), AnnotateOpPattern())
    got = {name: k.attributes["op_pattern"].data for name, k in kernels(module).items()}
    assert got["matmul"] == "out_ewise_fusable"
    assert got["add"] == "broadcast"
    assert got["relu"] == "elemwise"
    assert got["sum"] == "reduction"
    assert got["permute_dims"] == "injective"
    assert {got[k] for k in got if k.startswith("exp")} == {"elemwise"}


def test_annotate_opaque_kernel():
    module = parse_text("""
tir.func @relu_if(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "relu" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %zero = arith.constant 0.000000e+00 : f32
      %pos = arith.cmpf ogt, %x, %zero : f32
      tir.if %pos {
        tir.store %x, %Y[%vi] : f32
      } else {
        tir.store %zero, %Y[%vi] : f32
      }
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @relu_if(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
""")
    assert kernel_pattern(kernels(module)["relu_if"]) == "opaque"
    AnnotateOpPattern().apply(make_context(), module)
    x = rand(9)
    np.testing.assert_allclose(compile_plain(module)(x), np.maximum(x, 0))


@pytest.mark.parametrize("dim, sizes", SHAPES)
def test_annotate_numerics(reference, dim, sizes):
    compare(apply(model(dim), LegalizeOps(), AnnotateOpPattern()), dim, sizes, reference)


# ---- fuse-ops ----------------------------------------------------------------------

# the output of matmul1 + add has two users (the output and permute_dims), so
# the transpose starts a group of its own (kernels are not named after libm
# functions, hence exp1 and log1)
FUSED = ["fused_exp1_sum_log1", "fused_matmul1_add", "fused_matmul_add_relu",
         "fused_permute_dims_multiply"]

def test_fuse_ops_groups():
    module = apply(model("n"), LegalizeOps(), AnnotateOpPattern(), FuseOps())
    fused = sorted(op.sym_name.data for op in module.body.block.ops
                   if op.name == "relax.func" and "relax.primitive" in op.attributes)
    assert fused == FUSED


@pytest.mark.parametrize("dim, sizes", SHAPES)
def test_fuse_ops_numerics(reference, dim, sizes):
    module = apply(model(dim), LegalizeOps(), AnnotateOpPattern(), FuseOps())
    assert ops_named(module, "relax.call")
    compare(module, dim, sizes, reference)


# ---- fuse-tir ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def fused_tir():
    return apply(model("n"), LegalizeOps(), AnnotateOpPattern(), FuseOps(), FuseTIR(),
                 RelaxDCE())


def test_fuse_tir_makes_one_kernel_per_group(fused_tir):
    assert not ops_named(fused_tir, "relax.call")
    ks = kernels(fused_tir)
    assert sorted(ks) == FUSED
    allocs = {name: len([o for o in k.walk() if o.name == "tir.alloc_buffer"])
              for name, k in ks.items()}
    # element-wise and injective producers are inlined; a reduction's result
    # (sum, matmul) stays a local buffer
    assert allocs == {"fused_exp1_sum_log1": 1, "fused_matmul_add_relu": 1,
                      "fused_matmul1_add": 1, "fused_permute_dims_multiply": 0}


@pytest.mark.parametrize("n", [1, 4, 13])
def test_fuse_tir_numerics(fused_tir, reference, n):
    after = compile_plain(fused_tir)
    args = model_args(n)
    for got, want in zip(after(*args), reference["n"](*args)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_fuse_tir_static_numerics(reference):
    module = apply(model("5"), LegalizeOps(), AnnotateOpPattern(), FuseOps(), FuseTIR())
    compare(module, "5", [5], reference)


def test_fuse_tir_pure_elementwise_chain_has_no_buffers():
    text = """
relax.func @main(%x: !relax.tensor<[n, 3], f32>, %b: !relax.tensor<[3], f32>) -> !relax.tensor<[n, 3], f32> {
  %r = relax.dataflow {
    %0 = relax.exp %x : !relax.tensor<[n, 3], f32>
    %1 = relax.add %0, %b : !relax.tensor<[n, 3], f32>
    %2 = relax.multiply %1, %1 : !relax.tensor<[n, 3], f32>
    %3 = relax.relu %2 : !relax.tensor<[n, 3], f32>
    relax.output %3 : !relax.tensor<[n, 3], f32>
  }
  relax.return %r : !relax.tensor<[n, 3], f32>
}
"""
    module = apply(text, LegalizeOps(), AnnotateOpPattern(), FuseOps(), FuseTIR(), RelaxDCE())
    (kernel,) = kernels(module).values()
    assert not [o for o in kernel.walk() if o.name == "tir.alloc_buffer"]
    fn, ref = compile_plain(module), compile_plain(text)
    b = rand(3)
    for n in (0, 1, 10):
        x = rand(n, 3)
        np.testing.assert_allclose(fn(x, b), ref(x, b), rtol=1e-6)
        np.testing.assert_allclose(fn(x, b), np.maximum((np.exp(x) + b) ** 2, 0), rtol=1e-5)


# ---- call-tir-rewrite --------------------------------------------------------------

@pytest.mark.parametrize("dim, sizes", SHAPES)
def test_call_tir_rewrite_numerics(reference, dim, sizes):
    module = apply(model(dim), LegalizeOps(), CallTIRRewrite())
    assert not ops_named(module, "relax.call_tir")
    assert not ops_named(module, "relax.dataflow")
    assert len(ops_named(module, "relax.call_kernel")) == 10
    compare(module, dim, sizes, reference)


# ---- static-plan-memory ------------------------------------------------------------

@pytest.mark.parametrize("dim, sizes", SHAPES)
def test_static_plan_memory_numerics(reference, dim, sizes):
    module = apply(model(dim), LegalizeOps(), CallTIRRewrite(), StaticPlanMemory())
    assert ops_named(module, "relax.alloc_storage")
    compare(module, dim, sizes, reference)


CHAIN = """
relax.func @main(%x: !relax.tensor<[n, 8], f32>) -> !relax.tensor<[n, 8], f32> {
  %r = relax.dataflow {
    %0 = relax.exp %x : !relax.tensor<[n, 8], f32>
    %1 = relax.multiply %0, %x : !relax.tensor<[n, 8], f32>
    %2 = relax.tanh %1 : !relax.tensor<[n, 8], f32>
    %3 = relax.add %2, %0 : !relax.tensor<[n, 8], f32>
    %4 = relax.tanh %3 : !relax.tensor<[n, 8], f32>
    %5 = relax.multiply %4, %4 : !relax.tensor<[n, 8], f32>
    relax.output %5 : !relax.tensor<[n, 8], f32>
  }
  relax.return %r : !relax.tensor<[n, 8], f32>
}
"""


def chain_reference(x):
    e = np.exp(x)
    return np.tanh(np.tanh(e * x) + e) ** 2


@pytest.fixture(scope="module")
def chain_pair():
    return (compile_module(CHAIN, fuse=False)["main"],
            compile_module(CHAIN, fuse=False, plan_memory=False)["main"])


@pytest.mark.parametrize("n", [1, 3, 50])
def test_memory_plan_reuses_storage_in_a_chain(chain_pair, n):
    planned, unplanned = chain_pair
    plan = planned.memory_plan(n=n)
    # five intermediates of n*8 floats, at most three live at once (%0 lives long)
    assert plan == {"planned": 3 * n * 32, "unplanned": 5 * n * 32}
    x = rand(n, 8)
    np.testing.assert_allclose(planned(x), unplanned(x), rtol=1e-6)
    np.testing.assert_allclose(planned(x), chain_reference(x), rtol=1e-5, atol=1e-6)


def test_memory_plan_around_call_packed():
    register_packed("test.passes.double", lambda a: a * 2)
    try:
        text = CHAIN.replace("""    %5 = relax.multiply %4, %4 : !relax.tensor<[n, 8], f32>
    relax.output %5 : !relax.tensor<[n, 8], f32>
  }
  relax.return %r : !relax.tensor<[n, 8], f32>""", """    relax.output %4 : !relax.tensor<[n, 8], f32>
  }
  %d = relax.call_packed "test.passes.double"(%r) : !relax.tensor<[n, 8], f32>
  %s = relax.dataflow {
    %5 = relax.exp %d : !relax.tensor<[n, 8], f32>
    %6 = relax.multiply %5, %d : !relax.tensor<[n, 8], f32>
    relax.output %6 : !relax.tensor<[n, 8], f32>
  }
  relax.return %s : !relax.tensor<[n, 8], f32>""")
        planned = compile_module(text, fuse=False)["main"]
        plain = compile_module(text, **ALL_OFF)["main"]
        plan = planned.memory_plan(n=4)
        assert plan["planned"] < plan["unplanned"]
        for n in (2, 7):
            x = rand(n, 8)
            d = 2 * np.tanh(np.tanh(np.exp(x) * x) + np.exp(x))
            np.testing.assert_allclose(planned(x), plain(x), rtol=1e-6)
            np.testing.assert_allclose(planned(x), np.exp(d) * d, rtol=1e-5)
    finally:
        unregister_packed("test.passes.double")


def test_memory_plan_static_shapes():
    text = CHAIN.replace("[n, 8]", "[6, 8]")
    planned = compile_module(text, fuse=False)["main"]
    assert planned.memory_plan() == {"planned": 3 * 6 * 32, "unplanned": 5 * 6 * 32}
    x = rand(6, 8)
    np.testing.assert_allclose(planned(x), chain_reference(x), rtol=1e-5, atol=1e-6)
