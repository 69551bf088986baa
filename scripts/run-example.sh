#!/usr/bin/env bash
# Install the project, then run an example through relax-opt (default: examples/exp.mlir).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
example="${1:-examples/exp.mlir}"
echo "== $example, parsed, verified and printed by relax-opt:"
.venv/bin/relax-opt "$example"
echo "== the same module in generic form, parsed back:"
.venv/bin/relax-opt "$example" --print-op-generic | .venv/bin/relax-opt
