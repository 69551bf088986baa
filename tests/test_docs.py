"""The documentation names every op and pass that exists (and nothing is forgotten)."""

from pathlib import Path

from xrelax.relax.op_library import OPS_BY_NAME
from xrelax.tools.registry import PASSES

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_high_level_op_is_documented():
    text = (DOCS / "ops.md").read_text()
    missing = [name for name in OPS_BY_NAME if f"`{name}`" not in text]
    assert not missing, f"docs/ops.md does not describe {missing}"


def test_every_pass_is_documented():
    text = (DOCS / "passes.md").read_text()
    missing = [name for name in PASSES if f"`{name}`" not in text]
    assert not missing, f"docs/passes.md does not describe {missing}"
