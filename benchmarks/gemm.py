"""sgemm 1024^3 and `relax.linear` x[1, 9216] @ W[4096, 9216]^T (W a constant, as
in a model) through the default pipeline, against numpy and onnxruntime
(2 threads), best of N interleaved runs.

Run: python -m xrelax.benchmarks.gemm [--repeat N]   (pip install -e '.[bench]')
"""

from __future__ import annotations

import argparse

import numpy as np

from xrelax.benchmarks.common import best_times, onnxruntime_session
from xrelax.lowering.runtime import compile_module


def _matmul_module(n: int, k: int, m: int):
    from xrelax.relax import op as R
    from xrelax.relax.builder import ModuleBuilder
    from xrelax.relax.types import TensorType

    mb = ModuleBuilder()
    with mb.function("main", a=TensorType([n, k], "f32"), b=TensorType([k, m], "f32")) as fb:
        a, b = fb.params
        with fb.dataflow() as df:
            df.output(df.emit(R.matmul(a, b)))
        fb.ret(df.result)
    return mb.finish()


def _linear_module(w: np.ndarray):
    from xrelax.relax import op as R
    from xrelax.relax.builder import ModuleBuilder
    from xrelax.relax.types import TensorType

    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([1, w.shape[1]], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            df.output(df.emit(R.linear(x, df.constant(w))))
        fb.ret(df.result)
    return mb.finish()


def report(name: str, flops: float, best: dict[str, float]) -> None:
    t = best.pop("xrelax")
    cols = "  ".join(f"{k} {v * 1e3:8.3f} ms ({t / v:5.2f}x)" for k, v in best.items())
    print(f"{name:>26}: xrelax {t * 1e3:8.3f} ms {flops / t / 1e9:6.1f} GFLOP/s   {cols}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    from onnx import helper

    rng = np.random.default_rng(0)
    print("ratios are xrelax's time over the other system's")
    n = 1024
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    fn = compile_module(_matmul_module(n, n, n))["main"]
    np.testing.assert_allclose(fn(a, b), a @ b, rtol=1e-3, atol=1e-2)
    fns = {"xrelax": lambda: fn(a, b), "numpy": lambda: a @ b}
    sess = onnxruntime_session([helper.make_node("MatMul", ["a", "b"], ["y"])],
                               {"a": (n, n), "b": (n, n)}, ("y", (n, n)))
    if sess is not None:
        fns["ORT"] = lambda: sess.run(None, {"a": a, "b": b})
    report(f"sgemm {n}^3", 2.0 * n ** 3, best_times(fns, repeat=args.repeat))

    k, m = 9216, 4096
    x = rng.standard_normal((1, k), dtype=np.float32)
    w = rng.standard_normal((m, k), dtype=np.float32) * 0.01
    lin = compile_module(_linear_module(w))["main"]
    np.testing.assert_allclose(lin(x), x @ w.T, rtol=1e-3, atol=1e-3)
    fns = {"xrelax": lambda: lin(x), "numpy": lambda: x @ w.T}
    sess = onnxruntime_session([helper.make_node("Gemm", ["x", "w"], ["y"], transB=1)],
                               {"x": (1, k)}, ("y", (1, m)), initializers={"w": w})
    if sess is not None:
        fns["ORT"] = lambda: sess.run(None, {"x": x})
    report(f"linear [1,{k}] x [{m},{k}]^T", 2.0 * k * m, best_times(fns, repeat=args.repeat))


if __name__ == "__main__":
    main()
