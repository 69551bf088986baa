"""examples/mlp.mlir with fusion and memory planning on and off, against numpy and
onnxruntime: softmax(relu(x @ w1 + b1) @ w2 + b2), x: [n, 784].

Run: python -m xrelax.benchmarks.mlp [--batch N]   (pip install -e '.[bench]' for onnxruntime)
Prints the median time of each variant, its ratio to numpy's time, the number of
kernel calls, and the bytes of kernel intermediates with and without planning.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from xrelax.benchmarks.common import median_time, onnxruntime_session, row
from xrelax.lowering.runtime import compile_module

ROOT = Path(__file__).resolve().parent.parent


def numpy_mlp(x, w1, b1, w2, b2):
    h = np.maximum(x @ w1 + b1, 0)
    z = h @ w2 + b2
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def count_kernel_calls(**options: bool) -> int:
    from xrelax.pipeline import DefaultPipeline
    from xrelax.context import make_context, parse_text

    module = parse_text((ROOT / "examples/mlp.mlir").read_text())
    DefaultPipeline(**options).apply(make_context(), module)
    return sum(op.name in ("relax.call_tir", "relax.call_kernel") for op in module.walk())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=128)
    n = parser.parse_args().batch
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(s, dtype=np.float32) * 0.05
            for s in [(n, 784), (784, 256), (256,), (256, 10), (10,)]]
    expected = numpy_mlp(*args)
    t_numpy = median_time(lambda: numpy_mlp(*args))
    print(f"MLP 784-256-10, batch {n}; numpy: {t_numpy * 1e3:.3f} ms")
    source = (ROOT / "examples/mlp.mlir").read_text()
    variants = {
        "fusion + memory planning": {},
        "no fusion": {"fuse": False},
        "no memory planning": {"plan_memory": False},
        "neither": {"fuse": False, "plan_memory": False},
    }
    for name, options in variants.items():
        fn = compile_module(source, **options)["main"]
        np.testing.assert_allclose(fn(*args), expected, rtol=1e-4, atol=1e-6)
        t = median_time(lambda: fn(*args))
        plan = fn.memory_plan(n=n) if fn.memory else {}
        print(row(name, t, t_numpy) + f"   kernel calls: {count_kernel_calls(**options)}"
              f"   intermediates: {plan.get('planned', '-')} B planned,"
              f" {plan.get('unplanned', '-')} B unplanned")
    try:
        from onnx import helper
    except ImportError:
        print("onnxruntime: not installed (pip install -e '.[bench]')")
        return
    session = onnxruntime_session(
        [helper.make_node("MatMul", ["x", "w1"], ["h0"]), helper.make_node("Add", ["h0", "b1"], ["h1"]),
         helper.make_node("Relu", ["h1"], ["h2"]), helper.make_node("MatMul", ["h2", "w2"], ["h3"]),
         helper.make_node("Add", ["h3", "b2"], ["h4"]), helper.make_node("Softmax", ["h4"], ["y"], axis=-1)],
        {"x": (n, 784)}, ("y", (n, 10)),
        initializers=dict(zip(["w1", "b1", "w2", "b2"], args[1:])))
    if session is not None:
        feed = {"x": args[0]}
        np.testing.assert_allclose(session.run(None, feed)[0], expected, rtol=1e-4, atol=1e-6)
        print(row("onnxruntime (2 threads)", median_time(lambda: session.run(None, feed)), t_numpy))


if __name__ == "__main__":
    main()
