"""`relax-opt`: xdsl-opt with the relax and tir dialects and our passes.

It keeps xdsl-opt's flags (`-p`, `--split-input-file`, `--verify-diagnostics`,
`--print-op-generic`, `-t`, ...). User errors print as
`file:line:col: error: message` on stderr with a non-zero exit, never a
Python traceback. With `--verify-diagnostics` (or `--parsing-diagnostics`)
the error is printed on stdout and the exit code is 0, for FileCheck tests.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from xdsl.dialects.builtin import ModuleOp
from xdsl.passes import ModulePass, PassPipeline
from xdsl.printer import Printer
from xdsl.utils.exceptions import ArgSpecParseError, DiagnosticException, VerifyException
from xdsl.xdsl_opt_main import xDSLOptMain

from xrelax import __version__
from xrelax.diagnostics import CompileError, parse_module, verify_module
from xrelax.context import DIALECTS
from xrelax.tools.registry import our_passes


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

    def setup_pipeline(self) -> None:
        def after_each_pass(previous: ModulePass | None, module: ModuleOp,
                            following: ModulePass | None) -> None:
            if previous is not None and not self.args.disable_verify:
                verify_module(module)
            if previous and following and self.args.print_between_passes:
                print(f"// IR after {previous.name}:")
                Printer(stream=sys.stdout).print_op(module)
                print("\n")

        self.pipeline = PassPipeline.parse_spec(self.available_passes, self.args.passes,
                                                after_each_pass)

    def run(self) -> None:
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
        RelaxOptMain(description="relax-opt: the relax/tir optimizer driver", args=args).run()
    except CompileError as err:
        print(err, file=sys.stderr)
        sys.exit(1)
    except FileNotFoundError as err:
        print(f"relax-opt: error: cannot open '{err.filename}': {err.strerror}", file=sys.stderr)
        sys.exit(1)
    except (ValueError, KeyError, ArgSpecParseError) as err:  # bad pipeline spec, pass or target
        if os.environ.get("RELAX_DEBUG"):
            raise
        print(f"relax-opt: error: {err}", file=sys.stderr)
        sys.exit(1)
    except Exception as err:  # a bug in the compiler, not in the input
        if os.environ.get("RELAX_DEBUG"):
            raise
        print(f"relax-opt: internal error: {type(err).__name__}: {err} "
              "(set RELAX_DEBUG=1 for a traceback)", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
