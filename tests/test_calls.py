"""The runtime's call path (lowering/packing.py, Function in lowering/runtime.py):
one pointer to a pack of slots per call, remembered shapes, numpy's array
layout read by native code (or records built in Python when it cannot be)."""

import numpy as np
import pytest

import xrelax.lowering.runtime as runtime
from xrelax.lowering.packing import numpy_layout_ok, packed_modes, slot_positions
from xrelax.lowering.runtime import RelaxArgumentError, RelaxRuntimeError, compile_module

RNG = np.random.default_rng(5)

T = "!relax.tensor<[n, 3], f32>"
R = (f"!relax.tuple<{T}, !relax.prim<i32>, !relax.prim<f32>, !relax.shape<[a, 2]>, "
     "!relax.tensor<[1], f32>>")
SCALE = f"""
tir.func @scale(%X: !tir.buffer<[n, 3], f32>, %S: !tir.buffer<[1], f32>, %Y: !tir.buffer<[n, 3], f32>) {{
  tir.for %i = 0 to n {{
    tir.for %j = 0 to 3 {{
      tir.block "s" (%vi = spatial[n] %i, %vj = spatial[3] %j) {{
        %x = tir.load %X[%vi, %vj] : f32
        %c0 = arith.constant 0 : index
        %s = tir.load %S[%c0] : f32
        %y = arith.mulf %x, %s : f32
        tir.store %y, %Y[%vi, %vj] : f32
      }}
    }}
  }}
}}
relax.func @main(%x: {T}, %s: !relax.tensor<[1], f32>) -> {T} {{
  %out = relax.dataflow {{
    %y = relax.call_tir @scale(%x, %s) : {T}
    relax.output %y : {T}
  }}
  relax.return %out : {T}
}}
relax.func @mixed(%t: !relax.tuple<!relax.tensor<[n, 3], f32>, !relax.tensor<[1], f32>>,
                  %k: !relax.prim<i32>, %f: !relax.prim<f32>, %shape: !relax.shape<[a, 2]>)
    -> {R} {{
  %x = relax.get_item %t[0]
  %s = relax.get_item %t[1]
  %y = relax.call_tir @scale(%x, %s) : {T}
  %r = relax.tuple(%y, %k, %f, %shape, %s)
  relax.return %r : {R}
}}
"""


@pytest.fixture(scope="module")
def exe():
    return compile_module(SCALE)


def test_numpy_layout_is_read_directly_here():
    assert numpy_layout_ok()


def test_pack_layout():
    fn = compile_module(SCALE)["main"]
    modes = packed_modes(fn.signature, 0)
    assert modes == ["array", "array", 16, 3]  # x, s, %err, %out (the pointer and 2 dims)
    assert slot_positions(modes) == ([1, 2, 3, 19], 22)


def test_repeated_shapes_and_new_shapes(exe):
    s = np.array([2.0], np.float32)
    for n in (4, 4, 1, 7, 4, 0):
        x = RNG.standard_normal((n, 3)).astype(np.float32)
        np.testing.assert_array_equal(exe["main"](x, s), 2 * x)
        assert exe["main"].last_dims == {"n": n}


def test_checks_still_apply_after_a_remembered_shape(exe):
    x, s = np.ones((4, 3), np.float32), np.ones(1, np.float32)
    exe["main"](x, s)
    with pytest.raises(RelaxArgumentError, match="dtype is float64, expected float32"):
        exe["main"](x.astype(np.float64), s)
    with pytest.raises(RelaxArgumentError, match="not C-contiguous"):
        exe["main"](np.ones((3, 4), np.float32).T, s)
    with pytest.raises(RelaxArgumentError, match="dim 1 is 4, but the type requires 3"):
        exe["main"](np.ones((3, 4), np.float32), s)
    with pytest.raises(RelaxArgumentError, match="takes 2 arguments, got 1"):
        exe["main"](x)
    with pytest.raises(RelaxArgumentError, match="expected a numpy array, got list"):
        exe["main"]([[1.0, 2.0, 3.0]], s)


def test_subclasses_of_ndarray_are_accepted(exe):
    x = np.ones((2, 3), np.float32).view(np.matrix)
    np.testing.assert_array_equal(exe["main"](x, np.array([3.0], np.float32)), 3 * np.ones((2, 3)))


def test_scalars_shapes_tuples_and_returned_arguments(exe):
    x = RNG.standard_normal((5, 3)).astype(np.float32)
    s = np.array([-1.5], np.float32)
    y, k, f, shape, s_out = exe["mixed"]((x, s), -7, 0.25, (9, 2))
    np.testing.assert_array_equal(y, -1.5 * x)
    assert (k, f, shape) == (-7, 0.25, (9, 2))
    assert s_out is s  # an argument inside a tuple comes back as itself
    with pytest.raises(RelaxArgumentError, match="does not fit in i32"):
        exe["mixed"]((x, s), 2**31, 0.25, (9, 2))


def test_results_own_their_memory(exe):
    x = np.ones((1000, 3), np.float32)
    y = exe["main"](x, np.array([4.0], np.float32))
    view = y[10:20]
    del y
    np.testing.assert_array_equal(view, 4.0)  # the view keeps the native buffer alive


def test_records_built_in_python_when_numpy_layout_differs(monkeypatch):
    monkeypatch.setattr(runtime, "numpy_layout_ok", lambda: False)
    exe = compile_module(SCALE)
    x = RNG.standard_normal((6, 3)).astype(np.float32)
    s = np.array([0.5], np.float32)
    np.testing.assert_array_equal(exe["main"](x, s), 0.5 * x)
    y, k, f, shape, s_out = exe["mixed"]((x, s), 3, 1.0, (1, 2))
    np.testing.assert_array_equal(y, 0.5 * x)
    assert (k, f, shape) == (3, 1.0, (1, 2)) and s_out is s


def test_run_time_check_failure_reports_dims():
    src = """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[4], f32> {
  %y = relax.match_cast %x : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}"""
    fn = compile_module(src)["main"]
    with pytest.raises(RelaxRuntimeError, match=r"has dims 6, expected \[4\]"):
        fn(np.zeros(6, np.float32))
    x = np.zeros(4, np.float32)
    assert fn(x) is x
