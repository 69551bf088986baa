"""relax-run, as a user runs it: outputs, saved files, saved executables,
the compile cache and -v, and clean failures."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def relax_run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xrelax.tools.relax_run", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


def clean_failure(proc: subprocess.CompletedProcess, message: str, code: int = 1) -> None:
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_runs_exp_on_an_input_and_saves_the_output(tmp_path):
    x = np.linspace(-2, 2, 5, dtype=np.float32)
    np.save(tmp_path / "x.npy", x)
    proc = relax_run("examples/exp.mlir", "--input", str(tmp_path / "x.npy"),
                     "--output-dir", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    assert "out0: tensor shape=(5,) dtype=float32" in proc.stdout
    np.testing.assert_allclose(np.load(tmp_path / "out" / "out0.npy"), np.exp(x), rtol=1e-6)


def test_random_inputs_with_a_symbolic_dim_and_options():
    proc = relax_run("examples/mlp.mlir", "--random-inputs", "--dim", "n=3",
                     "--disable", "fuse,plan_memory")
    assert proc.returncode == 0, proc.stderr
    assert "out0: tensor shape=(3, 10) dtype=float32" in proc.stdout
    assert "sum=3" in proc.stdout  # each softmax row sums to 1


def test_syntax_error_has_a_location(tmp_path):
    bad = tmp_path / "bad.mlir"
    bad.write_text("relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {\n"
                   "  relax.return %y : !relax.tensor<[n], f32>\n}\n")
    clean_failure(relax_run(str(bad)), f"{bad}:2:16: error:")


def test_missing_file():
    clean_failure(relax_run("no/such/file.mlir"), "cannot open 'no/such/file.mlir'")


def test_wrong_dtype_input(tmp_path):
    np.save(tmp_path / "x.npy", np.ones(4, np.float64))
    clean_failure(relax_run("examples/exp.mlir", "--input", str(tmp_path / "x.npy")),
                  "dtype is float64, expected float32")


def test_failed_match_cast(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 4), np.float32))
    np.save(tmp_path / "w.npy", np.ones((4, 9), np.float32))
    clean_failure(relax_run("examples/matmul.mlir", "--input", str(tmp_path / "x.npy"),
                            "--input", str(tmp_path / "w.npy")),
                  "relax.match_cast: the value has dims (4, 9), expected [4, 8]")


@pytest.mark.parametrize("args, message, code", [
    (["examples/exp.mlir"], "relax-run: error: main takes 1 argument, got 0: pass them with "
                            "--input PATH.npy (in parameter order: x) or use --random-inputs", 1),
    (["examples/exp.mlir", "--profile", "--random-inputs", "-O", "2", "--save", "/no/such/dir/e.xrx"],
     "relax-run: error: cannot write '/no/such/dir/e.xrx': No such file or directory", 1),
    (["examples/exp.mlir", "--random-inputs", "--entry", "nope"], "no relax function named 'nope'", 1),
    # usage errors (exit 64, see tools/relax_run.py)
    (["examples/exp.mlir", "--random-inputs", "--disable", "speed"], "unknown --disable option", 64),
    (["examples/exp.mlir", "--random-inputs", "--dim", "n"], "--dim expects NAME=INT", 64),
])
def test_bad_command_lines(args, message, code):
    clean_failure(relax_run(*args), message, code)


def test_disable_layout_gives_the_same_output(tmp_path):
    outs = []
    for extra in ([], ["--disable", "layout"]):
        out = tmp_path / ("off" if extra else "on")
        proc = relax_run("examples/mlp.mlir", "--random-inputs", "--dim", "n=5",
                         "--output-dir", str(out), *extra)
        assert proc.returncode == 0, proc.stderr
        outs.append(np.load(out / "out0.npy"))
    np.testing.assert_allclose(outs[0], outs[1], rtol=1e-5, atol=1e-6)


def test_too_few_inputs_names_the_parameters(tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 784), np.float32))
    clean_failure(relax_run("examples/mlp.mlir", "--input", str(tmp_path / "x.npy")),
                  "relax-run: error: main takes 5 arguments, got 1: --input was given 1 time(s); "
                  "in parameter order: x, w1, b1, w2, b2")


def test_save_then_run_the_saved_executable(tmp_path):
    saved = tmp_path / "mlp.xrx"
    proc = relax_run("examples/mlp.mlir", "--save", str(saved))  # no inputs: only saves
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"saved the executable to {saved}\n"
    outs = {}
    for name, file in (("compiled", "examples/mlp.mlir"), ("saved", str(saved))):
        proc = relax_run(file, "--random-inputs", "--dim", "n=4", "--seed", "3",
                         "--output-dir", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
        assert "out0: tensor shape=(4, 10) dtype=float32" in proc.stdout
        outs[name] = np.load(tmp_path / name / "out0.npy")
    np.testing.assert_array_equal(outs["compiled"], outs["saved"])
    np.testing.assert_allclose(outs["saved"].sum(axis=1), 1.0, rtol=1e-5)


def test_saved_executables_refuse_compile_options_and_foreign_files(tmp_path):
    from xrelax.lowering.saved import read_file, write_file

    saved = tmp_path / "exp.xrx"
    assert relax_run("examples/exp.mlir", "--save", str(saved)).returncode == 0
    clean_failure(relax_run(str(saved), "--random-inputs", "--disable", "fuse"),
                  "is compiled already: -O, --disable, --no-cache and --save apply to compiling",
                  64)
    clean_failure(relax_run(str(saved), "--random-inputs", "--profile"),
                  f"relax-run: error: {saved} was saved without profiling: save it with "
                  "relax-run --profile --save")
    header, blobs = read_file(saved)
    header["cpu"]["name"] = "pentium4"
    foreign = tmp_path / "foreign.xrx"
    write_file(foreign, {k: v for k, v in header.items() if k != "blobs"}, blobs)
    clean_failure(relax_run(str(foreign), "--random-inputs"),
                  f"{foreign}: error: the executable was built for CPU pentium4")
    (tmp_path / "junk.xrx").write_bytes(b"junk")
    clean_failure(relax_run(str(tmp_path / "junk.xrx")), "error: not an xrelax executable")


def test_verbose_prints_every_stage_then_the_cache_hit(tmp_path):
    env = {"XRELAX_CACHE_DIR": str(tmp_path / "cache")}
    cold = relax_run("examples/mlp.mlir", "-v", "--random-inputs", env=env)
    assert cold.returncode == 0, cold.stderr
    stages = [line.split()[1] for line in cold.stderr.splitlines()]
    for stage in ("parse", "legalize-ops", "fold-constant", "fuse-tir", "default-schedule",
                  "convert-std-to-llvm", "LLVM", "code", "cache", "compiled,"):
        assert stage in stages, cold.stderr
    assert all(line.startswith("relax-run: ") and line.endswith(" s")
               for line in cold.stderr.splitlines())
    warm = relax_run("examples/mlp.mlir", "-v", "--random-inputs", env=env)
    assert warm.returncode == 0, warm.stderr
    assert "cache hit: load" in warm.stderr and "found in the compile cache" in warm.stderr
    assert "legalize-ops" not in warm.stderr
    assert warm.stdout == cold.stdout
    fresh = relax_run("examples/mlp.mlir", "-v", "--random-inputs", "--no-cache", env=env)
    assert "legalize-ops" in fresh.stderr and "cache" not in fresh.stderr
