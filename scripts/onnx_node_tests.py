#!/usr/bin/env python3
"""Run the ONNX backend node tests through `from_onnx` and report per op type.

    .venv/bin/python scripts/onnx_node_tests.py                  # every case
    .venv/bin/python scripts/onnx_node_tests.py -k conv -k relu  # names containing these
    .venv/bin/python scripts/onnx_node_tests.py --jobs 2 --json out.json --failures
    .venv/bin/python scripts/onnx_node_tests.py --jobs 2 --timeout 180 --markdown docs/onnx-node-tests.md

The cases are those of the installed onnx package: the files under
onnx/backend/test/data/node/*/ when the package has them, otherwise the same
cases made in memory by the package's own generators (onnx.backend.test.case).
Each case is imported, compiled and run on its inputs; the outputs are compared
with the expected ones at the case's tolerances. Outcomes:

- passed: every output matches;
- failed: wrong values, a compile or run-time error, a crash or a timeout;
- unsupported: `from_onnx` refused the model with an OnnxImportError;
- dtype: an input or output has a type relax does not support (strings,
  uint16/32/64, float8, int4, sequences, ...); not counted in the pass rate.

The pass rate is passed / (passed + failed + unsupported). `--markdown` writes
the per-op table and every failed or unsupported case with its reason (the
note of a full run: docs/onnx-node-tests.md); tests/test_onnx_node_cases.py
runs a bounded subset in the test suite.
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing as mp
import os
import re
import signal
import sys
import time
import traceback
import warnings
from collections import Counter, defaultdict
from typing import Any

# the dtypes relax compiles: f32 ui8 i8 i16 i32 i64 bool f16 f64 (bf16 is a relax type
# that the native compiler rejects)
SUPPORTED_ELEMS = {1, 2, 3, 5, 6, 7, 9, 10, 11}


# ---- the cases ------------------------------------------------------------------------------


class Case:
    def __init__(self, name: str, model: Any, data_sets: list[tuple[list[Any], list[Any]]],
                 rtol: float, atol: float):
        self.name, self.model, self.data_sets, self.rtol, self.atol = \
            name, model, data_sets, rtol, atol


def _load_pb(path: str, like: Any) -> Any:
    import onnx
    from onnx import numpy_helper

    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def collect_cases() -> list[Case]:
    """Every node case of the installed onnx package, sorted by name."""
    import onnx

    root = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
    cases = []
    if os.path.isdir(root):
        for d in sorted(glob.glob(os.path.join(root, "*"))):
            model = onnx.load(os.path.join(d, "model.onnx"))
            sets = []
            for ds in sorted(glob.glob(os.path.join(d, "test_data_set_*"))):
                ins = [_load_pb(p, None) for p in sorted(glob.glob(os.path.join(ds, "input_*.pb")),
                                                         key=_pb_index)]
                outs = [_load_pb(p, None) for p in sorted(glob.glob(os.path.join(ds, "output_*.pb")),
                                                          key=_pb_index)]
                sets.append((ins, outs))
            cases.append(Case(os.path.basename(d), model, sets, 1e-3, 1e-7))
        return cases
    from onnx.backend.test.case import node

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import numpy as np

        with np.errstate(all="ignore"):
            generated = node.collect_testcases(None)
    for c in generated:
        cases.append(Case(c.name, c.model, list(c.data_sets or []), c.rtol, c.atol))
    return sorted(cases, key=lambda c: c.name)


def _pb_index(path: str) -> int:
    return int(re.search(r"_(\d+)\.pb$", path).group(1))  # type: ignore[union-attr]


def _op_names() -> list[tuple[str, str]]:
    from onnx import defs

    names = {s.name for s in defs.get_all_schemas_with_history()}
    return sorted(((n.lower(), n) for n in names), key=lambda p: -len(p[0]))


def op_type_of(case_name: str, ops: list[tuple[str, str]]) -> str:
    """The op a case tests: the op of a one-node model, else from the case's
    name (test_reduce_max_..._expanded -> ReduceMax)."""
    case = _CASES.get(case_name)
    if case is not None and len(case.model.graph.node) == 1:
        return case.model.graph.node[0].op_type
    key = case_name.removeprefix("test_").replace("_", "").lower()
    for low, name in ops:
        if key.startswith(low):
            return name
    return case_name.removeprefix("test_").split("_")[0]


def dtype_problem(case: Case) -> str | None:
    g = case.model.graph
    for vi in list(g.input) + list(g.output):
        kind = vi.type.WhichOneof("value")
        if kind != "tensor_type":
            return f"{vi.name}: {kind}"
        if vi.type.tensor_type.elem_type not in SUPPORTED_ELEMS:
            from onnx import TensorProto

            return f"{vi.name}: {TensorProto.DataType.Name(vi.type.tensor_type.elem_type)}"
    return None


# ---- running one case ------------------------------------------------------------------------


class Timeout(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Timeout()


def run_case(case: Case, timeout: float = 120.0) -> tuple[str, str]:
    """(outcome, detail) for one case."""
    import numpy as np
    from onnx import numpy_helper

    from xrelax.lowering.runtime import compile_module
    from xrelax.relax.frontend import OnnxImportError, from_onnx
    from xrelax.diagnostics import CompileError

    problem = dtype_problem(case)
    if problem:
        return "dtype", problem
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        try:
            module = from_onnx(case.model)
        except OnnxImportError as err:
            return "unsupported", str(err).splitlines()[0]
        exe = compile_module(module)
        fn = exe["main"]
        inits = {i.name for i in case.model.graph.initializer}
        positions = [k for k, vi in enumerate(case.model.graph.input) if vi.name not in inits]
        for inputs, expected in case.data_sets:
            args = []
            for k in positions:
                v = inputs[k]
                v = np.asarray(v) if isinstance(v, (np.ndarray, np.generic)) else \
                    numpy_helper.to_array(v)
                args.append(np.ascontiguousarray(v).reshape(v.shape))  # (keeps 0-d arrays 0-d)
            result = fn(*args)
            outs = list(result) if len(expected) > 1 else [result]
            for j, (got, want) in enumerate(zip(outs, expected)):
                want = np.asarray(want) if isinstance(want, (np.ndarray, np.generic)) else \
                    numpy_helper.to_array(want)
                got = np.asarray(got)
                if got.shape != want.shape:
                    return "failed", f"output #{j}: shape {got.shape}, expected {want.shape}"
                if got.dtype != want.dtype:
                    return "failed", f"output #{j}: dtype {got.dtype}, expected {want.dtype}"
                if want.dtype.kind in "fc":
                    ok = np.allclose(got.astype(np.float64), want.astype(np.float64),
                                     rtol=case.rtol, atol=case.atol, equal_nan=True)
                else:
                    ok = np.array_equal(got, want)
                if not ok:
                    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
                    return "failed", f"output #{j}: max abs diff {np.nanmax(diff):.3g}"
        return "passed", ""
    except Timeout:
        return "failed", f"timeout after {timeout:.0f} s"
    except CompileError as err:
        return "failed", "compile error: " + str(err).splitlines()[0]
    except Exception as err:  # noqa: BLE001 (every failure is reported, none stops the run)
        where = traceback.extract_tb(err.__traceback__)[-1]
        return "failed", (f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
                          f" ({os.path.basename(where.filename)}:{where.lineno})")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---- running many ----------------------------------------------------------------------------


_CASES: dict[str, Case] = {}  # collected once, inherited by the forked workers


def _worker(names: list[str], queue: Any, timeout: float) -> None:
    warnings.simplefilter("ignore")
    by_name = _CASES
    for name in names:
        queue.put((name, "started", ""))
        outcome, detail = run_case(by_name[name], timeout)
        queue.put((name, outcome, detail))


def run_all(names: list[str], jobs: int, timeout: float,
            progress: bool = False) -> dict[str, tuple[str, str]]:
    """Run the named cases in `jobs` worker processes; a worker that dies
    (a crash in native code) fails its case and is replaced."""
    results: dict[str, tuple[str, str]] = {}
    if not _CASES:
        _CASES.update({c.name: c for c in collect_cases()})
    pending = list(names)
    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    workers: dict[int, tuple[Any, list[str]]] = {}
    chunks = max(1, min(jobs, len(pending)))

    def start(batch: list[str]) -> None:
        p = ctx.Process(target=_worker, args=(batch, queue, timeout), daemon=True)
        p.start()
        workers[p.pid] = (p, batch)

    for k in range(chunks):
        start(pending[k::chunks])
    done_count = 0
    while workers:
        try:
            name, outcome, detail = queue.get(timeout=1.0)
        except Exception:  # noqa: BLE001 (queue.Empty): look for dead workers
            for pid, (p, batch) in list(workers.items()):
                if p.is_alive():
                    continue
                del workers[pid]
                rest = [n for n in batch if n not in results]
                if rest and p.exitcode != 0:
                    crashed = rest[0]
                    results[crashed] = ("failed", f"crash (exit code {p.exitcode})")
                    rest = rest[1:]
                if rest:
                    start(rest)
            continue
        if outcome == "started":
            continue
        results[name] = (outcome, detail)
        done_count += 1
        if progress:
            print(f"[{done_count}/{len(names)}] {name}: {outcome} {detail}"[:200], flush=True)
    return results


def summarize(results: dict[str, tuple[str, str]]) -> tuple[str, dict[str, Counter]]:
    ops = _op_names()
    per_op: dict[str, Counter] = defaultdict(Counter)
    for name, (outcome, _) in results.items():
        per_op[op_type_of(name, ops)][outcome] += 1
    total = Counter(o for o, _ in results.values())
    counted = total["passed"] + total["failed"] + total["unsupported"]
    rate = 100.0 * total["passed"] / counted if counted else 0.0
    lines = [f"{'op type':28} passed failed unsupported dtype"]
    for op in sorted(per_op):
        c = per_op[op]
        lines.append(f"{op:28} {c['passed']:6} {c['failed']:6} {c['unsupported']:11} "
                     f"{c['dtype']:5}")
    lines.append(f"{'TOTAL':28} {total['passed']:6} {total['failed']:6} "
                 f"{total['unsupported']:11} {total['dtype']:5}")
    lines.append(f"pass rate over cases with supported dtypes: {total['passed']}/{counted} "
                 f"= {rate:.1f}%")
    return "\n".join(lines), per_op


def markdown(results: dict[str, tuple[str, str]], seconds: float | None, command: str) -> str:
    """The note of a run: totals, the table per op type, the cases that did not pass."""
    import onnx

    _, per_op = summarize(results)
    total = Counter(o for o, _ in results.values())
    counted = total["passed"] + total["failed"] + total["unsupported"]
    rate = 100.0 * total["passed"] / counted if counted else 0.0
    out = ["# ONNX backend node tests", "",
           f"The node test cases of the installed onnx package ({onnx.__version__}; "
           f"{len(results)} cases), each imported with `from_onnx`, compiled and run on its "
           f"inputs, the outputs compared with the expected ones. Made by `{command}`" +
           (f" ({seconds / 60:.0f} min on a 2-core machine)." if seconds is not None else "."),
           "",
           f"**{total['passed']} passed, {total['failed']} failed, {total['unsupported']} "
           f"unsupported** of the {counted} cases whose dtypes relax supports: "
           f"**{rate:.1f}%** pass; {total['dtype']} more have a dtype relax does not support "
           "(strings, uint16/32/64, float8, int4, bfloat16, sequences, optionals, ...).", "",
           "Outcomes: *passed*: every output matches at the case's tolerance; *failed*: wrong "
           "values, a compile or run-time error, a crash or a timeout; *unsupported*: "
           "`from_onnx` refused the model with an `OnnxImportError` naming the node, op type, "
           "opset and what is missing; *dtype*: not counted.", "",
           "| op type | passed | failed | unsupported | dtype |", "| --- | ---: | ---: | ---: | ---: |"]
    for op in sorted(per_op):
        c = per_op[op]
        out.append(f"| {op} | {c['passed']} | {c['failed']} | {c['unsupported']} | "
                   f"{c['dtype']} |")
    out.append(f"| **total** | **{total['passed']}** | **{total['failed']}** | "
               f"**{total['unsupported']}** | **{total['dtype']}** |")
    for kind in ("failed", "unsupported"):
        rows = [(n, d) for n, (o, d) in sorted(results.items()) if o == kind]
        if rows:
            out += ["", f"## {kind.capitalize()} ({len(rows)})", ""]
            out += [f"- `{n}`: {d.replace('|', '/')}" for n, d in rows]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-k", action="append", default=[], metavar="TEXT",
                        help="only cases whose name contains TEXT (repeat: any of them)")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per case")
    parser.add_argument("--json", metavar="PATH", help="write every outcome as JSON")
    parser.add_argument("--failures", action="store_true",
                        help="list the failed and unsupported cases with their reasons")
    parser.add_argument("--progress", action="store_true", help="print each case as it ends")
    parser.add_argument("--markdown", metavar="PATH",
                        help="write the per-op table and the reasons as a markdown note")
    parser.add_argument("--from-json", metavar="PATH",
                        help="report the outcomes a --json run saved instead of running")
    args = parser.parse_args(argv)
    _CASES.update({c.name: c for c in collect_cases()})
    names = sorted(_CASES)
    if args.k:
        names = [n for n in names if any(t in n for t in args.k)]
    start = time.time()
    seconds: float | None
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        seconds = saved.get("seconds")
        outcomes = saved.get("results", saved)
        results = {n: (o, d) for n, (o, d) in outcomes.items() if n in names}
    else:
        results = run_all(names, args.jobs, args.timeout, args.progress)
        seconds = time.time() - start
    text, _ = summarize(results)
    print(text)
    print(f"{len(results)} cases" + (f" in {seconds:.0f} s" if seconds is not None else ""))
    if args.failures:
        for name in sorted(results):
            outcome, detail = results[name]
            if outcome in ("failed", "unsupported"):
                print(f"{outcome:11} {name}: {detail}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"seconds": seconds,
                       "results": {n: list(r) for n, r in sorted(results.items())}}, f, indent=1)
    if args.markdown:
        # the command that runs the cases (the output files are the note's business)
        flags = []
        given = list(argv if argv is not None else sys.argv[1:])
        while given:
            a = given.pop(0)
            if a in ("--json", "--from-json", "--markdown"):
                del given[:1]  # (its file)
            elif a != "--failures" and not a.startswith(("--json=", "--from-json=",
                                                          "--markdown=")):
                flags.append(a)
        command = " ".join([".venv/bin/python scripts/onnx_node_tests.py", *flags])
        with open(args.markdown, "w") as f:
            f.write(markdown(results, seconds, command))
    return 0


if __name__ == "__main__":
    sys.exit(main())
