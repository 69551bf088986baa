"""`relax-opt`: xdsl-opt with the relax and tir dialects and our passes.

It keeps xdsl-opt's flags (`-p`, `--split-input-file`, `--verify-diagnostics`,
`--print-op-generic`, `-t`, ...), and like mlir-opt: `--list-passes` lists this
project's passes with their options, `--time-passes` reports the time of every
pass on stderr, and `default-pipeline` runs as its steps, so that
`--print-between-passes` and `--time-passes` show each one. User errors print as
`file:line:col: error: message` on stderr with a non-zero exit, never a
Python traceback. With `--verify-diagnostics` (or `--parsing-diagnostics`)
the error is printed on stdout and the exit code is 0, for FileCheck tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Sequence
from typing import IO

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, VerifyException
from xdsl.xdsl_opt_main import xDSLOptMain

from xrelax import __version__
from xrelax.diagnostics import CompileError, parse_module, verify_module, verify_pass_output
from xrelax.context import DIALECTS
from xrelax.passes.default_pipeline import DefaultPipeline
from xrelax.tools.registry import PASSES, our_passes


def expand_pipelines(passes: Sequence[ModulePass]) -> tuple[ModulePass, ...]:
    """The passes with every default-pipeline replaced by its steps."""
    steps: list[ModulePass] = []
    for p in passes:
        steps += expand_pipelines(p.passes()) if isinstance(p, DefaultPipeline) else [p]
    return tuple(steps)


def _summary(cls: type) -> str:
    """The first sentence of a class docstring, on one line."""
    text = " ".join((cls.__doc__ or "").split("\n\n")[0].split())
    return text.split(". ")[0].removesuffix(".")


def pass_listing(name: str, cls: type[ModulePass]) -> str:
    """`name  opt=default ...  summary`: one line for --list-passes. Fields the
    driver hands in (the fold-constant evaluator) are not options."""
    options = [f"{f.name}={str(f.default).lower() if isinstance(f.default, bool) else f.default}"
               for f in dataclasses.fields(cls) if not f.metadata.get("handed_in")]
    return "  ".join(part for part in (name, " ".join(options), _summary(cls)) if part)


def timing_report(names: Sequence[str], seconds: Sequence[float]) -> str:
    """The pass times in pipeline order, like mlir-opt's --time-passes."""
    total = sum(seconds)
    rule = "===" + "-" * 73 + "==="
    lines = [rule, "Pass execution timing report".center(79).rstrip(), rule,
             f"  Total Execution Time: {total:.4f} seconds", "",
             "  ----Wall Time----  ----Name----"]
    for name, t in [*zip(names, seconds), ("Total", total)]:
        share = 100.0 * t / total if total else 0.0
        lines.append(f"  {t:9.4f} ({share:5.1f}%)  {name}")
    return "\n".join(lines)


class RelaxOptMain(xDSLOptMain):
    version_format = f"relax-opt {__version__} (xdsl {{xdsl_version}})"

    def register_all_dialects(self) -> None:
        super().register_all_dialects()  # ours come through the xdsl.universe entry point
        registered = set(self.ctx.registered_dialect_names)
        for name, factory in DIALECTS.items():  # (a checkout whose metadata predates it)
            if name not in registered:
                self.ctx.register_dialect(name, factory)

    def register_all_passes(self) -> None:
        super().register_all_passes()
        for name, factory in our_passes().items():
            self.register_pass(name, factory)

    def register_all_arguments(self, arg_parser: argparse.ArgumentParser) -> None:
        super().register_all_arguments(arg_parser)
        arg_parser.add_argument("--list-passes", action="store_true",
                                help="list this project's passes and their options, one a line")

    def setup_pipeline(self) -> None:
        passes = expand_pipelines(PassPipeline.parse_spec(self.available_passes,
                                                          self.args.passes).passes)
        self.pass_seconds = [0.0] * len(passes)  # by position in the pipeline, over all chunks
        clock = {"step": 0, "start": 0.0}

        def after_each_pass(previous: ModulePass | None, module: ModuleOp,
                            following: ModulePass | None) -> None:
            if previous is None:
                clock["step"] = 0
            else:
                self.pass_seconds[clock["step"]] += time.perf_counter() - clock["start"]
                clock["step"] += 1
                if not self.args.disable_verify:
                    verify_pass_output(module, previous.name)  # else: a compiler bug
            if previous and following and self.args.print_between_passes:
                print(f"// IR after {previous.name}:")
                Printer(stream=sys.stdout).print_op(module)
                print("\n")
            clock["start"] = time.perf_counter()  # verifying and printing are not timed

        self.pipeline = PassPipeline(passes, after_each_pass)

    def list_passes(self, out: IO[str]) -> None:
        for name in sorted(PASSES):
            print(pass_listing(name, self.available_passes[name]()), file=out)

    def run(self) -> None:
        if self.args.list_passes:
            self.list_passes(sys.stdout)
            return
        try:
            self.run_chunks()
        finally:
            if self.args.time_passes:
                names = [p.name for p in self.pipeline.passes]
                print(timing_report(names, self.pass_seconds), file=sys.stderr)

    def run_chunks(self) -> None:
        chunks, file_extension = self.prepare_input()
        name = self.get_input_name()
        output = self.prepare_output()
        report_on_stdout = self.args.verify_diagnostics or self.args.parsing_diagnostics
        failed = False
        try:
            for i, (chunk, offset) in enumerate(chunks):
                if i > 0:
                    output.write("// -----\n")
                try:
                    module = parse_module(self.ctx, chunk.read(), name, offset)
                    if not self.args.disable_verify:
                        verify_module(module)
                    self.apply_passes(module)
                    output.write(self.output_resulting_program(module))
                except (CompileError, VerifyException, DiagnosticException) as err:
                    if isinstance(err, CompileError):
                        message = str(err)
                    else:  # raised by a pass, without a location
                        message = f"{name}: error: {err}"
                    if report_on_stdout:
                        output.write(message + "\n")
                    else:
                        output.flush()  # keep stdout and stderr in input order
                        print(message, file=sys.stderr)
                        failed = True
                finally:
                    chunk.close()
                output.flush()
        finally:
            if output is not sys.stdout:
                output.close()
        if failed:
            sys.exit(1)


def main(args: Sequence[str] | None = None) -> None:
    try:
        try:
            opt = RelaxOptMain(description="relax-opt: the relax/tir optimizer driver", args=args)
        except (ValueError, KeyError, ArgSpecParseError) as err:  # bad pipeline, pass or target
            raise CompileError(f"relax-opt: error: {err}") from None
        opt.run()  # from here on, a ValueError is a bug in the compiler
    except CompileError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    except FileNotFoundError as err:
        print(f"relax-opt: error: cannot open '{err.filename}': {err.strerror}", file=sys.stderr)
        sys.exit(1)
    except Exception as err:  # a bug in the compiler, not in the input
        if os.environ.get("RELAX_DEBUG"):
            raise
        print(f"relax-opt: internal error: {type(err).__name__}: {err} "
              "(set RELAX_DEBUG=1 for a traceback)", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
