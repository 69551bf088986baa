"""The runtime must never crash the process: bad values that reach native code
(sizes that cannot be allocated, negative or out-of-range dims) are errors, and
the ownership of tensors that flow through relax.if is exact.

Programs that could crash run in a subprocess, so a segfault fails one test
instead of killing the whole run.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from xrelax.lowering.runtime import RelaxArgumentError, compile_module

ROOT = Path(__file__).resolve().parent.parent

DBL = """
tir.func @dbl(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "d" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = arith.addf %x, %x : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
"""

RAMP = """
tir.func @ramp(%Y: !tir.buffer<[t], f32>) sym(t) {
  tir.for %i = 0 to t {
    tir.block "r" (%vi = spatial[t] %i) {
      %i64 = arith.index_cast %vi : index to i64
      %f = arith.sitofp %i64 : i64 to f32
      tir.store %f, %Y[%vi] : f32
    }
  }
}
relax.func @from_shape(%s: !relax.shape<[n]>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @ramp() sym [n] : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func @from_prim(%p: !relax.prim<i64, n>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @ramp() sym [n] : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""


def run_isolated(body: str, src: str) -> subprocess.CompletedProcess:
    """Run `body` in a fresh interpreter with `exe` = the compiled `src`."""
    code = textwrap.dedent("""
        import sys
        import numpy as np
        from xrelax.lowering.runtime import RelaxArgumentError, RelaxRuntimeError, compile_module
        exe = compile_module(sys.stdin.read())
    """) + textwrap.dedent(body)
    return subprocess.run([sys.executable, "-c", code], input=src, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def assert_clean(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, (f"the process died with code {proc.returncode} "
                                  f"(-11/139 = segfault)\nstdout: {proc.stdout}\n"
                                  f"stderr: {proc.stderr[-2000:]}")
    assert proc.stdout.strip().endswith("DONE"), proc.stdout + proc.stderr


def test_ramp_sanity():
    exe = compile_module(RAMP)
    np.testing.assert_array_equal(exe["from_shape"]((4,)), [0, 1, 2, 3])
    np.testing.assert_array_equal(exe["from_prim"](3), [0, 1, 2])
    assert exe["from_shape"]((0,)).shape == (0,)


# Regression (fixed in runtime.py): a symbolic variable bound from a shape or prim
# argument is not checked to be non-negative; -1 "works" (an empty array from
# an allocation of -4 bytes), -5 ends in a numpy ValueError after native code ran.
@pytest.mark.parametrize("fn, arg", [("from_shape", (-1,)), ("from_shape", (-5,)),
                                     ("from_prim", -1), ("from_prim", -5)])
def test_negative_dims_are_rejected_before_native_code(fn, arg):
    proc = run_isolated(f"""
        try:
            exe[{fn!r}]({arg!r})
            print("no error")
        except RelaxArgumentError as e:
            print("ARG", e)
        print("DONE")
    """, RAMP)
    assert_clean(proc)
    assert "ARG" in proc.stdout and "negative" in proc.stdout.lower(), proc.stdout


# Regression (fixed in runtime.py): integers that do not fit in 64 bits are
# silently wrapped (2**70 -> 0) instead of being rejected.
def test_out_of_range_dims_are_rejected():
    exe = compile_module(RAMP)
    with pytest.raises((RelaxArgumentError, OverflowError)):
        exe["from_shape"]((2**64,))
    with pytest.raises((RelaxArgumentError, OverflowError)):
        exe["from_prim"](2**70)


# Regression (fixed in relax_to_std: size and NULL checks): the result of the
# allocation is not checked; a size that cannot be allocated (4 TiB here, or a
# byte count that overflows) gives a NULL pointer that the kernel writes to:
# segfault.
@pytest.mark.parametrize("count", [2**40, 2**62])
def test_allocation_failure_is_an_error_not_a_crash(count):
    proc = run_isolated(f"""
        try:
            exe["from_shape"](({count},))
            print("no error")
        except (RelaxRuntimeError, RelaxArgumentError, MemoryError) as e:
            print("ERR", type(e).__name__, e)
        y = exe["from_shape"]((5,))
        assert list(y) == [0, 1, 2, 3, 4]
        print("DONE")
    """, RAMP)
    assert_clean(proc)
    assert "ERR" in proc.stdout


IF_SAME = DBL + """
relax.func @main(%c: !relax.prim<bool>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %a, %b = relax.if %c -> (!relax.tensor<[n], f32>, !relax.tensor<[n], f32>) {
    %y = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
    relax.yield %y, %y : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  } else {
    relax.yield %x, %x : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  relax.return %a : !relax.tensor<[n], f32>
}
relax.func @neither(%c: !relax.prim<bool>, %x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %a, %b = relax.if %c -> (!relax.tensor<[n], f32>, !relax.tensor<[n], f32>) {
    %y = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
    relax.yield %y, %y : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  } else {
    relax.yield %x, %x : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  relax.return %x : !relax.tensor<[n], f32>
}
relax.func @both(%c: !relax.prim<bool>, %x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>> {
  %a, %b = relax.if %c -> (!relax.tensor<[n], f32>, !relax.tensor<[n], f32>) {
    %y = relax.call_tir @dbl(%x) : !relax.tensor<[n], f32>
    relax.yield %y, %y : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  } else {
    relax.yield %x, %x : !relax.tensor<[n], f32>, !relax.tensor<[n], f32>
  }
  %t = relax.tuple(%a, %b)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>>
}
"""


# A branch that yields the same tensor twice: each merge result must own its
# memory (a regression test for a use after free / double free).
def test_if_yielding_one_tensor_twice():
    proc = run_isolated("""
        x = np.arange(1 << 16, dtype=np.float32)
        for c in (True, False):
            for _ in range(100):
                r = exe["main"](c, x)
                junk = [np.full(1 << 16, 7.0, np.float32) for _ in range(3)]
                assert np.array_equal(r, x * (2 if c else 1)), r[:4]
                assert exe["neither"](c, x) is x
                a, b = exe["both"](c, x)
                # each merge result owns its memory: the second is a copy
                assert np.array_equal(a, x * (2 if c else 1)) and np.array_equal(a, b)
        print("DONE")
    """, IF_SAME)
    assert_clean(proc)


IF_BIND = DBL + """
relax.func @main(%c: !relax.prim<bool>, %x: !relax.tensor<ndim=1, f32>) -> !relax.tensor<ndim=1, f32> {
  %r = relax.if %c -> !relax.tensor<ndim=1, f32> {
    %y = relax.match_cast %x : !relax.tensor<[m], f32>
    %z = relax.call_tir @dbl(%y) : !relax.tensor<[m], f32>
    relax.yield %z : !relax.tensor<[m], f32>
  } else {
    %y = relax.match_cast %x : !relax.tensor<[m], f32>
    relax.yield %y : !relax.tensor<[m], f32>
  }
  relax.return %r : !relax.tensor<ndim=1, f32>
}
"""


# Regression (fixed in relax_to_std.lower_IfOp): a symbolic variable bound by a
# match_cast in the then-branch stays in the environment while the else-branch
# is lowered, so the else-branch's match_cast compares against a value that
# does not dominate it: "LLVM rejected the translated module: Instruction does
# not dominate all uses!" (JitError at compile time).
def test_match_cast_binding_the_same_variable_in_both_branches():
    exe = compile_module(IF_BIND, filename="if_bind.mlir")
    x = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(exe["main"](True, x), 2 * x)
    np.testing.assert_array_equal(exe["main"](False, x), x)
