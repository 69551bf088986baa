"""`tir.for vectorized` -> vector code (lowering/vectorize.py): numerics against
numpy through compile_module, and the std IR checked for vector ops (when the
loop is legal to vectorize) or their absence (when it must fall back)."""

import re

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.lowering.vectorize import chunk_lanes


def compile_std(text: str):
    """Compile `text` without the default schedule (these loops say themselves
    what is vectorized); return the executable and the IR after convert-relax-to-std."""
    ir: list[str] = []
    exe = compile_module(text, schedule=False, before_llvm=lambda m: ir.append(str(m)))
    return exe, ir[0]


def main_fn(kernel: str, params: str, args: str, out: str) -> str:
    """A relax @main taking `params` and returning call_tir @kernel(args) : out."""
    return f"""
relax.func @main({params}) -> {out} {{
  %r = relax.dataflow {{
    %y = relax.call_tir @{kernel}({args}) : {out}
    relax.output %y : {out}
  }}
  relax.return %r : {out}
}}
"""


def vectorized(ir: str) -> bool:
    return "vector.load" in ir and "vector.store" in ir


def no_vectors(ir: str) -> bool:
    return "vector." not in ir and "vector<" not in ir


RNG = np.random.default_rng(7)


def rand(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


# ---- vectorized --------------------------------------------------------------------

SCALE_1D = """
tir.func @scale(%X: !tir.buffer<[1024], f32>, %B: !tir.buffer<[1024], f32>, %s: f32,
                %Y: !tir.buffer<[1024], f32>) {
  tir.for %o = 0 to 64 {
    tir.for vectorized %j = 0 to 16 {
      %c16 = arith.constant 16 : index
      %base = arith.muli %o, %c16 : index
      %k = arith.addi %base, %j : index
      %x = tir.load %X[%k] : f32
      %b = tir.load %B[%k] : f32
      %e = math.exp %x : f32
      %m = arith.mulf %e, %s : f32
      %r = arith.addf %m, %b : f32
      tir.store %r, %Y[%k] : f32
    }
  }
}
""" + main_fn("scale", "%x: !relax.tensor<[1024], f32>, %b: !relax.tensor<[1024], f32>, "
              "%s: !relax.prim<f32>", "%x, %b, %s", "!relax.tensor<[1024], f32>")


def test_exp_mul_add_with_scalar_param_broadcast():
    exe, ir = compile_std(SCALE_1D)
    assert vectorized(ir)
    assert "vector.broadcast %s : f32 to vector<16xf32>" in ir
    assert "math.exp %x : vector<16xf32>" in ir
    x, b = rand(1024), rand(1024)
    np.testing.assert_allclose(exe["main"](x, b, 2.5), np.exp(x) * 2.5 + b, rtol=1e-5, atol=1e-5)


ROWS_2D = """
tir.func @rows(%A: !tir.buffer<[n, 16], f32>, %B: !tir.buffer<[n, 16], f32>,
               %S: !tir.buffer<[1], f32>, %Y: !tir.buffer<[n, 16], f32>) {
  tir.for %i = 0 to n {
    tir.for vectorized %j = 0 to 16 {
      tir.block "y" (%vi = spatial[n] %i, %vj = spatial[16] %j) {
        %c0 = arith.constant 0 : index
        %s = tir.load %S[%c0] : f32
        %a = tir.load %A[%vi, %vj] : f32
        %b = tir.load %B[%vi, %vj] : f32
        %bs = arith.mulf %b, %s : f32
        %half = arith.constant 0.5 : f32
        %r = arith.addf %a, %bs : f32
        %h = arith.mulf %r, %half : f32
        tir.store %h, %Y[%vi, %vj] : f32
      }
    }
  }
}
""" + main_fn("rows", "%a: !relax.tensor<[n, 16], f32>, %b: !relax.tensor<[n, 16], f32>, "
              "%s: !relax.tensor<[1], f32>", "%a, %b, %s", "!relax.tensor<[n, 16], f32>")


def test_2d_outer_serial_inner_vectorized_with_block():
    exe, ir = compile_std(ROWS_2D)
    assert vectorized(ir)
    assert re.search(r"memref\.load %S\[%c0\]", ir)  # invariant load stays scalar
    assert "vector<16xf32>" in ir
    for n in (1, 5, 33):
        a, b, s = rand(n, 16), rand(n, 16), rand(1)
        # a + b * s may run as one FMA (`contract`): one rounding instead of two
        np.testing.assert_allclose(exe["main"](a, b, s), (a + b * s[0]) * 0.5, rtol=1e-6,
                                   atol=1e-7)


def chunk_kernel(extent: int) -> str:
    return f"""
tir.func @k(%X: !tir.buffer<[n, {extent}], f32>, %Y: !tir.buffer<[n, {extent}], f32>) {{
  tir.for %i = 0 to n {{
    tir.for vectorized %j = 0 to {extent} {{
      %x = tir.load %X[%i, %j] : f32
      %t = math.tanh %x : f32
      %m = arith.maximumf %t, %x : f32
      tir.store %m, %Y[%i, %j] : f32
    }}
  }}
}}
""" + main_fn("k", f"%x: !relax.tensor<[n, {extent}], f32>", "%x",
              f"!relax.tensor<[n, {extent}], f32>")


@pytest.mark.parametrize("extent, lanes, loop", [
    (5, 5, False), (24, 24, False), (64, 64, False), (96, 16, True), (256, 16, True),
    (72, 8, True), (100, 4, True),
])
def test_constant_extents_and_chunks(extent, lanes, loop):
    exe, ir = compile_std(chunk_kernel(extent))
    assert vectorized(ir)
    assert f"vector<{lanes}xf32>" in ir
    assert bool(re.search(r"scf\.for %j = .* step", ir)) == loop
    x = rand(3, extent)
    np.testing.assert_allclose(exe["main"](x), np.maximum(np.tanh(x), x), rtol=1e-5, atol=1e-6)


def test_chunk_lanes():
    assert [chunk_lanes(e) for e in (1, 2, 64, 65, 66, 128, 200)] == [None, 2, 64, None, 2, 16, 8]


INTS = """
tir.func @ints(%A: !tir.buffer<[n, 8], i32>, %B: !tir.buffer<[n, 8], i32>,
               %Y: !tir.buffer<[n, 8], i32>) {
  tir.for %i = 0 to n {
    tir.for vectorized %j = 0 to 8 {
      %a = tir.load %A[%i, %j] : i32
      %b = tir.load %B[%i, %j] : i32
      %three = arith.constant 3 : i32
      %p = arith.muli %a, %three : i32
      %m = arith.maxsi %p, %b : i32
      %x = arith.xori %m, %a : i32
      tir.store %x, %Y[%i, %j] : i32
    }
  }
}
""" + main_fn("ints", "%a: !relax.tensor<[n, 8], i32>, %b: !relax.tensor<[n, 8], i32>",
              "%a, %b", "!relax.tensor<[n, 8], i32>")


def test_integer_ops():
    exe, ir = compile_std(INTS)
    assert vectorized(ir) and "arith.maxsi" in ir and "vector<8xi32>" in ir
    a = RNG.integers(-100, 100, (4, 8), dtype=np.int32)
    b = RNG.integers(-100, 100, (4, 8), dtype=np.int32)
    np.testing.assert_array_equal(exe["main"](a, b), np.maximum(a * 3, b) ^ a)


MIXED = """
tir.func @mixed(%X: !tir.buffer<[n, 16], f32>, %Y: !tir.buffer<[n, 16], f32>) {
  tir.for %i = 0 to n {
    tir.for vectorized %j = 3 to 19 {
      %c3 = arith.constant 3 : index
      %jj = arith.subi %j, %c3 : index
      %x = tir.load %X[%i, %jj] : f32
      %a = math.absf %x : f32
      %one = arith.constant 1.0 : f32
      %a1 = arith.addf %a, %one : f32
      %r = math.rsqrt %a1 : f32
      %e = math.erf %x : f32
      %n = arith.negf %e : f32
      %d = arith.divf %n, %a1 : f32
      %w = arith.extf %d : f32 to f64
      %ww = arith.mulf %w, %w : f64
      %t = arith.truncf %ww : f64 to f32
      %s = arith.addf %t, %r : f32
      tir.store %s, %Y[%i, %jj] : f32
    }
  }
}
""" + main_fn("mixed", "%x: !relax.tensor<[n, 16], f32>", "%x", "!relax.tensor<[n, 16], f32>")


def test_math_casts_and_shifted_lower_bound():
    from math import erf

    exe, ir = compile_std(MIXED)
    assert vectorized(ir) and "vector<16xf64>" in ir and "math.erf" in ir
    x = rand(3, 16)
    a1 = np.abs(x) + 1
    d = -np.vectorize(erf)(x) / a1
    np.testing.assert_allclose(exe["main"](x), d * d + 1 / np.sqrt(a1), rtol=1e-5)


def test_compute_dsl_kernel_with_vectorized_inner_loop():
    """A te.compute kernel whose innermost loop is marked vectorized."""
    from xrelax.tir import compute as te
    from xrelax.tir import ops as tir
    from xrelax.tir.symbolic import var
    from xdsl.dialects.builtin import StringAttr

    n = var("n")
    A = te.placeholder([n, 32], "f32", name="A")
    B = te.placeholder([n, 32], "f32", name="B")
    C = te.compute([n, 32], lambda i, j: te.exp(A[i, j]) * B[i, j] + 1.0, name="C")
    kernel = te.create_tir_func([A, B, C], name="k")
    inner = [op for op in kernel.walk() if isinstance(op, tir.ForOp)][-1]
    inner.kind = StringAttr("vectorized")
    text = str(kernel) + main_fn(
        "k", "%a: !relax.tensor<[n, 32], f32>, %b: !relax.tensor<[n, 32], f32>", "%a, %b",
        "!relax.tensor<[n, 32], f32>")
    exe, ir = compile_std(text)
    assert vectorized(ir) and "vector<32xf32>" in ir
    a, b = rand(6, 32), rand(6, 32)
    np.testing.assert_allclose(exe["main"](a, b), np.exp(a) * b + 1, rtol=1e-5)


# ---- fallbacks: same numbers, no vector code -------------------------------------------

def one_row_kernel(body: str, extent: int = 16, prelude: str = "") -> str:
    """@k(X: [16], Y: [16]) with `prelude` then `tir.for vectorized %j = 0 to extent`."""
    return f"""
tir.func @k(%X: !tir.buffer<[16], f32>, %Y: !tir.buffer<[16], f32>) {{
  {prelude}
  tir.for vectorized %j = 0 to {extent} {{
    {body}
  }}
}}
""" + main_fn("k", "%x: !relax.tensor<[16], f32>", "%x", "!relax.tensor<[16], f32>")


COPY_LOOP = """
  tir.for %p = 0 to 16 {
    %v = tir.load %X[%p] : f32
    tir.store %v, %Y[%p] : f32
  }"""
ZERO_LOOP = """
  tir.for %p = 0 to 16 {
    %z = arith.constant 0.0 : f32
    tir.store %z, %Y[%p] : f32
  }"""


def _doubling_chain(x):
    y = x.copy()
    for j in range(15):
        y[j + 1] = y[j] * 2
    return y


def _running_y0(x):
    y = x.copy()
    for j in range(16):
        y[j] = y[0] + x[j]
    return y


def _stride2(x):
    y = np.zeros(16, np.float32)
    y[:8] = x[::2]
    return y


FALLBACKS = {
    "stride-2 load": (one_row_kernel("""
    %c2 = arith.constant 2 : index
    %j2 = arith.muli %j, %c2 : index
    %x = tir.load %X[%j2] : f32
    tir.store %x, %Y[%j] : f32""", extent=8, prelude=ZERO_LOOP), _stride2),
    "loop-carried dependence through memory": (one_row_kernel("""
    %c1 = arith.constant 1 : index
    %j1 = arith.addi %j, %c1 : index
    %y = tir.load %Y[%j] : f32
    %two = arith.constant 2.0 : f32
    %d = arith.mulf %y, %two : f32
    tir.store %d, %Y[%j1] : f32""", extent=15, prelude=COPY_LOOP), _doubling_chain),
    "invariant load of a buffer stored to": (one_row_kernel("""
    %c0 = arith.constant 0 : index
    %y0 = tir.load %Y[%c0] : f32
    %x = tir.load %X[%j] : f32
    %s = arith.addf %y0, %x : f32
    tir.store %s, %Y[%j] : f32""", prelude=COPY_LOOP), _running_y0),
    "select on the loop variable": (one_row_kernel("""
    %c4 = arith.constant 4 : index
    %lt = arith.cmpi slt, %j, %c4 : index
    %x = tir.load %X[%j] : f32
    %z = arith.constant 0.0 : f32
    %v = arith.select %lt, %x, %z : f32
    tir.store %v, %Y[%j] : f32"""), lambda x: np.where(np.arange(16) < 4, x, 0)),
    "compare on vector data": (one_row_kernel("""
    %x = tir.load %X[%j] : f32
    %z = arith.constant 0.0 : f32
    %gt = arith.cmpf ogt, %x, %z : f32
    %v = arith.select %gt, %x, %z : f32
    tir.store %v, %Y[%j] : f32"""), lambda x: np.maximum(x, 0)),
    "tir.if in the body": (one_row_kernel("""
    %x = tir.load %X[%j] : f32
    %true = arith.constant true
    tir.if %true {
      tir.store %x, %Y[%j] : f32
    }""", prelude=ZERO_LOOP), lambda x: x),
    "extent with no chunk size (67)": (one_row_kernel("""
    %c16 = arith.constant 16 : index
    %m = arith.remsi %j, %c16 : index
    %x = tir.load %X[%m] : f32
    tir.store %x, %Y[%m] : f32""", extent=67), lambda x: x),
}


@pytest.mark.parametrize("name", FALLBACKS)
def test_fallback_keeps_scalar_semantics(name):
    text, expected = FALLBACKS[name]
    exe, ir = compile_std(text)
    assert no_vectors(ir), ir
    x = rand(16)
    np.testing.assert_allclose(exe["main"](x), expected(x), rtol=1e-5)


SYMBOLIC_EXTENT = """
tir.func @k(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for vectorized %j = 0 to n {
    %x = tir.load %X[%j] : f32
    %e = math.exp %x : f32
    tir.store %e, %Y[%j] : f32
  }
}
""" + main_fn("k", "%x: !relax.tensor<[n], f32>", "%x", "!relax.tensor<[n], f32>")

REDUCE_WITH_INIT = """
tir.func @k(%A: !tir.buffer<[n, 16], f32>, %S: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.for vectorized %r = 0 to 16 {
      tir.block "S" (%vi = spatial[n] %i, %vr = reduce[16] %r) {
        tir.init {
          %zero = arith.constant 0.0 : f32
          tir.store %zero, %S[%vi] : f32
        }
        %a = tir.load %A[%vi, %vr] : f32
        %s = tir.load %S[%vi] : f32
        %t = arith.addf %s, %a : f32
        tir.store %t, %S[%vi] : f32
      }
    }
  }
}
""" + main_fn("k", "%a: !relax.tensor<[n, 16], f32>", "%a", "!relax.tensor<[n], f32>")


@pytest.mark.parametrize("n", [0, 1, 15, 16, 17, 37, 64, 100, 1000])
def test_symbolic_extent_vector_loop_and_scalar_tail(n):
    exe, ir = compile_std(SYMBOLIC_EXTENT)
    assert vectorized(ir) and "vector<16xf32>" in ir
    assert ir.count("scf.for") == 2  # chunks of 16, then the scalar tail
    assert "scf.if" in ir  # hoisted code runs only for a non-empty loop
    x = rand(n)
    np.testing.assert_allclose(exe["main"](x), np.exp(x), rtol=1e-6)


def test_fallback_reduction_block_with_init():
    exe, ir = compile_std(REDUCE_WITH_INIT)
    assert no_vectors(ir)
    a = rand(5, 16)
    np.testing.assert_allclose(exe["main"](a), a.sum(axis=1), rtol=1e-5, atol=1e-6)


STENCIL = """
tir.func @k(%X: !tir.buffer<[n, 17], f32>, %W: !tir.buffer<[], f32>,
            %Y: !tir.buffer<[n, 16], f32>) {
  tir.for %i = 0 to n {
    tir.for vectorized %j = 0 to 16 {
      %c1 = arith.constant 1 : index
      %j1 = arith.addi %c1, %j : index
      %a = tir.load %X[%i, %j] : f32
      %b = tir.load %X[%i, %j1] : f32
      %w = tir.load %W[] : f32
      %s = arith.addf %a, %b : f32
      %r = arith.mulf %s, %w : f32
      tir.store %r, %Y[%i, %j] : f32
    }
  }
}
""" + main_fn("k", "%x: !relax.tensor<[n, 17], f32>, %w: !relax.tensor<[], f32>", "%x, %w",
              "!relax.tensor<[n, 16], f32>")


def test_shifted_loads_of_a_read_only_buffer_and_0d_invariant_load():
    exe, ir = compile_std(STENCIL)
    assert ir.count("vector.load") == 2 and "memref.load %W[]" in ir
    x, w = rand(4, 17), np.array(1.5, np.float32)
    np.testing.assert_allclose(exe["main"](x, w), (x[:, :-1] + x[:, 1:]) * 1.5, rtol=1e-6)


# ---- reductions into a scalar accumulator ------------------------------------------

def row_reduce_kernel(op: str, dtype: str, extent: str, init: str) -> str:
    """S[i] = op over j of A[i, j], the init in a block of its own (as the schedule makes it)."""
    return f"""
tir.func @k(%A: !tir.buffer<[n, {extent}], {dtype}>, %S: !tir.buffer<[n], {dtype}>) {{
  tir.for %i = 0 to n {{
    tir.block "S_init" (%vi0 = spatial[n] %i) {{
      %c = arith.constant {init} : {dtype}
      tir.store %c, %S[%vi0] : {dtype}
    }}
    tir.for vectorized %r = 0 to {extent} {{
      tir.block "S" (%vi = spatial[n] %i, %vr = reduce[{extent}] %r) {{
        %a = tir.load %A[%vi, %vr] : {dtype}
        %s = tir.load %S[%vi] : {dtype}
        %t = {op} %s, %a : {dtype}
        tir.store %t, %S[%vi] : {dtype}
      }}
    }}
  }}
}}
""" + main_fn("k", f"%a: !relax.tensor<[n, {extent}], {dtype}>", "%a",
              f"!relax.tensor<[n], {dtype}>")


REDUCE_CASES = {
    "sum": ("arith.addf", "f32", "0.0", lambda a: a.sum(axis=1)),
    "max": ("arith.maximumf", "f32", "0xFF800000", lambda a: a.max(axis=1)),
    "min": ("arith.minimumf", "f32", "0x7F800000", lambda a: a.min(axis=1)),
    "prod": ("arith.mulf", "f64", "1.0", lambda a: a.prod(axis=1)),
    "int sum": ("arith.addi", "i32", "0", lambda a: a.sum(axis=1, dtype=np.int32)),
    "int max": ("arith.maxsi", "i32", "-2147483648", lambda a: a.max(axis=1)),
    "xor": ("arith.xori", "i64", "0", lambda a: np.bitwise_xor.reduce(a, axis=1)),
}


@pytest.mark.parametrize("extent", ["16", "768", "100", "m"])
@pytest.mark.parametrize("case", REDUCE_CASES)
def test_row_reductions(case, extent):
    """Vector accumulators (4 per reduction in the main loop), a tree across lanes,
    and a scalar tail; constant, odd and symbolic extents."""
    op, dtype, init, ref = REDUCE_CASES[case]
    exe, ir = compile_std(row_reduce_kernel(op, dtype, extent, init))
    assert "vector.load" in ir and "vector.shuffle" in ir, ir
    cols = {"16": 16, "768": 768, "100": 100, "m": 203}[extent]
    rng = np.random.default_rng(0)
    if dtype.startswith("i"):
        a = rng.integers(-1000, 1000, (5, cols)).astype(np.dtype(dtype.replace("i", "int")))
    else:
        a = (rng.uniform(0.9, 1.1, (5, cols)) if case == "prod" else rng.standard_normal((5, cols)))
        a = a.astype(np.float32 if dtype == "f32" else np.float64)
    got = exe["main"](a)
    if extent == "m":
        got = exe["main"](a)
    np.testing.assert_allclose(got, ref(a), rtol=1e-5, atol=1e-5)


def test_reduction_numbers_and_nan():
    """-0.0 sums stay -0.0 (the additive identity is -0.0); a NaN propagates
    through maximumf; the empty symbolic row keeps the init."""
    exe, _ = compile_std(row_reduce_kernel("arith.addf", "f32", "m", "-0.0"))
    z = np.full((2, 37), -0.0, np.float32)
    assert np.signbit(exe["main"](z)).all()
    assert exe["main"](np.zeros((3, 0), np.float32)).tolist() == [0.0, 0.0, 0.0]
    exe, _ = compile_std(row_reduce_kernel("arith.maximumf", "f32", "m", "0xFF800000"))
    a = rand(2, 50)
    a[1, 33] = np.nan
    got = exe["main"](a)
    assert got[0] == a[0].max() and np.isnan(got[1])


EXP_SUM_DIV = """
tir.func @k(%X: !tir.buffer<[n, m], f32>, %E: !tir.buffer<[n, m], f32>,
            %S: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "S_init" (%vi0 = spatial[n] %i) {
      %z = arith.constant 0.0 : f32
      tir.store %z, %S[%vi0] : f32
    }
    tir.for vectorized %j = 0 to m {
      tir.block "E" (%vi = spatial[n] %i, %vj = reduce[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %e = math.exp %x : f32
        tir.store %e, %E[%vi, %vj] : f32
        %s = tir.load %S[%vi] : f32
        %t = arith.addf %e, %s : f32
        tir.store %t, %S[%vi] : f32
      }
    }
    tir.for vectorized %j2 = 0 to m {
      tir.block "D" (%wi = spatial[n] %i, %wj = spatial[m] %j2) {
        %e2 = tir.load %E[%wi, %wj] : f32
        %s2 = tir.load %S[%wi] : f32
        %d = arith.divf %e2, %s2 : f32
        tir.store %d, %E[%wi, %wj] : f32
      }
    }
  }
}
relax.func @main(%x: !relax.tensor<[n, m], f32>) -> !relax.tensor<[n, m], f32> {
  %r = relax.dataflow {
    %e, %s = relax.call_tir @k(%x) : (!relax.tensor<[n, m], f32>, !relax.tensor<[n], f32>)
    relax.output %e : !relax.tensor<[n, m], f32>
  }
  relax.return %r : !relax.tensor<[n, m], f32>
}
"""


@pytest.mark.parametrize("m", [1, 16, 64, 65, 768, 1001])
def test_vector_store_and_accumulator_in_one_loop_and_division_by_invariant(m):
    """Softmax's exp-and-sum loop (a vector store and an accumulator, accumulator
    second in the addition) and its normalization (x / s -> x * (1 / s))."""
    exe, ir = compile_std(EXP_SUM_DIV)
    assert "arith.divf %" in ir and ir.count("arith.divf") == 2  # 1/s, once per loop
    x = rand(3, m)
    e = np.exp(x)
    np.testing.assert_allclose(exe["main"](x), e / e.sum(axis=1, keepdims=True), rtol=2e-6)
