"""ResNet-50 at batch 1, 224x224 (the onnx package's light model with random
weights, imported with `from_onnx`) against onnxruntime with 2 threads in the
same run: run time with the layout rewrite on and off, cold compile time.

Run: python -m xrelax.benchmarks.resnet50 [--repeat N] [--profile]   (pip install -e '.[bench]')
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from xrelax.benchmarks.common import best_times
from xrelax.lowering.runtime import compile_module


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true",
                        help="also print the per-kernel profile (layout rewrite on)")
    args = parser.parse_args()
    import onnxruntime as ort

    from xrelax.relax.frontend import from_onnx
    from xrelax.relax.frontend.onnx_samples import light_resnet50

    model = light_resnet50(seed=0)
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    name = session.get_inputs()[0].name
    ref = session.run(None, {name: x})[0]
    module = from_onnx(model)
    fns = {"ort": lambda: session.run(None, {name: x})}
    compile_s = {}
    for label, opts in (("layout rewrite on", {}), ("layout rewrite off", {"layout": False})):
        start = time.perf_counter()
        fn = compile_module(module, cache=False, **opts)["main"]  # a cold compile: no cache
        compile_s[label] = time.perf_counter() - start
        out = fn(x)
        out = out[0] if isinstance(out, tuple) else out
        np.testing.assert_allclose(out, ref, rtol=1e-3, atol=1e-4)
        fns[label] = (lambda f: lambda: f(x))(fn)
    best = best_times(fns, repeat=args.repeat, consecutive=3)
    t_ort = best.pop("ort")
    print(f"ResNet-50 batch 1, f32; onnxruntime (2 threads): {t_ort * 1e3:.1f} ms (best of {args.repeat} rounds x 3 calls)")
    print(f"{'configuration':>22} {'compile s':>10} {'run ms':>8} {'vs ORT':>7}")
    for label, t in best.items():
        print(f"{label:>22} {compile_s[label]:10.2f} {t * 1e3:8.1f} {t / t_ort:6.2f}x")
    if args.profile:
        exe = compile_module(module, profile=True)
        print(exe.profile("main", x, repeat=args.repeat))


if __name__ == "__main__":
    main()
