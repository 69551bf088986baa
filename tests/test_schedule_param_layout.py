"""transform_layout of a parameter of a called kernel: the kernel reads and
writes the new layout, the callers transform arguments and results at every
call (rewrite-layout step 0); numbers equal numpy with the IR schedule
(apply-schedule) and the Python one, with the layout rewrite on and off, at
several sizes of a symbolic dim."""

from pathlib import Path

import numpy as np
import pytest

from xrelax.context import make_context, parse_text
from xrelax.lowering.runtime import compile_module
from xrelax.passes.apply_schedule import ApplySchedule
from xrelax.tir.schedule import Schedule

SOURCE = (Path(__file__).parent / "filecheck/schedule/param-layout.mlir").read_text()
W = np.full((40, 8), 0.5, np.float32)


def without_schedule(text: str) -> str:
    return text[:text.index("transform.named_sequence")]


def scheduled_in_ir():
    module = parse_text(SOURCE)
    ApplySchedule().apply(make_context(), module)
    return module


def scheduled_in_python():
    sch = Schedule(parse_text(without_schedule(SOURCE)))
    block = sch.get_block("Y")
    sch.transform_layout(block, ("read", 1), lambda o, k: (o // 16, k, o % 16), pad_value=0.0)
    sch.transform_layout(block, ("write", 0), lambda i, o: (i, o // 16, o % 16))
    return sch.mod


@pytest.mark.parametrize("make", [scheduled_in_ir, scheduled_in_python])
@pytest.mark.parametrize("layout", [True, False])
def test_parameter_layout_follows_at_the_calls(make, layout):
    main = compile_module(make(), layout=layout)["main"]
    for rows in (1, 5):
        x = np.random.default_rng(rows).standard_normal((rows, 8)).astype(np.float32)
        np.testing.assert_allclose(main(x), x @ W.T, rtol=1e-5, atol=1e-5)


def test_python_schedule_keeps_the_module_valid_until_the_calls_follow():
    """Between the primitive and rewrite-layout the callers still pass the
    old layout: the call verifier reads the kernel's record."""
    module = scheduled_in_python()
    text = str(module)
    assert "tir.param_layouts" in text
    assert "relax.call_tir @dense(%x, %w) : !relax.tensor<[n, 40], f32>" in text
    from xrelax.passes.rewrite_layout import rewrite_recorded_layouts
    assert rewrite_recorded_layouts(module) == {"dense": {1, 2}}
    assert "tir.param_layouts" not in str(module)


def test_recorded_layout_in_ir_runs():
    """A kernel that reads a padded blocked parameter (the record written in
    IR): the caller pads with the record's pad value and blocks the data."""
    src = (Path(__file__).parent / "filecheck/passes/follow-param-layouts.mlir").read_text()
    main = compile_module(src)["main"]
    for n in (1, 5, 8):
        x = np.arange(n, dtype=np.float32) - 2
        np.testing.assert_array_equal(main(x), x)
