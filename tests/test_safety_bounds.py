"""Memory safety of kernels: every tir.load / tir.store is proved in bounds at
compile time (xrelax.tir.bounds) or checked at run time (check-bounds), and a
failed check is a RelaxRuntimeError naming the access's source location.

Programs that would corrupt memory without the checks run in one subprocess
(`run_cases`), so a regression fails these tests instead of killing pytest.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.passes.check_bounds import check_kernel
from xrelax.tir import ops as tir
from xrelax.tir.bounds import KernelBounds
from xrelax.context import make_context, parse_text

ROOT = Path(__file__).resolve().parent.parent


def store_at(index_ops: str, index: str = "%i", shape: str = "[4]", call_shape: str = "[4]",
             params: str = "") -> str:
    """A kernel writing 1.0 at one index of its output, and a caller."""
    return f"""
tir.func @k(%Y: !tir.buffer<{shape}, f32>{params}) {{
  %c = arith.constant 1.0 : f32
{index_ops}
  tir.store %c, %Y[{index}] : f32
}}
relax.func @main(%x: !relax.tensor<{call_shape}, f32>) -> !relax.tensor<{call_shape}, f32> {{
  %y = relax.call_tir @k() : !relax.tensor<{call_shape}, f32>
  relax.return %y : !relax.tensor<{call_shape}, f32>
}}
"""


CASES = {
    # (source, argument shape): each must fail with a located RelaxRuntimeError
    "five_of_four": (store_at("  %i = arith.constant 5 : index"), (4,)),
    "huge": (store_at("  %i = arith.constant 100000000 : index"), (4,)),
    "negative": (store_at("  %i = arith.constant -100000000 : index"), (4,)),
    "symbolic": (store_at("  %i = tir.expr n : index", shape="[n]", call_shape="[n]"), (7,)),
    "load": ("""
tir.func @k(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for parallel %i = 0 to n {
    %c1 = arith.constant 1 : index
    %j = arith.addi %i, %c1 : index
    %x = tir.load %X[%j] : f32
    tir.store %x, %Y[%i] : f32
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @k(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
""", (64,)),
    "gather": ("""
tir.func @k(%I: !tir.buffer<[n], i64>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    %j64 = tir.load %I[%i] : i64
    %j = arith.index_cast %j64 : i64 to index
    %c = arith.constant 1.0 : f32
    tir.store %c, %Y[%j] : f32
  }
}
relax.func @main(%x: !relax.tensor<[n], i64>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @k(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
""", "gather"),
    "divide_by_zero": ("""
tir.func @k(%X: !tir.buffer<[n], i32>, %Y: !tir.buffer<[n], i32>) {
  tir.for %i = 0 to n {
    %x = tir.load %X[%i] : i32
    %q = arith.divsi %x, %x : i32
    tir.store %q, %Y[%i] : i32
  }
}
relax.func @main(%x: !relax.tensor<[n], i32>) -> !relax.tensor<[n], i32> {
  %y = relax.call_tir @k(%x) : !relax.tensor<[n], i32>
  relax.return %y : !relax.tensor<[n], i32>
}
""", "zeros_i32"),
    "local_buffer_too_large": ("""
tir.func @k(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  %T = tir.alloc_buffer : !tir.buffer<[n, n, n, n], f32>
  tir.for %i = 0 to n {
    %x = tir.load %X[%i] : f32
    tir.store %x, %T[%i, %i, %i, %i] : f32
    tir.store %x, %Y[%i] : f32
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @k(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
""", (65536,)),
    "extent_overflow": ("""
tir.func @k(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n * n * n * n {
    %c = arith.constant 1.0 : f32
    %n = tir.expr n : index
    %j = arith.remsi %i, %n : index
    tir.store %c, %Y[%j] : f32
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_tir @k(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
""", (65536,)),
    "negative_sym_argument": ("""
tir.func @k(%Y: !tir.buffer<[4], f32>) sym(m) {
  tir.for %i = 0 to m {
    %c = arith.constant 1.0 : f32
    tir.store %c, %Y[%i] : f32
  }
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[4], f32> {
  %y = relax.call_tir @k() sym [n - 5] : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}
""", (2,)),
}

EXPECTED = {
    "five_of_four": "t.mlir:5:3: tir.store @k: index 5 is out of bounds of %Y of shape [4]",
    "huge": "t.mlir:5:3: tir.store @k: index 100000000 is out of bounds",
    "negative": "t.mlir:5:3: tir.store @k: index -100000000 is out of bounds",
    "symbolic": "t.mlir:5:3: tir.store @k: index 7 is out of bounds of %Y of shape [n]",
    "load": "t.mlir:6:5: tir.load @k: index 64 is out of bounds of %X of shape [n]",
    "gather": "t.mlir:7:5: tir.store @k: index 1000 is out of bounds",
    "divide_by_zero": "t.mlir:5:5: arith.divsi @k: division by zero",
    "local_buffer_too_large": "t.mlir:3:3: @k: cannot allocate a local buffer of shape [n, n, n, n]",
    "extent_overflow": "t.mlir:2:1: @k: the symbolic expression n * n * n * n overflows int64 "
                       "(with n = 65536)",
    "negative_sym_argument": "t.mlir:2:1: @k: symbolic argument 'm' is -3, outside",
}

RUNNER = textwrap.dedent("""
    import json, sys
    import numpy as np
    from xrelax.lowering.runtime import RelaxRuntimeError, compile_module
    cases = json.loads(sys.stdin.read())
    for name, (src, arg) in cases.items():
        if arg == "gather":
            x = np.array([0, 1, 1000, 2], np.int64)
        elif arg == "zeros_i32":
            x = np.array([3, 0, 1], np.int32)
        else:
            x = np.ones(arg, np.float32)
        try:
            compile_module(src, filename="t.mlir")["main"](x)
            print(json.dumps([name, "no error"]), flush=True)
        except RelaxRuntimeError as err:
            print(json.dumps([name, str(err)]), flush=True)
""")


@pytest.fixture(scope="module")
def case_results() -> dict[str, str]:
    proc = subprocess.run([sys.executable, "-c", RUNNER], input=json.dumps(CASES),
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    results = dict(json.loads(line) for line in proc.stdout.splitlines() if line.startswith("["))
    assert proc.returncode == 0, (f"died with {proc.returncode} after {sorted(results)}\n"
                                  f"{proc.stderr[-3000:]}")
    return results


@pytest.mark.parametrize("name", sorted(CASES))
def test_unsafe_kernels_fail_with_a_located_error(case_results, name):
    assert case_results[name].startswith(EXPECTED[name]), case_results[name]


def kernels_after(src: str, **options: bool) -> list[tir.FuncOp]:
    from xrelax.passes.default_pipeline import DefaultPipeline

    module = parse_text(src)
    DefaultPipeline(fold=False, **options).apply(make_context(), module)  # no constants
    return [op for op in module.body.block.ops if isinstance(op, tir.FuncOp)]


def unproved(kernel: tir.FuncOp) -> list:
    kb = KernelBounds(kernel)
    return [op for op in kernel.walk()
            if isinstance(op, (tir.LoadOp, tir.StoreOp)) and not kb.in_bounds(op)]


def test_generated_kernels_of_the_mlp_are_proved():
    kernels = kernels_after((ROOT / "examples/mlp.mlir").read_text(), check_bounds=False)
    assert len(kernels) >= 3
    for k in kernels:
        assert unproved(k) == [], k.sym_name.data
        assert check_kernel(k) == 0


CONV = """
relax.func @main(%x: !relax.tensor<[n, 8, 14, 14], f32>, %w: !relax.tensor<[16, 8, 3, 3], f32>,
                 %b: !relax.tensor<[16, 1, 1], f32>) -> !relax.tensor<[n, 16, 7, 7], f32> {
  %out = relax.dataflow {
    %0 = relax.conv2d %x, %w {padding = [1, 1, 1, 1]} : !relax.tensor<[n, 16, 14, 14], f32>
    %1 = relax.add %0, %b : !relax.tensor<[n, 16, 14, 14], f32>
    %2 = relax.relu %1 : !relax.tensor<[n, 16, 14, 14], f32>
    %3 = relax.max_pool2d %2 {pool_size = [2, 2], strides = [2, 2]} : !relax.tensor<[n, 16, 7, 7], f32>
    relax.output %3 : !relax.tensor<[n, 16, 7, 7], f32>
  }
  relax.return %out : !relax.tensor<[n, 16, 7, 7], f32>
}
"""


@pytest.mark.parametrize("options", [{}, {"fuse": False}, {"schedule": False}])
def test_generated_kernels_of_a_conv_are_proved(options):
    for k in kernels_after(CONV, check_bounds=False, **options):
        assert unproved(k) == [], k.sym_name.data
        assert check_kernel(k) == 0


def test_checked_programs_compute_the_same():
    """A guarded concatenation and a padded convolution of an empty input:
    the loads that would be out of bounds read nothing, and no error."""
    src = """
relax.func @main(%a: !relax.tensor<[n, 3], f32>, %b: !relax.tensor<[m, 3], f32>) -> !relax.tensor<[n + m, 3], f32> {
  %c = relax.concat %a, %b {axis = 0} : !relax.tensor<[n + m, 3], f32>
  relax.return %c : !relax.tensor<[n + m, 3], f32>
}
"""
    fn = compile_module(src)["main"]
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    empty = np.zeros((0, 3), np.float32)
    np.testing.assert_array_equal(fn(a, empty), a)
    np.testing.assert_array_equal(fn(empty, a), a)
    np.testing.assert_array_equal(fn(a, a), np.concatenate([a, a]))


def test_checks_can_be_turned_off_and_cost_nothing_when_proved():
    src = store_at("  %i = arith.constant 5 : index")
    safe = kernels_after(src)
    assert [op.check.data for op in safe[0].walk() if isinstance(op, tir.StoreOp)] == ["checked"]
    unsafe = kernels_after(src, check_bounds=False)
    assert [op.check for op in unsafe[0].walk() if isinstance(op, tir.StoreOp)] == [None]
    # a proved kernel gets no %err parameter: its lowering is unchanged
    exe = compile_module((ROOT / "examples/exp.mlir").read_text())
    assert "memref<?xi64>" not in exe.llvm_ir(optimized=False).split("define")[1].split("\n")[0]


@pytest.mark.parametrize("body, proved", [
    ("tir.for %i = 0 to n {\n %x = tir.load %X[%i] : f32 }", True),
    ("tir.for %i = 0 to n + 1 {\n %x = tir.load %X[%i] : f32 }", False),
    ("tir.for %i = 1 to n {\n %c = arith.constant 1 : index\n %j = arith.subi %i, %c : index\n"
     " %x = tir.load %X[%j] : f32 }", True),
    ("tir.for %i = 0 to n {\n %c = arith.constant 1 : index\n %j = arith.subi %i, %c : index\n"
     " %x = tir.load %X[%j] : f32 }", False),
    # the last element, inside a loop over n: the loop runs only when n >= 1
    ("tir.for %i = 0 to n {\n %j = tir.expr n - 1 : index\n %x = tir.load %X[%j] : f32 }", True),
    ("%j = tir.expr n - 1 : index\n %x = tir.load %X[%j] : f32", False),
    # tiles of 4 with a guarded tail
    ("tir.for %o = 0 to (n + 3) floordiv 4 {\n tir.for %l = 0 to 4 {\n"
     " %c4 = arith.constant 4 : index\n %b = arith.muli %o, %c4 : index\n"
     " %j = arith.addi %b, %l : index\n %n = tir.expr n : index\n"
     " %in = arith.cmpi slt, %j, %n : index\n tir.if %in {\n %x = tir.load %X[%j] : f32 }}}",
     True),
    # the same without the guard: the last tile overruns
    ("tir.for %o = 0 to (n + 3) floordiv 4 {\n tir.for %l = 0 to 4 {\n"
     " %c4 = arith.constant 4 : index\n %b = arith.muli %o, %c4 : index\n"
     " %j = arith.addi %b, %l : index\n %x = tir.load %X[%j] : f32 }}", False),
    # clamped into range
    ("tir.for %i = 0 to n * 2 {\n %n1 = tir.expr n - 1 : index\n"
     " %c0 = arith.constant 0 : index\n %m = arith.minsi %i, %n1 : index\n"
     " %j = arith.maxsi %m, %c0 : index\n %x = tir.load %X[%j] : f32 }", True),
    # i mod n and i floordiv 4 over a [n * 4] view
    ("tir.for %i = 0 to n * 4 {\n %c4 = arith.constant 4 : index\n"
     " %j = arith.floordivsi %i, %c4 : index\n %x = tir.load %X[%j] : f32 }", True),
    # an index that wraps: 2**62 * 4 overflows, so the range says nothing
    ("tir.for %i = 0 to n {\n %big = arith.constant 4611686018427387904 : index\n"
     " %c4 = arith.constant 4 : index\n %w = arith.muli %big, %c4 : index\n"
     " %j = arith.addi %w, %i : index\n %m = arith.minsi %j, %i : index\n"
     " %x = tir.load %X[%m] : f32 }", False),
])
def test_prover(body, proved):
    src = f"tir.func @k(%X: !tir.buffer<[n], f32>) {{\n{body}\n}}"
    kernel = parse_text(src).body.block.first_op
    assert (unproved(kernel) == []) == proved
