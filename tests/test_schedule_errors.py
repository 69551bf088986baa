"""Schedule primitives refuse illegal uses with a message naming the block or
loop, and leave the module exactly as it was."""

from __future__ import annotations

import pytest
from schedule_helpers import matmul_module, text_of
from xdsl.dialects.builtin import StringAttr

from xrelax.context import parse_text
from xrelax.tir.microkernel import register_microkernel, unregister_microkernel
from xrelax.tir.schedule import Schedule, ScheduleError


TWO_BLOCKS = """
tir.func @two(%X: !tir.buffer<[n, m], f32>, %Y: !tir.buffer<[n, m], f32>, %S: !tir.buffer<[m], f32>) {
  %T = tir.alloc_buffer : !tir.buffer<[m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.block "P" (%vi = spatial[n] %i, %vj = spatial[m] %j) {
        %x = tir.load %X[%vi, %vj] : f32
        tir.store %x, %T[%vj] : f32
      }
      tir.block "Q" (%ui = spatial[n] %i, %uj = spatial[m] %j) {
        %t = tir.load %T[%uj] : f32
        tir.store %t, %Y[%ui, %uj] : f32
      }
    }
  }
  tir.for %k = 0 to m {
    tir.block "S" (%vk = spatial[m] %k) {
      %t = tir.load %T[%vk] : f32
      %zero = arith.constant 0 : index
      %s = tir.load %Y[%zero, %vk] : f32
      %u = arith.addf %t, %s : f32
      tir.store %u, %S[%vk] : f32
    }
  }
}
"""

MM_EXP = """
tir.func @mm_exp(%A: !tir.buffer<[n, k], f32>, %B: !tir.buffer<[k, m], f32>, %D: !tir.buffer<[n, m], f32>, %E: !tir.buffer<[n, m], f32>) {
  %C = tir.alloc_buffer : !tir.buffer<[n, m], f32>
  tir.for %i = 0 to n {
    tir.for %j = 0 to m {
      tir.for %r = 0 to k {
        tir.block "C" (%vi = spatial[n] %i, %vj = spatial[m] %j, %vr = reduce[k] %r) {
          tir.init {
            %zero = arith.constant 0.000000e+00 : f32
            tir.store %zero, %C[%vi, %vj] : f32
          }
          %a = tir.load %A[%vi, %vr] : f32
          %b = tir.load %B[%vr, %vj] : f32
          %p = arith.mulf %a, %b : f32
          %c = tir.load %C[%vi, %vj] : f32
          %s = arith.addf %c, %p : f32
          tir.store %s, %C[%vi, %vj] : f32
        }
      }
    }
  }
  tir.for %i2 = 0 to n {
    tir.for %j2 = 0 to m {
      tir.block "D" (%ui = spatial[n] %i2, %uj = spatial[m] %j2) {
        %x = tir.load %C[%ui, %uj] : f32
        %e = math.exp %x : f32
        tir.store %e, %D[%ui, %uj] : f32
      }
    }
  }
  tir.for %i3 = 0 to n {
    tir.for %j3 = 0 to m {
      tir.block "E" (%wi = spatial[n] %i3, %wj = spatial[m] %j3) {
        %x = tir.load %C[%wi, %wj] : f32
        %y = tir.load %C[%wi, %wj] : f32
        %e = arith.addf %x, %y : f32
        tir.store %e, %E[%wi, %wj] : f32
      }
    }
  }
}
"""

PRODUCT = """
tir.func @prod(%X: !tir.buffer<[16], f32>, %S: !tir.buffer<[1], f32>) {
  tir.for %r = 0 to 4 {
    tir.for %t = 0 to 4 {
      %rt = arith.muli %r, %t : index
      %zero = arith.constant 0 : index
      tir.block "S" (%vz = spatial[1] %zero, %vk = reduce[16] %rt) {
        tir.init {
          %c = arith.constant 0.000000e+00 : f32
          tir.store %c, %S[%vz] : f32
        }
        %x = tir.load %X[%vk] : f32
        %s = tir.load %S[%vz] : f32
        %u = arith.addf %s, %x : f32
        tir.store %u, %S[%vz] : f32
      }
    }
  }
}
"""

CALLED = """
tir.func @scale(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "Y" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      tir.store %x, %Y[%vi] : f32
    }
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call_tir @scale(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
"""


def mm():
    return matmul_module()


def two_kernels():
    module = mm()
    other = module.body.block.first_op.clone()
    other.properties["sym_name"] = StringAttr("other")
    module.body.block.add_op(other)
    return module


def loops(sch, block="C"):
    return sch.get_loops(sch.get_block(block))


def _split_i(sch):
    i, j, k = loops(sch)
    return sch.split(i, [None, 4])


def _tensorize_rejects(sch):
    register_microkernel("test_never", lambda loop: "the test kernel matches nothing")
    try:
        sch.tensorize(loops(sch)[0], "test_never")
    finally:
        unregister_microkernel("test_never")


CASES = [
    # (id, module builder, setup, the refused call, message fragment)
    ("get_block_ambiguous", two_kernels, None, lambda s: s.get_block("C"),
     'get_block: 2 blocks are named "C" (in @matmul, @other); pass func_name'),
    ("wrong_handle_kind", mm, None, lambda s: s.split(s.get_block("C"), [2, None]),
     'split: expected a loop, got block "C" in @matmul'),
    ("split_too_small", lambda: matmul_module(10, 4, 4), None,
     lambda s: s.split(loops(s)[0], [2, 3]),
     "split: the factors of loop %i in @matmul multiply to 6, less than its extent 10"),
    ("split_bad_tail", mm, None, lambda s: s.split(loops(s)[0], [None, 2], tail="mask"),
     'split: tail must be "guard" or "loop"'),
    ("split_remainder_inner", mm, None, lambda s: s.split(loops(s)[1], [4, None], tail="loop"),
     "split: a remainder loop needs the outermost factor inferred"),
    ("split_parallel", mm, lambda s: s.parallel(loops(s)[0]),
     lambda s: s.split(loops(s)[0], [None, 2]),
     "split: loop %i in @matmul is parallel; change loop kinds after the loop structure"),
    ("fuse_kinds", mm, lambda s: s.parallel(loops(s)[0]),
     lambda s: s.fuse(*loops(s)[:2]), "fuse: the loops have different kinds"),
    ("reorder_two_nests", lambda: parse_text(TWO_BLOCKS), None,
     lambda s: s.reorder(loops(s, "S")[0], loops(s, "P")[0]),
     "reorder: loop %k in @two and loop %i in @two are not in one loop nest"),
    ("reorder_dataflow", lambda: parse_text(TWO_BLOCKS), None,
     lambda s: s.reorder(loops(s, "P")[1], loops(s, "P")[0]),
     'reorder: block "P" in @two and block "Q" in @two share %T across iterations of loop'),
    ("parallel_shared_buffer", lambda: parse_text(TWO_BLOCKS), None,
     lambda s: s.parallel(loops(s, "P")[0]),
     "parallel: iterations of loop %i in @two may touch the same elements of %T"),
    ("unroll_twice", mm, lambda s: s.vectorize(loops(s)[1]),
     lambda s: s.unroll(loops(s)[1]), "unroll: loop %j in @matmul is already vectorized"),
    ("annotate_bad_value", mm, None, lambda s: s.annotate(loops(s)[0], "k", object()),
     "annotate: cannot store"),
    ("unannotate_missing", mm, None, lambda s: s.unannotate(loops(s)[0], "nope"),
     "unannotate: loop %i in @matmul has no annotation 'nope'"),
    ("compute_at_other_readers", lambda: parse_text(MM_EXP), None,
     lambda s: s.compute_at(s.get_block("C"), loops(s, "D")[0]),
     '%C is also read outside loop %i2 in @mm_exp (by block "E" in @mm_exp)'),
    ("compute_at_after", lambda: parse_text(MM_EXP), None,
     lambda s: s.reverse_compute_at(s.get_block("C"), loops(s, "D")[0]),
     "reverse_compute_at: block \"C\" in @mm_exp must read exactly one buffer written under"),
    ("reverse_inline_two_reads", lambda: parse_text(MM_EXP),
     lambda s: s.decompose_reduction(s.get_block("C"), loops(s)[0]),
     lambda s: s.reverse_compute_inline(s.get_block("E")),
     "reverse_compute_inline: block \"E\" in @mm_exp must read exactly one local buffer"),
    ("inline_output", mm, None, lambda s: s.compute_inline(s.get_block("C")),
     "compute_inline: block \"C\" in @matmul is a reduction"),
    ("decompose_outside_reduce", mm, lambda s: s.reorder(loops(s)[2], loops(s)[0]),
     lambda s: s.decompose_reduction(s.get_block("C"), loops(s)[2]),
     "decompose_reduction: loop %r in @matmul, outside %i, drives a reduce variable"),
    ("cache_write_other_writer", lambda: parse_text(TWO_BLOCKS), None,
     lambda s: s.cache_write(s.get_block("P"), 0),
     'cache_write: block "Q" in @two also accesses %T inside the loop nest of block "P"'),
    ("cache_read_written_in_nest", lambda: parse_text(TWO_BLOCKS), None,
     lambda s: s.cache_read(s.get_block("Q"), 0),
     'cache_read: %T is written inside the loop nest of block "Q" in @two (by block "P"'),
    ("layout_bad_arity", mm, None,
     lambda s: s.transform_layout(s.get_block("C"), ("write", 0), lambda i: (i,)),
     "transform_layout: the index map takes 1 indices but %C has rank 2"),
    ("layout_bad_buffer", mm, None,
     lambda s: s.transform_layout(s.get_block("C"), ("write", 3), lambda i, j: (j, i)),
     'transform_layout: block "C" in @matmul has no written buffer #3'),
    ("rfactor_spatial", mm, None, lambda s: s.rfactor(loops(s)[0]),
     'rfactor: loop %i in @matmul drives no reduce variable of block "C"'),
    ("rfactor_not_separable", lambda: parse_text(PRODUCT), None,
     lambda s: s.rfactor(loops(s, "S")[1]),
     'rfactor: the binding of %vk of block "S" in @prod does not separate %t from the other'),
    ("blockize_mixed_loop", mm,
     lambda s: s.split(s.fuse(*loops(s)), [None, 4]),
     lambda s: s.blockize(loops(s)[1]),
     "blockize: loop %i_j_r_fused0 in @matmul drives both spatial and reduce variables"),
    ("tensorize_no_match", mm, None, _tensorize_rejects,
     "tensorize: loop %i in @matmul does not match micro-kernel 'test_never': the test kernel "
     "matches nothing"),
    ("stale_handle", mm, None,
     lambda s: (lambda i: (s.split(i, [None, 2]), s.split(i, [None, 2])))(loops(s)[0]),
     "no longer refers to anything: split replaced it"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refused_and_unchanged(case):
    _, build, setup, call, message = case
    sch = Schedule(build())
    if setup is not None:
        setup(sch)
    before = text_of(sch.mod)
    n_trace = len(sch.trace)
    with pytest.raises(ScheduleError) as err:
        call(sch)
    assert message in str(err.value), str(err.value)
    if case[0] != "stale_handle":  # (the first split of that case succeeds)
        assert text_of(sch.mod) == before
        assert len(sch.trace) >= n_trace


def test_error_is_a_compile_error():
    from xrelax.diagnostics import CompileError

    assert issubclass(ScheduleError, CompileError)
