"""Per-call overhead: a compiled one-node graph on a tiny tensor, against
onnxruntime's `session.run` on the same graph (2 threads), in the same run.

The work is negligible (16 elements), so the times are what a call costs:
argument checks, handing the arrays to native code, the result array. The
systems are measured in alternation, in many short rounds, and each figure is
the best round's mean (on a shared machine, the least disturbed one).

Run: python -m xrelax.benchmarks.call_overhead   (pip install -e '.[bench]' for onnxruntime)
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from xrelax.benchmarks.common import onnxruntime_session
from xrelax.lowering.runtime import compile_module

T = "!relax.tensor<[16], f32>"
GRAPHS = {
    # name: (relax body, ONNX op, number of inputs)
    "exp(x)": ("relax.exp %x0", "Exp", 1),
    "x + y": ("relax.add %x0, %x1", "Add", 2),
}


def program(body: str, n_inputs: int) -> str:
    params = ", ".join(f"%x{i}: {T}" for i in range(n_inputs))
    return f"""relax.func @main({params}) -> {T} {{
  %out = relax.dataflow {{
    %0 = {body} : {T}
    relax.output %0 : {T}
  }}
  relax.return %out : {T}
}}"""


def best_per_call(fns: dict[str, Callable[[], object]], calls: int, rounds: int) -> dict[str, float]:
    """Seconds per call of each function: the best round, rounds alternating."""
    best = {name: float("inf") for name in fns}
    for fn in fns.values():
        for _ in range(calls // 10 + 1):
            fn()
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            best[name] = min(best[name], (time.perf_counter() - start) / calls)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per round")
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    from onnx import helper

    rng = np.random.default_rng(0)
    print(f"{'graph':>8} {'xrelax us':>10} {'ORT us':>8} {'ratio':>6} {'numpy us':>9}")
    for name, (body, onnx_op, n) in GRAPHS.items():
        xs = [rng.standard_normal(16).astype(np.float32) for _ in range(n)]
        fn = compile_module(program(body, n))["main"]
        want = np.exp(xs[0]) if onnx_op == "Exp" else xs[0] + xs[1]
        np.testing.assert_allclose(fn(*xs), want, rtol=1e-6)
        fns: dict[str, Callable[[], object]] = {"xrelax": lambda: fn(*xs)}
        inputs = {f"x{i}": (16,) for i in range(n)}
        session = onnxruntime_session([helper.make_node(onnx_op, list(inputs), ["y"])],
                                      inputs, ("y", (16,)))
        if session is not None:
            feed = {f"x{i}": x for i, x in enumerate(xs)}
            np.testing.assert_allclose(session.run(None, feed)[0], want, rtol=1e-6)
            fns["ort"] = lambda: session.run(None, feed)
        fns["numpy"] = (lambda: np.exp(xs[0])) if onnx_op == "Exp" else (lambda: xs[0] + xs[1])
        t = best_per_call(fns, args.calls, args.rounds)
        ort = t.get("ort", float("nan"))
        print(f"{name:>8} {t['xrelax'] * 1e6:>10.2f} {ort * 1e6:>8.2f} "
              f"{t['xrelax'] / ort:>6.2f} {t['numpy'] * 1e6:>9.2f}")


if __name__ == "__main__":
    main()
