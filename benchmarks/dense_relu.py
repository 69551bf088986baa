"""relu(x @ w + b) with x: [128, 512], w: [512, 512] — the first workload of the
performance targets in design.md — against numpy and onnxruntime.

Run: python -m xrelax.benchmarks.dense_relu   (pip install -e '.[bench]' for onnxruntime)
"""

from __future__ import annotations

import numpy as np

from xrelax.benchmarks.common import median_time, onnxruntime_session, row
from xrelax.lowering.runtime import compile_module

PROGRAM = """
relax.func @main(%x: !relax.tensor<[n, 512], f32>, %w: !relax.tensor<[512, 512], f32>,
                 %b: !relax.tensor<[512], f32>) -> !relax.tensor<[n, 512], f32> {
  %out = relax.dataflow {
    %0 = relax.matmul %x, %w : !relax.tensor<[n, 512], f32>
    %1 = relax.add %0, %b : !relax.tensor<[n, 512], f32>
    %2 = relax.relu %1 : !relax.tensor<[n, 512], f32>
    relax.output %2 : !relax.tensor<[n, 512], f32>
  }
  relax.return %out : !relax.tensor<[n, 512], f32>
}
"""


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((128, 512), dtype=np.float32)
    w = rng.standard_normal((512, 512), dtype=np.float32)
    b = rng.standard_normal(512, dtype=np.float32)
    expected = np.maximum(x @ w + b, 0)
    t_numpy = median_time(lambda: np.maximum(x @ w + b, 0))
    print(f"relu(x @ w + b), 128x512x512 f32; numpy: {t_numpy * 1e3:.3f} ms")
    for name, options in {"default pipeline": {}, "no fusion": {"fuse": False}}.items():
        fn = compile_module(PROGRAM, **options)["main"]
        np.testing.assert_allclose(fn(x, w, b), expected, rtol=1e-3, atol=1e-3)
        print(row(name, median_time(lambda: fn(x, w, b)), t_numpy))
    try:
        from onnx import helper
    except ImportError:
        print("onnxruntime: not installed (pip install -e '.[bench]')")
        return
    session = onnxruntime_session(
        [helper.make_node("MatMul", ["x", "w"], ["h"]), helper.make_node("Add", ["h", "b"], ["a"]),
         helper.make_node("Relu", ["a"], ["y"])],
        {"x": (128, 512), "w": (512, 512), "b": (512,)}, ("y", (128, 512)))
    if session is not None:
        feed = {"x": x, "w": w, "b": b}
        np.testing.assert_allclose(session.run(None, feed)[0], expected, rtol=1e-3, atol=1e-3)
        print(row("onnxruntime (2 threads)", median_time(lambda: session.run(None, feed)), t_numpy))


if __name__ == "__main__":
    main()
