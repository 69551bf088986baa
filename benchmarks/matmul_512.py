"""Hand-written tir matmul (512 x 512 x 512, f32) called through relax, against numpy.

Kernels compiled by this project (relax -> std -> LLVM -> llvmlite), first
as written (`schedule=False`), then the textbook one through `default-schedule`:
- `ijk`: the textbook nest, C[i, j] += A[i, k] * B[k, j], reduction innermost;
- `ikj`: the same block with the loops reordered so the innermost loop walks
  rows of B and C contiguously (LLVM vectorizes it);
- `ikj-parallel`: `ikj` with the outer loop `parallel` (both cores, libgomp);
- `ijk + default-schedule`: what the default pipeline makes of `ijk`.

Run: python -m xrelax.benchmarks.matmul_512  (prints median times and ratios to numpy;
numpy uses its BLAS with its own threads, timed in the same run).
"""

from __future__ import annotations

import time

import numpy as np

from xrelax.lowering.runtime import compile_module

N = 512

BLOCK = """
      tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {
        tir.init {
          %zero = arith.constant 0.000000e+00 : f32
          tir.store %zero, %C[%vi, %vj] : f32
        }
        %a = tir.load %A[%vi, %vk] : f32
        %b = tir.load %B[%vk, %vj] : f32
        %c = tir.load %C[%vi, %vj] : f32
        %p = arith.mulf %a, %b : f32
        %s = arith.addf %c, %p : f32
        tir.store %s, %C[%vi, %vj] : f32
      }"""

# ikj: zero C in its own loop nest first, then accumulate (no init inside)
IKJ_BODY = """
  tir.for {outer} %i = 0 to n {{
    tir.for %j = 0 to m {{
      tir.block "zero" (%vi = spatial[n] %i, %vj = spatial[m] %j) {{
        %zero = arith.constant 0.000000e+00 : f32
        tir.store %zero, %C[%vi, %vj] : f32
      }}
    }}
    tir.for %r = 0 to k {{
      tir.for %j = 0 to m {{
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vk = reduce[k] %r) {{
          %a = tir.load %A[%vi, %vk] : f32
          %b = tir.load %B[%vk, %vj] : f32
          %c = tir.load %C[%vi, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }}
      }}
    }}
  }}"""

HEADER = """tir.func @matmul(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>,
                 %C: !tir.buffer<[n, m], f32>) {"""

MAIN = """
relax.func @main(%x: !relax.tensor<[n, k], f32>, %w: !relax.tensor<[k, m], f32>)
    -> !relax.tensor<[n, m], f32> {
  %out = relax.dataflow {
    %y = relax.call_tir @matmul(%x, %w) : !relax.tensor<[n, m], f32>
    relax.output %y : !relax.tensor<[n, m], f32>
  }
  relax.return %out : !relax.tensor<[n, m], f32>
}
"""


def program(variant: str) -> str:
    if variant == "ijk":
        body = ("  tir.for %i = 0 to n {\n    tir.for %j = 0 to m {\n      tir.for %r = 0 to k {"
                + BLOCK + "\n      }\n    }\n  }")
    else:
        body = IKJ_BODY.format(outer="parallel" if variant == "ikj-parallel" else "")
    return HEADER + "\n" + body + "\n}\n" + MAIN


def median_time(fn, repeat: int) -> float:
    fn()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def main() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, N), dtype=np.float32)
    w = rng.standard_normal((N, N), dtype=np.float32)
    expected = x @ w
    t_numpy = median_time(lambda: x @ w, 20)
    flops = 2.0 * N ** 3
    print(f"matmul {N}x{N}x{N} f32; numpy: {t_numpy * 1e3:.2f} ms "
          f"({flops / t_numpy / 1e9:.1f} GFLOP/s)")
    variants = [("ijk", False), ("ikj", False), ("ikj-parallel", False), ("ijk", True)]
    for variant, schedule in variants:
        fn = compile_module(program(variant), schedule=schedule)["main"]
        np.testing.assert_allclose(fn(x, w), expected, rtol=1e-3, atol=1e-3)
        t = median_time(lambda: fn(x, w), 5 if variant == "ijk" and not schedule else 20)
        name = f"{variant} + default-schedule" if schedule else f"{variant} as written"
        print(f"{name:>26}: {t * 1e3:8.2f} ms ({flops / t / 1e9:5.1f} GFLOP/s), "
              f"{t / t_numpy:6.1f}x numpy's time")


if __name__ == "__main__":
    main()
