"""`relax-run`: compile a textual IR file and call one of its relax functions.

    relax-run FILE [--entry NAME] [--input PATH.npy ...] [--output-dir DIR]
                   [--random-inputs] [--dim n=4 ...] [--seed S] [-O LEVEL]
                   [--disable fuse,fold,...] [--profile [N]] [--save OUT.xrx]
                   [--no-cache] [-v]

FILE is textual IR (.mlir), an ONNX model (.onnx), or an executable that
`--save` wrote (.xrx), which runs without compiling (refused, exit 1, when it
was built for another CPU or another xrelax). Compiles go through the compile
cache (see lowering/cache.py; `--no-cache` or `XRELAX_CACHE=0` turn it off).
With `--save`, the compiled executable is written to a file; the function
runs too when inputs are given. `-v` prints each stage's time on stderr as
it ends (parse, every pass, LLVM optimization, code generation), or the
cache hit.

Inputs come from .npy files in parameter order, or with `--random-inputs`
are generated for tensor parameters (symbolic dims take their value from
`--dim`, default 4). Each output's shape, dtype and a summary are printed;
with `--output-dir`, outputs are also saved as out0.npy, out1.npy, ...
With `--profile N`, the function then runs N more times (default 1) with a
clock read around every kernel call in the generated code, and a table of
the kernels' calls, times, share of the run and GFLOP/s is printed.
Exit status, each failure with a one-line message on stderr and never a
Python traceback:

| status | meaning                                                              |
| ------ | -------------------------------------------------------------------- |
| 0      | success                                                              |
| 1      | an error in the input: the IR file (located), an input file, a failed run-time check, an output directory or --save file that cannot be written, a saved executable that is corrupt or built for another CPU or xrelax |
| 2      | an internal compiler error (a bug; `RELAX_DEBUG=1` shows the traceback) |
| 64     | a usage error: bad or conflicting options (compile options for a saved executable), `--dim` for a variable the function does not have |
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from xrelax import __version__
from xrelax.diagnostics import CompileError

EXIT_USER_ERROR, EXIT_INTERNAL_ERROR, EXIT_USAGE = 1, 2, 64
MAX_DIM = 1 << 48  # as the runtime allows
MAX_RANDOM_ELEMENTS = 1 << 31  # per generated input


class UsageError(Exception):
    """The command line is wrong (exit status 64)."""


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse prints usage and exits 2: ours is 64
        raise UsageError(message)


def _parse_dims(items: list[str]) -> dict[str, int]:
    dims: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier() or not value.lstrip("-").isdigit():
            raise UsageError(f"--dim expects NAME=INT, got '{item}'")
        if not 0 <= int(value) < MAX_DIM:
            raise UsageError(f"--dim {name}={value}: a dim is in [0, 2**48)")
        dims[name] = int(value)
    return dims


def _check_dim_names(fn: Any, dims: dict[str, int]) -> None:
    from xrelax.relax.types import free_vars

    known = set().union(*(free_vars(t) for t in fn.signature.inputs.data))
    unknown = sorted(set(dims) - known)
    if unknown:
        raise UsageError(f"--dim {unknown[0]}: @{fn.name} has no symbolic variable "
                         f"'{unknown[0]}' (its variables: {', '.join(sorted(known)) or 'none'})")


def random_inputs(fn: Any, dims: dict[str, int], seed: int) -> list[Any]:
    """Random arguments for a function's parameters (tensors, shapes, prims)."""
    from xrelax.lowering.runtime import numpy_dtype
    from xrelax.relax.types import PrimType, ShapeType, TensorType

    rng = np.random.default_rng(seed)
    env: dict[str, int] = {}

    def value_of(d: Any) -> int:
        for v in d.free_vars():
            env.setdefault(v, dims.get(v, 4))
        return d.evaluate(env)

    args = []
    for i, t in enumerate(fn.signature.inputs.data):
        if isinstance(t, TensorType):
            if t.dims is None:
                raise CompileError(f"relax-run: error: cannot make a random input for parameter "
                                   f"#{i} of unknown shape {t}; pass --input")
            shape = tuple(value_of(d) for d in t.dims)
            if any(d < 0 for d in shape) or int(np.prod(shape, dtype=object)) > MAX_RANDOM_ELEMENTS:
                raise CompileError(f"relax-run: error: cannot make a random input of shape "
                                   f"{shape} for parameter #{i} (at most {MAX_RANDOM_ELEMENTS} "
                                   "elements, no negative dims)")
            dtype = numpy_dtype(t.dtype)
            if dtype == np.bool_:
                args.append(rng.random(shape) < 0.5)
            elif np.issubdtype(dtype, np.integer):
                args.append(rng.integers(0, 10, shape).astype(dtype))
            else:
                args.append(rng.standard_normal(shape).astype(dtype))
        elif isinstance(t, ShapeType) and t.dims is not None:
            args.append(tuple(value_of(d) for d in t.dims))
        elif isinstance(t, PrimType):
            args.append(value_of(t.known_value) if t.known_value is not None else 1)
        else:
            raise CompileError(f"relax-run: error: cannot make a random input for parameter "
                               f"#{i} of type {t}; pass --input")
    return args


def _load_npy(path: str) -> np.ndarray:
    """np.load, after checking that the file holds the data its header
    declares (a header may claim 2**62 elements)."""
    fmt = np.lib.format
    with open(path, "rb") as f:
        version = fmt.read_magic(f)
        read_header = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
        shape, _, dtype = read_header(f)
        if dtype.hasobject:
            raise ValueError("arrays of Python objects are not accepted")
        size = int(np.prod(shape, dtype=object)) * dtype.itemsize
        available = os.fstat(f.fileno()).st_size - f.tell()
        if size > available:
            raise ValueError(f"the header declares shape {shape} ({size} bytes) but the file "
                             f"holds {available} bytes of data")
    return np.load(path, allow_pickle=False)


def load_inputs(paths: list[str]) -> list[Any]:
    arrays = []
    for p in paths:
        try:
            arrays.append(_load_npy(p))
        except (OSError, ValueError, EOFError, MemoryError) as err:
            reason = err.strerror if isinstance(err, OSError) and err.strerror else str(err)
            reason = reason or type(err).__name__
            raise CompileError(f"relax-run: error: cannot read input '{p}': "
                               f"{reason}") from None
    return arrays


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, tuple) and not all(isinstance(x, (int, np.integer)) for x in value):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def describe(i: int, value: Any) -> str:
    if isinstance(value, np.ndarray):
        head = f"out{i}: tensor shape={value.shape} dtype={value.dtype}"
        if value.size == 0:
            return head + " (empty)"
        v = value.astype(np.float64)
        return (head + f" min={v.min():.6g} max={v.max():.6g} mean={v.mean():.6g} "
                f"sum={v.sum():.6g}")
    if isinstance(value, tuple):
        return f"out{i}: shape {value}"
    return f"out{i}: {type(value).__name__} {value}"


def run(argv: list[str] | None = None) -> int:
    parser = _ArgumentParser(prog="relax-run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"relax-run {__version__}")
    parser.add_argument("file", help="textual IR file (.mlir), or an ONNX model (.onnx)")
    parser.add_argument("--entry", default="main", help="relax function to call (default: main)")
    parser.add_argument("--input", action="append", default=[], metavar="PATH.npy",
                        help="an argument, in parameter order (repeat); for a .onnx model "
                             "also NAME=PATH.npy by input name")
    parser.add_argument("--random-inputs", action="store_true",
                        help="generate random arguments instead of --input")
    parser.add_argument("--dim", action="append", default=[], metavar="NAME=INT",
                        help="value of a symbolic dim for --random-inputs (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed for --random-inputs")
    parser.add_argument("--output-dir", metavar="DIR", help="write out0.npy, out1.npy, ... here")
    parser.add_argument("-O", dest="opt_level", type=int, default=3, choices=range(4),
                        help="LLVM optimization level (default 3)")
    parser.add_argument("--disable", action="append", default=[], metavar="OPT[,OPT]",
                        help="turn off default-pipeline steps: canonicalize, fold, cse, dce, "
                             "fuse, schedule, plan_memory; check_bounds is UNSAFE (no run-time "
                             "bounds checks in kernels)")
    parser.add_argument("--profile", nargs="?", type=int, const=1, metavar="N",
                        help="time each kernel over N more calls (default 1) and print a table")
    parser.add_argument("--save", metavar="OUT.xrx",
                        help="write the compiled executable to a file (relax-run OUT.xrx runs it)")
    parser.add_argument("--no-cache", action="store_true",
                        help="neither read nor write the compile cache")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="print each compile stage's time on stderr")
    args = parser.parse_args(argv)
    if args.profile is not None and args.profile < 1:
        raise UsageError(f"--profile {args.profile}: the number of calls is at least 1")
    if args.seed < 0:
        raise UsageError(f"--seed {args.seed}: the seed is a non-negative integer")
    if args.input and args.random_inputs:
        raise UsageError("give either --input or --random-inputs")
    if args.dim and not args.random_inputs:
        raise UsageError("--dim applies to --random-inputs")
    dims = _parse_dims(args.dim)
    known = {"canonicalize", "fold", "cse", "dce", "fuse", "layout", "schedule",
             "plan_memory", "check_bounds"}
    disabled = {o.strip() for item in args.disable for o in item.split(",") if o.strip()}
    if disabled - known:
        raise UsageError(f"unknown --disable option(s) {', '.join(sorted(disabled - known))} "
                         f"(known: {', '.join(sorted(known))})")

    from xrelax.lowering.runtime import RelaxArgumentError, RelaxRuntimeError

    saved = args.file.endswith(".xrx")
    if saved and (disabled or args.opt_level != 3 or args.no_cache or args.save):
        raise UsageError(f"{args.file} is compiled already: -O, --disable, --no-cache and "
                         "--save apply to compiling")
    exe = _executable(args, disabled)
    if args.save:
        try:
            exe.save(args.save)
        except OSError as err:
            raise CompileError(f"relax-run: error: cannot write '{args.save}': "
                               f"{err.strerror or err}") from None
        print(f"saved the executable to {args.save}")
        if not (args.input or args.random_inputs):
            return 0
    try:
        fn = exe[args.entry]
    except KeyError as err:
        raise CompileError(f"relax-run: error: {err.args[0]}") from None
    _check_dim_names(fn, dims)
    inputs = (random_inputs(fn, dims, args.seed) if args.random_inputs
              else load_inputs(args.input))
    _check_count(fn, inputs, args.random_inputs)
    if args.profile is not None and fn.profile_counters is None:
        raise CompileError(f"relax-run: error: {args.file} was saved without profiling: save "
                           "it with relax-run --profile --save")
    try:
        result = fn(*inputs)
    except (RelaxArgumentError, RelaxRuntimeError) as err:
        raise CompileError(f"relax-run: error: {err}") from None
    outputs = _leaves(result)
    for i, value in enumerate(outputs):
        print(describe(i, value))
    plan = fn.memory_plan(**fn.last_dims) if fn.memory else {}
    if plan.get("unplanned"):
        print(f"memory plan: intermediates take {plan.get('planned', 0)} bytes "
              f"({plan.get('unplanned', 0)} bytes without planning)")
    if args.output_dir:
        out_dir = Path(args.output_dir)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            for i, value in enumerate(outputs):
                np.save(out_dir / f"out{i}.npy", np.asarray(value))
        except OSError as err:
            raise CompileError(f"relax-run: error: cannot write the outputs to '{out_dir}': "
                               f"{err.strerror or err}") from None
        print(f"wrote {len(outputs)} output(s) to {out_dir}")
    if args.profile is not None:
        print(fn.profile(*inputs, repeat=args.profile))
    return 0


def _executable(args: argparse.Namespace, disabled: set[str]) -> Any:
    """Load a saved executable, or compile the file (through the cache)."""
    import time

    from xrelax.lowering.runtime import compile_module, load_executable

    start = time.perf_counter()
    if args.file.endswith(".xrx"):
        exe = load_executable(args.file)
        if args.verbose:
            _progress(f"load {args.file}", time.perf_counter() - start)
        return exe
    options = dict(opt_level=args.opt_level, profile=args.profile is not None,
                   **{o: False for o in disabled})
    if args.no_cache:
        options["cache"] = False
    if args.verbose:
        options["progress"] = _progress
    if args.file.endswith(".onnx"):  # an ONNX model: imported, inputs also by name
        from xrelax.tools.relax_import_onnx import compile_onnx, order_inputs

        exe, names = compile_onnx(args.file, **options)
        args.input = order_inputs(args.input, names) if args.input else []
    else:
        try:
            source = Path(args.file).read_bytes()
        except OSError as err:
            raise CompileError(f"relax-run: error: cannot open '{args.file}': "
                               f"{err.strerror}") from None
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as err:
            raise CompileError(f"{args.file}: error: the file is not UTF-8 text (byte "
                               f"{err.start}: {err.reason})") from None
        exe = compile_module(text, filename=args.file, **options)
    if args.verbose:
        how = "found in the compile cache" if exe.from_cache else "compiled"
        _progress(f"{how}, in total", time.perf_counter() - start)
    return exe


def _progress(stage: str, seconds: float) -> None:
    print(f"relax-run: {stage:<36} {seconds:8.3f} s", file=sys.stderr, flush=True)


def _check_count(fn: Any, inputs: list[Any], random: bool) -> None:
    """The number of inputs, with what to do about a wrong one."""
    names = fn.param_names
    if len(inputs) == len(names) or random:
        return
    noun = "argument" if len(names) == 1 else "arguments"
    order = f"in parameter order: {', '.join(names)}"
    hint = (f"pass them with --input PATH.npy ({order}) or use --random-inputs" if not inputs
            else f"--input was given {len(inputs)} time(s); {order}")
    raise CompileError(f"relax-run: error: {fn.name} takes {len(names)} {noun}, got "
                       f"{len(inputs)}: {hint}")


def main(argv: list[str] | None = None) -> None:
    try:
        sys.exit(run(argv))
    except UsageError as err:
        print(f"relax-run: usage error: {err} (see relax-run --help)", file=sys.stderr)
        sys.exit(EXIT_USAGE)
    except CompileError as err:
        print(err, file=sys.stderr)
        sys.exit(EXIT_USER_ERROR)
    except Exception as err:  # a bug in the compiler, not in the input
        if os.environ.get("RELAX_DEBUG"):
            raise
        message = " ".join(f"{type(err).__name__}: {err}".split())  # one line
        print(f"relax-run: internal error: {message} (set RELAX_DEBUG=1 for a traceback)",
              file=sys.stderr)
        sys.exit(EXIT_INTERNAL_ERROR)


if __name__ == "__main__":
    main()
