"""The default schedule of element-wise kernels and row reductions
(tir_dialect/autoschedule/elementwise.py + lowering/vectorize.py), end to end:
numerics against numpy on static, odd and symbolic shapes, with the schedule
on and off, and on the vector widths of other targets (XRELAX_TARGET)."""

import math

import numpy as np
import pytest
from xdsl.dialects.builtin import StringAttr

from xrelax.context import make_context, parse_text
from xrelax.lowering.runtime import compile_module
from xrelax.tir import ops as tir
from xrelax.tir.autoschedule.elementwise import schedule_elementwise_and_reductions
from xrelax.tir.target import AVX2, SSE

ERF = np.vectorize(math.erf, otypes=[np.float64])


def program(body: str, params: str, out: str) -> str:
    return f"""
relax.func @main({params}) -> {out} {{
  %y = {body} : {out}
  relax.return %y : {out}
}}
"""


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _layer_norm(x, g, b):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * g + b


T = "!relax.tensor<[n, m], f32>"
V = "!relax.tensor<[m], f32>"
R = "!relax.tensor<[n], f32>"
CASES = {
    "softmax": (program("relax.softmax %x", f"%x: {T}", T), _softmax, 0),
    "log_softmax": (program("relax.log_softmax %x", f"%x: {T}", T),
                    lambda x: np.log(_softmax(x.astype(np.float64))), 0),
    "layer_norm": (program("relax.layer_norm %x, %g, %b", f"%x: {T}, %g: {V}, %b: {V}", T),
                   _layer_norm, 2),
    "gelu": (program("relax.gelu %x", f"%x: {T}", T),
             lambda x: 0.5 * x * (1 + ERF(x.astype(np.float64) / math.sqrt(2))), 0),
    "tanh": (program("relax.tanh %x", f"%x: {T}", T), np.tanh, 0),
    "sigmoid": (program("relax.sigmoid %x", f"%x: {T}", T), lambda x: 1 / (1 + np.exp(-x)), 0),
    "bias add": (program("relax.add %x, %b", f"%x: {T}, %b: {V}", T), lambda x, b: x + b, 1),
    "sum": (program("relax.sum %x {axis = [1]}", f"%x: {T}", R), lambda x: x.sum(axis=1), 0),
    "mean": (program("relax.mean %x {axis = [1]}", f"%x: {T}", R), lambda x: x.mean(axis=1), 0),
    "max": (program("relax.max %x {axis = [1]}", f"%x: {T}", R), lambda x: x.max(axis=1), 0),
    "argmax": (program("relax.argmax %x {axis = [1]}", f"%x: {T}", "!relax.tensor<[n], i64>"),
               lambda x: x.argmax(axis=1), 0),
}
SHAPES = [(128, 768), (7, 45), (3, 1), (1, 1000), (5, 16), (2, 0)]


@pytest.mark.parametrize("name", CASES)
def test_numerics_symbolic_shapes(name):
    text, ref, extra = CASES[name]
    fn = compile_module(text)["main"]
    rng = np.random.default_rng(0)
    for rows, cols in SHAPES:
        if cols == 0 and name in ("max", "argmax", "softmax", "log_softmax", "layer_norm", "mean"):
            continue  # empty reductions: numpy raises or warns
        x = (rng.standard_normal((rows, cols)) * 3).astype(np.float32)
        args = [x] + [rng.standard_normal(cols).astype(np.float32) for _ in range(extra)]
        got, want = fn(*args), ref(*args)
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5, err_msg=f"{rows}x{cols}")


@pytest.mark.parametrize("name", ["softmax", "layer_norm", "gelu", "tanh", "sum", "max"])
def test_static_shape_with_and_without_schedule(name):
    text, ref, extra = CASES[name]
    text = text.replace("[n, m]", "[33, 300]").replace("[m]", "[300]").replace("[n]", "[33]")
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((33, 300)) * 3).astype(np.float32)
    args = [x] + [rng.standard_normal(300).astype(np.float32) for _ in range(extra)]
    scheduled = compile_module(text)["main"](*args)
    plain = compile_module(text, schedule=False)["main"](*args)
    np.testing.assert_allclose(scheduled, ref(*args), rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(scheduled, plain, rtol=2e-5, atol=2e-5)


def test_special_values_in_rows():
    """NaN and inf through the vector reductions: a row with NaN gives NaN
    (max, softmax), +inf in a softmax row gives NaN there as in numpy."""
    fn = compile_module(CASES["max"][0])["main"]
    x = np.zeros((3, 100), np.float32)
    x[1, 57] = np.nan
    x[2, 99] = np.inf
    got = fn(x)
    assert got[0] == 0 and np.isnan(got[1]) and got[2] == np.inf
    fn = compile_module(CASES["softmax"][0])["main"]
    y = np.zeros((2, 50), np.float32)
    y[1, 3] = np.nan
    got = fn(y)
    np.testing.assert_allclose(got[0], np.full(50, 1 / 50), rtol=1e-6)
    assert np.isnan(got[1]).all()


def _kernels(text: str, target):
    kernels = _legalized(text)
    return None, [schedule_elementwise_and_reductions(k, target) for k in kernels], kernels


@pytest.mark.parametrize("target, lanes", [(AVX2, 8), (SSE, 4)])
def test_lanes_follow_the_target(target, lanes):
    _, changed, kernels = _kernels(CASES["softmax"][0], target)
    assert changed == [True]
    marks = [op.attributes["tir.vector_lanes"].value.data for op in kernels[0].walk()
             if isinstance(op, tir.ForOp) and op.kind.data == "vectorized"]
    assert marks == [lanes] * 3


@pytest.mark.parametrize("target", ["avx2", "sse"])
def test_other_targets_run_here(monkeypatch, target):
    """Schedules made for a smaller vector unit run correctly on this CPU."""
    monkeypatch.setenv("XRELAX_TARGET", target)
    from xrelax.tir import target as target_mod

    target_mod.host_target.cache_clear()
    try:
        text, ref, _ = CASES["softmax"]
        x = np.random.default_rng(2).standard_normal((9, 77)).astype(np.float32)
        np.testing.assert_allclose(compile_module(text)["main"](x), ref(x), rtol=2e-5, atol=1e-7)
    finally:
        target_mod.host_target.cache_clear()


def test_contractions_and_scheduled_nests_are_left_alone():
    """A matmul (a contraction: B's last index is spatial) keeps its init, and
    loops that something else scheduled (non-serial or annotated) are skipped."""
    text = program("relax.matmul %x, %w", f"%x: {T}, %w: !relax.tensor<[m, 8], f32>",
                   "!relax.tensor<[n, 8], f32>")
    _, changed, _ = _kernels(text, AVX2)
    assert changed == [False]
    kernel = _legalized(CASES["tanh"][0])[0]
    outer = next(op for op in kernel.walk() if isinstance(op, tir.ForOp))
    outer.attributes["tir.tensorize"] = StringAttr("register_tile")
    assert not schedule_elementwise_and_reductions(kernel, AVX2)


def _legalized(text: str) -> list[tir.FuncOp]:
    from xrelax.passes.legalize_ops import LegalizeOps

    module = parse_text(text)
    LegalizeOps().apply(make_context(), module)
    return [op for op in module.walk() if isinstance(op, tir.FuncOp)]
