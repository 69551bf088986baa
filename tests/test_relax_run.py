"""relax-run, as a user runs it: outputs, saved files, and clean failures."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent


def relax_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "xrelax.tools.relax_run", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


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
    (["examples/exp.mlir"], "main takes 1 argument, got 0", 1),
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
