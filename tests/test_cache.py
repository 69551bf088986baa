"""The compile cache (lowering/cache.py): hits and misses counted in
`cache.STATS`, a new key for every option, input text, constant and blob that
changes the code, corrupt entries compiled again without a word, processes
sharing one directory, and the switches that turn it off.

Each test gets a cache directory of its own (XRELAX_CACHE_DIR)."""

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from xrelax.diagnostics import CompileError
from xrelax.lowering import cache, saved
from xrelax.lowering.packed_calls import register_packed, unregister_packed
from xrelax.lowering.runtime import compile_module
from xrelax.lowering.saved import read_file, write_file

ROOT = Path(__file__).resolve().parent.parent
MLP = (ROOT / "examples" / "mlp.mlir").read_text()
RNG = np.random.default_rng(3)

SCALE = """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.multiply %x, %x : !relax.tensor<[n], f32>
    %z = relax.add %y, %x : !relax.tensor<[n], f32>
    relax.output %z : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
"""


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv("XRELAX_CACHE_DIR", str(directory))
    monkeypatch.delenv("XRELAX_CACHE", raising=False)
    # the checkout may have been edited since the session imported the compiler
    # (which stops stores, see test_a_process_whose_source_changed_stores_nothing)
    monkeypatch.setattr(saved, "_AT_IMPORT", saved._source_digest())
    saved.build_info.cache_clear()
    yield directory
    saved.build_info.cache_clear()


def stats() -> dict[str, int]:
    return dataclasses.asdict(cache.STATS)


def delta(before: dict[str, int]) -> dict[str, int]:
    return {k: v - before[k] for k, v in stats().items() if v != before[k]}


def mlp_inputs(n: int = 6) -> list[np.ndarray]:
    shapes = [(n, 784), (784, 256), (256,), (256, 10), (10,)]
    return [RNG.standard_normal(s).astype(np.float32) for s in shapes]


def mlp_reference(x, w1, b1, w2, b2) -> np.ndarray:
    h = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    e = np.exp(h - h.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("*.xrx"))


def test_miss_then_hit(cache_dir):
    args = mlp_inputs()
    before = stats()
    cold = compile_module(MLP, filename="mlp.mlir")
    assert delta(before) == {"misses": 1, "stores": 1}
    assert not cold.from_cache and len(entries(cache_dir)) == 1
    before = stats()
    warm = compile_module(MLP, filename="mlp.mlir")
    assert delta(before) == {"hits": 1}
    assert warm.from_cache and [s for s, _ in warm.compile_times] == ["cache hit: load"]
    ref = mlp_reference(*args)
    np.testing.assert_allclose(cold["main"](*args), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(warm["main"](*args), ref, rtol=1e-5, atol=1e-6)
    assert [str(i) for i in warm["main"].inputs] == [str(i) for i in cold["main"].inputs]


def test_every_option_is_in_the_key(cache_dir):
    compile_module(SCALE)
    x = RNG.standard_normal(33).astype(np.float32)
    for options in ({"fuse": False}, {"opt_level": 2}, {"profile": True}, {"layout": False},
                    {"target": "sse"}):
        before = stats()
        exe = compile_module(SCALE, **options)
        assert delta(before) == {"misses": 1, "stores": 1}, options
        np.testing.assert_allclose(exe["main"](x), x * x + x, rtol=1e-5, atol=1e-6)
    # an option at its default value is no option: the first entry
    before = stats()
    assert compile_module(SCALE, fuse=True, opt_level=3).from_cache
    assert delta(before) == {"hits": 1}
    assert len(entries(cache_dir)) == 6


def test_the_text_and_the_file_name_are_in_the_key():
    compile_module(SCALE, filename="a.mlir")
    assert not compile_module(SCALE, filename="b.mlir").from_cache  # errors carry the name
    assert not compile_module(SCALE.replace("relax.add %y, %x", "relax.add %x, %y")).from_cache
    assert compile_module(SCALE, filename="a.mlir").from_cache


def weighted(w: np.ndarray):
    """x @ w with w a constant of the module (as an imported model's weights)."""
    from xrelax.relax import op as R
    from xrelax.relax.builder import ModuleBuilder
    from xrelax.relax.types import TensorType

    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([4, 64], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            y = df.emit(R.matmul(x, df.constant(w)))
            df.output(y)
        fb.ret(df.result)
    return mb.finish()


def test_constants_are_in_the_key_and_in_the_entry():
    x = RNG.standard_normal((4, 64)).astype(np.float32)
    w1 = RNG.standard_normal((64, 32)).astype(np.float32)
    w2 = w1.copy()
    w2[17, 5] += 1.0  # one weight differs: another key
    first = compile_module(weighted(w1))
    second = compile_module(weighted(w2))
    again = compile_module(weighted(w1.copy()))  # equal data: the first entry
    assert (first.from_cache, second.from_cache, again.from_cache) == (False, False, True)
    np.testing.assert_allclose(second["main"](x), x @ w2, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(again["main"](x), x @ w1, rtol=1e-5, atol=1e-5)


def test_module_keys_tell_apart_values_that_compare_equal():
    """0.0 == -0.0 in Python, but they are different constants: a module's key
    prints every value (only types are printed once and reused)."""
    from xrelax.context import parse_text

    body = """func.func @f() -> (f32, f32) {
  %a = arith.constant 0.0 : f32
  %b = arith.constant SECOND : f32
  func.return %a, %b : f32, f32
}"""
    zero, negative = (parse_text(body.replace("SECOND", v)) for v in ("0.0", "-0.0"))
    assert cache.source_digest(zero) != cache.source_digest(negative)
    assert cache.source_digest(zero) == cache.source_digest(parse_text(body.replace("SECOND",
                                                                                    "0.0")))


def run_python(script: str, *args: str, env: dict[str, str] | None = None,
               ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600,
                          env={**os.environ, **(env or {})})


RESOURCE_SCRIPT = """
    import json, sys
    from xrelax.context import parse_text
    from xrelax.lowering.runtime import compile_module
    from xrelax.lowering.saved import compiler_fingerprint
    text = '''
    relax.func @main() -> !relax.tensor<[2], f32> {
      %c = relax.constant dense_resource<weights> : tensor<2xf32>
      relax.return %c : !relax.tensor<[2], f32>
    }
    {-#
      dialect_resources: { builtin: { weights: "0x04000000BLOB" } }
    #-}
    '''
    exe = compile_module(parse_text(text.replace("BLOB", sys.argv[1])))  # a ModuleOp: its blob is hashed
    print(json.dumps({"hit": exe.from_cache, "value": exe["main"]().tolist(),
                      "compiler": compiler_fingerprint()}))
"""


def test_dense_resource_blobs_are_in_the_key():
    """Two processes, one resource name, two blobs: the printed modules are
    equal but for the blob, which the key hashes."""
    one_two = np.array([1, 2], np.float32).tobytes().hex().upper()
    three_four = np.array([3, 4], np.float32).tobytes().hex().upper()
    runs = [run_python(RESOURCE_SCRIPT, blob) for blob in (one_two, three_four, one_two)]
    results = [json.loads(r.stdout) for r in runs]
    same_compiler(results)
    assert [{k: r[k] for k in ("hit", "value")} for r in results] == [{"hit": False, "value": [1.0, 2.0]}, {"hit": False, "value": [3.0, 4.0]},
                       {"hit": True, "value": [1.0, 2.0]}], [r.stderr for r in runs]


def same_compiler(results: list[dict]) -> None:
    """Processes that compile with other source files (edited while the test
    ran) must miss: then the test cannot tell a hit."""
    if len({r["compiler"] for r in results}) > 1:
        pytest.skip("the compiler's source changed while the test ran")


def corrupt_by_truncating(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def corrupt_by_flipping_a_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))


def corrupt_by_garbage(path: Path) -> None:
    path.write_bytes(b"not an executable at all")


@pytest.mark.parametrize("corrupt", [corrupt_by_truncating, corrupt_by_flipping_a_byte,
                                     corrupt_by_garbage])
def test_a_corrupt_entry_is_compiled_again_silently(cache_dir, corrupt):
    args = mlp_inputs(3)
    compile_module(MLP)
    (entry,) = entries(cache_dir)
    corrupt(entry)
    before = stats()
    exe = compile_module(MLP)
    assert delta(before) == {"misses": 1, "corrupt": 1, "stores": 1}
    assert not exe.from_cache
    np.testing.assert_allclose(exe["main"](*args), mlp_reference(*args), rtol=1e-5, atol=1e-6)
    read_file(entry)  # stored again, whole
    assert compile_module(MLP).from_cache


def test_an_entry_for_another_cpu_is_compiled_again(cache_dir):
    """A header that does not match this machine (a copied cache directory)."""
    compile_module(SCALE)
    (entry,) = entries(cache_dir)
    header, blobs = read_file(entry)
    header["cpu"] = {**header["cpu"], "name": "pentium4"}
    write_file(entry, {k: v for k, v in header.items() if k != "blobs"}, blobs)
    before = stats()
    assert not compile_module(SCALE).from_cache
    assert delta(before) == {"misses": 1, "corrupt": 1, "stores": 1}


CONCURRENT_SCRIPT = """
    import json, sys
    import numpy as np
    from xrelax.lowering import cache, saved
    from xrelax.lowering.runtime import compile_module
    from xrelax.lowering.saved import compiler_fingerprint
    exe = compile_module(open("examples/mlp.mlir").read())
    rng = np.random.default_rng(int(sys.argv[1]))
    shapes = [(5, 784), (784, 256), (256,), (256, 10), (10,)]
    args = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    x, w1, b1, w2, b2 = args
    h = np.maximum(x @ w1 + b1, 0) @ w2 + b2
    e = np.exp(h - h.max(-1, keepdims=True))
    error = float(np.abs(exe["main"](*args) - e / e.sum(-1, keepdims=True)).max())
    print(json.dumps({"hit": exe.from_cache, "error": error, "corrupt": cache.STATS.corrupt,
                      "compiler": compiler_fingerprint()}))
"""


def test_two_processes_share_the_cache_at_once(cache_dir):
    env = {**os.environ, "XRELAX_CACHE_DIR": str(cache_dir)}
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(CONCURRENT_SCRIPT), str(i)],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for i in range(2)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [err for _, err in outs]
    results = [json.loads(out) for out, _ in outs]
    for result in results:
        assert result["error"] < 1e-5 and result["corrupt"] == 0
    same_compiler(results)
    (entry,) = entries(cache_dir)  # one entry, whole; no temporary file left behind
    read_file(entry)
    assert [p.name for p in cache_dir.iterdir()] == [entry.name]
    third = run_python(CONCURRENT_SCRIPT, "7", env={"XRELAX_CACHE_DIR": str(cache_dir)})
    results.append(json.loads(third.stdout))
    same_compiler(results)
    assert results[-1]["hit"] is True, third.stderr


WRITER_SCRIPT = """
    import sys
    import numpy as np
    from xrelax.lowering.saved import FORMAT, write_file
    for i in range(int(sys.argv[2])):
        blob = np.full(1 << 18, i % 251, np.uint8)
        write_file(sys.argv[1], {"format": FORMAT, "i": i}, [blob])
"""


def test_readers_never_see_a_partly_written_entry(tmp_path):
    """Two writers replace one file over and over while this process reads it."""
    path = tmp_path / "entry.xrx"
    write_file(path, {"format": saved.FORMAT, "i": -1}, [np.zeros(1 << 18, np.uint8)])
    writers = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(WRITER_SCRIPT), str(path),
                                 "150"], cwd=ROOT) for _ in range(2)]
    reads = 0
    while any(w.poll() is None for w in writers) or reads < 20:
        header, (blob,) = read_file(path)  # raises on a partial or mixed file
        assert set(np.frombuffer(blob, np.uint8).tolist()) == {max(header["i"], 0) % 251}
        reads += 1
    assert [w.wait() for w in writers] == [0, 0]
    assert [p.name for p in tmp_path.iterdir()] == ["entry.xrx"]


def test_switched_off_by_environment_argument_and_hook(cache_dir, monkeypatch):
    monkeypatch.setenv("XRELAX_CACHE", "0")
    before = stats()
    compile_module(SCALE)
    compile_module(SCALE)
    monkeypatch.delenv("XRELAX_CACHE")
    compile_module(SCALE, cache=False)
    compile_module(SCALE, before_llvm=lambda module: None)  # a hook sees the IR: no cache
    assert delta(before) == {} and not cache_dir.exists()
    assert not compile_module(SCALE).from_cache and compile_module(SCALE).from_cache


def test_python_registered_into_the_compiler_bypasses_the_cache(cache_dir):
    """A custom legalization changes the code without changing the input: no
    key can see it, so such compiles neither read nor write the cache."""
    from xrelax.passes.legalize_ops import register_legalization, unregister_legalization
    from xrelax.tir import compute as te
    from xrelax.tir.microkernel import register_microkernel, unregister_microkernel

    x = RNG.standard_normal(9).astype(np.float32)
    np.testing.assert_allclose(compile_module(SCALE)["main"](x), x * x + x, rtol=1e-5, atol=1e-6)
    register_legalization("relax.add", lambda op, ins: te.compute(
        ins[0].shape, lambda i: ins[0][i] - ins[1][i], name="sub"))
    try:
        before = stats()
        exe = compile_module(SCALE)
        assert delta(before) == {} and not exe.from_cache
        np.testing.assert_allclose(exe["main"](x), x * x - x, rtol=1e-5, atol=1e-6)
    finally:
        unregister_legalization("relax.add")
    register_microkernel("test_cache_tile", lambda loop: "never")
    try:
        assert not compile_module(SCALE).from_cache
    finally:
        unregister_microkernel("test_cache_tile")
    exe = compile_module(SCALE)
    assert exe.from_cache
    np.testing.assert_allclose(exe["main"](x), x * x + x, rtol=1e-5, atol=1e-6)


def test_a_process_whose_source_changed_stores_nothing(cache_dir, monkeypatch):
    """Its code in memory may be neither the old source nor the new one."""
    monkeypatch.setattr(saved, "_AT_IMPORT", "0" * 16)  # as if the files changed since
    saved.build_info.cache_clear()
    before = stats()
    x = RNG.standard_normal(4).astype(np.float32)
    np.testing.assert_allclose(compile_module(SCALE)["main"](x), x * x + x, rtol=1e-5, atol=1e-6)
    assert delta(before) == {"misses": 1, "stale_source": 1} and not cache_dir.exists()


def test_an_unwritable_cache_directory_only_costs_the_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XRELAX_CACHE_DIR", str(blocker / "cache"))
    before = stats()
    x = RNG.standard_normal(5).astype(np.float32)
    np.testing.assert_allclose(compile_module(SCALE)["main"](x), x * x + x, rtol=1e-5, atol=1e-6)
    assert delta(before) == {"misses": 1, "write_errors": 1}


def test_least_recently_used_entries_go_when_the_cache_is_full(cache_dir, monkeypatch):
    compile_module(SCALE)
    (first,) = entries(cache_dir)
    monkeypatch.setenv("XRELAX_CACHE_SIZE", str(first.stat().st_size * 3 // 2))
    os.utime(first, (1, 1))  # long unused
    compile_module(SCALE, filename="other.mlir")
    assert len(entries(cache_dir)) == 1 and not first.exists()


def test_llvm_ir_of_a_cached_executable(cache_dir):
    ir = compile_module(SCALE).llvm_ir()
    warm = compile_module(SCALE)
    assert warm.from_cache and warm.llvm_ir() == ir and "define" in ir


PACKED = """
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %y = relax.call_dps_packed "test_cache.negate"(%x) : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
"""

PACKED_SCRIPT = """
import json, sys
import numpy as np
from xrelax.lowering.packed_calls import register_packed
from xrelax.lowering.runtime import compile_module
from xrelax.lowering.saved import compiler_fingerprint
if sys.argv[2] == "register":
    @register_packed("test_cache.negate")
    def negate(x, out):
        out[...] = -x
exe = compile_module(open(sys.argv[1]).read(), filename="packed.mlir")
print(json.dumps({"hit": exe.from_cache, "compiler": compiler_fingerprint(),
                  "value": exe["main"](np.arange(3, dtype=np.float32)).tolist()}))
"""


def test_packed_calls_from_a_cached_executable(cache_dir, tmp_path):
    """The sites of an entry are found by number in a new process, and a
    function missing there is the compile error it always was."""
    source = tmp_path / "packed.mlir"
    source.write_text(PACKED)
    env = {"XRELAX_CACHE_DIR": str(cache_dir)}
    runs = [run_python(PACKED_SCRIPT, str(source), "register", env=env) for _ in range(2)]
    results = [json.loads(r.stdout) for r in runs]
    same_compiler(results)
    assert [(r["hit"], r["value"]) for r in results] == [(False, [-0.0, -1.0, -2.0]),
                                                         (True, [-0.0, -1.0, -2.0])]
    missing = run_python(PACKED_SCRIPT, str(source), "no", env=env)
    assert missing.returncode != 0
    assert ('packed.mlir:3:3: error: relax.call_dps_packed: no function is registered under '
            'the name "test_cache.negate"') in missing.stderr


def test_packed_call_unregistered_after_a_hit_in_this_process(cache_dir):
    register_packed("test_cache.negate", lambda x, out: np.negative(x, out=out))
    try:
        compile_module(PACKED, filename="packed.mlir")
    finally:
        unregister_packed("test_cache.negate")
    with pytest.raises(CompileError, match=r'packed.mlir:3:3: error: relax.call_dps_packed: '
                                           r'no function is registered under the name'):
        compile_module(PACKED, filename="packed.mlir")
