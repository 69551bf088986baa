"""A seeded mutation fuzzer of the compiler: untrusted IR must give a result or
a located diagnostic, never an internal error, a traceback, a signal or a hang.

Mutants come from the project's own IR (examples/ and the lit inputs, split at
`// -----`, the chunks that verify), changed by text mutations (cut, duplicate, swap or truncate
lines, insert tokens) and by mutations that know the IR (a dim, a dtype, an
integer constant, an op name, a loop bound, a load/store index replaced by
another of its kind). Mutant k of seed s is the same on every machine.

Two drivers:
- `opt_outcome`: in-process, like `relax-opt FILE -p PIPELINE` (parse,
  verify, passes, print; no native code runs);
- `run_mutants`: compile and run (`compile_module` + random inputs) in worker
  subprocesses, restarted after a crash, killed after a timeout.

The outcomes: `ok`, `user-error` (a CompileError starting `file:line:col:`,
or an argument/run-time error of the compiled code), and the failures
`unlocated` (a diagnostic with no location), `internal` (any other
exception), `traceback`, `signal` (the worker died), `hang`.

Longer runs: `scripts/fuzz.sh` (see its header). As a script:

    python tests/fuzz_mutants.py --seed 1 --opt 10000 --run 300 [--jobs 2]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAILURES = ("unlocated", "internal", "traceback", "signal", "hang")
FILENAME = "mutant.mlir"
LOCATED = re.compile(rf"^{re.escape(FILENAME)}:\d+:\d+: error: ")
# diagnostics about the whole file, which have no line to point at
FILE_LEVEL = (f"{FILENAME}: error: the file is not UTF-8 text",)

INTERESTING_INTS = ["0", "1", "-1", "2", "3", "7", "8", "64", "65536", "2147483647",
                    "2147483648", "4294967296", "9223372036854775807", "9223372036854775808",
                    "-9223372036854775808", "18446744073709551616", "100000000", "-100000000"]
DTYPES = ["f16", "bf16", "f32", "f64", "i1", "i8", "i16", "i32", "i64", "ui8", "index", "bool"]
TOKENS = ["}", "{", "(", ")", "[", "]", ",", ":", "=", "%x", "%0", "@main", '"', '"a', "->",
          "!relax.tensor<[n], f32>", "!tir.buffer<[4], f32>", "tir.for %q = 0 to n {",
          "relax.return", "floordiv", "mod", "min(", "n", "m * n", "-", "*", "0x", "1.5e308",
          "dense<[1.0]>", "#tir.expr<n>", "ndim=2", "sym [n]", "parallel", "tir.init {"]


def corpus() -> list[str]:
    """The seeds: every example and every chunk of every lit input."""
    files = sorted((ROOT / "examples").glob("*.mlir"))
    files += sorted((ROOT / "tests" / "filecheck").rglob("*.mlir"))
    chunks = []
    for f in files:
        if "Output" in f.parts:
            continue
        for chunk in f.read_text().split("// -----"):
            lines = [ln for ln in chunk.splitlines() if not ln.lstrip().startswith("//")]
            text = "\n".join(lines).strip()
            if text:
                chunks.append(text + "\n")
    return chunks


def valid_corpus(chunks: list[str]) -> list[str]:
    """The chunks that parse and verify (the lit inputs also hold error cases):
    mutants of valid programs reach the passes and the lowering."""
    from xrelax.context import parse_text
    from xrelax.diagnostics import CompileError

    valid = []
    for text in chunks:
        try:
            parse_text(text)
        except CompileError:
            continue
        valid.append(text)
    return valid


_NAMES = re.compile(r"\b(?:relax|tir|arith|math)\.[a-z_0-9]+\b")


def _op_names(chunks: list[str]) -> list[str]:
    return sorted({m for c in chunks for m in _NAMES.findall(c)})


def mutate(text: str, rng: random.Random, op_names: list[str], semantic: bool = False) -> str:
    """One to three mutations of text (with `semantic`, one that keeps the
    syntax: a dim, dtype, integer, op name, value or loop bound)."""
    if semantic:
        return rng.choice(_SEMANTIC)(text, rng, op_names)
    for _ in range(rng.choice((1, 1, 1, 1, 1, 1, 1, 2, 2, 3))):
        text = rng.choice(_MUTATIONS)(text, rng, op_names)
    return text


def _sub_random(pattern: str, text: str, rng: random.Random, make) -> str:
    matches = list(re.finditer(pattern, text))
    if not matches:
        return text
    m = rng.choice(matches)
    return text[:m.start()] + make(m) + text[m.end():]


def _cut(text, rng, _):
    if not text:
        return text
    i = rng.randrange(len(text))
    return text[:i] + text[i + rng.randint(1, 40):]


def _truncate(text, rng, _):
    return text[:rng.randrange(len(text) + 1)]


def _lines(text, rng, _):
    lines = text.splitlines(keepends=True)
    if len(lines) < 2:
        return text
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    kind = rng.randrange(3)
    if kind == 0:
        lines.insert(j, lines[i])  # duplicate
    elif kind == 1:
        lines[i], lines[j] = lines[j], lines[i]  # swap
    else:
        del lines[i]
    return "".join(lines)


def _insert_token(text, rng, _):
    i = rng.randrange(len(text) + 1)
    return text[:i] + " " + rng.choice(TOKENS) + " " + text[i:]


def _integer(text, rng, _):
    return _sub_random(r"(?<![\w%#])-?\d+(?![\w.])", text, rng,
                       lambda m: rng.choice(INTERESTING_INTS))


def _dtype(text, rng, _):
    return _sub_random(r"\b(?:f16|bf16|f32|f64|i1|i8|i16|i32|i64|ui8|index|bool)\b", text, rng,
                       lambda m: rng.choice(DTYPES))


def _dim(text, rng, _):
    choices = ["n", "m", "k", "0", "1", "5", "n + 1", "n - 1", "n * m", "n floordiv 2", "-1",
               "9223372036854775807", "n * n * n * n"]
    return _sub_random(r"(?<=[\[,] )[^\[\],<>]{1,12}(?=[\],])|(?<=\[)[^\[\],<>]{1,12}(?=[\],])",
                       text, rng, lambda m: rng.choice(choices))


def _op_name(text, rng, names):
    return _sub_random(_NAMES.pattern, text, rng, lambda m: rng.choice(names))


def _value(text, rng, _):
    """A use of one SSA value replaced by another name of the text."""
    values = re.findall(r"%[A-Za-z0-9_]+", text)
    if not values:
        return text
    return _sub_random(r"%[A-Za-z0-9_]+", text, rng, lambda m: rng.choice(values))


def _bound(text, rng, _):
    return _sub_random(r"(?<== )\S+(?= to )|(?<= to )[^{]+?(?= \{)", text, rng,
                       lambda m: rng.choice(["0", "n", "n + 1", "n * 2", "-5", "4", "100000000",
                                             "n * n", "9223372036854775807"]))


# text mutations mostly find the parser's errors; the others reach the passes and
# the lowering, so they are drawn more often
_SEMANTIC = [*[_integer] * 3, *[_dtype] * 2, *[_dim] * 3, _op_name, _value, *[_bound] * 3]
_MUTATIONS = [_cut, _truncate, _lines, _insert_token, *_SEMANTIC]

PIPELINES = ["", "legalize-ops", "default-pipeline{fold=false}",
             "default-pipeline{fold=false lower=true}", "check-bounds,convert-relax-to-std"]


def mutant(seed: int, k: int, chunks: list[str], names: list[str],
           semantic: bool = False) -> tuple[str, str]:
    """Mutant k of a seed: (text, pipeline)."""
    rng = random.Random(seed * 1_000_003 + k)
    return mutate(rng.choice(chunks), rng, names, semantic), rng.choice(PIPELINES)


def classify_diagnostic(message: str) -> str:
    if "Traceback" in message:
        return "traceback"
    first = message.lstrip().splitlines()[0] if message.strip() else ""
    if LOCATED.match(first) or first.startswith(FILE_LEVEL):
        return "user-error"
    return "unlocated"


class _Timeout(BaseException):  # not an Exception: relax-opt's handlers must not catch it
    pass


def opt_outcome(text: str, pipeline: str, timeout: int = 20) -> tuple[str, str]:
    """relax-opt on text, in this process: (outcome, the message)."""
    from xrelax.tools import relax_opt

    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"{os.getpid()}-{FILENAME}"
    path.write_text(text)
    argv = [str(path), "-p", pipeline] if pipeline else [str(path)]
    out, err = io.StringIO(), io.StringIO()

    def alarm(*_):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(timeout)
    code: object = 0
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                relax_opt.main(argv)
            except SystemExit as done:
                code = done.code
    except _Timeout:
        return "hang", ""
    except BaseException as e:  # noqa: BLE001 - an escape from main is a bug
        return "internal", f"{type(e).__name__}: {e}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
        path.unlink(missing_ok=True)
    message = err.getvalue().replace(str(path), FILENAME)
    if code in (0, None):
        return ("traceback", message) if "Traceback" in message else ("ok", "")
    if code == 2 or "internal error" in message:
        return "internal", message
    return classify_diagnostic(message), message


# ---- compile and run, in a worker process ---------------------------------------------

def _worker() -> None:
    """Reads mutants (JSON lines) on stdin; prints one JSON outcome per mutant."""
    import numpy as np

    from xrelax.diagnostics import CompileError
    from xrelax.lowering.runtime import RelaxArgumentError, RelaxRuntimeError, compile_module
    from xrelax.tools.relax_run import random_inputs

    for line in sys.stdin:
        k, text = json.loads(line)
        print(json.dumps([k, "started", ""]), flush=True)
        try:
            exe = compile_module(text, filename=FILENAME, opt_level=1)
            for name in sorted(exe.functions):
                fn = exe[name]
                try:
                    args = random_inputs(fn, {}, seed=k)
                except CompileError:
                    continue  # parameters that random inputs cannot make
                with np.errstate(all="ignore"):
                    fn(*args)
            result = ["ok", ""]
        except CompileError as err:
            result = [classify_diagnostic(str(err)), str(err)]
        except (RelaxArgumentError, RelaxRuntimeError) as err:
            result = ["user-error", str(err)]
        except Exception as err:  # noqa: BLE001
            result = ["internal", f"{type(err).__name__}: {err}"]
        print(json.dumps([k, *result]), flush=True)


def run_mutants(items: list[tuple[int, str]], timeout: float = 60.0) -> dict[int, tuple[str, str]]:
    """Compile and run each (k, text) in worker processes: {k: (outcome, message)}."""
    results: dict[int, tuple[str, str]] = {}
    pending = list(items)
    while pending:
        proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=ROOT)
        assert proc.stdin is not None and proc.stdout is not None
        for k, text in pending:
            proc.stdin.write(json.dumps([k, text]) + "\n")
        proc.stdin.close()
        current = None
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        last = time.monotonic()
        while True:
            if not sel.select(timeout=max(0.1, timeout - (time.monotonic() - last))):
                if time.monotonic() - last >= timeout:  # no progress: the mutant hangs
                    proc.kill()
                    if current is not None:
                        results[current] = ("hang", "")
                    break
                continue
            line = proc.stdout.readline()
            if not line:
                break
            last = time.monotonic()
            k, outcome, message = json.loads(line)
            if outcome == "started":
                current = k
            else:
                results[k] = (outcome, message)
                current = None
        code = proc.wait()
        stderr = proc.stderr.read() if proc.stderr else ""
        sel.close()
        if current is not None and current not in results:
            what = "signal" if code < 0 or code >= 128 else "internal"
            results[current] = (what, f"exit {code}: {stderr[-500:]}")
        pending = [(k, t) for k, t in pending if k not in results]
    return results


def campaign(seed: int, n_opt: int, n_run: int, jobs: int = 1, log=None) -> dict:
    """Fuzz n_opt mutants through relax-opt and n_run through compile-and-run."""
    chunks = valid_corpus(corpus())
    names = _op_names(chunks)
    runnable = [c for c in chunks if "relax.func" in c]
    counts: dict[str, collections.Counter] = {"opt": collections.Counter(),
                                              "run": collections.Counter()}
    failures: list[dict] = []
    for k in range(n_opt):
        text, pipeline = mutant(seed, k, chunks, names)
        outcome, message = opt_outcome(text, pipeline)
        counts["opt"][outcome] += 1
        if outcome in FAILURES:
            failures.append({"driver": "opt", "k": k, "pipeline": pipeline, "outcome": outcome,
                             "message": message[:2000], "text": text})
        if log and (k + 1) % 500 == 0:
            print(f"opt {k + 1}/{n_opt}: {dict(counts['opt'])}", file=log, flush=True)
    items = [(k, mutant(seed + 7919, k, runnable, names, semantic=True)[0])
             for k in range(n_run)]
    shards = [items[i::jobs] for i in range(jobs)]
    if jobs > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(jobs) as pool:
            parts = list(pool.map(run_mutants, shards))
    else:
        parts = [run_mutants(items)]
    texts = dict(items)
    for part in parts:
        for k, (outcome, message) in sorted(part.items()):
            counts["run"][outcome] += 1
            if outcome in FAILURES:
                failures.append({"driver": "run", "k": k, "outcome": outcome,
                                 "message": message[:2000], "text": texts[k]})
    return {"seed": seed, "counts": {d: dict(c) for d, c in counts.items()},
            "failures": failures}


def main() -> None:
    if sys.argv[1:] == ["--worker"]:
        _worker()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--opt", type=int, default=1000, help="mutants through relax-opt")
    parser.add_argument("--run", type=int, default=100, help="mutants compiled and run")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes for --run")
    parser.add_argument("--report", help="write the failures (JSON) here")
    args = parser.parse_args()
    result = campaign(args.seed, args.opt, args.run, args.jobs, log=sys.stderr)
    print(json.dumps(result["counts"], indent=2))
    if args.report:
        Path(args.report).write_text(json.dumps(result, indent=2))
    for f in result["failures"][:20]:
        print(f"--- {f['driver']} #{f['k']} {f['outcome']}: {f['message'][:300]}")
    sys.exit(1 if result["failures"] else 0)


if __name__ == "__main__":
    main()
