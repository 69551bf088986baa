"""`relax-import-onnx` and `relax-run model.onnx`: the printed IR keeps weights
as dense_resource blobs and parses back to the same numbers; inputs go by
position or by name; bad input is one message and exit status 1."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from xrelax.context import parse_text  # noqa: E402
from xrelax.lowering.runtime import compile_module  # noqa: E402
from xrelax.relax.frontend import from_onnx  # noqa: E402
from xrelax.tools import relax_import_onnx, relax_run  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "examples/onnx/small_cnn.onnx"


def test_printed_ir_uses_resources_and_runs_like_the_model(tmp_path):
    out = tmp_path / "cnn.mlir"
    assert relax_import_onnx.run([str(MODEL), "-o", str(out)]) == 0
    text = out.read_text()
    assert "relax.constant dense_resource<conv1_w> : tensor<8x3x3x3xf32>" in text
    assert "dialect_resources" in text and "fc_w: \"0x04000000" in text
    assert "relax.func @main(%image: !relax.tensor<[N, 3, H, W], f32>)" in text
    x = np.random.default_rng(0).standard_normal((2, 3, 10, 12)).astype(np.float32)
    from_text = compile_module(parse_text(text))["main"](x)
    direct = compile_module(from_onnx(str(MODEL)))["main"](x)
    np.testing.assert_array_equal(from_text, direct)


def test_import_prints_to_stdout_with_options(capsys):
    assert relax_import_onnx.run([str(MODEL), "--dim", "N=1", "--inline-limit", "100000"]) == 0
    text = capsys.readouterr().out
    assert "dense_resource" not in text and "!relax.tensor<[1, 10], f32>" in text
    assert relax_import_onnx.run([str(MODEL), "--input-shape", "image=4,3,h,w"]) == 0
    assert "!relax.tensor<[4, 3, h, w], f32>" in capsys.readouterr().out


def test_relax_run_takes_inputs_by_name_or_position(tmp_path, capsys):
    x = np.random.default_rng(1).standard_normal((3, 3, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    want = compile_module(from_onnx(str(MODEL)))["main"](x)
    for given in (f"image={tmp_path / 'x.npy'}", str(tmp_path / "x.npy")):
        out = tmp_path / given[:5].replace("/", "_")
        assert relax_run.run([str(MODEL), "--input", given, "--output-dir", str(out)]) == 0
        np.testing.assert_array_equal(np.load(out / "out0.npy"), want)
    assert "out0: tensor shape=(3, 10) dtype=float32" in capsys.readouterr().out


def run_tool(*argv):
    return subprocess.run([sys.executable, "-c", "import sys; from xrelax.tools." + argv[0] +
                           " import main; main(sys.argv[1:])", *argv[1:]],
                          capture_output=True, text=True, cwd=ROOT)


def test_tools_report_bad_input_in_one_line(tmp_path):
    unsupported = tmp_path / "tfidf.onnx"
    from onnx import TensorProto, helper

    graph = helper.make_graph([helper.make_node("TfIdfVectorizer", ["x"], ["y"], name="u")], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
                              [helper.make_tensor_value_info("y", TensorProto.INT64, None)])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]),
              str(unsupported))
    r = run_tool("relax_import_onnx", str(unsupported))
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.strip() == ("onnx node 'u' (TfIdfVectorizer, opset 13): the op type "
                                "TfIdfVectorizer is not supported")
    r = run_tool("relax_run", str(MODEL), "--input", "img=x.npy")
    assert r.returncode == 1
    assert r.stderr.strip() == ("relax-run: error: --input img=x.npy: the model has no input "
                                "'img' (its inputs: image)")
    r = run_tool("relax_import_onnx", str(tmp_path / "missing.onnx"))
    assert r.returncode == 1 and "cannot open" in r.stderr and "Traceback" not in r.stderr
