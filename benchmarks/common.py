"""Timing helpers shared by the benchmarks (not tests: numbers, no assertions on time)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np


def median_time(fn: Callable[[], object], repeat: int = 20, warmup: int = 2) -> float:
    """Median wall time of fn() in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def onnxruntime_session(nodes: list, inputs: dict[str, tuple], output: tuple[str, tuple],
                        initializers: dict[str, np.ndarray] | None = None, threads: int = 2):
    """An onnxruntime session for a small graph, or None if onnxruntime is not installed
    (`pip install -e '.[bench]'`)."""
    try:
        import onnx
        import onnxruntime as ort
        from onnx import TensorProto, helper, numpy_helper
    except ImportError:
        return None
    graph = helper.make_graph(
        nodes, "bench",
        [helper.make_tensor_value_info(k, TensorProto.FLOAT, list(v)) for k, v in inputs.items()],
        [helper.make_tensor_value_info(output[0], TensorProto.FLOAT, list(output[1]))],
        initializer=[numpy_helper.from_array(v, k) for k, v in (initializers or {}).items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return ort.InferenceSession(model.SerializeToString(), options,
                                providers=["CPUExecutionProvider"])


def row(name: str, seconds: float, reference: float) -> str:
    return f"{name:>32}: {seconds * 1e3:9.3f} ms   {seconds / reference:6.2f}x numpy's time"


def best_times(fns: dict[str, Callable[[], object]], repeat: int = 20,
               warmup: int = 2, consecutive: int = 1) -> dict[str, float]:
    """Best wall time of each fn in seconds, calls interleaved round by round, so
    that a burst of load from other processes hits every system alike (these
    machines are shared; the best of N is the least disturbed run). Each round
    calls each fn `consecutive` times in a row: onnxruntime's worker threads
    keep spinning for a while after a run and take the cores from whatever
    runs next, so multi-threaded workloads need a few calls per turn."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    best = {name: float("inf") for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            for _ in range(consecutive):
                start = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - start)
    return best
