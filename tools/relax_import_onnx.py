"""`relax-import-onnx`: import an ONNX model and print its relax IR.

    relax-import-onnx model.onnx [-o model.mlir] [--dim batch=1 ...]
                      [--input-shape x=1,3,h,w ...] [--keep-params-in-input]
                      [--inline-limit N]

Constants with more than N elements (default 16) are printed as
`dense_resource` blobs in the file's resource section, not element by element;
the output parses back with relax-opt and runs with relax-run. A model that
cannot be imported prints one message naming the node, op type and opset, and
exits 1.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from xrelax import __version__
from xrelax.diagnostics import CompileError


def parse_dims(items: list[str], flag: str) -> dict[str, int]:
    dims: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value.isdigit():
            raise CompileError(f"relax-import-onnx: error: {flag} expects NAME=INT, got '{item}'")
        dims[name] = int(value)
    return dims


def parse_input_shapes(items: list[str]) -> dict[str, list[int | str]]:
    shapes: dict[str, list[int | str]] = {}
    for item in items:
        name, sep, value = item.rpartition("=")
        if not sep or not name:
            raise CompileError("relax-import-onnx: error: --input-shape expects "
                               f"NAME=D0,D1,... (ints or dim names), got '{item}'")
        dims: list[int | str] = []
        for d in value.split(",") if value else []:
            d = d.strip()
            if d.isdigit():
                dims.append(int(d))
            elif d.isidentifier():
                dims.append(d)
            else:
                raise CompileError(f"relax-import-onnx: error: --input-shape: '{d}' is neither "
                                   "a non-negative int nor a dim name")
        shapes[name] = dims
    return shapes


def compile_onnx(path: str, **options):
    """(the compiled module, main's parameter names as the model names them) for
    `relax-run model.onnx`."""
    import onnx

    from xrelax.lowering.runtime import compile_module
    from xrelax.relax.frontend import from_onnx

    if not Path(path).is_file():
        raise CompileError(f"relax-run: error: cannot open '{path}': no such file")
    module = from_onnx(path)
    model = onnx.load(path, load_external_data=False)
    inits = {i.name for i in model.graph.initializer}
    names = [vi.name for vi in model.graph.input if vi.name not in inits]
    return compile_module(module, filename=path, **options), names


def order_inputs(items: list[str], names: list[str]) -> list[str]:
    """The .npy paths of `--input PATH` (in order) and `--input NAME=PATH` (by the
    model's input names), in parameter order."""
    slots: list[str | None] = [None] * len(names)
    positional = []
    for item in items:
        name, sep, path = item.partition("=")
        if sep and name in names:
            if slots[names.index(name)] is not None:
                raise CompileError(f"relax-run: error: --input gives '{name}' twice")
            slots[names.index(name)] = path
        elif sep and not Path(item).exists():
            raise CompileError(f"relax-run: error: --input {item}: the model has no input "
                               f"'{name}' (its inputs: {', '.join(names)})")
        else:
            positional.append(item)
    for path in positional:
        if None not in slots:
            raise CompileError(f"relax-run: error: {len(items)} inputs for a model with "
                               f"{len(names)}")
        slots[slots.index(None)] = path
    missing = [n for n, s in zip(names, slots) if s is None]
    if missing:
        raise CompileError(f"relax-run: error: no --input for {', '.join(missing)}")
    return [s for s in slots if s is not None]


def run(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="relax-import-onnx",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"relax-import-onnx {__version__}")
    parser.add_argument("model", help="an ONNX model (.onnx); external data next to it")
    parser.add_argument("-o", "--output", metavar="FILE", help="write the IR here (default: stdout)")
    parser.add_argument("--dim", action="append", default=[], metavar="NAME=INT",
                        help="fix a named dim (dim_param) to a value (repeat)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,D1,...",
                        help="the shape of an input: ints or dim names (repeat)")
    parser.add_argument("--keep-params-in-input", action="store_true",
                        help="make the initializers parameters of main instead of constants")
    parser.add_argument("--inline-limit", type=int, default=16, metavar="N",
                        help="print constants of at most N elements inline (default 16)")
    args = parser.parse_args(argv)
    from xrelax.relax.frontend import from_onnx
    from xrelax.relax.frontend.onnx_text import module_text

    if not Path(args.model).is_file():
        raise CompileError(f"relax-import-onnx: error: cannot open '{args.model}': no such file")
    module = from_onnx(args.model, dims=parse_dims(args.dim, "--dim"),
                       input_shapes=parse_input_shapes(args.input_shape),
                       keep_params_in_input=args.keep_params_in_input)
    text = module_text(module, max(args.inline_limit, 0))
    if args.output:
        try:
            Path(args.output).write_text(text)
        except OSError as err:
            raise CompileError(f"relax-import-onnx: error: cannot write '{args.output}': "
                               f"{err.strerror}") from None
    else:
        sys.stdout.write(text)
    return 0


def main(argv: list[str] | None = None) -> None:
    try:
        sys.exit(run(argv))
    except CompileError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    except Exception as err:  # a bug in the importer, not in the model
        if os.environ.get("RELAX_DEBUG"):
            raise
        print(f"relax-import-onnx: internal error: {type(err).__name__}: {err} "
              "(set RELAX_DEBUG=1 for a traceback)", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
