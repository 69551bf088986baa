"""Element-wise relax ops: type inference (no compile) and numerics against numpy.

Every numeric case is one relax function in ONE module, generated from the
tables below and compiled once (a module-scoped fixture): unary ops on f32
[n, 4] (several n), f64 and i32; binary ops with broadcasting ([n, 1] with
[1, 4], [4] with [n, 4], rank-0 scalars), comparisons (NaN included), `where`
with 3-way broadcasting, `clip` bounds, and `cast` between dtypes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.op_base import TypeInferenceError
from xrelax.relax.ops_elementwise import (
    AddOp, CastOp, ClipOp, ExpOp, GeluOp, LessOp, NegOp, PowerOp, WhereOp)
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

n, m = var("n"), var("m")
RNG = np.random.default_rng(7)
NS = (1, 3, 7)  # values of the symbolic dim n

# ---- type inference --------------------------------------------------------------


def _t(shape, dtype="f32", ndim=None):
    return TensorType(shape, dtype, ndim=ndim)


@pytest.mark.parametrize("a, b, out", [
    ([n, 1], [1, 4], [n, 4]),
    ([4], [n, 4], [n, 4]),
    ([], [n, 4], [n, 4]),
    ([2, 1, m], [n, 1], [2, n, m]),
    ([n * 2], [2 * n], [2 * n]),
])
def test_broadcast_shapes(a, b, out):
    assert AddOp.infer([_t(a), _t(b)], {}) == _t(out)
    assert LessOp.infer([_t(a), _t(b)], {}) == _t(out, "bool")


def test_unknown_dims_keep_the_rank():
    assert AddOp.infer([_t(None, ndim=2), _t([4])], {}) == _t(None, ndim=2)
    assert AddOp.infer([_t(None), _t([4])], {}) == _t(None)
    assert ExpOp.infer([_t(None, ndim=3)], {}) == _t(None, ndim=3)
    assert CastOp.infer([_t(None, ndim=1)], {"dtype": "i8"}) == _t(None, "i8", ndim=1)
    assert WhereOp.infer([_t([n, 1], "bool"), _t(None, ndim=3), _t([4])], {}) == _t(None, ndim=3)


@pytest.mark.parametrize("build, message", [
    (lambda: AddOp.infer([_t([3]), _t([4])], {}), "cannot broadcast dim 3 with 4 (they differ"),
    (lambda: AddOp.infer([_t([n]), _t([m])], {}), "not provably equal"),
    (lambda: AddOp.infer([_t([4]), _t([4], "f16")], {}), "different dtypes f32, f16"),
    (lambda: ExpOp.infer([_t([4], "i32")], {}), "relax.exp: needs a float tensor, got i32"),
    (lambda: NegOp.infer([_t([4], "bool")], {}), "not defined on bool"),
    (lambda: PowerOp.infer([_t([4], "i32")] * 2, {}), "needs a float tensor"),
    (lambda: CastOp.infer([_t([4])], {"dtype": "f17"}), "unknown dtype 'f17'"),
    (lambda: ClipOp.infer([_t([4])], {"min": 2.0, "max": 1.0}), "min (2.0) is greater than max"),
    (lambda: ClipOp.infer([_t([4], "i32")], {"min": 0.5, "max": math.inf}), "not an integer"),
    (lambda: WhereOp.infer([_t([4])] * 3, {}), "the condition must be a bool tensor, got f32"),
    (lambda: GeluOp.infer([_t([4])], {"approximate": "fast"}),
     'approximate must be "none" or "tanh"'),
])
def test_inference_errors(build, message):
    with pytest.raises(TypeInferenceError) as err:
        build()
    assert message in str(err.value)


def test_python_builder_makes_the_same_ops():
    mb = ModuleBuilder()
    with mb.function("main", x=_t([n, 4]), c=_t([4], "bool")) as fb:
        x, c = fb.params
        with fb.dataflow() as df:
            g = df.emit(R.gelu(x, approximate="tanh"))
            k = df.emit(R.clip(g, min=0.0, max=6.0))
            w = df.emit(R.where(c, k, x))
            i = df.emit(R.cast(w, dtype="i32"))
            df.output(i)
        fb.ret(df.result)
    text = str(mb.finish())
    assert 'relax.gelu %x {approximate = "tanh"} : !relax.tensor<[n, 4], f32>' in text
    assert 'relax.cast' in text and '{dtype = "i32"} : !relax.tensor<[n, 4], i32>' in text
    assert "relax.where %c," in text


# ---- numerics: the module --------------------------------------------------------

def erf(x: np.ndarray) -> np.ndarray:
    return np.vectorize(math.erf, otypes=[np.float64])(x.astype(np.float64))


def gelu(x, approximate="none"):
    x64 = x.astype(np.float64)
    if approximate == "tanh":
        return 0.5 * x64 * (1 + np.tanh(math.sqrt(2 / math.pi) * (x64 + 0.044715 * x64 ** 3)))
    return 0.5 * x64 * (1 + erf(x64 / math.sqrt(2)))


def sigmoid(x):
    return 1 / (1 + np.exp(-x.astype(np.float64)))


# name -> (op text with properties, numpy reference, input domain)
UNARY = {
    "neg": ("relax.neg", np.negative, "any"),
    "abs": ("relax.abs", np.abs, "any"),
    "exp": ("relax.exp", np.exp, "any"),
    "log": ("relax.log", np.log, "positive"),
    "sqrt": ("relax.sqrt", np.sqrt, "positive"),
    "rsqrt": ("relax.rsqrt", lambda x: 1 / np.sqrt(x), "positive"),
    "sigmoid": ("relax.sigmoid", sigmoid, "wide"),
    "tanh": ("relax.tanh", np.tanh, "wide"),
    "relu": ("relax.relu", lambda x: np.maximum(x, 0), "any"),
    "gelu": ("relax.gelu", gelu, "any"),
    "gelu_tanh": ('relax.gelu {approximate = "tanh"}', lambda x: gelu(x, "tanh"), "any"),
    "silu": ("relax.silu", lambda x: x * sigmoid(x), "wide"),
    "erf": ("relax.erf", erf, "any"),
    "floor": ("relax.floor", np.floor, "halves"),
    "ceil": ("relax.ceil", np.ceil, "halves"),
    "round": ("relax.round", np.round, "halves"),
    "clip": ("relax.clip {min = -1.5, max = 0.5}", lambda x: np.clip(x, -1.5, 0.5), "halves"),
    "clip_lo": ("relax.clip {min = 0}", lambda x: np.maximum(x, 0), "halves"),  # an int bound
    "clip_hi": ("relax.clip {max = -0.5}", lambda x: np.minimum(x, -0.5), "halves"),
}
UNARY_F64 = ["exp", "log", "erf", "gelu_tanh", "round"]
UNARY_I32 = {
    "neg": ("relax.neg", np.negative),
    "abs": ("relax.abs", np.abs),
    "relu": ("relax.relu", lambda x: np.maximum(x, 0)),
    "round": ("relax.round", lambda x: x),
    "clip": ("relax.clip {min = -3, max = 2.0}", lambda x: np.clip(x, -3, 2)),
}

BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply, "divide": np.divide,
    "maximum": np.maximum, "minimum": np.minimum,
    "equal": np.equal, "not_equal": np.not_equal, "less": np.less,
    "less_equal": np.less_equal, "greater": np.greater, "greater_equal": np.greater_equal,
}
COMPARE = ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal"]
INT_BINARY = {op: BINARY[op] for op in ("add", "subtract", "multiply", "maximum", "minimum",
                                         "not_equal", "less", "greater_equal")}
INT_BINARY["divide"] = np.floor_divide
# (lhs shape, rhs shape) as text, and the ops tested with them (every op with
# the 2-d broadcast, a few with the others; each case is a kernel to compile)
BROADCASTS = {
    "col_row": ("[n, 1]", "[1, 4]", list(BINARY)),
    "vec_mat": ("[4]", "[n, 4]", ["add", "multiply", "less"]),
    "scalar_mat": ("[n, 4]", "[]", ["subtract", "divide", "greater_equal"]),
    "static": ("[2, 4]", "[4]", ["add", "equal"]),
}
BINARY_CASES = [(op, b) for b, (_, _, ops) in BROADCASTS.items() for op in ops]
BOOL_COMPARE = ["equal", "less", "greater_equal"]
CASTS = [("f32", "i32"), ("f32", "f16"), ("f32", "bool"), ("bool", "f32"), ("i32", "f64"),
         ("f64", "f32"), ("i32", "i8"), ("i8", "i64"), ("i32", "bool"),
         ("bool", "i32"), ("f16", "f32")]


def _out_shape(*shapes: str) -> str:
    if any("n" in s for s in shapes):
        return "[n, 4]"
    return max(shapes, key=len)


def _func(name: str, params: list[tuple[str, str, str]], body: str, out: str) -> str:
    """A relax function with one op: params are (name, shape, dtype)."""
    sig = ", ".join(f"%{p}: !relax.tensor<{s}, {d}>" for p, s, d in params)
    args = ", ".join(f"%{p}" for p, _, _ in params)
    op, _, props = body.partition(" ")
    return (f"relax.func @{name}({sig}) -> {out} {{\n"
            f"  %y = {op} {args}{' ' + props if props else ''} : {out}\n"
            f"  relax.return %y : {out}\n}}\n")


def _module() -> str:
    funcs = []
    for name, (op, _, _) in UNARY.items():
        funcs.append(_func(f"u_{name}", [("x", "[n, 4]", "f32")], op,
                           "!relax.tensor<[n, 4], f32>"))
    for name in UNARY_F64:
        funcs.append(_func(f"u64_{name}", [("x", "[2, 3]", "f64")], UNARY[name][0],
                           "!relax.tensor<[2, 3], f64>"))
    for name, (op, _) in UNARY_I32.items():
        funcs.append(_func(f"i32_{name}", [("x", "[n]", "i32")], op, "!relax.tensor<[n], i32>"))
    funcs.append(_func("u_exp_scalar", [("x", "[]", "f32")], "relax.exp", "!relax.tensor<[], f32>"))
    for op, bname in BINARY_CASES:
        sa, sb, _ = BROADCASTS[bname]
        out = _out_shape(sa, sb)
        dtype = "bool" if op in COMPARE else "f32"
        funcs.append(_func(f"b_{op}_{bname}", [("a", sa, "f32"), ("b", sb, "f32")],
                           f"relax.{op}", f"!relax.tensor<{out}, {dtype}>"))
    funcs.append(_func("b_power", [("a", "[n, 1]", "f32"), ("b", "[1, 4]", "f32")],
                       "relax.power", "!relax.tensor<[n, 4], f32>"))
    funcs.append(_func("b_power64", [("a", "[3]", "f64"), ("b", "[]", "f64")],
                       "relax.power", "!relax.tensor<[3], f64>"))
    for op in INT_BINARY:
        dtype = "bool" if op in COMPARE else "i32"
        funcs.append(_func(f"i_{op}", [("a", "[n, 1]", "i32"), ("b", "[1, 4]", "i32")],
                           f"relax.{op}", f"!relax.tensor<[n, 4], {dtype}>"))
    funcs.append(_func("i64_divide", [("a", "[n]", "i64"), ("b", "[n]", "i64")],
                       "relax.divide", "!relax.tensor<[n], i64>"))
    for op in BOOL_COMPARE:
        funcs.append(_func(f"bool_{op}", [("a", "[4]", "bool"), ("b", "[4]", "bool")],
                           f"relax.{op}", "!relax.tensor<[4], i1>"))
    funcs.append(_func("where3", [("c", "[n, 1]", "bool"), ("a", "[1, 4]", "f32"),
                                  ("b", "[]", "f32")], "relax.where", "!relax.tensor<[n, 4], f32>"))
    funcs.append(_func("where_i32", [("c", "[4]", "bool"), ("a", "[n, 4]", "i32"),
                                     ("b", "[n, 1]", "i32")], "relax.where",
                       "!relax.tensor<[n, 4], i32>"))
    funcs.append(_func("where_scalar", [("c", "[]", "bool"), ("a", "[]", "f64"),
                                        ("b", "[]", "f64")], "relax.where",
                       "!relax.tensor<[], f64>"))
    for src, dst in CASTS:
        funcs.append(_func(f"cast_{src}_{dst}", [("x", "[n, 4]", src)],
                           f'relax.cast {{dtype = "{dst}"}}', f"!relax.tensor<[n, 4], {dst}>"))
    return "\n".join(funcs)


@pytest.fixture(scope="module")
def exe():
    return compile_module(_module(), filename="elementwise")


NP = {"f16": np.float16, "f32": np.float32, "f64": np.float64, "i8": np.int8, "i32": np.int32,
      "i64": np.int64, "bool": np.bool_}
HALVES = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -2.0, -0.0, 0.0, 1.0, -1.7, 1.2, -0.2, 3.5,
                   -3.5, 0.49999997])


def _input(domain: str, shape: tuple[int, ...], dtype=np.float32) -> np.ndarray:
    size = int(np.prod(shape))
    if domain == "positive":
        x = RNG.uniform(0.01, 10.0, size)
    elif domain == "wide":
        x = RNG.uniform(-30.0, 30.0, size)
    elif domain == "halves":
        x = np.resize(HALVES, size)
    else:
        x = RNG.standard_normal(size) * 3
    return x.reshape(shape).astype(dtype)


def _close(got, want, dtype):
    tol = {np.float32: 2e-6, np.float64: 1e-13}[dtype]
    assert got.dtype == dtype and got.shape == np.shape(want)
    np.testing.assert_allclose(got, np.asarray(want).astype(dtype), rtol=tol, atol=tol)


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("size", NS + (4,))
def test_unary_f32_symbolic(exe, name, size):
    _, ref, domain = UNARY[name]
    x = _input(domain, (size, 4))
    _close(exe[f"u_{name}"](x), ref(x), np.float32)


@pytest.mark.parametrize("name", UNARY_F64)
def test_unary_f64(exe, name):
    _, ref, domain = UNARY[name]
    x = _input(domain, (2, 3), np.float64)
    _close(exe[f"u64_{name}"](x), ref(x), np.float64)


def test_rounding_halfway_cases_exactly(exe):
    x = HALVES.reshape(4, 4).astype(np.float32)
    for name, ref in (("floor", np.floor), ("ceil", np.ceil), ("round", np.round)):
        got = exe[f"u_{name}"](x)
        np.testing.assert_array_equal(got, ref(x))
        np.testing.assert_array_equal(np.signbit(got), np.signbit(ref(x)))  # -0.0 kept


def test_special_float_values(exe):
    x = np.array([[0.0, -1.0, np.inf, np.nan]], np.float32)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(exe["u_log"](x), np.log(x))
        np.testing.assert_array_equal(exe["u_sqrt"](x), np.sqrt(x))
        np.testing.assert_array_equal(exe["u_rsqrt"](x), 1 / np.sqrt(x))
        np.testing.assert_array_equal(exe["u_clip"](x), np.clip(x, -1.5, 0.5))  # NaN stays
        np.testing.assert_allclose(exe["u_sigmoid"](np.array([[-1e4, 1e4, 0, 1]], np.float32)),
                                   [[0.0, 1.0, 0.5, sigmoid(np.float32(1))]], rtol=1e-6)


@pytest.mark.parametrize("name", list(UNARY_I32))
def test_unary_i32(exe, name):
    _, ref = UNARY_I32[name]
    x = np.array([-7, -3, -1, 0, 1, 2, 3, 100, -2**31 + 1], np.int32)
    got = exe[f"i32_{name}"](x)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, ref(x))


def test_rank0_scalar(exe):
    got = exe["u_exp_scalar"](np.array(1.5, np.float32))
    assert got.shape == () and got.dtype == np.float32
    np.testing.assert_allclose(got, np.exp(np.float32(1.5)), rtol=1e-6)


def _shape(text: str, size: int) -> tuple[int, ...]:
    dims = [d.strip() for d in text.strip("[]").split(",") if d.strip()]
    return tuple(size if d == "n" else int(d) for d in dims)


@pytest.mark.parametrize("op, bname", BINARY_CASES)
def test_binary_f32_broadcasting(exe, op, bname):
    sa, sb, _ = BROADCASTS[bname]
    for size in NS:
        a = _input("any", _shape(sa, size))
        b = _input("any", _shape(sb, size))
        b.flat[0] = a.flat[0]  # an equal pair for the comparisons
        got, want = exe[f"b_{op}_{bname}"](a, b), BINARY[op](a, b)
        if op in COMPARE:
            assert got.dtype == np.bool_
            np.testing.assert_array_equal(got, want)
        else:
            _close(got, want, np.float32)


def test_float_comparisons_with_nan(exe):
    a = np.array([[1.0], [np.nan], [-np.inf], [0.0]], np.float32)
    b = np.array([[np.nan, 1.0, -np.inf, -0.0]], np.float32)
    for op in COMPARE + ["maximum", "minimum"]:
        np.testing.assert_array_equal(exe[f"b_{op}_col_row"](a, b), BINARY[op](a, b), err_msg=op)
    with np.errstate(all="ignore"):
        z = np.array([[1.0, -1.0, 0.0, np.inf]], np.float32)
        np.testing.assert_array_equal(exe["b_divide_scalar_mat"](z, np.array(0, np.float32)), z / 0)


def test_power(exe):
    a = np.array([[0.5], [2.0], [-2.0]], np.float32)
    b = np.array([[0.0, 1.0, 2.0, 3.0]], np.float32)
    _close(exe["b_power"](a, b), a ** b, np.float32)
    got = exe["b_power"](np.array([[-2.0], [4.0]], np.float32), np.array([[0.5, -0.5, -1, 0.25]], np.float32))
    np.testing.assert_allclose(got[1], [2.0, 0.5, 0.25, math.sqrt(2)], rtol=1e-6)
    assert np.isnan(got[0, :2]).all() and got[0, 2] == -0.5
    a64 = np.array([1.5, 2.0, 9.0])
    _close(exe["b_power64"](a64, np.array(0.5)), a64 ** 0.5, np.float64)


@pytest.mark.parametrize("op", list(INT_BINARY))
def test_binary_i32_broadcasting(exe, op):
    a = np.array([[-7], [7], [0], [-2**31], [2**31 - 1], [-1]], np.int32)
    b = np.array([[2, -2, 3, -1]], np.int32)
    with np.errstate(all="ignore"):
        want = INT_BINARY[op](a, b)
    got = exe[f"i_{op}"](a, b)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def test_int_division_by_zero_is_zero_like_numpy(exe):
    a = np.array([[5], [-5], [0]], np.int32)
    b = np.array([[0, 1, -1, 0]], np.int32)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(exe["i_divide"](a, b), a // b)
    x = np.array([-2**63, 9, -9, 9, -2**63 + 3], np.int64)
    y = np.array([-1, 0, 4, -4, 2], np.int64)
    with np.errstate(all="ignore"):
        np.testing.assert_array_equal(exe["i64_divide"](x, y), x // y)


@pytest.mark.parametrize("op", BOOL_COMPARE)
def test_bool_comparisons(exe, op):
    a = np.array([False, False, True, True])
    b = np.array([False, True, False, True])
    np.testing.assert_array_equal(exe[f"bool_{op}"](a, b), BINARY[op](a, b))


def test_where_broadcasts_three_ways(exe):
    for size in NS:
        c = RNG.standard_normal((size, 1)) > 0
        a = _input("any", (1, 4))
        b = np.array(-9.5, np.float32)
        np.testing.assert_array_equal(exe["where3"](c, a, b), np.where(c, a, b))
    c = np.array([True, False, False, True])
    a = np.arange(12, dtype=np.int32).reshape(3, 4)
    b = np.array([[-1], [-2], [-3]], np.int32)
    np.testing.assert_array_equal(exe["where_i32"](c, a, b), np.where(c, a, b))
    for cond in (True, False):
        got = exe["where_scalar"](np.array(cond), np.array(1.25), np.array(-2.0))
        assert got.shape == () and got == (1.25 if cond else -2.0)


@pytest.mark.parametrize("src, dst", CASTS)
def test_cast(exe, src, dst):
    if src == "bool":
        x = RNG.standard_normal((3, 4)) > 0
    elif src.startswith("i"):
        x = np.array([[-300, -1, 0, 1], [2, 127, 128, 255], [-128, 7, 2**31 - 1 if src == "i32" else 5, -5]])
        x = x.astype(NP[src])
    else:
        x = np.array([[-2.7, -0.5, -0.0, 0.0], [0.4, 1.5, 2.9, 65504.0], [np.nan, -7.25, 1e-8, 3.0]])
        x = x.astype(NP[src])
        if dst.startswith("i"):  # NaN -> int is undefined (numpy too)
            x[2, 0] = 11.9
    with np.errstate(all="ignore"):
        want = x.astype(NP[dst])
    got = exe[f"cast_{src}_{dst}"](x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)
