"""User errors are located diagnostics with a documented exit status, never a
traceback or a hang: the lexer on unterminated strings, the first token,
non-UTF-8 input, and relax-run's three exit statuses (1 user error, 2
internal error, 64 usage error)."""

import io
import time
from pathlib import Path

import numpy as np
import pytest

from xrelax.context import make_context
from xrelax.diagnostics import CompileError, parse_module
from xrelax.tools import relax_run

ROOT = Path(__file__).resolve().parent.parent
EXP = str(ROOT / "examples/exp.mlir")


def parse_error(text: str | bytes) -> str:
    with pytest.raises(CompileError) as info:
        parse_module(make_context(), text, "t.mlir")
    return str(info.value)


def test_unterminated_string_is_rejected_in_linear_time():
    start = time.perf_counter()
    message = parse_error('tir.func @k() {\n  tir.block "' + "a" * 10_000)
    assert time.perf_counter() - start < 1.0
    assert message.startswith("t.mlir:2:13: error: End of file reached before closing string")


def test_strings_with_escapes_still_lex():
    from xrelax.context import parse_text

    module = parse_text('relax.func @f() attributes {note = "a\\"b\\n\\\\c\\41"} {\n}\n'
                        .replace("relax.func @f() attributes", "builtin.module attributes"))
    assert module.attributes["note"].data == 'a"b\n\\cA'


@pytest.mark.parametrize("text, expected", [
    ("%", "t.mlir:1:1: error: "),
    ('"abc', "t.mlir:1:1: error: End of file reached before closing string literal"),
    (b"relax.func @m() {\xff}", "t.mlir: error: the file is not UTF-8 text (byte 17"),
])
def test_errors_in_the_first_token_and_bytes_are_located(text, expected):
    assert parse_error(text).startswith(expected)


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        relax_run.main(argv)
    out, err = capsys.readouterr()
    return info.value.code, out, err


def npy(tmp_path: Path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def header(shape: tuple[int, ...]) -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buf, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buf.getvalue()


@pytest.mark.parametrize("argv, message", [
    (["--frobnicate"], "unrecognized arguments: --frobnicate"),
    (["--random-inputs", "--seed", "-1"], "--seed -1: the seed is a non-negative integer"),
    (["--random-inputs", "--dim", "n=-1"], "--dim n=-1: a dim is in [0, 2**48)"),
    (["--random-inputs", "--dim", f"n={2**70}"], "a dim is in [0, 2**48)"),
    (["--random-inputs", "--dim", "n"], "--dim expects NAME=INT"),
    (["--random-inputs", "--dim", "m=3"], "--dim m: @main has no symbolic variable 'm' "
                                          "(its variables: n)"),
    (["--dim", "n=3"], "--dim applies to --random-inputs"),
    (["--random-inputs", "--input", "x.npy"], "give either --input or --random-inputs"),
    (["--random-inputs", "--disable", "fuse,bogus"], "unknown --disable option(s) bogus"),
    (["-O", "7"], "argument -O: invalid choice"),
])
def test_usage_errors_exit_64_with_one_line(argv, message, capsys):
    code, out, err = run([EXP, *argv], capsys)
    assert code == relax_run.EXIT_USAGE == 64
    assert err.startswith("relax-run: usage error: ") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_user_errors_exit_1(tmp_path, capsys):
    good = np.ones(4, np.float32)
    np.save(tmp_path / "good.npy", good)
    data = (tmp_path / "good.npy").read_bytes()
    cases = [
        ([EXP, "--input", npy(tmp_path, "empty.npy", b"")], "cannot read input"),
        ([EXP, "--input", npy(tmp_path, "cut.npy", data[:-8])],
         "the header declares shape (4,) (16 bytes) but the file holds 8 bytes"),
        ([EXP, "--input", npy(tmp_path, "b40.npy", header((2**40,)) + b"\0" * 16)],
         "the header declares shape (1099511627776,)"),
        ([EXP, "--input", npy(tmp_path, "b62.npy", header((2**62,)) + b"\0" * 16)],
         "the header declares shape (4611686018427387904,)"),
        ([EXP, "--random-inputs", "--dim", f"n={2**40}"], "cannot make a random input of shape"),
        ([EXP, "--random-inputs", "--output-dir", str(tmp_path / "good.npy")],
         "cannot write the outputs to"),
        ([npy(tmp_path, "bin.mlir", b"\xff\xfe"), "--random-inputs"], "is not UTF-8 text"),
        ([str(tmp_path / "missing.mlir")], "cannot open"),
        ([EXP, "--entry", "nope", "--random-inputs"], "no relax function named 'nope'"),
    ]
    for argv, message in cases:
        code, out, err = run(argv, capsys)
        assert code == relax_run.EXIT_USER_ERROR == 1, (argv, err)
        assert message in err, (argv, err)
        assert "Traceback" not in err


def test_internal_errors_exit_2_with_one_line(monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug\nover two lines")

    monkeypatch.setattr("xrelax.lowering.runtime.compile_module", broken)
    monkeypatch.delenv("RELAX_DEBUG", raising=False)
    code, out, err = run([EXP, "--random-inputs"], capsys)
    assert code == relax_run.EXIT_INTERNAL_ERROR == 2
    assert err == ("relax-run: internal error: RuntimeError: a bug over two lines "
                   "(set RELAX_DEBUG=1 for a traceback)\n")
