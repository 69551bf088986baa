"""The runtime (lowering/runtime.py): argument checks before native code runs,
run-time checks in native code (match_cast, kernel dims) reported as
RelaxRuntimeError, packed calls into Python, result ownership (tuples, the same
tensor twice, inputs returned), and memory that stays flat over many calls.
"""

import gc
import os
import re

import numpy as np
import pytest

from xrelax.lowering.packed_calls import register_packed, unregister_packed
from xrelax.lowering.runtime import RelaxArgumentError, RelaxRuntimeError, compile_module
from xrelax.diagnostics import CompileError

RNG = np.random.default_rng(1)


def rand(*shape: int, dtype=np.float32) -> np.ndarray:
    return RNG.standard_normal(shape).astype(dtype)


def line_of(src: str, needle: str) -> int:
    """1-based line number of the first line of src containing needle."""
    for i, line in enumerate(src.splitlines(), 1):
        if needle in line:
            return i
    raise AssertionError(needle)


KERNELS = """
tir.func @dbl(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "d" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = arith.addf %x, %x : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @add(%X: !tir.buffer<[n], f32>, %B: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "a" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %b = tir.load %B[%vi] : f32
      %y = arith.addf %x, %b : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
tir.func @add2d(%X: !tir.buffer<[n, m], f32>, %B: !tir.buffer<[n, m], f32>,
                %Y: !tir.buffer<[n, m], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "a" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        %b = tir.load %B[%vi, %vj] : f32
        %y = arith.addf %x, %b : f32
        tir.store %y, %Y[%vi, %vj] : f32
      }
    }
  }
}
tir.func @rowsum(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "s" (%vi = spatial[n] %i, %vj = reduce[m] %j) {
        tir.init {
          %z = arith.constant 0.000000e+00 : f32
          tir.store %z, %Y[%vi] : f32
        }
        %x = tir.load %X[%vi, %vj] : f32
        %y = tir.load %Y[%vi] : f32
        %s = arith.addf %x, %y : f32
        tir.store %s, %Y[%vi] : f32
      }
    }
  }
}
tir.func @split(%X: !tir.buffer<[n], i32>, %Even: !tir.buffer<[n], i32>, %Odd: !tir.buffer<[n], i32>) {
  tir.for %i = 0 to n {
    tir.block "s" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : i32
      %two = arith.constant 2 : i32
      %zero = arith.constant 0 : i32
      %r = arith.remsi %x, %two : i32
      %odd = arith.cmpi ne, %r, %zero : i32
      %e = arith.select %odd, %zero, %x : i32
      %o = arith.select %odd, %x, %zero : i32
      tir.store %e, %Even[%vi] : i32
      tir.store %o, %Odd[%vi] : i32
    }
  }
}
"""

# ---- 4. match_cast ------------------------------------------------------------------

MATCH_CAST = KERNELS + """
// binds m from the argument, then uses it for a kernel call and the result
relax.func @bind(%x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<ndim=1, f32> {
  %y = relax.match_cast %x : !relax.tensor<[m], f32>
  %z = relax.call_tir @dbl(%y) : !relax.tensor<[m], f32>
  relax.return %z : !relax.tensor<[m], f32>
}
// binds n, then checks a second tensor against it (and against a constant)
relax.func @pair(%x: !relax.tensor<ndim=2, f32>, %w: !relax.tensor<ndim=2, f32>)
    -> !relax.tensor<ndim=1, f32> {
  %a = relax.match_cast %x : !relax.tensor<[n, 3], f32>
  %b = relax.match_cast %w : !relax.tensor<[n, 3], f32>
  %s = relax.call_tir @add2d(%a, %b) : !relax.tensor<[n, 3], f32>
  %r = relax.call_tir @rowsum(%s) : !relax.tensor<[n], f32>
  relax.return %r : !relax.tensor<[n], f32>
}
// a failing check after an allocation (the allocation must be freed)
relax.func @late(%x: !relax.tensor<[n], f32>, %w: !relax.tensor<ndim=1, f32>)
    -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  %v = relax.match_cast %w : !relax.tensor<[n], f32>
  %z = relax.call_tir @add(%y, %v) : !relax.tensor<[n], f32>
  relax.return %z : !relax.tensor<[n], f32>
}
// shapes and prim values are matched too
relax.func @shape_match(%s: !relax.shape<ndim=2>, %p: !relax.prim<i64>)
    -> !relax.tuple<!relax.shape<ndim=2>, !relax.prim<i64>> {
  %t = relax.match_cast %s : !relax.shape<[a, a * 2]>
  %q = relax.match_cast %p : !relax.prim<i64, a + 1>
  %r = relax.tuple(%t, %q)
  relax.return %r : !relax.tuple<!relax.shape<[a, a * 2]>, !relax.prim<i64, a + 1>>
}
// a square matrix
relax.func @square(%x: !relax.tensor<ndim=2, f32>) -> !relax.tensor<ndim=2, f32> {
  %y = relax.match_cast %x : !relax.tensor<[q, q], f32>
  relax.return %y : !relax.tensor<[q, q], f32>
}
"""


@pytest.fixture(scope="module")
def mc_exe():
    return compile_module(MATCH_CAST, filename="match_cast.mlir")


@pytest.mark.parametrize("length", [0, 1, 17])
def test_match_cast_binds_a_new_variable(mc_exe, length):
    x = rand(length)
    y = mc_exe["bind"](x)
    assert y.shape == (length,)
    np.testing.assert_array_equal(y, 2 * x)


def test_match_cast_binds_then_checks(mc_exe):
    x, w = rand(4, 3), rand(4, 3)
    np.testing.assert_allclose(mc_exe["pair"](x, w), (x + w).sum(axis=1), rtol=1e-5, atol=1e-6)


def test_match_cast_failure_names_location_and_dims(mc_exe):
    line = line_of(MATCH_CAST, "%b = relax.match_cast %w")
    with pytest.raises(RelaxRuntimeError) as info:
        mc_exe["pair"](rand(4, 3), rand(5, 3))
    msg = str(info.value)
    assert f"match_cast.mlir:{line}:3:" in msg
    assert "relax.match_cast" in msg and "(5, 3)" in msg and "[n, 3]" in msg
    # the constant dim is checked too
    line_a = line_of(MATCH_CAST, "%a = relax.match_cast %x")
    with pytest.raises(RelaxRuntimeError, match=rf"match_cast.mlir:{line_a}:3: .*\(4, 2\).*"
                                                 r"\[n, 3\]"):
        mc_exe["pair"](rand(4, 2), rand(4, 2))


def test_match_cast_failure_after_an_allocation(mc_exe):
    line = line_of(MATCH_CAST, "%v = relax.match_cast %w")
    with pytest.raises(RelaxRuntimeError, match=rf"match_cast.mlir:{line}:3: .*has dims 6, "
                                                r"expected \[n\]"):
        mc_exe["late"](rand(5), rand(6))
    x, w = rand(5), rand(5)
    np.testing.assert_allclose(mc_exe["late"](x, w), 2 * x + w, rtol=1e-6)


def test_match_cast_of_shapes_and_prim_values(mc_exe):
    assert mc_exe["shape_match"]((3, 6), 4) == ((3, 6), 4)
    assert mc_exe["shape_match"]((0, 0), 1) == ((0, 0), 1)
    with pytest.raises(RelaxRuntimeError, match=r"relax.match_cast: the shape has dims "
                                                r"\(3, 7\), expected \[a, a \* 2\]"):
        mc_exe["shape_match"]((3, 7), 4)
    with pytest.raises(RelaxRuntimeError, match=r"relax.match_cast: the value has dims 5, "
                                                r"expected \[a \+ 1\]"):
        mc_exe["shape_match"]((3, 6), 5)


def test_match_cast_square(mc_exe):
    x = rand(3, 3)
    y = mc_exe["square"](x)
    np.testing.assert_array_equal(y, x)
    with pytest.raises(RelaxRuntimeError, match=r"\(3, 4\), expected \[q, q\]"):
        mc_exe["square"](rand(3, 4))


# ---- kernel dims that the compiler could not prove are checked at run time -------------

KERNEL_DIMS = KERNELS + """
relax.func @main(%x: !relax.tensor<[n], f32>, %b: !relax.tensor<ndim=1, f32>)
    -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @add(%x, %b) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""


def test_kernel_dims_checked_at_run_time():
    exe = compile_module(KERNEL_DIMS, filename="kdims.mlir")
    x, b = rand(6), rand(6)
    np.testing.assert_allclose(exe["main"](x, b), x + b, rtol=1e-6)
    # the message points at the call_tir (call-tir-rewrite keeps its location
    # on the relax.call_kernel that replaces it, whose name the message shows)
    line = line_of(KERNEL_DIMS, "relax.call_tir @add(%x, %b)")
    with pytest.raises(RelaxRuntimeError, match=rf"kdims.mlir:{line}:\d+: relax.call_(tir|kernel) "
                                                r"@add: dim 0 of operand #1 is 4, the kernel "
                                                r"expects n"):
        exe["main"](x, rand(4))
    # the executable is still usable
    np.testing.assert_allclose(exe["main"](x, b), x + b, rtol=1e-6)


# ---- 9. argument validation before native code ----------------------------------------

VALIDATE = KERNELS + """
relax.func @two(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[n], f32>)
    -> !relax.tensor<[n], f32> {
  %z = relax.call_tir @add(%x, %y) : !relax.tensor<[n], f32>
  relax.return %z : !relax.tensor<[n], f32>
}
relax.func @sq(%x: !relax.tensor<[n, n], f32>) -> !relax.tensor<[n, n], f32> {
  %z = relax.call_tir @add2d(%x, %x) : !relax.tensor<[n, n], f32>
  relax.return %z : !relax.tensor<[n, n], f32>
}
relax.func @fixed(%x: !relax.tensor<[2, 3], f32>) -> !relax.tensor<[2, 3], f32> {
  %z = relax.call_tir @add2d(%x, %x) : !relax.tensor<[2, 3], f32>
  relax.return %z : !relax.tensor<[2, 3], f32>
}
relax.func @ints(%x: !relax.tensor<[n], i32>) -> !relax.tuple<!relax.tensor<[n], i32>, !relax.tensor<[n], i32>> {
  %e, %o = relax.call_tir @split(%x) : (!relax.tensor<[n], i32>, !relax.tensor<[n], i32>)
  %t = relax.tuple(%e, %o)
  relax.return %t : !relax.tuple<!relax.tensor<[n], i32>, !relax.tensor<[n], i32>>
}
relax.func @withshape(%s: !relax.shape<[n, 2]>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %z = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  relax.return %z : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def val_exe():
    return compile_module(VALIDATE, filename="validate.mlir")


def test_validation_accepts_good_arguments(val_exe):
    x, y = rand(5), rand(5)
    np.testing.assert_allclose(val_exe["two"](x, y), x + y, rtol=1e-6)
    s = rand(4, 4)
    np.testing.assert_array_equal(val_exe["sq"](s), 2 * s)
    f = rand(2, 3)
    np.testing.assert_array_equal(val_exe["fixed"](f), 2 * f)
    i = np.arange(-5, 6, dtype=np.int32)
    even, odd = val_exe["ints"](i)
    np.testing.assert_array_equal(even, np.where(i % 2 == 0, i, 0))
    np.testing.assert_array_equal(odd, np.where(i % 2 != 0, i, 0))
    np.testing.assert_array_equal(val_exe["withshape"]((3, 2), rand(3) * 0 + 1), [2, 2, 2])


@pytest.mark.parametrize("bad, pattern", [
    (lambda: (rand(5, dtype=np.float64), rand(5)),
     r"two: argument #0 \(x\): dtype is float64, expected float32"),
    (lambda: (rand(5), rand(5).astype(np.int32)),
     r"argument #1 \(y\): dtype is int32, expected float32"),
    (lambda: (rand(5, 1), rand(5)), r"argument #0 \(x\): rank is 2, expected 1"),
    (lambda: (np.float32(1.0), rand(1)), r"argument #0 \(x\): expected a numpy array"),
    (lambda: ([1.0, 2.0], rand(2)), r"argument #0 \(x\): expected a numpy array, got list"),
    (lambda: (rand(10)[::2], rand(5)), r"argument #0 \(x\): the array is not C-contiguous"),
    (lambda: (rand(5), rand(6)), r"argument #1 \(y\): dim 0 is 6, but the type requires n "
                                 r"\(with n = 5\)"),
])
def test_validation_two_params(val_exe, bad, pattern):
    with pytest.raises(RelaxArgumentError, match=pattern):
        val_exe["two"](*bad())


def test_validation_square_and_fixed(val_exe):
    with pytest.raises(RelaxArgumentError, match=r"sq: argument #0 \(x\): dim 1 is 4, but the "
                                                 r"type requires n \(with n = 3\)"):
        val_exe["sq"](rand(3, 4))
    with pytest.raises(RelaxArgumentError, match=r"dim 1 is 4, but the type requires 3"):
        val_exe["fixed"](rand(2, 4))
    with pytest.raises(RelaxArgumentError, match="not C-contiguous"):
        val_exe["sq"](rand(3, 3).T)  # Fortran order
    with pytest.raises(RelaxArgumentError, match="not C-contiguous"):
        val_exe["fixed"](np.asfortranarray(rand(2, 3)))


def test_validation_arity_and_shapes(val_exe):
    with pytest.raises(RelaxArgumentError, match=r"two takes 2 arguments, got 1"):
        val_exe["two"](rand(3))
    with pytest.raises(RelaxArgumentError, match=r"two takes 2 arguments, got 3"):
        val_exe["two"](rand(3), rand(3), rand(3))
    with pytest.raises(RelaxArgumentError, match=r"takes 1 argument, got 0"):
        val_exe["sq"]()
    with pytest.raises(RelaxArgumentError, match=r"expected a shape"):
        val_exe["withshape"](rand(2), rand(2))
    with pytest.raises(RelaxArgumentError, match=r"expected 2 dims, got 1"):
        val_exe["withshape"]((3,), rand(3))
    with pytest.raises(RelaxArgumentError, match=r"argument #0 \(s\): dim 1 is 5, but the type "
                                                 r"requires 2"):
        val_exe["withshape"]((3, 5), rand(3))
    with pytest.raises(RelaxArgumentError, match=r"argument #1 \(x\): dim 0 is 4, but the type "
                                                 r"requires n \(with n = 3\)"):
        val_exe["withshape"]((3, 2), rand(4))
    with pytest.raises(KeyError, match="no relax function named 'nope'"):
        val_exe["nope"]
    assert "two" in val_exe and "nope" not in val_exe


def test_validation_errors_leave_the_executable_usable(val_exe):
    for _ in range(3):
        with pytest.raises(RelaxArgumentError):
            val_exe["two"](rand(3), rand(4))
    x = rand(3)
    np.testing.assert_allclose(val_exe["two"](x, x), 2 * x, rtol=1e-6)


# ---- 5. call_packed / call_dps_packed -------------------------------------------------

CALLS = []  # what the callbacks saw


@register_packed("test_rt.sum")
def _packed_sum(x):
    CALLS.append(("sum", x.shape))
    return float(np.sum(x, dtype=np.float64))


@register_packed("test_rt.count")
def _packed_count(x, s):
    return int(x.size) * 100 + len(s)


@register_packed("test_rt.neg")
def _dps_neg(x, out):
    assert out.shape == x.shape and out.dtype == x.dtype
    out[...] = -x


@register_packed("test_rt.twice")
def _packed_twice(x):
    return x * 2


@register_packed("test_rt.outer")
def _dps_outer(a, b, out):
    np.outer(a, b, out=out)


@register_packed("test_rt.fussy")
def _packed_fussy(x):
    if x.size and x[0] < 0:
        raise ValueError(f"negative first element {x[0]}")
    return float(x.sum())


@register_packed("test_rt.dps_fussy")
def _dps_fussy(x, out):
    if x.size and x[0] < 0:
        raise KeyError("dps says no")
    out[...] = x


@register_packed("test_rt.wrong_shape")
def _packed_wrong_shape(x):
    return np.zeros(x.size + 1, x.dtype)


PACKED = KERNELS + """
relax.func @main(%x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.prim<f64>, !relax.tensor<[n], f32>, !relax.tensor<[n], f32>> {
  %s = relax.call_packed "test_rt.sum"(%x) : !relax.prim<f64>
  %y = relax.dataflow {
    %d = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
    %g = relax.call_dps_packed "test_rt.neg"(%d) : !relax.tensor<[n], f32>
    relax.output %g : !relax.tensor<[n], f32>
  }
  %t = relax.call_packed "test_rt.twice"(%y) : !relax.tensor<[n], f32>
  %r = relax.tuple(%s, %y, %t)
  relax.return %r : !relax.tuple<!relax.prim<f64>, !relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}
relax.func @count(%x: !relax.tensor<[n, m], f32>) -> !relax.prim<i64> {
  %s = relax.shape_of %x
  %c = relax.call_packed "test_rt.count"(%x, %s) : !relax.prim<i64>
  relax.return %c : !relax.prim<i64>
}
relax.func @outer(%a: !relax.tensor<[n], f32>, %b: !relax.tensor<[m], f32>) -> !relax.tensor<[n, m], f32> {
  %o = relax.call_dps_packed "test_rt.outer"(%a, %b) : !relax.tensor<[n, m], f32>
  relax.return %o : !relax.tensor<[n, m], f32>
}
relax.func @fussy(%x: !relax.tensor<[n], f32>) -> !relax.prim<f32> {
  %d = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  %s = relax.call_packed "test_rt.fussy"(%d) : !relax.prim<f32>
  relax.return %s : !relax.prim<f32>
}
relax.func @dps_fussy(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %d = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  %y = relax.call_dps_packed "test_rt.dps_fussy"(%d) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func @wrong_shape(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_packed "test_rt.wrong_shape"(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def packed_exe():
    return compile_module(PACKED, filename="packed.mlir")


@pytest.mark.parametrize("length", [0, 1, 9])
def test_packed_calls(packed_exe, length):
    x = rand(length)
    s, y, t = packed_exe["main"](x)
    assert isinstance(s, float)
    np.testing.assert_allclose(s, float(np.sum(x, dtype=np.float64)), rtol=1e-12)
    np.testing.assert_array_equal(y, -2 * x)
    np.testing.assert_array_equal(t, -4 * x)
    assert CALLS[-1] == ("sum", (length,))


def test_packed_call_with_shape_and_int_result(packed_exe):
    assert packed_exe["count"](rand(3, 4)) == 1202


def test_dps_packed_with_two_inputs(packed_exe):
    a, b = rand(4), rand(3)
    np.testing.assert_allclose(packed_exe["outer"](a, b), np.outer(a, b), rtol=1e-6)


def test_packed_callback_raising(packed_exe):
    line = line_of(PACKED, '"test_rt.fussy"(%d)')
    for _ in range(3):
        with pytest.raises(RelaxRuntimeError) as info:
            packed_exe["fussy"](np.array([-1.0, 2.0], np.float32))
        msg = str(info.value)
        assert f"packed.mlir:{line}:" in msg and '"test_rt.fussy" failed' in msg
        assert "ValueError: negative first element -2.0" in msg
        assert isinstance(info.value.__cause__, ValueError)
    # the process and the executable are fine afterwards
    assert packed_exe["fussy"](np.array([1.0, 2.0], np.float32)) == 6.0
    s, y, t = packed_exe["main"](np.ones(3, np.float32))
    assert s == 3.0


def test_dps_packed_callback_raising(packed_exe):
    with pytest.raises(RelaxRuntimeError, match=r'"test_rt.dps_fussy" failed: KeyError'):
        packed_exe["dps_fussy"](np.array([-1.0], np.float32))
    np.testing.assert_array_equal(packed_exe["dps_fussy"](np.array([1.0, 3.0], np.float32)),
                                  [2.0, 6.0])


def test_packed_result_of_the_wrong_shape(packed_exe):
    with pytest.raises(RelaxRuntimeError, match=r"wrong_shape.*returned an array of shape "
                                                r"\(4,\)"):
        packed_exe["wrong_shape"](rand(3))


def test_unregistered_packed_function_is_a_compile_error():
    src = """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.prim<f32> {
  %s = relax.call_packed "test_rt.not_registered"(%x) : !relax.prim<f32>
  relax.return %s : !relax.prim<f32>
}
"""
    with pytest.raises(CompileError, match=r'unreg.mlir:3:3: .*no function is registered under '
                                           r'the name "test_rt.not_registered"'):
        compile_module(src, filename="unreg.mlir")
    dps = src.replace("call_packed", "call_dps_packed").replace(
        "!relax.prim<f32>", "!relax.tensor<[n], f32>")
    with pytest.raises(CompileError, match="test_rt.not_registered"):
        compile_module(dps, filename="unreg.mlir")


def test_unregistering_makes_the_name_unknown():
    register_packed("test_rt.temp", lambda x: 1.0)
    src = """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.prim<f64> {
  %s = relax.call_packed "test_rt.temp"(%x) : !relax.prim<f64>
  relax.return %s : !relax.prim<f64>
}
"""
    assert compile_module(src)["main"](rand(2)) == 1.0
    unregister_packed("test_rt.temp")
    with pytest.raises(CompileError, match="test_rt.temp"):
        compile_module(src)


# ---- 6. results: tuples, the same tensor twice, inputs returned ----------------------

RESULTS = KERNELS + """
relax.func @same_twice(%x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>> {
  %y = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  %t = relax.tuple(%y, %y)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}
relax.func @identity(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  relax.return %x : !relax.tensor<[n], f32>
}
relax.func @input_and_new(%x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.tensor<[n], f32>> {
  %y = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  %t = relax.tuple(%x, %y, %x)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}
relax.func @cast_input(%x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<ndim=1, f32> {
  %y = relax.match_cast %x : !relax.tensor<[k], f32>
  relax.return %y : !relax.tensor<[k], f32>
}
relax.func @nested(%x: !relax.tensor<[n], i32>)
    -> !relax.tuple<!relax.tuple<!relax.tensor<[n], i32>, !relax.tensor<[n], i32>>, !relax.shape<[n]>> {
  %e, %o = relax.call_tir @split(%x) : (!relax.tensor<[n], i32>, !relax.tensor<[n], i32>)
  %p = relax.tuple(%o, %e)
  %s = relax.shape_of %x
  %t = relax.tuple(%p, %s)
  relax.return %t : !relax.tuple<!relax.tuple<!relax.tensor<[n], i32>, !relax.tensor<[n], i32>>, !relax.shape<[n]>>
}
relax.func @get_item(%x: !relax.tensor<[n], i32>) -> !relax.tensor<[n], i32> {
  %e, %o = relax.call_tir @split(%x) : (!relax.tensor<[n], i32>, !relax.tensor<[n], i32>)
  %p = relax.tuple(%e, %o)
  %q = relax.get_item %p[1]
  relax.return %q : !relax.tensor<[n], i32>
}
relax.func @tuple_param(%t: !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>)
    -> !relax.tensor<[n], f32> {
  %a = relax.get_item %t[0]
  %b = relax.get_item %t[1]
  %y = relax.call_tir @add(%a, %b) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def res_exe():
    return compile_module(RESULTS, filename="results.mlir")


def test_same_tensor_twice_is_one_array(res_exe):
    for _ in range(5):  # a double free would crash or corrupt the heap here
        x = rand(1000)
        a, b = res_exe["same_twice"](x)
        assert a is b
        np.testing.assert_array_equal(a, 2 * x)
        del a, b
        gc.collect()


def test_returning_an_input_returns_that_array(res_exe):
    x = rand(7)
    assert res_exe["identity"](x) is x
    a, y, c = res_exe["input_and_new"](x)
    assert a is x and c is x
    np.testing.assert_array_equal(y, 2 * x)
    assert not np.shares_memory(y, x)
    assert res_exe["cast_input"](x) is x
    empty = np.zeros(0, np.float32)
    assert res_exe["identity"](empty).shape == (0,)


def test_nested_tuples_and_get_item(res_exe):
    x = np.arange(6, dtype=np.int32)
    (odd, even), shape = res_exe["nested"](x)
    np.testing.assert_array_equal(even, [0, 0, 2, 0, 4, 0])
    np.testing.assert_array_equal(odd, [0, 1, 0, 3, 0, 5])
    assert shape == (6,)
    np.testing.assert_array_equal(res_exe["get_item"](x), [0, 1, 0, 3, 0, 5])


def test_tuple_parameter(res_exe):
    a, b = rand(4), rand(4)
    np.testing.assert_allclose(res_exe["tuple_param"]((a, b)), a + b, rtol=1e-6)
    with pytest.raises(RelaxArgumentError, match=r"argument #0 \(t\)\[1\]: dim 0 is 3"):
        res_exe["tuple_param"]((a, rand(3)))
    with pytest.raises(RelaxArgumentError, match=r"expected a tuple of 2 values"):
        res_exe["tuple_param"]((a,))


def test_results_outlive_the_executable():
    exe = compile_module(RESULTS)
    x = rand(100)
    a, b = exe["same_twice"](x)
    del exe
    gc.collect()
    np.testing.assert_array_equal(a, 2 * x)
    np.testing.assert_array_equal(b, 2 * x)


# ---- 10. memory stays flat over many calls ---------------------------------------------

MEMORY = KERNELS + """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %t = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
    %y = relax.call_tir @add(%t, %x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
relax.func @fail_late(%x: !relax.tensor<[n], f32>, %w: !relax.tensor<ndim=1, f32>)
    -> !relax.tensor<[n], f32> {
  %t = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  %v = relax.match_cast %w : !relax.tensor<[n], f32>
  %y = relax.call_tir @add(%t, %v) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func @branch(%c: !relax.tensor<[], bool>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    %t = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
    %y = relax.call_tir @dbl(%t) : !relax.tensor<[n], f32>
    relax.yield %y : !relax.tensor<[n], f32>
  } else {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
relax.func @packed(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %t = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
  %y = relax.call_dps_packed "test_rt.dps_fussy"(%t) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.fixture(scope="module")
def mem_exe():
    return compile_module(MEMORY, filename="memory.mlir")


MB = 1 << 20


def _growth(call, calls: int = 300) -> int:
    for _ in range(20):  # warm up (allocator caches, lazily created objects)
        call()
    gc.collect()
    before = rss_bytes()
    for _ in range(calls):
        call()
    gc.collect()
    return rss_bytes() - before


def test_memory_flat_over_many_calls(mem_exe):
    x = rand(1 << 20)  # 4 MB in, a 4 MB intermediate and a 4 MB output per call
    want = 3 * x
    np.testing.assert_allclose(mem_exe["main"](x), want, rtol=1e-6)
    growth = _growth(lambda: mem_exe["main"](x))  # 300 calls: 2.4 GB if nothing were freed
    assert growth < 20 * MB, f"RSS grew by {growth / MB:.1f} MB over 300 calls"


def test_memory_flat_when_results_are_kept_then_dropped(mem_exe):
    x = rand(1 << 20)

    def call():
        kept = [mem_exe["main"](x) for _ in range(4)]
        assert kept[0][1] == kept[3][1]

    assert _growth(call, 30) < 20 * MB


def test_memory_flat_when_a_check_fails(mem_exe):
    x, w = rand(1 << 20), rand(7)

    def call():
        with pytest.raises(RelaxRuntimeError):
            mem_exe["fail_late"](x, w)

    growth = _growth(call)
    assert growth < 20 * MB, f"RSS grew by {growth / MB:.1f} MB: the intermediate leaks"


def test_memory_flat_through_if_branches(mem_exe):
    x = rand(1 << 20)
    np.testing.assert_array_equal(mem_exe["branch"](np.array(True), x), 4 * x)
    assert _growth(lambda: mem_exe["branch"](np.array(True), x), 100) < 20 * MB
    assert _growth(lambda: mem_exe["branch"](np.array(False), x), 100) < 20 * MB


def test_memory_flat_when_a_callback_raises(mem_exe):
    bad = rand(1 << 20)
    bad[0] = -1.0

    def call():
        with pytest.raises(RelaxRuntimeError, match="dps says no"):
            mem_exe["packed"](bad)

    growth = _growth(call, 150)
    assert growth < 20 * MB, f"RSS grew by {growth / MB:.1f} MB: allocations leak on failure"
    good = np.abs(rand(1 << 20))
    assert _growth(lambda: mem_exe["packed"](good), 100) < 20 * MB


# ---- the ABI documented in relax_to_std: errors and outputs ---------------------------

def test_error_messages_are_per_function(mc_exe):
    # every function keeps its own table of messages: codes do not leak between them
    assert all("match_cast" in e or "allocat" in e for e in mc_exe["bind"].errors)
    msgs = [e for e in mc_exe["pair"].errors if "relax.match_cast" in e]
    assert len(msgs) == 2 and all(re.match(r"match_cast.mlir:\d+:3: ", e) for e in msgs)


def test_kernel_named_like_a_libm_function():
    # LLVM turns f64 exp into a call of libm's `exp`: a kernel named @exp must not
    # capture that call (the JIT prefixes every function the module defines).
    text = """
tir.func @exp(%X: !tir.buffer<[n], f64>, %Y: !tir.buffer<[n], f64>) {
  tir.for %i = 0 to n {
    tir.block "exp" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f64
      %e = math.exp %x : f64
      tir.store %e, %Y[%vi] : f64
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f64>) -> !relax.tensor<[n], f64> {
  %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f64>
  relax.return %y : !relax.tensor<[n], f64>
}
"""
    x = np.linspace(-3.0, 3.0, 1001)
    np.testing.assert_allclose(compile_module(text)["main"](x), np.exp(x), rtol=1e-12)


def test_dense_resource_file_compiles_twice_in_one_process():
    # xDSL keeps resource blobs process-wide and renames a key seen before; the
    # parser keeps the renamed key and its blob together (xrelax/xdsl_overrides.py)
    text = """
relax.func @main() -> !relax.tensor<[2], f32> {
  %c = relax.constant dense_resource<twice> : tensor<2xf32>
  relax.return %c : !relax.tensor<[2], f32>
}
{-#
  dialect_resources: {
    builtin: {
      twice: "0x040000000000803F00000040"
    }
  }
#-}
"""
    for _ in range(3):
        np.testing.assert_array_equal(compile_module(text)["main"](), [1.0, 2.0])


def test_static_tensor_too_large_is_a_compile_error():
    text = """
tir.func @fill(%Y: !tir.buffer<[1048576, 1048576, 2], f32>) {
}
relax.func @main() -> !relax.tensor<[1048576, 1048576, 2], f32> {
  %y = relax.call_tir @fill() : !relax.tensor<[1048576, 1048576, 2], f32>
  relax.return %y : !relax.tensor<[1048576, 1048576, 2], f32>
}
"""
    # refused where the type is written (tir/types.py: check_shape_size)
    with pytest.raises(CompileError, match=r"big.mlir:2:31: error: buffer type \[1048576, "
                                           r"1048576, 2\] is too large"):
        compile_module(text, filename="big.mlir")
