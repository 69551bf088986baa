#!/usr/bin/env bash
# Install the project with onnxruntime, then run every benchmark (prints numbers; no pass/fail).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[dev,bench]"
for b in matmul_512 gemm mlp dense_relu elementwise conv resnet50 call_overhead; do
  [ -f "benchmarks/$b.py" ] && .venv/bin/python -m "xrelax.benchmarks.$b"
done
