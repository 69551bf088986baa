"""Row reductions and transcendental element-wise kernels on [128, 768] f32 —
softmax, layer_norm, gelu (erf) and tanh — against numpy and onnxruntime
(2 threads), ratios measured in the same run.

Run: python -m xrelax.benchmarks.elementwise [--rows N] [--cols M]
(pip install -e '.[bench]' for onnxruntime). Prints one table; no assertions
on time (the results are checked against numpy before timing). Each figure is
the lowest of 7 medians of 60 calls, the same for every system.
"""

from __future__ import annotations

import argparse
import math
from functools import partial

import numpy as np

from xrelax.benchmarks.common import median_time, onnxruntime_session
from xrelax.lowering.runtime import compile_module


def best_median(fn, batches: int = 7, repeat: int = 60) -> float:
    """The lowest of several batch medians: the machine may be shared, and a
    batch that another process disturbed should not decide the figure (the
    same statistic for every system)."""
    return min(median_time(fn, repeat=repeat, warmup=5) for _ in range(batches))


ERF = np.vectorize(math.erf, otypes=[np.float64])


def _program(call: str, params: str) -> str:
    """A static-shape relax function (n and m are replaced by the sizes in main)."""
    return f"""
relax.func @main({params}) -> !relax.tensor<[n, m], f32> {{
  %out = relax.dataflow {{
    %y = {call} : !relax.tensor<[n, m], f32>
    relax.output %y : !relax.tensor<[n, m], f32>
  }}
  relax.return %out : !relax.tensor<[n, m], f32>
}}
"""


X = "%x: !relax.tensor<[n, m], f32>"
VEC = "!relax.tensor<[m], f32>"


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _layer_norm(x, g, b):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-5) * g + b


def _gelu(x):
    return (0.5 * x * (1 + ERF(x.astype(np.float64) / math.sqrt(2)))).astype(np.float32)


def workloads(rows: int, cols: int):
    """(name, program, numpy function, numpy function to time, onnx nodes, extra inputs)."""
    from onnx import helper

    rng = np.random.default_rng(0)
    g = rng.standard_normal(cols, dtype=np.float32)
    b = rng.standard_normal(cols, dtype=np.float32)
    return [
        ("softmax", _program("relax.softmax %x", X), _softmax, _softmax,
         [helper.make_node("Softmax", ["x"], ["y"], axis=-1)], {}),
        ("layer_norm", _program("relax.layer_norm %x, %g, %b",
                                f"{X}, %g: {VEC}, %b: {VEC}"),
         _layer_norm, _layer_norm,
         [helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], axis=-1,
                           epsilon=1e-5)], {"g": g, "b": b}),
        ("gelu (erf)", _program("relax.gelu %x", X), _gelu, None,
         [helper.make_node("Div", ["x", "s2"], ["h0"]), helper.make_node("Erf", ["h0"], ["h1"]),
          helper.make_node("Add", ["h1", "one"], ["h2"]), helper.make_node("Mul", ["x", "h2"], ["h3"]),
          helper.make_node("Mul", ["h3", "half"], ["y"])], {}),
        ("tanh", _program("relax.tanh %x", X), np.tanh, np.tanh,
         [helper.make_node("Tanh", ["x"], ["y"])], {}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=128)
    parser.add_argument("--cols", type=int, default=768)
    args = parser.parse_args()
    rows, cols = args.rows, args.cols
    try:
        table = workloads(rows, cols)
    except ImportError:
        print("onnx / onnxruntime: not installed (pip install -e '.[bench]')")
        return
    rng = np.random.default_rng(1)
    x = rng.standard_normal((rows, cols), dtype=np.float32) * 3
    gelu_consts = {"s2": np.array(math.sqrt(2), np.float32), "one": np.array(1, np.float32),
                   "half": np.array(0.5, np.float32)}
    print(f"{rows}x{cols} f32; xrelax and onnxruntime on 2 threads, numpy on 1 (its own)")
    print("call: xrelax's time for the same function on 1 x 16 (the per-call cost)")
    print(f"{'kernel':>12} | {'xrelax ms':>9} | {'call ms':>7} | {'ORT ms':>8} | {'numpy ms':>8} |"
          f" {'xrelax/ORT':>10} | {'(xrelax-call)/ORT':>17}")
    print("-" * 94)
    for name, program, reference, numpy_fn, nodes, extra in table:
        inputs = [x, *extra.values()]
        expected = reference(*inputs)
        fn = compile_module(program.replace("[n, m]", f"[{rows}, {cols}]")
                            .replace("[m]", f"[{cols}]"))["main"]
        np.testing.assert_allclose(fn(*inputs), expected, rtol=2e-5, atol=2e-5)
        t_ours = best_median(partial(fn, *inputs))
        tiny = compile_module(program.replace("[n, m]", "[1, 16]").replace("[m]", "[16]"))["main"]
        tiny_inputs = [a.reshape(-1)[:16].reshape(a.shape[:-2] + (1, 16) if a.ndim == 2 else (16,))
                       .copy() for a in inputs]
        t_call = best_median(partial(tiny, *tiny_inputs))
        t_numpy = best_median(partial(numpy_fn, *inputs), 3, 20) if numpy_fn else math.nan
        inits = gelu_consts if name.startswith("gelu") else {}
        shapes = {"x": (rows, cols), **{k: v.shape for k, v in extra.items()}}
        session = onnxruntime_session(nodes, shapes, ("y", (rows, cols)), initializers=inits)
        feed = {"x": x, **extra}
        np.testing.assert_allclose(session.run(None, feed)[0], expected, rtol=2e-5, atol=2e-5)
        t_ort = best_median(partial(session.run, None, feed))
        print(f"{name:>12} | {t_ours * 1e3:9.4f} | {t_call * 1e3:7.4f} | {t_ort * 1e3:8.4f} |"
              f" {t_numpy * 1e3:8.4f} | {t_ours / t_ort:9.2f}x | {(t_ours - t_call) / t_ort:16.2f}x")


if __name__ == "__main__":
    main()
