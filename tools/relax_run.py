"""`relax-run`: compile a textual IR file and call one of its relax functions.

    relax-run FILE [--entry NAME] [--input PATH.npy ...] [--output-dir DIR]
                   [--random-inputs] [--dim n=4 ...] [--seed S] [-O LEVEL]
                   [--disable fuse,fold,...]

Inputs come from .npy files in parameter order, or with `--random-inputs`
are generated for tensor parameters (symbolic dims take their value from
`--dim`, default 4). Each output's shape, dtype and a summary are printed;
with `--output-dir`, outputs are also saved as out0.npy, out1.npy, ...
Errors (bad file, bad input, failed run-time check) print a message and exit
non-zero, without a Python traceback.
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


def _parse_dims(items: list[str]) -> dict[str, int]:
    dims: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.isidentifier() or not value.lstrip("-").isdigit():
            raise CompileError(f"relax-run: error: --dim expects NAME=INT, got '{item}'")
        dims[name] = int(value)
    return dims


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


def load_inputs(paths: list[str]) -> list[Any]:
    arrays = []
    for p in paths:
        try:
            arrays.append(np.load(p, allow_pickle=False))
        except (OSError, ValueError) as err:
            raise CompileError(f"relax-run: error: cannot read input '{p}': {err}") from None
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
    parser = argparse.ArgumentParser(prog="relax-run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"relax-run {__version__}")
    parser.add_argument("file", help="textual IR file (.mlir)")
    parser.add_argument("--entry", default="main", help="relax function to call (default: main)")
    parser.add_argument("--input", action="append", default=[], metavar="PATH.npy",
                        help="an argument, in parameter order (repeat)")
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
                             "fuse, schedule, plan_memory")
    args = parser.parse_args(argv)

    from xrelax.lowering.runtime import RelaxArgumentError, RelaxRuntimeError, compile_module

    try:
        source = Path(args.file).read_text()
    except OSError as err:
        raise CompileError(f"relax-run: error: cannot open '{args.file}': {err.strerror}") from None
    known = {"canonicalize", "fold", "cse", "dce", "fuse", "schedule", "plan_memory"}
    disabled = {o.strip() for item in args.disable for o in item.split(",") if o.strip()}
    if disabled - known:
        raise CompileError(f"relax-run: error: unknown --disable option(s) "
                           f"{', '.join(sorted(disabled - known))} (known: {', '.join(sorted(known))})")
    exe = compile_module(source, opt_level=args.opt_level, filename=args.file,
                         **{o: False for o in disabled})
    try:
        fn = exe[args.entry]
    except KeyError as err:
        raise CompileError(f"relax-run: error: {err.args[0]}") from None
    if args.input and args.random_inputs:
        raise CompileError("relax-run: error: give either --input or --random-inputs")
    inputs = (random_inputs(fn, _parse_dims(args.dim), args.seed) if args.random_inputs
              else load_inputs(args.input))
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
        out_dir.mkdir(parents=True, exist_ok=True)
        for i, value in enumerate(outputs):
            np.save(out_dir / f"out{i}.npy", np.asarray(value))
        print(f"wrote {len(outputs)} output(s) to {out_dir}")
    return 0


def main(argv: list[str] | None = None) -> None:
    try:
        sys.exit(run(argv))
    except CompileError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    except Exception as err:  # a bug in the compiler, not in the input
        if os.environ.get("RELAX_DEBUG"):
            raise
        print(f"relax-run: internal error: {type(err).__name__}: {err} "
              "(set RELAX_DEBUG=1 for a traceback)", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
