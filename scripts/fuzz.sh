#!/usr/bin/env bash
# The long fuzz run, before a release: mutants of the project's IR through
# relax-opt (in one process) and compiled and run (in worker processes), each
# outcome a result or a located diagnostic (see tests/fuzz_mutants.py).
#
#   bash scripts/fuzz.sh                 # seed 1: 10000 through relax-opt, 500 compiled and run
#   bash scripts/fuzz.sh SEED OPT RUN    # another seed or size
#
# Prints the counts per outcome; writes every failure (the mutant's text, the
# pipeline, the message) to fuzz-report-SEED.json; exits 1 if there is any.
# A failure reproduces with its seed and number:
#   python tests/fuzz_mutants.py --seed SEED --opt N   (mutants 0..N-1)
set -euo pipefail
cd "$(dirname "$0")/.."
seed="${1:-1}"; n_opt="${2:-10000}"; n_run="${3:-500}"
jobs="$(nproc)"
exec .venv/bin/python tests/fuzz_mutants.py --seed "$seed" --opt "$n_opt" --run "$n_run" \
    --jobs "$jobs" --report "fuzz-report-$seed.json"
