#!/usr/bin/env bash
# Install what the tests need, then lint (ruff), run the FileCheck suite (lit) and pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
ruff check --quiet .
lit tests/filecheck --succinct -j "$(nproc)"
python -m pytest tests "$@"
