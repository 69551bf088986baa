"""The nn relax ops (conv2d, pooling, softmax, normalization, dropout): numerics
against numpy references after legalize-ops, with static and symbolic shapes,
and type inference of their window arithmetic.

All numeric cases are functions of one module compiled once (a module-scoped
fixture); each function's result type is the one the op infers.
"""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax.op_base import TypeInferenceError, to_attr
from xrelax.relax.op_library import OPS_BY_NAME
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

RNG = np.random.default_rng(1)
n, c, h, w = var("n"), var("c"), var("h"), var("w")


def rand(*shape: int, dtype=np.float32, scale: float = 1.0) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        return RNG.integers(-4, 5, shape).astype(dtype)
    return (RNG.standard_normal(shape) * scale).astype(dtype)


WIN3S2 = {"pool_size": [3, 3], "strides": [2, 2]}
# name: (op, operand shapes, properties[, dtype])
CASES = {
    "conv_sym": ("conv2d", [[n, 4, h, w], [6, 2, 3, 3]],
                 {"strides": [2, 2], "padding": [1, 2, 0, 1], "dilation": [2, 2], "groups": 2}),
    "conv_static": ("conv2d", [[2, 3, 7, 6], [5, 3, 3, 2]], {}),
    "conv_pad1": ("conv2d", [[n, 3, 5, 5], [4, 3, 3, 3]], {"padding": 1, "strides": 2}),
    "conv_depthwise": ("conv2d", [[n, 4, 6, 5], [4, 1, 3, 3]], {"padding": [1, 1], "groups": 4}),
    "conv_i32": ("conv2d", [[1, 2, 4, 4], [3, 2, 2, 2]], {"strides": [1, 2]}, "i32"),
    "max_sym": ("max_pool2d", [[n, c, h, w]], {**WIN3S2, "padding": [1, 1]}),
    "max_dil": ("max_pool2d", [[2, 3, 7, 8]],
                {"pool_size": [2, 3], "dilation": [2, 1], "strides": [1, 2]}),
    "max_i32": ("max_pool2d", [[1, 2, 5, 5]],
                {"pool_size": 2, "strides": 2, "padding": [0, 0, 1, 1]}, "i32"),
    "avg_excl": ("avg_pool2d", [[n, 3, h, w]], {**WIN3S2, "padding": [1, 1, 1, 1]}),
    "avg_incl": ("avg_pool2d", [[n, 3, h, w]],
                 {**WIN3S2, "padding": [1, 1, 1, 1], "count_include_pad": True}),
    "avg_nopad": ("avg_pool2d", [[2, 3, 6, 6]], {"pool_size": [2, 2], "strides": [2, 2]}),
    "avg_asym": ("avg_pool2d", [[1, 2, 5, 6]], {"pool_size": [2, 3], "padding": [0, 2, 1, 0],
                                                 "dilation": [2, 1]}),
    "adaptive_static": ("adaptive_avg_pool2d", [[2, 3, 7, 5]], {"output_size": [3, 2]}),
    "adaptive_divides": ("adaptive_avg_pool2d", [[n, 3, 8, 6]], {"output_size": [4, 3]}),
    "adaptive_sym": ("adaptive_avg_pool2d", [[n, 2, h, w]], {"output_size": [3, 2]}),
    "adaptive_up": ("adaptive_avg_pool2d", [[1, 2, 2, 3]], {"output_size": [3, 5]}),
    "adaptive_same": ("adaptive_avg_pool2d", [[n, 2, h, w]], {}),
    "global": ("global_avg_pool2d", [[n, c, h, w]], {}),
    "softmax_last": ("softmax", [[n, 7]], {}),
    "softmax_mid": ("softmax", [[2, n, 3]], {"axis": 1}),
    "softmax_first": ("softmax", [[5, n]], {"axis": -2}),
    "log_softmax_last": ("log_softmax", [[n, 7]], {}),
    "log_softmax_mid": ("log_softmax", [[2, n, 3]], {"axis": -2}),
    "ln_last": ("layer_norm", [[n, 8], [8], [8]], {}),
    "ln_last2": ("layer_norm", [[n, 3, 4], [3, 4], [3, 4]], {"axes": [-2, -1], "epsilon": 1e-3}),
    "ln_mid": ("layer_norm", [[2, n, 3], [n], [n]], {"axes": [1]}),
    "bn": ("batch_norm", [[n, 3, h, w], [3], [3], [3], [3]], {}),
    "bn_last": ("batch_norm", [[n, 4], [4], [4], [4], [4]], {"axis": -1, "epsilon": 0.1}),
    "dropout": ("dropout", [[n, 5]], {"rate": 0.25}),
}


def module_text() -> str:
    funcs = []
    for name, (op, shapes, props, *dtype) in CASES.items():
        cls = OPS_BY_NAME[f"relax.{op}"]
        types = [TensorType(s, dtype[0] if dtype else "f32") for s in shapes]
        result = cls.infer(types, {**cls.DEFAULTS, **props})
        sig = ", ".join(f"%a{i}: {t}" for i, t in enumerate(types))
        attrs = ", ".join(f"{k} = {to_attr(v)}" for k, v in props.items())
        operands = ", ".join(f"%a{i}" for i in range(len(types)))
        funcs.append(f"relax.func @{name}({sig}) -> {result} {{\n"
                     f"  %y = relax.{op} {operands} {{{attrs}}} : {result}\n"
                     f"  relax.return %y : {result}\n}}")
    return "\n".join(funcs)


@pytest.fixture(scope="module")
def exe():
    return compile_module(module_text())


def check(got: np.ndarray, want: np.ndarray, tol: float = 1e-5) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


# ---- numpy references ---------------------------------------------------------------


def windows(x, size, strides, padding, dilation, fill):
    """Every pooling window: [N, C, OH, OW, KH, KW] (padding reads `fill`)."""
    top, left, bottom, right = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)
    (kh, kw), (sh, sw), (dh, dw) = size, strides, dilation
    oh = (xp.shape[2] - dh * (kh - 1) - 1) // sh + 1
    ow = (xp.shape[3] - dw * (kw - 1) - 1) // sw + 1
    out = np.empty((*x.shape[:2], oh, ow, kh, kw), x.dtype)
    for i in range(kh):
        for j in range(kw):
            out[..., i, j] = xp[:, :, i * dh:i * dh + sh * (oh - 1) + 1:sh,
                                j * dw:j * dw + sw * (ow - 1) + 1:sw]
    return out


def conv_ref(x, wt, strides=(1, 1), padding=(0, 0, 0, 0), dilation=(1, 1), groups=1):
    o, i, kh, kw = wt.shape
    per_group = o // groups
    outs = []
    for g in range(groups):
        win = windows(x[:, g * i:(g + 1) * i], (kh, kw), strides, padding, dilation, 0)
        outs.append(np.einsum("nchwyx,ocyx->nohw", win, wt[g * per_group:(g + 1) * per_group]))
    return np.concatenate(outs, axis=1).astype(x.dtype)


def avg_ref(x, size, strides, padding, dilation=(1, 1), include_pad=False):
    total = windows(x, size, strides, padding, dilation, 0).sum(axis=(4, 5))
    if include_pad:
        return (total / (size[0] * size[1])).astype(x.dtype)
    count = windows(np.ones_like(x), size, strides, padding, dilation, 0).sum(axis=(4, 5))
    return (total / count).astype(x.dtype)


def adaptive_ref(x, out_h, out_w):
    hh, ww = x.shape[2:]
    out = np.empty((*x.shape[:2], out_h, out_w), x.dtype)
    for i in range(out_h):
        for j in range(out_w):
            rows = slice(i * hh // out_h, -(-(i + 1) * hh // out_h))
            cols = slice(j * ww // out_w, -(-(j + 1) * ww // out_w))
            out[:, :, i, j] = x[:, :, rows, cols].mean(axis=(2, 3))
    return out


def softmax_ref(x, axis):
    e = np.exp(x.astype(np.float64) - x.max(axis=axis, keepdims=True))
    return (e / e.sum(axis=axis, keepdims=True)).astype(x.dtype)


def log_softmax_ref(x, axis):
    x64 = x.astype(np.float64)
    shifted = x64 - x64.max(axis=axis, keepdims=True)
    return (shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))).astype(x.dtype)


def layer_norm_ref(x, gamma, beta, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    return ((x - mean) / np.sqrt(var + eps) * gamma + beta).astype(x.dtype)


# ---- conv2d ------------------------------------------------------------------------------


@pytest.mark.parametrize("batch,size", [(1, (5, 5)), (2, (9, 8)), (3, (6, 11))])
def test_conv2d_stride_padding_dilation_groups(exe, batch, size):
    x, wt = rand(batch, 4, *size), rand(6, 2, 3, 3)
    want = conv_ref(x, wt, (2, 2), (1, 2, 0, 1), (2, 2), groups=2)
    check(exe["conv_sym"](x, wt), want, 1e-4)


def test_conv2d_static_and_single_int_properties(exe):
    x, wt = rand(2, 3, 7, 6), rand(5, 3, 3, 2)
    check(exe["conv_static"](x, wt), conv_ref(x, wt), 1e-4)
    for batch in (1, 4):
        x, wt = rand(batch, 3, 5, 5), rand(4, 3, 3, 3)
        check(exe["conv_pad1"](x, wt), conv_ref(x, wt, (2, 2), (1, 1, 1, 1)), 1e-4)


def test_conv2d_depthwise_and_integer(exe):
    x, wt = rand(2, 4, 6, 5), rand(4, 1, 3, 3)
    check(exe["conv_depthwise"](x, wt), conv_ref(x, wt, padding=(1, 1, 1, 1), groups=4), 1e-4)
    xi, wi = rand(1, 2, 4, 4, dtype=np.int32), rand(3, 2, 2, 2, dtype=np.int32)
    np.testing.assert_array_equal(exe["conv_i32"](xi, wi), conv_ref(xi, wi, (1, 2)))


# ---- pooling -----------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(1, 2, 5, 5), (2, 3, 8, 7), (1, 1, 1, 2)])
def test_max_pool_symbolic_with_padding(exe, shape):
    x = rand(*shape) - 10.0  # all negative: the padding must not win
    want = windows(x, (3, 3), (2, 2), (1, 1, 1, 1), (1, 1), -np.inf).max(axis=(4, 5))
    check(exe["max_sym"](x), want, 0)


def test_max_pool_dilation_and_int(exe):
    x = rand(2, 3, 7, 8)
    want = windows(x, (2, 3), (1, 2), (0, 0, 0, 0), (2, 1), 0).max(axis=(4, 5))
    check(exe["max_dil"](x), want, 0)
    xi = rand(1, 2, 5, 5, dtype=np.int32) - 10
    lowest = np.iinfo(np.int32).min
    want = windows(xi, (2, 2), (2, 2), (0, 0, 1, 1), (1, 1), lowest).max(axis=(4, 5))
    np.testing.assert_array_equal(exe["max_i32"](xi), want)


@pytest.mark.parametrize("shape", [(1, 3, 5, 5), (2, 3, 6, 9)])
def test_avg_pool_padding_counts(exe, shape):
    x = rand(*shape)
    check(exe["avg_excl"](x), avg_ref(x, (3, 3), (2, 2), (1, 1, 1, 1)))
    check(exe["avg_incl"](x), avg_ref(x, (3, 3), (2, 2), (1, 1, 1, 1), include_pad=True))


def test_avg_pool_without_and_asymmetric_padding(exe):
    x = rand(2, 3, 6, 6)
    check(exe["avg_nopad"](x), avg_ref(x, (2, 2), (2, 2), (0, 0, 0, 0)))
    x = rand(1, 2, 5, 6)
    check(exe["avg_asym"](x), avg_ref(x, (2, 3), (1, 1), (0, 2, 1, 0), (2, 1)))


def test_adaptive_avg_pool_static(exe):
    x = rand(2, 3, 7, 5)
    check(exe["adaptive_static"](x), adaptive_ref(x, 3, 2))
    x = rand(1, 2, 2, 3)  # more outputs than inputs: windows overlap
    check(exe["adaptive_up"](x), adaptive_ref(x, 3, 5))


@pytest.mark.parametrize("batch", [1, 3])
def test_adaptive_avg_pool_divisible(exe, batch):
    x = rand(batch, 3, 8, 6)
    check(exe["adaptive_divides"](x), adaptive_ref(x, 4, 3))


@pytest.mark.parametrize("shape", [(1, 2, 3, 2), (2, 2, 7, 5), (1, 2, 9, 9), (1, 2, 2, 7)])
def test_adaptive_avg_pool_symbolic(exe, shape):
    x = rand(*shape)
    check(exe["adaptive_sym"](x), adaptive_ref(x, 3, 2))
    check(exe["adaptive_same"](x), x)
    check(exe["global"](x), x.mean(axis=(2, 3), keepdims=True))


# ---- softmax -----------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 4])
def test_softmax_axes(exe, rows):
    x = rand(rows, 7, scale=3.0)
    check(exe["softmax_last"](x), softmax_ref(x, -1))
    check(exe["log_softmax_last"](x), log_softmax_ref(x, -1))
    x3 = rand(2, rows, 3)
    check(exe["softmax_mid"](x3), softmax_ref(x3, 1))
    check(exe["log_softmax_mid"](x3), log_softmax_ref(x3, 1))
    x2 = rand(5, rows)
    check(exe["softmax_first"](x2), softmax_ref(x2, 0))


def test_softmax_is_stable_for_large_values(exe):
    x = np.array([[1000.0, 1001.0, 999.0, -1000.0, 0.0, 88.0, 1001.0],
                  [-5e4, -5e4 + 1, -5e4 + 2, -5e4, -5e4, -5e4, -5e4]], np.float32)
    got = exe["softmax_last"](x)
    assert np.all(np.isfinite(got))
    check(got, softmax_ref(x, -1))
    got = exe["log_softmax_last"](x)
    assert np.all(np.isfinite(got))
    check(got, log_softmax_ref(x, -1), 1e-4)


# ---- normalization and dropout -------------------------------------------------------


@pytest.mark.parametrize("rows", [1, 6])
def test_layer_norm(exe, rows):
    x, g, b = rand(rows, 8, scale=4.0) + 3.0, rand(8), rand(8)
    check(exe["ln_last"](x, g, b), layer_norm_ref(x, g, b, (-1,)), 1e-4)
    x, g, b = rand(rows, 3, 4), rand(3, 4), rand(3, 4)
    check(exe["ln_last2"](x, g, b), layer_norm_ref(x, g, b, (-2, -1), 1e-3), 1e-4)
    x, g, b = rand(2, rows, 3), rand(rows), rand(rows)
    want = layer_norm_ref(x, g[:, None], b[:, None], (1,))
    check(exe["ln_mid"](x, g, b), want, 1e-4)


@pytest.mark.parametrize("batch", [1, 2])
def test_batch_norm(exe, batch):
    x = rand(batch, 3, 4, 5)
    g, b, mean = rand(3), rand(3), rand(3)
    var_ = np.abs(rand(3)) + 0.1
    bc = (slice(None), None, None)
    want = (x - mean[bc]) / np.sqrt(var_[bc] + 1e-5) * g[bc] + b[bc]
    check(exe["bn"](x, g, b, mean, var_), want.astype(np.float32), 1e-4)
    x = rand(batch, 4)
    g, b, mean, var4 = rand(4), rand(4), rand(4), np.abs(rand(4))
    check(exe["bn_last"](x, g, b, mean, var4), ((x - mean) / np.sqrt(var4 + 0.1) * g + b), 1e-4)


def test_dropout_is_identity(exe):
    x = rand(3, 5)
    got = exe["dropout"](x)
    np.testing.assert_array_equal(got, x)
    assert not np.shares_memory(got, x)


# ---- type inference ---------------------------------------------------------------


def infer(op, shapes, dtype="f32", **props):
    cls = OPS_BY_NAME[f"relax.{op}"]
    types = [s if isinstance(s, TensorType) else TensorType(s, dtype) for s in shapes]
    return cls.infer(types, {**cls.DEFAULTS, **props})


def test_window_output_sizes_are_symbolic():
    t = infer("conv2d", [[n, 4, h, w], [6, 2, 3, 3]], strides=[2, 2], padding=[1, 1], groups=2)
    assert str(t) == "!relax.tensor<[n, 6, (h - 1) floordiv 2 + 1, (w - 1) floordiv 2 + 1], f32>"
    t = infer("conv2d", [[n, c, h, w], [8, c, 3, 3]], padding=1)  # "same" padding keeps h, w
    assert t == TensorType([n, 8, h, w], "f32")
    t = infer("max_pool2d", [[n, c, 2 * h, 2 * w]], pool_size=2, strides=2)
    assert t == TensorType([n, c, h, w], "f32")
    t = infer("adaptive_avg_pool2d", [[n, c, h, w]], output_size=7)
    assert t == TensorType([n, c, 7, 7], "f32")
    assert infer("global_avg_pool2d", [[n, c, h, w]]) == TensorType([n, c, 1, 1], "f32")
    # only the rank is known
    t = infer("conv2d", [TensorType(None, "f32", ndim=4), TensorType([6, 2, 3, 3], "f32")])
    assert t == TensorType(None, "f32", ndim=4)
    assert infer("softmax", [TensorType(None, "f32")]) == TensorType(None, "f32")


@pytest.mark.parametrize("op,shapes,props,message", [
    ("conv2d", [[1, 4, 8, 8], [6, 3, 3, 3]], {}, r"the data has C channels but the weight expects "
     r"I \* groups \(groups = 1\): 4 vs 3 \(they differ"),
    ("conv2d", [[1, 4, 8, 8], [5, 2, 3, 3]], {"groups": 2}, r"channels \(5\) are not divisible"),
    ("conv2d", [[1, 4, 8, 8], [c, 2, 3, 3]], {"groups": 2}, r"\(c\) are not provably divisible"),
    ("conv2d", [[1, 4, 2, 8], [6, 4, 3, 3]], {}, r"the padded input height \(2\) is smaller than "
     r"the dilated window \(3\)"),
    ("conv2d", [[1, 4, 8], [6, 4, 3, 3]], {}, r"the data must be 4-D \(NCHW\), got rank 3"),
    ("conv2d", [[1, 4, 8, 8], [6, 4, 3, 3]], {"strides": [0, 1]}, r"strides must be >= 1"),
    ("conv2d", [[1, 4, 8, 8], [6, 4, 3, 3]], {"padding": [1, 1, 1]}, r"padding must be a list of"),
    ("conv2d", [[1, 4, 8, 8], [6, 4, 3, 3]], {"groups": True}, r"groups must be a positive integer"),
    ("max_pool2d", [[1, 4, 8, 8]], {"ceil_mode": 1}, r"ceil_mode must be true or false"),
    ("avg_pool2d", [[1, 4, 8, 8]], {"count_include_pad": 1}, r"count_include_pad must be true or"),
    ("max_pool2d", [[1, 4, 8, 8]], {"pool_size": [5, 5], "dilation": 2}, r"dilated window \(9\)"),
    ("avg_pool2d", [[1, 4, 8, 8]], {"_dtype": "i32"}, r"needs a float dtype, got i32"),
    ("softmax", [[n, 4]], {"axis": [1]}, r"axis must be an integer, got \[1\]"),
    ("softmax", [[n, 4]], {"axis": 2}, r"axis 2 is out of range for rank 2"),
    ("layer_norm", [[n, 4], [5], [4]], {}, r"gamma must have the shape of x at axes \[1\]: 4 vs 5"),
    ("layer_norm", [[n, 4], [4], [4]], {"axes": [-1, 1]}, r"repeat an axis"),
    ("layer_norm", [[n, 3, 4], [4], [4]], {"axes": [1, 2]}, r"gamma must have rank 2"),
    ("batch_norm", [[n, 3, 4], [3], [3], [4], [3]], {}, r"moving_mean must have the size of x's"),
    ("batch_norm", [[n, 3], [3], [3], [3], [3]], {"epsilon": -1.0}, r"epsilon must be a non-negative"),
    ("dropout", [[n, 4]], {"rate": 1.0}, r"rate must be a number in \[0, 1\)"),
])
def test_inference_errors(op, shapes, props, message):
    dtype = props.pop("_dtype", "f32")
    with pytest.raises(TypeInferenceError, match=message):
        infer(op, shapes, dtype, **props)
