"""The trace records every primitive applied; it replays on a fresh copy and
prints as a schedule in IR that `apply-schedule` runs to the same result."""

from __future__ import annotations

from schedule_helpers import matmul_module, text_of

from xrelax.context import make_context, parse_text
from xrelax.passes.apply_schedule import ApplySchedule
from xrelax.tir.schedule import Schedule


def tiled(sch: Schedule) -> None:
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    io, ii = sch.split(i, [None, 4])
    jo, ji = sch.split(j, factors=[None, 8])
    sch.reorder(io, jo, k, ii, ji)
    wb = sch.cache_write(c, 0)
    sch.reverse_compute_at(wb, jo)
    sch.decompose_reduction(c, k)
    sch.parallel(io)
    sch.annotate(ii, "pragma_unroll", True)


def test_trace_lists_the_primitives():
    sch = Schedule(matmul_module())
    tiled(sch)
    names = [inst.name for inst in sch.trace.instructions]
    assert names == ["get_block", "get_loops", "split", "split", "reorder", "cache_write",
                     "reverse_compute_at", "decompose_reduction", "parallel", "annotate"]
    lines = str(sch.trace).splitlines()
    assert lines[0] == "b0 = sch.get_block('C')"
    assert lines[1] == "l1, l2, l3 = sch.get_loops(b0)"
    assert lines[2] == "l4, l5 = sch.split(l1, [None, 4])"
    assert lines[3] == "l6, l7 = sch.split(l2, factors=[None, 8])"


def test_trace_replays_on_a_fresh_copy():
    module = matmul_module()
    original = text_of(module)
    sch = Schedule(module)
    tiled(sch)
    assert text_of(module) == original  # the schedule worked on a copy
    again = sch.trace.apply(matmul_module())
    assert text_of(again.mod) == text_of(sch.mod)
    assert len(again.trace) == len(sch.trace)


def test_trace_as_ir_applies_to_the_same_result():
    sch = Schedule(matmul_module())
    tiled(sch)
    ir = sch.trace.as_ir()
    assert ir.startswith("transform.named_sequence @__transform_main(%root: !transform.any_op)")
    assert "%l4, %l5 = sched.split %l1 {factors = [-1, 4]}" in ir
    assert '%b8 = sched.cache_write %b0 {write_buffer_index = 0}' in ir
    assert 'sched.annotate %l5 {key = "pragma_unroll", value = true}' in ir
    kernel = text_of(matmul_module().body.block.first_op)
    module = parse_text(kernel + "\n" + ir)
    ApplySchedule().apply(make_context(), module)
    assert text_of(module) == text_of(sch.mod)


def test_trace_with_an_index_map_prints_an_affine_map():
    from test_schedule_primitives import chain

    sch = Schedule(chain())
    y = sch.get_block("Y")
    sch.transform_layout(y, ("write", 0), lambda i, j: (j // 8, i, j % 8), pad_value=0.0)
    ir = sch.trace.as_ir()
    assert ("buffer = [\"write\", 0], index_map = affine_map<(d0, d1) -> ((d1 floordiv 8), d0, "
            "(d1 mod 8))>, pad_value = 0.000000e+00 : f64}") in ir
    module = parse_text(text_of(chain().body.block.first_op) + "\n" + ir)
    ApplySchedule().apply(make_context(), module)
    assert text_of(module) == text_of(sch.mod)


def test_trace_replays_keyword_handles():
    from test_schedule_primitives import mm_exp

    sch = Schedule(mm_exp())
    i, j = sch.get_loops(sch.get_block("D"))
    sch.compute_at(block=sch.get_block("C"), loop=i)
    again = sch.trace.apply(mm_exp())
    assert text_of(again.mod) == text_of(sch.mod)
    assert "sched.compute_at %b3, %l1" in sch.trace.as_ir()


def test_ir_signatures_match_the_schedule_methods():
    """The sched ops' handle and option names are the Python parameters."""
    import inspect

    from xrelax.tir.schedule.ir import SIGNATURES

    for name, (handles, options, variadic) in SIGNATURES.items():
        fn = getattr(Schedule, name).__wrapped__
        params = list(inspect.signature(fn).parameters.values())[1:]
        assert [p.name for p in params] == handles + options, name
        kinds = [str(p.annotation) for p in params[:len(handles)]]
        assert all(k in ("BlockRV", "LoopRV", "Handle") for k in kinds), name
        assert variadic == any(p.kind is p.VAR_POSITIONAL for p in params), name
