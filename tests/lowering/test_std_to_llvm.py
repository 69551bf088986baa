"""convert-std-to-llvm + JIT: numerics against numpy."""

import numpy as np
import pytest
from std_llvm_helpers import jit

EXP = """
func.func @exp(%x: memref<?xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    %e = math.exp %v : f32
    memref.store %e, %y[%i] : memref<?xf32>
  }
  func.return
}
"""


def test_exp_dynamic_length():
    mod = jit(EXP)
    for n in (0, 1, 37, 1000):
        x = np.linspace(-5, 5, n).astype(np.float32)
        y = np.zeros_like(x)
        mod.call("exp", x, y)
        np.testing.assert_allclose(y, np.exp(x), rtol=1e-6)


MATMUL = """
func.func @matmul(%a: memref<?x?xf32>, %b: memref<?x?xf32>, %c: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %m = memref.dim %a, %c0 : memref<?x?xf32>
  %k = memref.dim %a, %c1 : memref<?x?xf32>
  %n = memref.dim %b, %c1 : memref<?x?xf32>
  scf.for %i = %c0 to %m step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      %acc = scf.for %p = %c0 to %k step %c1 iter_args(%s = %zero) -> (f32) {
        %x = memref.load %a[%i, %p] : memref<?x?xf32>
        %y = memref.load %b[%p, %j] : memref<?x?xf32>
        %xy = arith.mulf %x, %y : f32
        %s2 = arith.addf %s, %xy : f32
        scf.yield %s2 : f32
      }
      memref.store %acc, %c[%i, %j] : memref<?x?xf32>
    }
  }
  func.return
}
"""


def test_matmul_dynamic_dims():
    mod = jit(MATMUL)
    rng = np.random.default_rng(0)
    for m, k, n in ((3, 5, 7), (17, 33, 9), (1, 1, 1)):
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        c = np.zeros((m, n), np.float32)
        mod.call("matmul", a, b, c)
        np.testing.assert_allclose(c, a @ b, rtol=1e-5, atol=1e-5)


INT_OPS = """
func.func @intops(%a: memref<?xi32>, %b: memref<?xi32>, %out: memref<8x?xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %a, %c0 : memref<?xi32>
  scf.for %i = %c0 to %n step %c1 {
    %x = memref.load %a[%i] : memref<?xi32>
    %y = memref.load %b[%i] : memref<?xi32>
    %fd = arith.floordivsi %x, %y : i32
    %cd = arith.ceildivsi %x, %y : i32
    %td = arith.divsi %x, %y : i32
    %r = arith.remsi %x, %y : i32
    %q = arith.muli %fd, %y : i32
    %mod = arith.subi %x, %q : i32
    %mx = arith.maxsi %x, %y : i32
    %mn = arith.minsi %x, %y : i32
    %xo = arith.xori %x, %y : i32
    memref.store %fd, %out[%c0, %i] : memref<8x?xi32>
    %r1 = arith.constant 1 : index
    memref.store %cd, %out[%r1, %i] : memref<8x?xi32>
    %r2 = arith.constant 2 : index
    memref.store %td, %out[%r2, %i] : memref<8x?xi32>
    %r3 = arith.constant 3 : index
    memref.store %r, %out[%r3, %i] : memref<8x?xi32>
    %r4 = arith.constant 4 : index
    memref.store %mod, %out[%r4, %i] : memref<8x?xi32>
    %r5 = arith.constant 5 : index
    memref.store %mx, %out[%r5, %i] : memref<8x?xi32>
    %r6 = arith.constant 6 : index
    memref.store %mn, %out[%r6, %i] : memref<8x?xi32>
    %r7 = arith.constant 7 : index
    memref.store %xo, %out[%r7, %i] : memref<8x?xi32>
  }
  func.return
}
"""


def test_integer_division_semantics_match_numpy():
    mod = jit(INT_OPS)
    a = np.array([7, -7, 7, -7, 0, 13, -13, 1, -1, 100], np.int32)
    b = np.array([2, 2, -2, -2, 3, 5, 5, -3, 3, -7], np.int32)
    out = np.zeros((8, a.size), np.int32)
    mod.call("intops", a, b, out)
    np.testing.assert_array_equal(out[0], a // b)
    np.testing.assert_array_equal(out[1], -(-a // b))
    np.testing.assert_array_equal(out[2], np.trunc(a / b).astype(np.int32))
    np.testing.assert_array_equal(out[3], np.fmod(a, b))
    np.testing.assert_array_equal(out[4], np.mod(a, b))
    np.testing.assert_array_equal(out[5], np.maximum(a, b))
    np.testing.assert_array_equal(out[6], np.minimum(a, b))
    np.testing.assert_array_equal(out[7], a ^ b)


CMP_SELECT = """
func.func @relu_clip(%x: memref<?xf32>, %y: memref<?xf32>, %hi: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %x[%i] : memref<?xf32>
    %neg = arith.cmpf olt, %v, %zero : f32
    %r = arith.select %neg, %zero, %v : f32
    %big = arith.cmpf ogt, %r, %hi : f32
    %c = arith.select %big, %hi, %r : f32
    memref.store %c, %y[%i] : memref<?xf32>
  }
  func.return
}
"""


def test_compare_and_select():
    mod = jit(CMP_SELECT)
    x = np.linspace(-4, 4, 33).astype(np.float32)
    y = np.zeros_like(x)
    mod.call("relu_clip", x, y, 2.5)
    np.testing.assert_allclose(y, np.clip(x, 0, 2.5))


INT_CMP = """
func.func @cmpi(%a: i64, %b: i64) -> (i64, i1, i1, i32) {
  %lt = arith.cmpi slt, %a, %b : i64
  %ult = arith.cmpi ult, %a, %b : i64
  %m = arith.select %lt, %a, %b : i64
  %t = arith.trunci %a : i64 to i32
  func.return %m, %lt, %ult, %t : i64, i1, i1, i32
}
"""


def test_scalar_arguments_and_multiple_results():
    mod = jit(INT_CMP)
    assert mod.call("cmpi", -3, 5) == (-3, True, False, -3)
    assert mod.call("cmpi", 9, 5) == (5, False, False, 9)


VEC = """
func.func @axpy(%a: f32, %x: memref<?xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %av = vector.broadcast %a : f32 to vector<16xf32>
  scf.for %i = %c0 to %n step %c16 {
    %xv = vector.load %x[%i] : memref<?xf32>, vector<16xf32>
    %yv = vector.load %y[%i] : memref<?xf32>, vector<16xf32>
    %r = vector.fma %av, %xv, %yv : vector<16xf32>
    vector.store %r, %y[%i] : memref<?xf32>, vector<16xf32>
  }
  func.return
}
func.func @vsum(%x: memref<?xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %z = arith.constant dense<0.0> : vector<16xf32>
  %acc = scf.for %i = %c0 to %n step %c16 iter_args(%s = %z) -> (vector<16xf32>) {
    %xv = vector.load %x[%i] : memref<?xf32>, vector<16xf32>
    %s2 = arith.addf %s, %xv : vector<16xf32>
    scf.yield %s2 : vector<16xf32>
  }
  %r = vector.reduction <add>, %acc : vector<16xf32> into f32
  %e = vector.extract %acc[3] : f32 from vector<16xf32>
  %m = vector.reduction <maxnumf>, %acc : vector<16xf32> into f32
  %r2 = arith.addf %r, %e : f32
  %r3 = arith.addf %r2, %m : f32
  func.return %r3 : f32
}
"""


def test_vectorized_axpy_and_reduction():
    mod = jit(VEC)
    x = np.arange(64, dtype=np.float32)
    y = np.ones(64, np.float32)
    mod.call("axpy", np.float32(2.0), x, y)
    np.testing.assert_allclose(y, 2.0 * np.arange(64) + 1)
    lanes = x.reshape(4, 16).sum(axis=0)
    expected = lanes.sum() + lanes[3] + lanes.max()
    np.testing.assert_allclose(mod.call("vsum", x), expected, rtol=1e-6)


PARALLEL = """
func.func @scale(%x: memref<?x?xf32>, %y: memref<?x?xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  "scf.parallel"(%c0, %m, %c1) <{operandSegmentSizes = array<i32: 1, 1, 1, 0>}> ({
  ^bb0(%i: index):
    scf.for %j = %c0 to %n step %c1 {
      %v = memref.load %x[%i, %j] : memref<?x?xf32>
      %w = arith.mulf %v, %s : f32
      %t = math.tanh %w : f32
      memref.store %t, %y[%i, %j] : memref<?x?xf32>
    }
    scf.reduce
  }) : (index, index, index) -> ()
  func.return
}
"""


SERIAL = """
func.func @scale(%x: memref<?x?xf32>, %y: memref<?x?xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.dim %x, %c0 : memref<?x?xf32>
  %n = memref.dim %x, %c1 : memref<?x?xf32>
  scf.for %i = %c0 to %m step %c1 {
    scf.for %j = %c0 to %n step %c1 {
      %v = memref.load %x[%i, %j] : memref<?x?xf32>
      %w = arith.mulf %v, %s : f32
      %t = math.tanh %w : f32
      memref.store %t, %y[%i, %j] : memref<?x?xf32>
    }
  }
  func.return
}
"""


def test_parallel_loop_matches_serial():
    par = jit(PARALLEL)
    ser = jit(SERIAL)
    x = np.random.default_rng(1).standard_normal((101, 13), dtype=np.float32)
    for rows in (0, 1, 2, 3, 101):
        y_par, y_ser = np.zeros_like(x[:rows]), np.zeros_like(x[:rows])
        par.call("scale", np.ascontiguousarray(x[:rows]), y_par, 0.7)
        ser.call("scale", np.ascontiguousarray(x[:rows]), y_ser, 0.7)
        np.testing.assert_array_equal(y_par, y_ser)
        np.testing.assert_allclose(y_par, np.tanh(0.7 * x[:rows]), rtol=1e-6, atol=1e-6)
    assert "GOMP_parallel" in par.llvm_ir(optimized=False)


def test_non_contiguous_array_is_rejected():
    mod = jit(EXP)
    x = np.zeros(10, np.float32)[::2]
    with pytest.raises(TypeError, match="not C-contiguous"):
        mod.call("exp", x, np.zeros(5, np.float32))


def test_wrong_dtype_is_rejected():
    mod = jit(EXP)
    with pytest.raises(TypeError, match="dtype float64 does not match"):
        mod.call("exp", np.zeros(4), np.zeros(4, np.float32))


def test_wrong_rank_count_and_static_shape_are_rejected():
    mod = jit(EXP)
    with pytest.raises(TypeError, match="rank 2"):
        mod.call("exp", np.zeros((2, 2), np.float32), np.zeros(4, np.float32))
    with pytest.raises(TypeError, match="takes 2 arguments"):
        mod.call("exp", np.zeros(4, np.float32))
    with pytest.raises(KeyError, match="no public function"):
        mod.call("nope")
