"""The per-kernel profiler (lowering/profiling.py): counters the generated host
code fills, the report, flop counts from the loop nests, relax-run --profile."""

import numpy as np
import pytest

from xrelax.lowering.profiling import kernel_flops
from xrelax.lowering.runtime import compile_module
from xrelax.tir.symbolic import SymExpr
from xrelax.tools import relax_run
from xrelax.context import parse_text

MLP = open("examples/mlp.mlir").read()
RNG = np.random.default_rng(3)


def mlp_args(n: int) -> list[np.ndarray]:
    shapes = [(n, 784), (784, 256), (256,), (256, 10), (10,)]
    return [RNG.standard_normal(s).astype(np.float32) for s in shapes]


@pytest.fixture(scope="module")
def mlp():
    return compile_module(MLP, profile=True)


def test_report_counts_every_kernel_call(mlp):
    args = mlp_args(8)
    report = mlp.profile("main", *args, repeat=3)
    assert report.runs == 3 and report.function == "main"
    names = {r.kernel for r in report.kernels}
    assert {"fused_matmul_add_relu", "softmax"} <= names
    for row in report.kernels:
        assert row.calls == 3 and row.seconds > 0
        assert row.mean == pytest.approx(row.seconds / 3)
    assert 0 < sum(r.seconds for r in report.kernels) <= report.seconds
    assert sum(report.share(r) for r in report.kernels) <= 1.0


def test_flops_of_the_first_layer(mlp):
    n = 8
    report = mlp.profile("main", *mlp_args(n), repeat=2)
    layer = next(r for r in report.kernels if r.kernel == "fused_matmul_add_relu")
    # a multiply and an add per (row, column, k), then the bias add and the relu's max
    assert layer.flops == 2 * (2 * n * 784 * 256 + 2 * n * 256)
    assert layer.gflops == pytest.approx(layer.flops / layer.seconds * 1e-9)


def test_counters_restart_with_each_profile(mlp):
    args = mlp_args(4)
    mlp["main"](*args)  # plain calls count too, until profile() resets
    assert mlp.profile("main", *args).runs == 1


def test_profiled_results_are_the_plain_results(mlp):
    args = mlp_args(5)
    plain = compile_module(MLP)["main"](*args)
    np.testing.assert_allclose(mlp["main"](*args), plain, rtol=1e-6)


def test_report_table(mlp):
    text = str(mlp.profile("main", *mlp_args(8), repeat=2))
    lines = text.splitlines()
    assert lines[0].startswith("profile of @main: 2 run(s), ")
    assert lines[1].split() == ["kernel", "calls", "total", "ms", "mean", "us", "share", "GFLOP/s"]
    rows = {line.split()[0]: line.split() for line in lines[2:-1]}
    assert rows["fused_matmul_add_relu"][1] == "2"
    assert rows["fused_matmul_add_relu"][-1] != "-"       # flops known
    assert rows["permute_dims"][-1] == "-" if "permute_dims" in rows else True  # no flops
    assert lines[-1].startswith("(host code outside kernels)")


def test_profile_needs_a_profiled_build():
    exe = compile_module(MLP)
    with pytest.raises(RuntimeError, match=r"compiled without profiling: use "
                                           r"compile_module\(\.\.\., profile=True\)"):
        exe.profile("main", *mlp_args(2))


def kernel(body: str) -> object:
    module = parse_text(body)
    return next(op for op in module.walk() if op.name == "tir.func")


def test_flop_count_multiplies_loop_extents():
    k = kernel("""
tir.func @k(%A: !tir.buffer<[n, 8], f32>, %B: !tir.buffer<[n, 8], f32>) {
  tir.for %i = 0 to n {
    tir.for %j = 2 to 8 {
      tir.block "b" (%vi = spatial[n] %i, %vj = spatial[8] %j) {
        %a = tir.load %A[%vi, %vj] : f32
        %s = arith.mulf %a, %a : f32
        %t = math.fma %s, %a, %a : f32
        %e = math.exp %t : f32
        tir.store %e, %B[%vi, %vj] : f32
      }
    }
  }
}""")
    assert kernel_flops(k) == SymExpr.var("n") * 6 * 3  # mulf 1 + fma 2, over 6 columns


def test_flop_count_skips_init_and_is_unknown_under_if():
    reduction = kernel("""
tir.func @sum(%A: !tir.buffer<[4, 5], f32>, %B: !tir.buffer<[4], f32>) {
  tir.for %i = 0 to 4 {
    tir.for %k = 0 to 5 {
      tir.block "s" (%vi = spatial[4] %i, %vk = reduce[5] %k) {
        tir.init {
          %z = arith.constant 0.0 : f32
          %zz = arith.addf %z, %z : f32
          tir.store %zz, %B[%vi] : f32
        }
        %a = tir.load %A[%vi, %vk] : f32
        %b = tir.load %B[%vi] : f32
        %c = arith.addf %a, %b : f32
        tir.store %c, %B[%vi] : f32
      }
    }
  }
}""")
    assert kernel_flops(reduction) == SymExpr.const(20)
    guarded = kernel("""
tir.func @g(%A: !tir.buffer<[4], f32>, %B: !tir.buffer<[4], f32>) {
  tir.for %i = 0 to 4 {
    tir.block "g" (%vi = spatial[4] %i) {
      %a = tir.load %A[%vi] : f32
      %c = arith.constant 1 : index
      %p = arith.cmpi slt, %vi, %c : index
      tir.if %p {
        %d = arith.addf %a, %a : f32
        tir.store %d, %B[%vi] : f32
      }
    }
  }
}""")
    assert kernel_flops(guarded) is None


def test_relax_run_profile_prints_the_table(capsys, monkeypatch):
    assert relax_run.run(["examples/mlp.mlir", "--random-inputs", "--dim", "n=8",
                          "--profile", "3"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("out0: tensor shape=(8, 10)")
    start = next(i for i, line in enumerate(out) if line.startswith("profile of @main"))
    assert out[start].startswith("profile of @main: 3 run(s)")
    assert any(line.split()[:2] == ["fused_matmul_add_relu", "3"] for line in out[start:])


def test_relax_run_profile_needs_a_positive_count():
    with pytest.raises(relax_run.UsageError, match="--profile 0"):
        relax_run.run(["examples/mlp.mlir", "--random-inputs", "--profile", "0"])


def test_a_function_named_like_the_clock_is_refused_when_profiling():
    from xrelax.diagnostics import CompileError

    src = MLP.replace("@main", "@clock_gettime")
    compile_module(src)  # fine without profiling
    with pytest.raises(CompileError, match="named clock_gettime cannot be profiled"):
        compile_module(src, profile=True)
