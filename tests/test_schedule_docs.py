"""docs/schedule.md describes every schedule primitive, in Python and in IR."""

import re
from pathlib import Path

from xrelax.tir.schedule.ir import PRIMITIVES


DOC = Path(__file__).resolve().parent.parent / "docs" / "schedule.md"


def test_every_primitive_is_documented():
    text = DOC.read_text()
    missing = [p for p in PRIMITIVES
               if not re.search(rf"sched\.{p}\b", text) or f"{p}(" not in text]
    assert not missing, f"docs/schedule.md does not describe {missing}"
