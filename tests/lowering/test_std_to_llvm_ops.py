"""convert-std-to-llvm + JIT: individual op families (math, casts, memref, vector, control flow)."""

import math

import numpy as np
import pytest
from std_llvm_helpers import jit, lower

from xrelax.lowering.llvm_types import LoweringError

UNARY = """
func.func @unary(%x: memref<?xf32>, %y: memref<?xf32>) {{
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {{
    %v = memref.load %x[%i] : memref<?xf32>
    %r = {op} %v : f32
    memref.store %r, %y[%i] : memref<?xf32>
  }}
  func.return
}}
"""

X = np.array([0.1, 0.5, 1.0, 1.7, 2.5, 3.9, 7.25], np.float32)
UNARY_CASES = {
    "math.exp": np.exp, "math.log": np.log, "math.sqrt": np.sqrt,
    "math.rsqrt": lambda x: 1 / np.sqrt(x), "math.tanh": np.tanh,
    "math.erf": np.vectorize(math.erf), "math.absf": np.abs, "math.floor": np.floor,
    "math.ceil": np.ceil, "math.round": np.vectorize(lambda v: math.floor(v + 0.5)),
    "math.sin": np.sin, "math.cos": np.cos, "math.log2": np.log2, "math.exp2": np.exp2,
    "math.log10": np.log10, "math.cbrt": np.cbrt, "math.log1p": np.log1p,
    "math.expm1": np.expm1, "math.atan": np.arctan, "math.sinh": np.sinh,
    "math.trunc": np.trunc, "arith.negf": np.negative,
}  # fmt: skip


@pytest.mark.parametrize("op", sorted(UNARY_CASES))
def test_unary_math(op):
    mod = jit(UNARY.format(op=op))
    y = np.zeros_like(X)
    mod.call("unary", X, y)
    np.testing.assert_allclose(y, UNARY_CASES[op](X).astype(np.float32), rtol=2e-6, atol=1e-7)


VEC_MATH = """
func.func @vmath(%x: memref<16xf32>, %y: memref<16xf32>, %z: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %v = vector.load %x[%c0] : memref<16xf32>, vector<16xf32>
  %t = math.tanh %v : vector<16xf32>
  %e = math.erf %v : vector<16xf32>
  %p = math.powf %v, %t : vector<16xf32>
  %f = math.fma %v, %t, %e : vector<16xf32>
  %m = arith.maximumf %p, %f : vector<16xf32>
  vector.store %e, %y[%c0] : memref<16xf32>, vector<16xf32>
  vector.store %m, %z[%c0] : memref<16xf32>, vector<16xf32>
  func.return
}
"""


def test_vector_math():
    mod = jit(VEC_MATH)
    x = np.linspace(0.1, 3, 16).astype(np.float32)
    y, z = np.zeros_like(x), np.zeros_like(x)
    mod.call("vmath", x, y, z)
    erf = np.vectorize(math.erf)(x)
    np.testing.assert_allclose(y, erf, rtol=1e-6)
    t = np.tanh(x)
    np.testing.assert_allclose(z, np.maximum(x**t, x * t + erf), rtol=1e-5)


CASTS = """
func.func @casts(%f: f32, %i: i32, %u: i64) -> (i32, i32, f32, f32, f64, i64, index, i8, f32) {
  %a = arith.fptosi %f : f32 to i32
  %b = arith.fptoui %f : f32 to i32
  %c = arith.sitofp %i : i32 to f32
  %d = arith.uitofp %i : i32 to f32
  %e = arith.extf %f : f32 to f64
  %g = arith.extsi %i : i32 to i64
  %h = arith.index_cast %i : i32 to index
  %k = arith.trunci %i : i32 to i8
  %l = arith.uitofp %u : i64 to f32
  func.return %a, %b, %c, %d, %e, %g, %h, %k, %l : i32, i32, f32, f32, f64, i64, index, i8, f32
}
"""


def test_casts():
    mod = jit(CASTS)
    a, b, c, d, e, g, h, k, l = mod.call("casts", 7.9, -5, -1)
    assert (a, b, c, e, g, h, k) == (7, 7, -5.0, pytest.approx(7.9, rel=1e-6), -5, -5, -5)
    assert d == np.float32(2.0**32 - 5)
    assert l == np.float32(2.0**64)
    assert mod.call("casts", 3.0, 300, 2**40)[7] == 300 - 256
    assert mod.call("casts", 3.0, 300, 2**40)[8] == 2.0**40


ALLOC = """
func.func @make(%n: index) -> memref<?x3xf64> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %m = memref.alloc(%n) : memref<?x3xf64>
  %tmp = memref.alloca() : memref<3xf64>
  scf.for %j = %c0 to %c3 step %c1 {
    %jj = arith.index_cast %j : index to i64
    %jf = arith.sitofp %jj : i64 to f64
    memref.store %jf, %tmp[%j] : memref<3xf64>
  }
  scf.for %i = %c0 to %n step %c1 {
    %ii = arith.index_cast %i : index to i64
    %if = arith.sitofp %ii : i64 to f64
    scf.for %j = %c0 to %c3 step %c1 {
      %t = memref.load %tmp[%j] : memref<3xf64>
      %h = arith.constant 100.0 : f64
      %s = arith.mulf %if, %h : f64
      %v = arith.addf %s, %t : f64
      memref.store %v, %m[%i, %j] : memref<?x3xf64>
    }
  }
  func.return %m : memref<?x3xf64>
}
func.func @identity(%x: memref<?xf32>) -> memref<?xf32> {
  func.return %x : memref<?xf32>
}
func.func @roundtrip(%n: index) -> f64 {
  %m = func.call @make(%n) : (index) -> memref<?x3xf64>
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %v = memref.load %m[%c1, %c2] : memref<?x3xf64>
  memref.dealloc %m : memref<?x3xf64>
  func.return %v : f64
}
"""


def test_alloc_returned_as_owned_array_and_aliasing():
    mod = jit(ALLOC)
    out = mod.call("make", 5)
    assert out.shape == (5, 3) and out.dtype == np.float64
    np.testing.assert_array_equal(out, 100.0 * np.arange(5)[:, None] + np.arange(3))
    assert out.ctypes.data % 64 == 0
    x = np.arange(4, dtype=np.float32)
    assert mod.call("identity", x) is x
    assert mod.call("roundtrip", 4) == 102.0


SUBVIEW = """
func.func @tile_sum(%x: memref<?x?xf32>, %i0: index, %j0: index) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %s = memref.subview %x[%i0, %j0] [2, 2] [1, 2]
      : memref<?x?xf32> to memref<2x2xf32, strided<[?, ?], offset: ?>>
  %z = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %c2 step %c1 iter_args(%a = %z) -> (f32) {
    %r2 = scf.for %j = %c0 to %c2 step %c1 iter_args(%b = %a) -> (f32) {
      %v = memref.load %s[%i, %j] : memref<2x2xf32, strided<[?, ?], offset: ?>>
      %b2 = arith.addf %b, %v : f32
      scf.yield %b2 : f32
    }
    scf.yield %r2 : f32
  }
  func.return %r : f32
}
"""


def test_subview_with_steps():
    mod = jit(SUBVIEW)
    x = np.arange(30, dtype=np.float32).reshape(5, 6)
    assert mod.call("tile_sum", x, 1, 1) == x[1:3, 1:5:2].sum()


WHILE = """
func.func @collatz(%n: i64) -> i64 {
  %c0 = arith.constant 0 : i64
  %c1 = arith.constant 1 : i64
  %c2 = arith.constant 2 : i64
  %c3 = arith.constant 3 : i64
  %r:2 = scf.while (%x = %n, %steps = %c0) : (i64, i64) -> (i64, i64) {
    %go = arith.cmpi ne, %x, %c1 : i64
    scf.condition(%go) %x, %steps : i64, i64
  } do {
  ^bb0(%x2: i64, %s2: i64):
    %rem = arith.remsi %x2, %c2 : i64
    %odd = arith.cmpi eq, %rem, %c1 : i64
    %next = scf.if %odd -> (i64) {
      %t = arith.muli %x2, %c3 : i64
      %t1 = arith.addi %t, %c1 : i64
      scf.yield %t1 : i64
    } else {
      %h = arith.divsi %x2, %c2 : i64
      scf.yield %h : i64
    }
    %s3 = arith.addi %s2, %c1 : i64
    scf.yield %next, %s3 : i64, i64
  }
  func.return %r#1 : i64
}
"""


def test_while_and_if():
    mod = jit(WHILE)
    assert mod.call("collatz", 27) == 111
    assert mod.call("collatz", 1) == 0


VEC_OPS = """
func.func @vops(%x: memref<8xi32>, %k: index, %n: index) -> (i32, i32, i32, i32) {
  %c0 = arith.constant 0 : index
  %v = vector.load %x[%c0] : memref<8xi32>, vector<8xi32>
  %s = vector.reduction <add>, %v : vector<8xi32> into i32
  %mx = vector.reduction <maxsi>, %v : vector<8xi32> into i32
  %d = vector.extract %v[%k] : i32 from vector<8xi32>
  %c9 = arith.constant 9 : i32
  %w = vector.insert %c9, %v [2] : i32 into vector<8xi32>
  %mask = vector.create_mask %n : vector<8xi1>
  %sw = vector.reduction <add>, %w : vector<8xi32> into i32
  func.return %s, %mx, %d, %sw : i32, i32, i32, i32
}
"""


def test_vector_int_ops():
    mod = jit(VEC_OPS)
    x = np.array([3, -1, 4, 1, -5, 9, 2, 6], np.int32)
    s, mx, d, sw = mod.call("vops", x, 5, 3)
    assert (s, mx, d, sw) == (x.sum(), x.max(), x[5], x.sum() - 4 + 9)


def test_reductions_in_parallel_loop_are_rejected():
    src = """
    func.func @f(%n: index) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %z = arith.constant 0.0 : f32
      %r = "scf.parallel"(%c0, %n, %c1, %z) <{operandSegmentSizes = array<i32: 1, 1, 1, 1>}> ({
      ^bb0(%i: index):
        %one = arith.constant 1.0 : f32
        scf.reduce(%one : f32) {
        ^bb1(%a: f32, %b: f32):
          %s = arith.addf %a, %b : f32
          scf.reduce.return %s : f32
        }
      }) : (index, index, index, f32) -> f32
      func.return
    }
    """
    with pytest.raises(LoweringError, match="reductions"):
        lower(src)


NESTED_PAR = """
func.func @add2d(%x: memref<?x?xf32>, %y: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  "scf.parallel"(%c0, %c0, %m, %n, %c1, %c1) <{operandSegmentSizes = array<i32: 2, 2, 2, 0>}> ({
  ^bb0(%i: index, %j: index):
    %v = memref.load %x[%i, %j] : memref<?x?xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %y[%i, %j] : memref<?x?xf32>
    scf.reduce
  }) : (index, index, index, index, index, index) -> ()
  func.return
}
"""


def test_two_dimensional_parallel_loop():
    mod = jit(NESTED_PAR)
    x = np.random.default_rng(2).standard_normal((37, 11), dtype=np.float32)
    y = np.zeros_like(x)
    mod.call("add2d", x, y)
    np.testing.assert_array_equal(y, 2 * x)


PAR_IN_LOOP = """
func.func @repeat(%x: memref<?xf32>, %times: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %t = %c0 to %times step %c1 {
    "scf.parallel"(%c0, %n, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
    ^bb0(%i: index):
      %v = memref.load %x[%i] : memref<?xf32>
      %one = arith.constant 1.0 : f32
      %w = arith.addf %v, %one : f32
      memref.store %w, %x[%i] : memref<?xf32>
      scf.reduce
    }) : (index, index, index) -> ()
  }
  func.return
}
"""


def test_parallel_loop_inside_serial_loop():
    mod = jit(PAR_IN_LOOP)
    x = np.arange(1001, dtype=np.float32)
    mod.call("repeat", x, 50)
    np.testing.assert_array_equal(x, np.arange(1001, dtype=np.float32) + 50)
