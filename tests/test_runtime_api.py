"""The friendlier side of `Function` (lowering/runtime.py): arguments by
parameter name, the inputs and outputs with names, dtypes and symbolic
shapes, results written into arrays the caller gives (`out=`), each misuse
with its message, and compile progress."""

import numpy as np
import pytest

from xrelax.lowering.runtime import RelaxArgumentError, ValueInfo, compile_module

RNG = np.random.default_rng(7)

AFFINE = """
relax.func @main(%x: !relax.tensor<[n, k], f32>, %w: !relax.tensor<[k, m], f32>,
                 %b: !relax.tensor<[m], f32>) -> !relax.tensor<[n, m], f32> {
  %out = relax.dataflow {
    %0 = relax.matmul %x, %w : !relax.tensor<[n, m], f32>
    %1 = relax.add %0, %b : !relax.tensor<[n, m], f32>
    relax.output %1 : !relax.tensor<[n, m], f32>
  }
  relax.return %out : !relax.tensor<[n, m], f32>
}
relax.func @pair(%x: !relax.tensor<[n], f32>, %s: !relax.shape<[a, 2]>, %p: !relax.prim<i64>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[a, 2]>, !relax.tensor<[n * 2], f32>> {
  %y = relax.add %x, %x : !relax.tensor<[n], f32>
  %z = relax.concat %x, %y {axis = 0 : i64} : !relax.tensor<[n * 2], f32>
  %t = relax.tuple(%y, %s, %z)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.shape<[a, 2]>, !relax.tensor<[n * 2], f32>>
}
relax.func @reshaped(%x: !relax.tensor<[n], f32>) -> !relax.tensor<ndim=1, f32> {
  %y = relax.add %x, %x : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(scope="module")
def exe():
    return compile_module(AFFINE, filename="affine.mlir")


def affine_args(n=3, k=5, m=4):
    return (RNG.standard_normal((n, k)).astype(np.float32),
            RNG.standard_normal((k, m)).astype(np.float32),
            RNG.standard_normal(m).astype(np.float32))


def test_inputs_and_outputs_describe_the_signature(exe):
    fn = exe["main"]
    assert fn.inputs == [ValueInfo("x", "tensor", "float32", ("n", "k")),
                         ValueInfo("w", "tensor", "float32", ("k", "m")),
                         ValueInfo("b", "tensor", "float32", ("m",))]
    assert fn.outputs == [ValueInfo("out0", "tensor", "float32", ("n", "m"))]
    assert repr(fn) == ("<relax function main(x: float32[n, k], w: float32[k, m], b: float32[m])"
                        " -> float32[n, m]>")
    pair = exe["pair"]
    assert [str(i) for i in pair.inputs] == ["x: float32[n]", "s: shape[a, 2]", "p: int64"]
    assert [str(o) for o in pair.outputs] == ["out0: float32[n]", "out1: shape[a, 2]",
                                              "out2: float32[n * 2]"]


def test_keyword_arguments(exe):
    x, w, b = affine_args()
    expected = x @ w + b
    fn = exe["main"]
    np.testing.assert_allclose(fn(x=x, w=w, b=b), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fn(b=b, x=x, w=w), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fn(x, b=b, w=w), expected, rtol=1e-5, atol=1e-6)
    y, s, z = exe["pair"](s=(3, 2), x=np.ones(2, np.float32), p=1)
    assert s == (3, 2) and y.tolist() == [2.0, 2.0] and z.tolist() == [1.0, 1.0, 2.0, 2.0]


@pytest.mark.parametrize("call, message", [
    (lambda f, x, w, b: f(x, w, c=b), "main: no parameter named 'c' (parameters: x, w, b)"),
    (lambda f, x, w, b: f(x, w, b, x=x), "main: argument 'x' is given twice (by position and "
                                         "by name)"),
    (lambda f, x, w, b: f(x, b=b), "main: missing argument w (parameters: x, w, b)"),
    (lambda f, x, w, b: f(b=b), "main: missing arguments x, w (parameters: x, w, b)"),
    (lambda f, x, w, b: f(x, w, b, x, b=b), "main takes 3 arguments, got 4"),
    (lambda f, x, w, b: f(x=x, w=w, b=b.astype(np.float64)),
     "main: argument #2 (b): dtype is float64, expected float32"),
])
def test_keyword_misuse(exe, call, message):
    with pytest.raises(RelaxArgumentError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call(exe["main"], *affine_args())


def test_results_into_given_arrays(exe):
    x, w, b = affine_args(n=6)
    out = np.full((6, 4), np.nan, np.float32)
    result = exe["main"](x, w, b, out=out)
    assert result is out
    np.testing.assert_allclose(out, x @ w + b, rtol=1e-5, atol=1e-6)
    again = exe["main"](x=x, w=w, b=b, out=[out])  # a sequence of one works too
    assert again is out
    z = np.zeros(6, np.float32)
    y, s, z_out = exe["pair"](np.arange(3, dtype=np.float32), (5, 2), 0, out=(None, None, z))
    assert z_out is z and z.tolist() == [0, 1, 2, 0, 2, 4] and y.tolist() == [0, 2, 4]
    assert s == (5, 2)


@pytest.mark.parametrize("fn, out, message", [
    ("main", np.zeros((3, 4), np.float64),
     "main: out[0] (out0): dtype is float64, the output's is float32"),
    ("main", np.zeros((4, 3), np.float32),
     "main: out[0] (out0): shape is (4, 3), the output's is (3, 4)"),
    ("main", np.zeros(12, np.float32),
     "main: out[0] (out0): shape is (12,), the output's is (3, 4)"),
    ("main", [[0.0] * 4] * 3, "main: out takes 1 array, got 3"),
    ("main", (np.zeros((3, 4), np.float32), None), "main: out takes 1 array, got 2"),
    ("main", "y.npy", "main: out[0] (out0): expected a numpy array or None, got str"),
    ("main", np.broadcast_to(np.zeros(4, np.float32), (3, 4)),
     "main: out[0] (out0): the array is read-only"),
    ("pair", (None, np.zeros(2, np.int64), None),
     "pair: out[1] (out1): output 1 is not a tensor (!relax.shape<[a, 2]>); pass None"),
    ("pair", np.zeros(3, np.float32),
     "pair: out takes 3 values (an array or None per output), got 1"),
])
def test_out_misuse(exe, fn, out, message):
    x, w, b = affine_args()
    args = (x, w, b) if fn == "main" else (np.ones(3, np.float32), (1, 2), 0)
    with pytest.raises(RelaxArgumentError, match=message.replace("(", r"\(").replace(
            ")", r"\)").replace("[", r"\[").replace("]", r"\]")):
        exe[fn](*args, out=out)


def test_out_checked_after_the_call_where_the_shape_needs_it(exe):
    """A result of unknown dims has its shape only after the call: the check
    comes then, with the same message."""
    x = np.arange(5, dtype=np.float32)
    out = np.zeros(5, np.float32)
    assert exe["reshaped"](x, out=out) is out and out.tolist() == (2 * x).tolist()
    with pytest.raises(RelaxArgumentError, match=r"reshaped: out\[0\] \(out0\): shape is \(4,\), "
                                                 r"the output's is \(5,\)"):
        exe["reshaped"](x, out=np.zeros(4, np.float32))


def test_progress_reports_every_stage():
    seen = []
    exe = compile_module(AFFINE.replace("%1 = relax.add", "%1 = relax.subtract"),
                         cache=False, progress=lambda stage, s: seen.append((stage, s)))
    stages = [s for s, _ in seen]
    for expected in ("parse", "verify", "legalize-ops", "fold-constant", "fuse-ops",
                     "default-schedule", "convert-relax-to-std", "convert-std-to-llvm",
                     "translate to LLVM IR", "LLVM optimization", "code generation", "link"):
        assert expected in stages, expected
    assert stages.index("parse") < stages.index("legalize-ops") < stages.index("code generation")
    assert all(seconds >= 0 for _, seconds in seen) and exe.compile_times == seen
