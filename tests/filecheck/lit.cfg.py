# lit configuration of the FileCheck regression suite.
# Run from the repository root:  lit tests/filecheck -v
# Tests call `relax-opt` and `filecheck` directly; both must be on PATH
# (e.g. the project's virtualenv bin directory).
import os

import lit.formats

config.name = "relax-xdsl"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.excludes = ["Output", "lit.cfg.py"]
config.environment["PATH"] = os.environ["PATH"]
# Error messages must not depend on the terminal width or colours.
config.environment["NO_COLOR"] = "1"
