"""Convolutions (NCHW, f32, batch 1) + bias + relu against onnxruntime (2 threads),
the workloads of issue 11: ResNet-like 3x3 and 1x1 layers, the 7x7 stride-2 stem,
a 7x7-spatial 512-channel layer and a depthwise layer.

Run: python -m xrelax.benchmarks.conv [--only NAME]   (pip install -e '.[bench]' for onnxruntime)
"""

from __future__ import annotations

import argparse

import numpy as np

from xrelax.benchmarks.common import median_time, onnxruntime_session
from xrelax.lowering.runtime import compile_module

# name: (C, O, H, K, stride, pad, groups)
LAYERS = {
    "3x3 64->64 56^2": (64, 64, 56, 3, 1, 1, 1),
    "1x1 256->64 56^2": (256, 64, 56, 1, 1, 0, 1),
    "7x7s2 3->64 224^2": (3, 64, 224, 7, 2, 3, 1),
    "3x3 512->512 7^2": (512, 512, 7, 3, 1, 1, 1),
    "dw3x3 128 28^2": (128, 128, 28, 3, 1, 1, 128),
}


def program(c: int, o: int, h: int, k: int, s: int, p: int, g: int) -> tuple[str, int]:
    oh = (h + 2 * p - k) // s + 1
    t = lambda *d: f"!relax.tensor<[{', '.join(map(str, d))}], f32>"  # noqa: E731
    text = f"""
relax.func @main(%x: {t(1, c, h, h)}, %w: {t(o, c // g, k, k)}, %b: {t(1, o, 1, 1)}) -> {t(1, o, oh, oh)} {{
  %out = relax.dataflow {{
    %0 = relax.conv2d %x, %w {{strides = [{s}, {s}], padding = [{p}, {p}, {p}, {p}], groups = {g}}} : {t(1, o, oh, oh)}
    %1 = relax.add %0, %b : {t(1, o, oh, oh)}
    %2 = relax.relu %1 : {t(1, o, oh, oh)}
    relax.output %2 : {t(1, o, oh, oh)}
  }}
  relax.return %out : {t(1, o, oh, oh)}
}}"""
    return text, oh


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", help="run the layers whose name contains this")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'layer':>20} {'xrelax ms':>10} {'GFLOP/s':>8} {'ORT ms':>8} {'ratio':>6}")
    for name, (c, o, h, k, s, p, g) in LAYERS.items():
        if args.only and args.only not in name:
            continue
        text, oh = program(c, o, h, k, s, p, g)
        x = rng.standard_normal((1, c, h, h), dtype=np.float32)
        w = rng.standard_normal((o, c // g, k, k), dtype=np.float32) * 0.1
        b = rng.standard_normal((1, o, 1, 1), dtype=np.float32)
        fn = compile_module(text)["main"]
        ours = fn(x, w, b)
        t_ours = median_time(lambda: fn(x, w, b))
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
                {"x": (1, c, h, h), "w": (o, c // g, k, k), "bf": (o,)}, ("y", (1, o, oh, oh)))
            if session is not None:
                feed = {"x": x, "w": w, "bf": b.reshape(o)}
                ref = session.run(None, feed)[0]
                np.testing.assert_allclose(ours, ref, rtol=1e-3, atol=1e-3)
                t_ort = median_time(lambda: session.run(None, feed))
                ratio = t_ours / t_ort
        print(f"{name:>20} {t_ours * 1e3:10.3f} {flops / t_ours / 1e9:8.1f} "
              f"{t_ort * 1e3:8.3f} {ratio:6.2f}x")


if __name__ == "__main__":
    main()
