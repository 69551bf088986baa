"""What `noalias` on kernel buffer parameters (lowering/noalias.py) is worth:
lone kernels (no fusion around them) compiled with and without it, timed in
alternation in the same run, one thread (OMP_NUM_THREADS=1 unless set: with
two threads on a shared machine the wait for a descheduled worker dominates).

Run: python -m xrelax.benchmarks.noalias [--only NAME]
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before libgomp is loaded

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import xrelax.lowering.noalias as noalias  # noqa: E402
from xrelax.lowering.runtime import compile_module  # noqa: E402


def tensor(*dims: int) -> str:
    return f"!relax.tensor<[{', '.join(map(str, dims))}], f32>"


def program(body: str, inputs: dict[str, tuple[int, ...]], out: tuple[int, ...]) -> str:
    params = ", ".join(f"%{name}: {tensor(*shape)}" for name, shape in inputs.items())
    return f"""relax.func @main({params}) -> {tensor(*out)} {{
  %out = relax.dataflow {{
    %0 = {body} : {tensor(*out)}
    relax.output %0 : {tensor(*out)}
  }}
  relax.return %out : {tensor(*out)}
}}"""


CASES = {
    "conv 7x7 s2 3->64 224^2": (
        "relax.conv2d %x, %w {strides = [2, 2], padding = [3, 3, 3, 3]}",
        {"x": (1, 3, 224, 224), "w": (64, 3, 7, 7)}, (1, 64, 112, 112)),
    "depthwise 3x3 128 28^2": (
        "relax.conv2d %x, %w {strides = [1, 1], padding = [1, 1, 1, 1], groups = 128}",
        {"x": (1, 128, 28, 28), "w": (128, 1, 3, 3)}, (1, 128, 28, 28)),
    "conv 3x3 64->64 56^2": (
        "relax.conv2d %x, %w {strides = [1, 1], padding = [1, 1, 1, 1]}",
        {"x": (1, 64, 56, 56), "w": (64, 64, 3, 3)}, (1, 64, 56, 56)),
    "matmul 512^3": ("relax.matmul %x, %w", {"x": (512, 512), "w": (512, 512)}, (512, 512)),
}


def compiled(text: str, with_noalias: bool):
    mark = noalias.mark_noalias_kernels
    if not with_noalias:
        noalias.mark_noalias_kernels = lambda module: []  # compile_module looks it up per call
    try:
        return compile_module(text)["main"]
    finally:
        noalias.mark_noalias_kernels = mark


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"threads: {os.environ['OMP_NUM_THREADS']}")
    print(f"{'kernel':>26} {'without ms':>11} {'with ms':>9} {'speedup':>8}")
    for name, (body, inputs, out) in CASES.items():
        if args.only and args.only not in name:
            continue
        text = program(body, inputs, out)
        values = [rng.standard_normal(s).astype(np.float32) for s in inputs.values()]
        fns = {False: compiled(text, False), True: compiled(text, True)}
        np.testing.assert_allclose(fns[True](*values), fns[False](*values), rtol=1e-5, atol=1e-4)
        best = {k: float("inf") for k in fns}
        for _ in range(args.rounds):
            for k, fn in fns.items():
                for _ in range(3):
                    start = time.perf_counter()
                    fn(*values)
                    best[k] = min(best[k], time.perf_counter() - start)
        print(f"{name:>26} {best[False] * 1e3:>11.3f} {best[True] * 1e3:>9.3f} "
              f"{best[False] / best[True]:>7.2f}x")


if __name__ == "__main__":
    main()
