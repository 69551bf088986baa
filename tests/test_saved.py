"""Saved executables (lowering/saved.py): `Executable.save` and
`load_executable` in this process and in a new one, what a loaded executable
keeps (signature, constants, memory plan, profiling, packed calls), and the
refusal, as a clear CompileError, of files that are not ours, are corrupt, or
were built for another CPU, other features, another xrelax or format."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from xrelax.diagnostics import CompileError
from xrelax.lowering.jit import JitError
from xrelax.lowering.packed_calls import register_packed, unregister_packed
from xrelax.lowering.runtime import RelaxRuntimeError, compile_module, load_executable
from xrelax.lowering.saved import FORMAT, MAGIC, ExecutableFileError, read_file, write_file

ROOT = Path(__file__).resolve().parent.parent
MLP = (ROOT / "examples" / "mlp.mlir").read_text()
RNG = np.random.default_rng(11)


def mlp_inputs(n: int) -> list[np.ndarray]:
    shapes = [(n, 784), (784, 256), (256,), (256, 10), (10,)]
    return [RNG.standard_normal(s).astype(np.float32) for s in shapes]


def mlp_reference(x, w1, b1, w2, b2) -> np.ndarray:
    h = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    e = np.exp(h - h.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def weighted_module(w: np.ndarray, b: np.ndarray):
    """relu(x @ w + b), w and b constants (folded and re-laid-out at compile time)."""
    from xrelax.relax import op as R
    from xrelax.relax.builder import ModuleBuilder
    from xrelax.relax.types import TensorType
    from xrelax.tir.symbolic import var

    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([var("n"), w.shape[0]], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            y = df.emit(R.relu(df.emit(R.add(df.emit(R.matmul(x, df.constant(w))),
                                              df.constant(b)))))
            df.output(y)
        fb.ret(df.result)
    return mb.finish()


def test_round_trip_in_this_process(tmp_path):
    exe = compile_module(MLP, filename="mlp.mlir")
    exe.save(tmp_path / "mlp.xrx")
    loaded = load_executable(tmp_path / "mlp.xrx")
    args = mlp_inputs(7)
    np.testing.assert_allclose(loaded["main"](*args), mlp_reference(*args), rtol=1e-5, atol=1e-6)
    assert [str(i) for i in loaded["main"].inputs] == [
        "x: float32[n, 784]", "w1: float32[784, 256]", "b1: float32[256]",
        "w2: float32[256, 10]", "b2: float32[10]"]
    assert loaded["main"].memory_plan(n=7) == exe["main"].memory_plan(n=7)
    assert loaded.options == exe.options and loaded.options["fuse"] is True


def test_constants_travel_in_the_file(tmp_path):
    w = RNG.standard_normal((48, 40)).astype(np.float32)
    b = RNG.standard_normal(40).astype(np.float32)
    exe = compile_module(weighted_module(w, b))
    assert sum(c.nbytes for c in exe["main"].constants) >= w.nbytes  # weights, laid out
    exe.save(tmp_path / "w.xrx")
    loaded = load_executable(tmp_path / "w.xrx")
    x = RNG.standard_normal((5, 48)).astype(np.float32)
    np.testing.assert_allclose(loaded["main"](x), np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-5)
    for saved, original in zip(loaded["main"].constants, exe["main"].constants):
        np.testing.assert_array_equal(saved, original)
        assert not saved.flags.writeable


LOAD_SCRIPT = """
    import json, sys
    import numpy as np
    from xrelax.lowering.runtime import load_executable
    exe = load_executable(sys.argv[1])
    x = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    print(json.dumps({"y": exe["main"](x).tolist(), "imported": "xrelax.passes.fold_constant"
                      in sys.modules}))
"""


def test_a_new_process_runs_it_without_the_compiler(tmp_path):
    w = RNG.standard_normal((4, 6)).astype(np.float32)
    b = RNG.standard_normal(6).astype(np.float32)
    compile_module(weighted_module(w, b)).save(tmp_path / "small.xrx")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(LOAD_SCRIPT),
                           str(tmp_path / "small.xrx")], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env={**os.environ, "XRELAX_CACHE": "0"})
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    x = np.arange(12, dtype=np.float32).reshape(3, 4) / 10
    np.testing.assert_allclose(result["y"], np.maximum(x @ w + b, 0), rtol=1e-5, atol=1e-6)
    assert result["imported"] is False  # no pass was even imported


def test_run_time_errors_and_profiling_survive(tmp_path):
    text = """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[4], f32> {
  %y = relax.match_cast %x : !relax.tensor<[4], f32>
  %z = relax.add %y, %y : !relax.tensor<[4], f32>
  relax.return %z : !relax.tensor<[4], f32>
}
"""
    compile_module(text, filename="cast.mlir", profile=True).save(tmp_path / "cast.xrx")
    loaded = load_executable(tmp_path / "cast.xrx")
    x = np.arange(4, dtype=np.float32)
    np.testing.assert_array_equal(loaded["main"](x), 2 * x)
    with pytest.raises(RelaxRuntimeError, match=r"cast.mlir:3:3: relax.match_cast: the value has dims 5, expected \[4\]"):
        loaded["main"](np.ones(5, np.float32))
    report = loaded.profile("main", x, repeat=3)
    assert report.runs == 3 and [k.calls for k in report.kernels] == [3]


def test_packed_calls_of_a_saved_executable(tmp_path):
    text = """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_dps_packed "test_saved.triple"(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""
    register_packed("test_saved.triple", lambda x, out: np.multiply(x, 3, out=out))
    try:
        compile_module(text, filename="p.mlir").save(tmp_path / "p.xrx")
        x = np.arange(5, dtype=np.float32)
        np.testing.assert_array_equal(load_executable(tmp_path / "p.xrx")["main"](x), 3 * x)
    finally:
        unregister_packed("test_saved.triple")
    with pytest.raises(CompileError, match=r'p.mlir:3:3: error: relax.call_dps_packed: no '
                                           r'function is registered under the name '
                                           r'"test_saved.triple"'):
        load_executable(tmp_path / "p.xrx")


def test_a_loaded_executable_has_no_llvm_ir(tmp_path):
    compile_module(MLP).save(tmp_path / "mlp.xrx")
    with pytest.raises(JitError, match="loaded as object code: it has no LLVM IR"):
        load_executable(tmp_path / "mlp.xrx").llvm_ir()


@pytest.fixture(scope="module")
def saved_mlp(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("saved") / "mlp.xrx"
    compile_module(MLP).save(path)
    return path


def edited(saved: Path, tmp_path: Path, edit) -> Path:
    """A copy of a saved file with its header changed by edit(header); the
    checksum is made again, as a file built elsewhere would have it."""
    header, blobs = read_file(saved)
    edit(header)
    out = tmp_path / "edited.xrx"
    write_file(out, {k: v for k, v in header.items() if k != "blobs"}, blobs)
    return out


@pytest.mark.parametrize("edit, message", [
    (lambda h: h["cpu"].update(name="pentium4"),
     r"edited.xrx: error: the executable was built for CPU pentium4 \(x86_64[^)]*\); this "
     r"machine is \S+ \(.*\): compile it again here"),
    (lambda h: h["cpu"].update(features=h["cpu"]["features"].replace("+sse2", "-sse2")),
     r"edited.xrx: error: the executable was built for CPU \S+ with other features \(differing: "
     r"\+sse2\): compile it again here"),
    (lambda h: h.update(xrelax="0.0.1"),
     r"edited.xrx: error: the executable was built by xrelax 0.0.1; this is xrelax \S+: compile "
     r"it again with this xrelax"),
    (lambda h: h["deps"].update(llvm="3.4.0"),
     r"edited.xrx: error: the executable was built with llvm 3.4.0, llvmlite"),
    (lambda h: h.update(format=99),
     rf"edited.xrx: error: the executable has file format 99; this xrelax reads format {FORMAT}"),
    (lambda h: h["functions"]["main"].update(signature="(!relax.nonsense) -> i32"),
     r"edited.xrx: error: the executable's header is malformed \(cannot parse the type"),
    (lambda h: h["functions"]["main"]["constants"].append({"blob": 0, "dtype": "|O",
                                                             "shape": [1]}),
     r"edited.xrx: error: the executable's header is malformed \(ValueError: constant dtype"),
])
def test_a_foreign_file_is_refused(saved_mlp, tmp_path, edit, message):
    with pytest.raises(ExecutableFileError, match=message):
        load_executable(edited(saved_mlp, tmp_path, edit))


def test_the_compiler_source_alone_does_not_refuse_a_file(saved_mlp, tmp_path):
    """A saved file is checked against the format (which is the calling
    convention), the version and the machine; the compile cache, not the
    file, follows every edit of the compiler's source."""
    loaded = load_executable(edited(saved_mlp, tmp_path, lambda h: h.update(compiler="0" * 16)))
    args = mlp_inputs(2)
    np.testing.assert_allclose(loaded["main"](*args), mlp_reference(*args), rtol=1e-5, atol=1e-6)


def test_a_corrupt_or_strange_file_is_refused(saved_mlp, tmp_path):
    data = saved_mlp.read_bytes()
    cases = {"truncated.xrx": data[: len(data) - 100],
             "flipped.xrx": data[:200] + bytes([data[200] ^ 1]) + data[201:],
             "text.xrx": b"relax.func @main() {}\n",
             "empty.xrx": b"",
             "short.xrx": MAGIC}
    for name, content in cases.items():
        (tmp_path / name).write_bytes(content)
    for name in ("truncated.xrx", "flipped.xrx", "short.xrx"):
        with pytest.raises(ExecutableFileError, match=rf"{name}: error: the executable is "
                                                      r"corrupt or truncated \(its checksum"):
            load_executable(tmp_path / name)
    for name in ("text.xrx", "empty.xrx"):
        with pytest.raises(ExecutableFileError, match=rf"{name}: error: not an xrelax "
                                                      r"executable \(saved with Executable.save"):
            load_executable(tmp_path / name)
    with pytest.raises(ExecutableFileError, match=r"no-such.xrx: error: cannot read the "
                                                  r"executable: No such file"):
        load_executable(tmp_path / "no-such.xrx")


def test_save_writes_whole_files_only(saved_mlp, tmp_path, monkeypatch):
    """A save that fails leaves the old file and no temporary file."""
    target = tmp_path / "out.xrx"
    target.write_bytes(saved_mlp.read_bytes())

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        load_executable(saved_mlp).save(target)
    assert target.read_bytes() == saved_mlp.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["out.xrx"]


def test_an_empty_constant_is_saved_and_read_back(tmp_path):
    """A constant with a zero in its shape (a zero-length state of a model):
    its view cannot be cast to bytes, it is written as no bytes."""
    path = tmp_path / "empty.xrx"
    write_file(path, {"format": FORMAT, "k": 1},
               [np.zeros((2, 0), np.float32), np.arange(3, dtype=np.int64)])
    header, blobs = read_file(path)
    assert header["k"] == 1 and bytes(blobs[0]) == b""
    assert np.frombuffer(blobs[1], np.int64).tolist() == [0, 1, 2]
