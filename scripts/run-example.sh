#!/usr/bin/env bash
# Install the project, then compile and run an example (default: examples/exp.mlir)
# on random inputs with relax-run, after showing it parsed and verified by relax-opt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
example="${1:-examples/exp.mlir}"
shift || true
echo "== $example, parsed, verified and printed by relax-opt:"
.venv/bin/relax-opt "$example"
echo "== compiled to native code and run by relax-run on random inputs:"
.venv/bin/relax-run "$example" --random-inputs --dim n=8 "$@"
