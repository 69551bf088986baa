"""Native memory stays flat over many compiles in one process (issue 9).

Each compile_module used to leak 60-130 KiB of LLVM memory: llvmlite never frees
a module pass manager (see lowering/jit.py, `_dispose_pass_manager`). The
measurement runs in a fresh interpreter, so that what other tests import or cache
does not count, and after a warm-up, so that one-time caches do not either.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent("""
    import gc, sys
    from xrelax.lowering.runtime import compile_module

    def rss_kib():
        gc.collect()
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * 4

    src = open(sys.argv[1]).read()
    warmup, count = int(sys.argv[2]), int(sys.argv[3])
    for _ in range(warmup):
        compile_module(src)
    before = rss_kib()
    for _ in range(count):
        exe = compile_module(src)
        del exe
    print(rss_kib() - before)
""")


def rss_growth_kib(example: str, warmup: int, count: int) -> int:
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT / "examples" / example),
                          str(warmup), str(count)],
                         capture_output=True, text=True, check=True, timeout=600)
    return int(out.stdout.split()[-1])


def test_rss_flat_over_many_compiles():
    count = 150
    growth = rss_growth_kib("exp.mlir", 20, count)
    # measured: ~2 KiB per compile (the leaked one was 60-130 KiB per compile)
    assert growth < 20 * count, f"RSS grew by {growth} KiB over {count} compiles"
