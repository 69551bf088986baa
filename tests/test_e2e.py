"""End to end: compile relax/tir programs to native code and compare every
result with numpy.

Covers the examples (exp, matmul, chain, multi_output), the same programs built
with the Python API (compute DSL kernels + ModuleBuilder), parallel loops
against serial ones, symbolic `call_tir ... sym [...]` arguments, relax.if,
constants and returned shapes / prim values. Compiled executables are shared
through module-scoped fixtures (each compile takes a fraction of a second).
"""

from pathlib import Path

import numpy as np
import pytest

from xrelax.lowering.runtime import RelaxArgumentError, RelaxRuntimeError, compile_module
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import TensorType, TupleType
from xrelax.tir import compute as te
from xrelax.tir.symbolic import var

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

n, m, k = var("n"), var("m"), var("k")
RNG = np.random.default_rng(0)


def rand(*shape: int, dtype=np.float32, scale: float = 1.0) -> np.ndarray:
    return (RNG.standard_normal(shape) * scale).astype(dtype)


def compile_example(name: str):
    path = EXAMPLES / name
    return compile_module(path.read_text(), filename=str(path))


# ---- 1. exp: the example, and the same program through the Python API ---------

@pytest.fixture(scope="module")
def exp_exe():
    return compile_example("exp.mlir")


@pytest.fixture(scope="module")
def exp_api_exe():
    X = te.placeholder([n], "f32", name="X")
    Y = te.compute([n], lambda i: te.exp(X[i]), name="Y")
    kernel = te.create_tir_func([X, Y], name="exp")
    mb = ModuleBuilder()
    mb.add(kernel)
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            y = df.call_tir("exp", [x], TensorType([n], "f32"))
            df.output(y)
        fb.ret(df.result)
    return compile_module(mb.finish())


@pytest.mark.parametrize("length", [0, 1, 7, 1000, 4099])
def test_exp_example(exp_exe, exp_api_exe, length):
    x = rand(length, scale=3.0)
    y = exp_exe["main"](x)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32 and y.shape == (length,)
    np.testing.assert_allclose(y, np.exp(x), rtol=1e-6, atol=0)
    # the same program built from Python computes the same numbers
    np.testing.assert_allclose(exp_api_exe["main"](x), y, rtol=1e-7, atol=0)
    assert x.flags.owndata  # the input was not touched
    np.testing.assert_allclose(exp_exe["main"](x), y, rtol=0, atol=0)  # deterministic


def test_exp_outputs_are_fresh(exp_exe):
    x = rand(16)
    a, b = exp_exe["main"](x), exp_exe["main"](x)
    assert a is not b and not np.shares_memory(a, b) and not np.shares_memory(a, x)
    a[...] = 0  # writable, owned by the array
    np.testing.assert_allclose(b, np.exp(x), rtol=1e-6)


# ---- 2. matmul: hand-written reduction block, and the compute DSL ---------------

@pytest.fixture(scope="module")
def matmul_exe():
    return compile_example("matmul.mlir")


@pytest.mark.parametrize("rows", [0, 1, 3, 64, 129])
def test_matmul_example(matmul_exe, rows):
    x, w = rand(rows, 4), rand(4, 8)
    y = matmul_exe["main"](x, w)
    assert y.shape == (rows, 8) and y.dtype == np.float32
    np.testing.assert_allclose(y, x @ w, rtol=1e-5, atol=1e-5)


def test_matmul_example_reinitializes_the_accumulator(matmul_exe):
    # the tir.init must run for every output element (fresh memory is not zeroed)
    x, w = rand(50, 4), rand(4, 8)
    for _ in range(3):
        np.testing.assert_allclose(matmul_exe["main"](x, w), x @ w, rtol=1e-5, atol=1e-5)


@pytest.fixture(scope="module")
def matmul_dsl_exe():
    A = te.placeholder([n, k], "f32", name="A")
    B = te.placeholder([k, m], "f32", name="B")
    r = te.reduce_axis(k, name="r")
    C = te.compute([n, m], lambda i, j: te.sum(A[i, r] * B[r, j], axis=r), name="C")
    kernel = te.create_tir_func([A, B, C], name="matmul")
    mb = ModuleBuilder()
    with mb.function("main", a=TensorType([n, k], "f32"), b=TensorType([k, m], "f32")) as fb:
        a, b = fb.params
        with fb.dataflow() as df:
            c = df.call_tir(kernel, [a, b], TensorType([n, m], "f32"))
            df.output(c)
        fb.ret(df.result)
    return compile_module(mb.finish())


@pytest.mark.parametrize("shape", [(1, 1, 1), (2, 3, 5), (17, 9, 33), (64, 64, 64), (0, 3, 4),
                                   (4, 6, 0)])
def test_matmul_compute_dsl_symbolic(matmul_dsl_exe, shape):
    rows, inner, cols = shape
    a, b = rand(rows, inner), rand(inner, cols)
    c = matmul_dsl_exe["main"](a, b)
    assert c.shape == (rows, cols)
    np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


def test_matmul_empty_reduction_is_zero(matmul_dsl_exe, matmul_exe):
    # Regression (fixed in tir_to_std): with a reduce extent of 0 the tir.init never
    # runs (it is an scf.if inside the empty reduce loop), so the output is
    # uninitialized memory instead of the sum over nothing (0).
    c = matmul_dsl_exe["main"](rand(5, 0), rand(0, 3))
    np.testing.assert_array_equal(c, np.zeros((5, 3), np.float32))


def test_matmul_compute_dsl_inner_dims_must_agree(matmul_dsl_exe):
    with pytest.raises(RelaxArgumentError, match=r"dim 0 is 4, but the type requires k"):
        matmul_dsl_exe["main"](rand(2, 3), rand(4, 5))


# ---- 3. a chain of kernels in a dataflow block ------------------------------------

@pytest.fixture(scope="module")
def chain_exe():
    return compile_example("chain.mlir")


@pytest.mark.parametrize("shape", [(1, 1), (3, 5), (100, 37), (0, 4)])
def test_chain_example(chain_exe, shape):
    x, b = rand(*shape), rand(shape[1], scale=3.0)
    y = chain_exe["main"](x, b)
    want = np.maximum(np.exp(x) + b, 0)
    np.testing.assert_allclose(y, want, rtol=1e-6, atol=1e-6)
    assert (y == 0).any() or shape[0] == 0 or (want > 0).all()  # relu did clip something


@pytest.mark.parametrize("options", [dict(fuse=False), dict(plan_memory=False),
                                     dict(fuse=False, plan_memory=False, fold=False, cse=False,
                                          dce=False, canonicalize=False)])
def test_chain_with_optimizations_off(options):
    """The same numbers whichever optimizations of the default pipeline run."""
    path = EXAMPLES / "chain.mlir"
    exe = compile_module(path.read_text(), filename=str(path), **options)
    x, b = rand(17, 6), rand(6, scale=3.0)
    np.testing.assert_allclose(exe["main"](x, b), np.maximum(np.exp(x) + b, 0), rtol=1e-6,
                               atol=1e-6)


def test_chain_example_bias_must_match(chain_exe):
    with pytest.raises(RelaxArgumentError, match=r"argument #1 \(b\): dim 0 is 4, but the type "
                                                 r"requires m \(with m = 5\)"):
        chain_exe["main"](rand(3, 5), rand(4))


def test_chain_through_python_api():
    """exp -> add-bias -> relu from the compute DSL, as one ModuleBuilder module."""
    X = te.placeholder([n, m], "f32", name="X")
    E = te.compute([n, m], lambda i, j: te.exp(X[i, j]), name="E")
    B = te.placeholder([m], "f32", name="B")
    S = te.compute([n, m], lambda i, j: X[i, j] + B[j], name="S")
    R = te.compute([n, m], lambda i, j: te.maximum(X[i, j], 0.0), name="R")
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([n, m], "f32"), b=TensorType([m], "f32")) as fb:
        x, b = fb.params
        with fb.dataflow() as df:
            e = df.call_tir(te.create_tir_func([X, E], name="exp"), [x], TensorType([n, m], "f32"))
            s = df.call_tir(te.create_tir_func([X, B, S], name="add_bias"), [e, b],
                            TensorType([n, m], "f32"))
            r = df.call_tir(te.create_tir_func([X, R], name="relu"), [s],
                            TensorType([n, m], "f32"))
            df.output(r)
        fb.ret(df.result)
    exe = compile_module(mb.finish())
    x, b = rand(20, 7), rand(7, scale=3.0)
    np.testing.assert_allclose(exe["main"](x, b), np.maximum(np.exp(x) + b, 0), rtol=1e-6,
                               atol=1e-6)


# ---- 6. multi-output kernels and tuples ----------------------------------------------

@pytest.fixture(scope="module")
def multi_exe():
    return compile_example("multi_output.mlir")


@pytest.mark.parametrize("length", [0, 1, 10, 1001])
def test_multi_output_example(multi_exe, length):
    x, y = rand(length), rand(length)
    lo, hi, shape = multi_exe["main"](x, y)
    np.testing.assert_array_equal(lo, np.minimum(x, y))
    np.testing.assert_array_equal(hi, np.maximum(x, y))
    assert shape == (length,)
    if length:
        assert not np.shares_memory(lo, hi)


def test_multi_output_through_python_api():
    """A compute-DSL kernel with two output tensors, results returned as a tuple."""
    X = te.placeholder([n], "f32", name="X")
    Sq = te.compute([n], lambda i: X[i] * X[i], name="Sq")
    Ng = te.compute([n], lambda i: -X[i], name="Ng")
    kernel = te.create_tir_func([X, Sq, Ng], name="sq_neg")
    mb = ModuleBuilder()
    t = TensorType([n], "f32")
    with mb.function("main", x=t) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            a, b = df.call_tir(kernel, [x], [t, t])
            df.output(a, b)
        fb.ret(fb.tuple(list(df.results)))
    exe = compile_module(mb.finish())
    x = rand(33)
    sq, ng = exe["main"](x)
    np.testing.assert_allclose(sq, x * x, rtol=1e-6)
    np.testing.assert_array_equal(ng, -x)


# ---- 7. parallel loops give the serial results -------------------------------------------

PARALLEL = """
tir.func @scale_serial(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "s" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      %c = arith.constant 3.000000e+00 : f32
      %y = arith.mulf %e, %c : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @scale_parallel(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for parallel %i = 0 to n {
    tir.block "s" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %e = math.exp %x : f32
      %c = arith.constant 3.000000e+00 : f32
      %y = arith.mulf %e, %c : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @mm_serial(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>,
                    %C: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %B[%vk, %vj] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}
tir.func @mm_parallel(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>,
                      %C: !tir.buffer<[n, m], f32>) {
  tir.for parallel %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %B[%vk, %vj] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
}
relax.func @scale(%x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>> {
  %s0, %p0 = relax.dataflow {
    %s = relax.call_tir @scale_serial(%x) : !relax.tensor<[n], f32>
    %p = relax.call_tir @scale_parallel(%x) : !relax.tensor<[n], f32>
    relax.output %s, %p : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %t = relax.tuple(%s0, %p0)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}
relax.func @mm(%a: !relax.tensor<[n, k], f32>, %b: !relax.tensor<[k, m], f32>)
    -> !relax.tuple<!relax.tensor<[n, m], f32>, !relax.tensor<[n, m], f32>> {
  %s = relax.call_tir @mm_serial(%a, %b) : !relax.tensor<[n, m], f32>
  %p = relax.call_tir @mm_parallel(%a, %b) : !relax.tensor<[n, m], f32>
  %t = relax.tuple(%s, %p)
  relax.return %t : !relax.tuple<!relax.tensor<[n, m], f32>, !relax.tensor<[n, m], f32>>
}
"""


@pytest.fixture(scope="module")
def parallel_exe():
    # schedule=False: the "serial" kernels must stay serial for the comparison
    return compile_module(PARALLEL, filename="parallel.mlir", schedule=False)


@pytest.mark.parametrize("length", [0, 1, 3, 2_000_003])
def test_parallel_elementwise_matches_serial(parallel_exe, length):
    x = rand(length)
    serial, parallel = parallel_exe["scale"](x)
    np.testing.assert_array_equal(parallel, serial)
    np.testing.assert_allclose(serial, 3 * np.exp(x), rtol=1e-6)


@pytest.mark.parametrize("shape", [(256, 256, 256), (1, 7, 3), (255, 31, 17)])
def test_parallel_matmul_matches_serial(parallel_exe, shape):
    rows, inner, cols = shape
    a, b = rand(rows, inner), rand(inner, cols)
    serial, parallel = parallel_exe["mm"](a, b)
    np.testing.assert_array_equal(parallel, serial)  # same summation order per element
    np.testing.assert_allclose(serial, a @ b, rtol=1e-4, atol=1e-4)


def test_parallel_loops_run_through_libgomp(parallel_exe):
    ir = parallel_exe.llvm_ir(optimized=False)
    assert 'declare void @"GOMP_parallel"' in ir
    assert 'scale_parallel_parallel' in ir and 'mm_parallel_parallel' in ir
    serial_body = ir[ir.index('@"__relax_scale_serial"('):]
    serial_body = serial_body[:serial_body.index("\n}")]
    assert "GOMP_parallel" not in serial_body


def test_parallel_repeated_calls_are_stable(parallel_exe):
    x = rand(300_000)
    first = parallel_exe["scale"](x)[1]
    for _ in range(5):
        np.testing.assert_array_equal(parallel_exe["scale"](x)[1], first)


def test_parallel_compute_dsl_kernel():
    """A DSL kernel whose outer loop is turned into `tir.for parallel` in the text."""
    from io import StringIO

    from xdsl.printer import Printer

    X = te.placeholder([n, m], "f32", name="X")
    Y = te.compute([n, m], lambda i, j: te.sqrt(te.abs(X[i, j])) + 1.0, name="Y")
    kernel = te.create_tir_func([X, Y], name="f")
    buf = StringIO()
    Printer(stream=buf).print_op(kernel)
    serial = buf.getvalue()
    parallel = serial.replace("tir.for ", "tir.for parallel ", 1).replace("@f(", "@fp(")
    assert "tir.for parallel" in parallel
    t = "!relax.tensor<[n, m], f32>"
    src = serial + "\n" + parallel + f"""
relax.func @main(%x: {t}) -> !relax.tuple<{t}, {t}> {{
  %a = relax.call_tir @f(%x) : {t}
  %b = relax.call_tir @fp(%x) : {t}
  %r = relax.tuple(%a, %b)
  relax.return %r : !relax.tuple<{t}, {t}>
}}
"""
    exe = compile_module(src)
    x = rand(1024, 1024)
    a, b = exe["main"](x)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a, np.sqrt(np.abs(x)) + 1, rtol=1e-6)


# ---- 11. symbolic call_tir: sym [...] arguments and composite dims -------------------

SYMBOLIC = """
// Y = [X, X]: an output whose dim is n * 2 (n is defined by X)
tir.func @tile2(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n * 2], f32>) {
  tir.for %i = 0 to n {
    tir.block "t" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[%vi] : f32
      %n = tir.expr n : index
      %j = arith.addi %vi, %n : index
      tir.store %x, %Y[%j] : f32
    }
  }
}
// Y[i] = X[i] + X[i + h]: h is only known from the sym argument
tir.func @fold(%X: !tir.buffer<[h * 2], f32>, %Y: !tir.buffer<[h], f32>) sym(h) {
  tir.for %i = 0 to h {
    tir.block "f" (%vi = spatial[h] %i) {
      %h = tir.expr h : index
      %j = arith.addi %vi, %h : index
      %a = tir.load %X[%vi] : f32
      %b = tir.load %X[%j] : f32
      %s = arith.addf %a, %b : f32
      tir.store %s, %Y[%vi] : f32
    }
  }
}
// Y[i] = i * 0.5 for i < t (no input at all)
tir.func @ramp(%Y: !tir.buffer<[t], f32>) sym(t) {
  tir.for %i = 0 to t {
    tir.block "r" (%vi = spatial[t] %i) {
      %i64 = arith.index_cast %vi : index to i64
      %f = arith.sitofp %i64 : i64 to f32
      %half = arith.constant 5.000000e-01 : f32
      %y = arith.mulf %f, %half : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n * 2], f32>, !relax.tensor<[n * 2], f32>, !relax.tensor<[n], f32>> {
  %d = relax.call_tir @tile2(%x) : !relax.tensor<[n * 2], f32>
  %r = relax.call_tir @ramp() sym [n * 2] : !relax.tensor<[n * 2], f32>
  %f = relax.call_tir @fold(%d) sym [n] : !relax.tensor<[n], f32>
  %t = relax.tuple(%d, %r, %f)
  relax.return %t : !relax.tuple<!relax.tensor<[n * 2], f32>, !relax.tensor<[n * 2], f32>, !relax.tensor<[n], f32>>
}
// the shape parameter defines n; x must then have 2 * n elements
relax.func @from_shape(%s: !relax.shape<[n]>, %x: !relax.tensor<[n * 2], f32>)
    -> !relax.tensor<[n], f32> {
  %f = relax.call_tir @fold(%x) sym [n] : !relax.tensor<[n], f32>
  relax.return %f : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def symbolic_exe():
    return compile_module(SYMBOLIC, filename="symbolic.mlir")


@pytest.mark.parametrize("length", [0, 1, 5, 1000])
def test_symbolic_call_tir(symbolic_exe, length):
    x = rand(length)
    d, r, f = symbolic_exe["main"](x)
    np.testing.assert_array_equal(d, np.concatenate([x, x]))
    np.testing.assert_array_equal(r, np.arange(2 * length, dtype=np.float32) * 0.5)
    np.testing.assert_allclose(f, 2 * x, rtol=1e-6)


def test_symbolic_dims_from_a_shape_argument(symbolic_exe):
    x = rand(8)
    np.testing.assert_allclose(symbolic_exe["from_shape"]((4,), x), x[:4] + x[4:], rtol=1e-6)
    with pytest.raises(RelaxArgumentError, match=r"dim 0 is 7, but the type requires n \* 2 "
                                                 r"\(with n = 4\)"):
        symbolic_exe["from_shape"]((4,), rand(7))


def test_symbolic_call_tir_through_python_api():
    """call_tir with sym_args from the builder: a DSL kernel whose output dim
    t * 2 does not define t, so t is a sym argument (passed n * 2)."""
    t = var("t")
    X = te.placeholder([n], "f32", name="X")
    Y = te.compute([t * 2], lambda i: X[i % n] * 2.0, name="Y")
    kernel = te.create_tir_func([X, Y], name="rep")
    assert list(kernel.explicit_sym_args) == ["t"]
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        (x,) = fb.params
        y = fb.call_tir(kernel, [x], TensorType([n * 4], "f32"), sym_args=[n * 2])
        fb.ret(y)
    exe = compile_module(mb.finish())
    for length in (1, 11):
        x = rand(length)
        np.testing.assert_allclose(exe["main"](x), np.tile(x, 4) * 2, rtol=1e-6)


# ---- 8. relax.if, constants, returned shapes and prim values -----------------------

BRANCHES = """
tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "e" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = math.exp %x : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @neg(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "g" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = arith.negf %x : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @affine(%X: !tir.buffer<[n, 3], f32>, %W: !tir.buffer<[3, 2], f32>,
                 %B: !tir.buffer<[2], f32>, %Y: !tir.buffer<[n, 2], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to 2 {
      tir.for %r = 0 to 3 {
        tir.block "y" (%vi = spatial[n] %i, %vj = spatial[2] %j, %vk = reduce[3] %r) {
          tir.init {
            %b0 = tir.load %B[%vj] : f32
            tir.store %b0, %Y[%vi, %vj] : f32
          }
          %a = tir.load %X[%vi, %vk] : f32
          %w = tir.load %W[%vk, %vj] : f32
          %y = tir.load %Y[%vi, %vj] : f32
          %p = arith.mulf %a, %w : f32
          %s = arith.addf %y, %p : f32
          tir.store %s, %Y[%vi, %vj] : f32
        }
      }
    }
  }
}
relax.func @choose(%c: !relax.tensor<[], bool>, %x: !relax.tensor<[n], f32>)
    -> !relax.tensor<[n], f32> {
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.yield %y : !relax.tensor<[n], f32>
  } else {
    %y = relax.call_tir @neg(%x) : !relax.tensor<[n], f32>
    relax.yield %y : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
// one branch yields the argument itself, the other a fresh tensor
relax.func @maybe(%c: !relax.tensor<[], bool>, %x: !relax.tensor<[n], f32>)
    -> !relax.tensor<[n], f32> {
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    %y = relax.call_tir @neg(%x) : !relax.tensor<[n], f32>
    relax.yield %y : !relax.tensor<[n], f32>
  } else {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
relax.func @layer(%x: !relax.tensor<[n, 3], f32>) -> !relax.tensor<[n, 2], f32> {
  %w = relax.constant dense<[[1.0, -2.0], [0.5, 4.0], [-3.0, 0.25]]> : tensor<3x2xf32>
  %b = relax.constant dense<[10.0, -10.0]> : tensor<2xf32>
  %out = relax.dataflow {
    %y = relax.call_tir @affine(%x, %w, %b) : !relax.tensor<[n, 2], f32>
    relax.output %y : !relax.tensor<[n, 2], f32>
  }
  relax.return %out : !relax.tensor<[n, 2], f32>
}
relax.func @info(%x: !relax.tensor<[n, m], f32>)
    -> !relax.tuple<!relax.shape<[n, m]>, !relax.prim<i64>, !relax.shape<[m, n * 2, 3]>, !relax.prim<f32>> {
  %s = relax.shape_of %x
  %p = relax.prim_value n * m + 1 : i64
  %q = relax.shape [m, n * 2, 3]
  %f = relax.prim_value m : f32
  %t = relax.tuple(%s, %p, %q, %f)
  relax.return %t : !relax.tuple<!relax.shape<[n, m]>, !relax.prim<i64, n * m + 1>, !relax.shape<[m, n * 2, 3]>, !relax.prim<f32, m>>
}
relax.func @weights() -> !relax.tensor<[2, 2], f32> {
  %w = relax.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  relax.return %w : !relax.tensor<[2, 2], f32>
}
"""


@pytest.fixture(scope="module")
def branches_exe():
    return compile_module(BRANCHES, filename="branches.mlir")


@pytest.mark.parametrize("length", [0, 5, 100])
def test_if_chooses_a_kernel(branches_exe, length):
    x = rand(length)
    np.testing.assert_allclose(branches_exe["choose"](np.array(True), x), np.exp(x), rtol=1e-6)
    np.testing.assert_array_equal(branches_exe["choose"](np.array(False), x), -x)


def test_if_yielding_an_argument(branches_exe):
    x = rand(9)
    np.testing.assert_array_equal(branches_exe["maybe"](np.array(True), x), -x)
    y = branches_exe["maybe"](np.array(False), x)
    np.testing.assert_array_equal(y, x)
    y[0] = 123.0  # whatever the runtime returns (x itself or a copy), it is usable
    assert y[0] == 123.0


def test_if_condition_must_be_a_bool_scalar(branches_exe):
    with pytest.raises(RelaxArgumentError, match="dtype"):
        branches_exe["choose"](np.array(1, np.int32), rand(3))
    with pytest.raises(RelaxArgumentError, match="rank is 1, expected 0"):
        branches_exe["choose"](np.array([True]), rand(3))


def test_constants_as_weights(branches_exe):
    w = np.array([[1.0, -2.0], [0.5, 4.0], [-3.0, 0.25]], np.float32)
    b = np.array([10.0, -10.0], np.float32)
    for rows in (0, 1, 6):
        x = rand(rows, 3)
        np.testing.assert_allclose(branches_exe["layer"](x), x @ w + b, rtol=1e-5, atol=1e-5)


def test_returned_constant_is_a_private_copy(branches_exe):
    a = branches_exe["weights"]()
    np.testing.assert_array_equal(a, [[1, 2], [3, 4]])
    a[...] = -1  # must not change the module's constant
    np.testing.assert_array_equal(branches_exe["weights"](), [[1, 2], [3, 4]])


def test_shapes_and_prim_values_returned(branches_exe):
    s, p, q, f = branches_exe["info"](rand(3, 5))
    assert s == (3, 5) and q == (5, 6, 3)
    assert p == 16 and isinstance(p, int)
    assert f == 5.0 and isinstance(f, float)
    assert all(isinstance(v, int) for v in s + q)
    assert branches_exe["info"](rand(0, 2))[:3] == ((0, 2), 1, (2, 0, 3))


def test_python_api_if_and_constant():
    """relax.if and relax.constant built with ModuleBuilder."""
    X = te.placeholder([n], "f32", name="X")
    W = te.placeholder([n], "f32", name="W")
    Y = te.compute([n], lambda i: X[i] * W[i], name="Y")
    mul = te.create_tir_func([X, W, Y], name="mul")
    Z = te.compute([n], lambda i: X[i] + W[i], name="Z")
    add = te.create_tir_func([X, W, Z], name="add")
    w = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    t4 = TensorType([4], "f32")
    mb = ModuleBuilder()
    mb.add(mul)
    mb.add(add)
    with mb.function("main", c=TensorType([], "bool"), x=t4) as fb:
        c, x = fb.params
        cw = fb.constant(w, name="w")
        with fb.if_(c, [t4]) as br:
            br.then_.yield_(br.then_.call_tir("mul", [x, cw], t4))
            br.else_.yield_(br.else_.call_tir("add", [x, cw], t4))
        s = fb.shape_of(br.results[0])
        fb.ret(fb.tuple([br.results[0], s]))
    module = mb.finish()
    assert isinstance(module.body.block.last_op.function_type.outputs.data[0], TupleType)
    exe = compile_module(module)
    x = rand(4)
    y, shape = exe["main"](np.array(True), x)
    np.testing.assert_allclose(y, x * w, rtol=1e-6)
    assert shape == (4,)
    y, _ = exe["main"](np.array(False), x)
    np.testing.assert_allclose(y, x + w, rtol=1e-6)


# ---- match_cast inside a full pipeline -------------------------------------------------

def test_matmul_example_match_cast_failure(matmul_exe):
    with pytest.raises(RelaxRuntimeError) as info:
        matmul_exe["main"](rand(2, 4), rand(4, 7))
    msg = str(info.value)
    assert "matmul.mlir:28:3" in msg and "relax.match_cast" in msg
    assert "(4, 7)" in msg and "[4, 8]" in msg
    # and the executable still works afterwards
    x, w = rand(2, 4), rand(4, 8)
    np.testing.assert_allclose(matmul_exe["main"](x, w), x @ w, rtol=1e-5, atol=1e-5)


# ---- loop kinds, scalar kernel parameters, local buffers, tir.if -----------------------

LOOP_KINDS = """
tir.func @clip(%alpha: f32, %X: !tir.buffer<[n, 4], f32>, %Y: !tir.buffer<[n, 4], f32>) {
  %t = tir.alloc_buffer : !tir.buffer<[n, 4], f32>
  tir.for %i = 0 to n {
    tir.for unrolled %j = 0 to 4 {
      tir.block "copy" (%vi = spatial[n] %i, %vj = spatial[4] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        tir.store %x, %t[%vi, %vj] : f32
      }
    }
  }
  tir.for %i = 0 to n {
    tir.for vectorized %j = 0 to 4 {
      tir.block "clip" (%vi = spatial[n] %i, %vj = spatial[4] %j) {
        %x = tir.load %t[%vi, %vj] : f32
        %big = arith.cmpf ogt, %x, %alpha : f32
        %y = arith.select %big, %alpha, %x : f32
        tir.store %y, %Y[%vi, %vj] : f32
      }
    }
  }
}
tir.func @sign(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for vectorized %i = 0 to n {
    tir.block "s" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %zero = arith.constant 0.000000e+00 : f32
      %neg = arith.cmpf olt, %x, %zero : f32
      tir.if %neg {
        %m = arith.constant -1.000000e+00 : f32
        tir.store %m, %Y[%vi] : f32
      } else {
        %p = arith.constant 1.000000e+00 : f32
        tir.store %p, %Y[%vi] : f32
      }
    }
  }
}
relax.func @clip_main(%x: !relax.tensor<[n, 4], f32>, %alpha: !relax.prim<f32>) -> !relax.tensor<[n, 4], f32> {
  %y = relax.call_tir @clip(%alpha, %x) : !relax.tensor<[n, 4], f32>
  relax.return %y : !relax.tensor<[n, 4], f32>
}
relax.func @sign_main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @sign(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""


def test_loop_kinds_scalars_local_buffers():
    exe = compile_module(LOOP_KINDS, filename="loops.mlir")
    for rows in (0, 1, 13):
        x = rand(rows, 4)
        np.testing.assert_array_equal(exe["clip_main"](x, 0.25), np.minimum(x, np.float32(0.25)))
    for length in (0, 1, 3, 17, 1000):
        x = rand(length)
        np.testing.assert_array_equal(exe["sign_main"](x), np.where(x < 0, -1.0, 1.0))


# ---- memory planning: intermediates share storage, never in place --------------------

PLANNED = """
tir.func @dbl(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "d" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = arith.addf %x, %x : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @rev(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "r" (%vi = spatial[n] %i) {
      %n = tir.expr n - 1 : index
      %j = arith.subi %n, %vi : index
      %x = tir.load %X[%j] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}
tir.func @inc(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "d" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %one = arith.constant 1.0 : f32
      %y = arith.addf %x, %one : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %a = relax.call_tir @inc(%x) : !relax.tensor<[n], f32>
    %b = relax.call_tir @rev(%a) : !relax.tensor<[n], f32>
    %c = relax.call_tir @inc(%b) : !relax.tensor<[n], f32>
    %d = relax.call_tir @rev(%c) : !relax.tensor<[n], f32>
    %e = relax.call_tir @dbl(%d) : !relax.tensor<[n], f32>
    %f = relax.call_tir @rev(%e) : !relax.tensor<[n], f32>
    relax.output %f : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
"""


@pytest.mark.parametrize("options", [{}, dict(fuse=False), dict(plan_memory=False)])
@pytest.mark.parametrize("length", [0, 1, 7, 1001])
def test_planned_intermediates_give_the_same_numbers(options, length):
    # rev reads X[n - 1 - i]: a plan that let a kernel's output share its
    # input's storage would corrupt the result
    exe = compile_module(PLANNED, **options)
    x = rand(length)
    np.testing.assert_allclose(exe["main"](x), ((x + 2) * 2)[::-1], rtol=1e-6)


def test_memory_plan_reuses_storage():
    exe = compile_module(PLANNED, fuse=False)
    plan = exe["main"].memory_plan(n=1000)
    # five intermediates of 4000 bytes; two buffers suffice
    assert plan == {"planned": 8000, "unplanned": 20000}
