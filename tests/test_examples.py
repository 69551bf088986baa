"""Every example and every FileCheck input that is valid IR round-trips through
the custom and the generic text forms; the examples run; the MLP example gets
fewer kernel calls from the default pipeline than from legalize-ops alone."""

import re
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from xdsl.printer import Printer

from xrelax.lowering.runtime import compile_module
from xrelax.pipeline import DefaultPipeline
from xrelax.passes.legalize_ops import LegalizeOps
from xrelax.diagnostics import parse_module
from xrelax.context import make_context, parse_text

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.mlir"))
FILECHECK = sorted((ROOT / "tests/filecheck").rglob("*.mlir"))


def printed(module, ctx, generic: bool = False) -> str:
    """As relax-opt prints: the module, then its resource blobs."""
    out = StringIO()
    printer = Printer(stream=out, print_generic_format=generic)
    printer.print_op(module)
    printer.print_metadata(ctx.loaded_dialects)
    return out.getvalue()


def same_blobs(text: str) -> str:
    """Resource keys get a suffix when a file is parsed again in one process
    (`w1` -> `w1_0`, see xrelax/xdsl_overrides.py): compare texts without it."""
    return re.sub(r"\b(\w+?)(_\d+)?(>|: \")", r"\1\3", text)


def valid_chunks(path: Path) -> list[str]:
    """The inputs of a file that relax-opt accepts (not the error cases)."""
    text = path.read_text()
    if "verify-diagnostics" in text or "parsing-diagnostics" in text or "not relax-opt" in text:
        return []
    def has_ir(chunk: str) -> bool:  # (a test of a tool's output has comments only)
        return any(line.strip() and not line.strip().startswith("//")
                   for line in chunk.splitlines())
    return [c for c in text.split("// -----") if has_ir(c)]


CASES = [(p, i, c) for p in EXAMPLES + FILECHECK for i, c in enumerate(valid_chunks(p))]


@pytest.mark.parametrize("path, index, chunk", CASES,
                         ids=[f"{p.relative_to(ROOT)}#{i}" for p, i, _ in CASES])
def test_round_trip_custom_and_generic(path, index, chunk):
    ctx = make_context()
    module = parse_module(ctx, chunk, str(path))
    module.verify()
    custom = printed(module, ctx)
    assert same_blobs(printed(parse_module(ctx, custom), ctx)) == same_blobs(custom)
    generic = printed(module, ctx, generic=True)
    assert same_blobs(printed(parse_module(ctx, generic), ctx)) == same_blobs(custom)


def test_every_example_is_covered():
    assert {p.name for p in EXAMPLES} >= {"exp.mlir", "matmul.mlir", "mlp.mlir"}


def _kernel_calls(module) -> int:
    return sum(op.name in ("relax.call_tir", "relax.call_kernel") for op in module.walk())


def test_mlp_default_pipeline_has_fewer_kernel_calls_and_same_numbers():
    text = (ROOT / "examples/mlp.mlir").read_text()
    legalized = parse_text(text)
    LegalizeOps().apply(make_context(), legalized)
    optimized = parse_text(text)
    DefaultPipeline().apply(make_context(), optimized)
    assert _kernel_calls(optimized) < _kernel_calls(legalized) == 6
    rng = np.random.default_rng(0)
    args = [rng.standard_normal(s, dtype=np.float32) * 0.1
            for s in [(5, 784), (784, 256), (256,), (256, 10), (10,)]]
    plain = compile_module(text, canonicalize=False, fold=False, cse=False, dce=False,
                           fuse=False, schedule=False, plan_memory=False)["main"](*args)
    np.testing.assert_allclose(compile_module(text)["main"](*args), plain, rtol=1e-5, atol=1e-7)
    h = np.maximum(args[0] @ args[1] + args[2], 0) @ args[3] + args[4]
    e = np.exp(h - h.max(axis=1, keepdims=True))
    np.testing.assert_allclose(plain, e / e.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-6)
