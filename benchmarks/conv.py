"""Convolutions (NCHW, f32, batch 1, constant weights) + bias + relu against onnxruntime (2 threads),
the workloads of issue 11: ResNet-like 3x3 and 1x1 layers, the 7x7 stride-2 stem,
a 7x7-spatial 512-channel layer and a depthwise layer.

Run: python -m xrelax.benchmarks.conv [--only NAME] [--repeat N]
(best of N interleaved runs for each system)   (pip install -e '.[bench]' for onnxruntime)
"""

from __future__ import annotations

import argparse

import numpy as np

from xrelax.benchmarks.common import best_times, onnxruntime_session
from xrelax.lowering.runtime import compile_module

# name: (C, O, H, K, stride, pad, groups)
LAYERS = {
    "3x3 64->64 56^2": (64, 64, 56, 3, 1, 1, 1),
    "1x1 256->64 56^2": (256, 64, 56, 1, 1, 0, 1),
    "7x7s2 3->64 224^2": (3, 64, 224, 7, 2, 3, 1),
    "3x3 512->512 7^2": (512, 512, 7, 3, 1, 1, 1),
    "dw3x3 128 28^2": (128, 128, 28, 3, 1, 1, 128),
}


def build(x_shape, w: np.ndarray, b: np.ndarray, s: int, p: int, g: int):
    """relu(conv2d(x, W) + b) with W and b constants, as in a model."""
    from xrelax.relax import op as R
    from xrelax.relax.builder import ModuleBuilder
    from xrelax.relax.types import TensorType

    mb = ModuleBuilder()
    with mb.function("main", x=TensorType(list(x_shape), "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            y = df.emit(R.conv2d(x, df.constant(w), strides=[s, s], padding=[p, p, p, p],
                                 groups=g))
            y = df.emit(R.add(y, df.constant(b)))
            df.output(df.emit(R.relu(y)))
        fb.ret(df.result)
    return mb.finish()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="run the layers whose name contains this")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'layer':>20} {'xrelax ms':>10} {'GFLOP/s':>8} {'ORT ms':>8} {'ratio':>6}")
    for name, (c, o, h, k, s, p, g) in LAYERS.items():
        if args.only and args.only not in name:
            continue
        oh = (h + 2 * p - k) // s + 1
        x = rng.standard_normal((1, c, h, h), dtype=np.float32)
        w = rng.standard_normal((o, c // g, k, k), dtype=np.float32) * 0.1
        b = rng.standard_normal((1, o, 1, 1), dtype=np.float32)
        fn = compile_module(build(x.shape, w, b, s, p, g))["main"]
        ours = fn(x)
        fns = {"ours": lambda: fn(x)}
        flops = 2 * o * oh * oh * (c // g) * k * k
        t_ort, ratio = float("nan"), float("nan")
        try:
            from onnx import helper
        except ImportError:
            helper = None
        if helper is not None:
            session = onnxruntime_session(
                [helper.make_node("Conv", ["x", "w", "bf"], ["y0"], strides=[s, s],
                                  pads=[p, p, p, p], group=g),
                 helper.make_node("Relu", ["y0"], ["y"])],
                {"x": (1, c, h, h)}, ("y", (1, o, oh, oh)),
                initializers={"w": w, "bf": b.reshape(o)})
            if session is not None:
                feed = {"x": x}
                ref = session.run(None, feed)[0]
                np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-3)
                fns["ort"] = lambda: session.run(None, feed)
        best = best_times(fns, repeat=args.repeat)
        t_ours = best["ours"]
        if "ort" in best:
            t_ort = best["ort"]
            ratio = t_ours / t_ort
        print(f"{name:>20} {t_ours * 1e3:10.3f} {flops / t_ours / 1e9:8.1f} "
              f"{t_ort * 1e3:8.3f} {ratio:6.2f}x")


if __name__ == "__main__":
    main()
