"""The relax ops added for the ONNX frontend (ops_math, ops_sequence,
ops_gather, ops_conv_nd, ops_image, ops_norm_groups, ops_einsum, ops_bits): numerics
after legalize-ops against numpy, or against the onnx reference evaluator for
the window and image ops, on static and symbolic shapes.

All cases are functions of one module compiled once (a module-scoped fixture).
"""

import math

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

RNG = np.random.default_rng(3)
n, h, w = var("n"), var("h"), var("w")


def rand(*shape, dtype=np.float32, lo=-3.0, hi=3.0):
    if np.issubdtype(dtype, np.integer):
        return RNG.integers(int(lo), int(hi), shape).astype(dtype)
    return RNG.uniform(lo, hi, shape).astype(dtype)


def onnx_ref(op_type, inputs, outputs=1, **attrs):
    """The onnx reference evaluator's result for one node."""
    pytest.importorskip("onnx")
    from onnx import helper, numpy_helper
    from onnx.reference import ReferenceEvaluator

    names = [f"i{k}" for k in range(len(inputs))]
    node = helper.make_node(op_type, names, [f"o{k}" for k in range(outputs)], **attrs)
    graph = helper.make_graph(
        [node], "g", [helper.make_tensor_value_info(
            nm, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape) for nm, a in zip(names, inputs)],
        [helper.make_tensor_value_info(f"o{k}", 0, None) for k in range(outputs)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    del numpy_helper
    return ReferenceEvaluator(model).run(None, dict(zip(names, inputs)))[0]


X = rand(3, 5)
XI = rand(3, 5, dtype=np.int32, lo=-20, hi=20)
YI = rand(3, 5, dtype=np.int32, lo=-6, hi=6)
YI[YI == 0] = 3  # (division by 0 is defined, as 0, but numpy warns)
B1, B2 = rand(6) > 0, rand(6) > 0
SPECIAL = np.float32([np.nan, np.inf, -np.inf, 0.0, -1.5, 2.0])
U8 = np.uint8([0, 7, 200, 255, 128, 3])
MOD_X = np.float32([0, -0.0, -3, 3, -1, 1, 2.5, np.inf, -np.inf, 1, np.nan, 1, -7, 7])
MOD_Y = np.float32([-2, 2, np.inf, np.inf, -np.inf, -np.inf, -np.inf, 2, 2, 0, 2, np.nan, 3, -3])


def lrn_ref(x, size, alpha, beta, bias):
    """ONNX LRN (the reference evaluator's loops over the batch, not the channels)."""
    sq = np.zeros_like(x)
    for c in range(x.shape[1]):
        lo, hi = max(0, c - (size - 1) // 2), min(x.shape[1], c + math.ceil((size - 1) / 2) + 1)
        sq[:, c] = np.sum(x[:, lo:hi] ** 2, axis=1)
    return x / (bias + alpha / size * sq) ** beta


def quietly(fn):
    """fn without numpy's warnings (NaN results on purpose)."""
    def call(*args):
        with np.errstate(invalid="ignore", divide="ignore"):
            return fn(*args)
    return call


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def softplus(v):
    return np.log1p(np.exp(v))


# name: (op, operands, properties, reference, [symbolic operand types])
CASES = {
    "leaky_relu": ("leaky_relu", [X], {"alpha": 0.3}, lambda x: np.where(x >= 0, x, 0.3 * x)),
    "elu": ("elu", [X], {"alpha": 0.5}, lambda x: np.where(x >= 0, x, 0.5 * np.expm1(x))),
    "selu": ("selu", [X], {}, lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * np.expm1(x))),
    "celu": ("celu", [X], {"alpha": 2.0}, lambda x: np.maximum(x, 0) + np.minimum(
        2.0 * np.expm1(x / 2.0), 0)),
    "hard_sigmoid": ("hard_sigmoid", [X], {"alpha": 0.25, "beta": 0.4},
                     lambda x: np.clip(0.25 * x + 0.4, 0, 1)),
    "hard_swish": ("hard_swish", [X], {}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    "softplus": ("softplus", [X * 10], {}, softplus),
    "softsign": ("softsign", [X], {}, lambda x: x / (1 + np.abs(x))),
    "mish": ("mish", [X], {}, lambda x: x * np.tanh(softplus(x))),
    "thresholded_relu": ("thresholded_relu", [X], {"alpha": 0.5}, lambda x: np.where(x > 0.5, x, 0)),
    "shrink": ("shrink", [X], {"bias": 0.5, "lambd": 1.0},
               lambda x: np.where(x > 1, x - 0.5, np.where(x < -1, x + 0.5, 0))),
    "shrink_int": ("shrink", [XI], {"bias": 2.0, "lambd": 5.0},
                   lambda x: np.where(x > 5, x - 2, np.where(x < -5, x + 2, 0))),
    "sin": ("sin", [X], {}, np.sin), "cos": ("cos", [X], {}, np.cos),
    "tan": ("tan", [X / 3], {}, np.tan), "asin": ("asin", [X / 3], {}, np.arcsin),
    "acos": ("acos", [X / 3], {}, np.arccos), "atan": ("atan", [X], {}, np.arctan),
    "sinh": ("sinh", [X], {}, np.sinh), "cosh": ("cosh", [X], {}, np.cosh),
    "asinh": ("asinh", [X], {}, np.arcsinh), "acosh": ("acosh", [np.abs(X) + 1], {}, np.arccosh),
    "atanh": ("atanh", [X / 4], {}, np.arctanh),
    "isnan": ("isnan", [SPECIAL], {}, np.isnan),
    "isinf": ("isinf", [SPECIAL], {}, np.isinf),
    "isinf_pos": ("isinf", [SPECIAL], {"detect_negative": False}, np.isposinf),
    "sign": ("sign", [SPECIAL[1:]], {}, np.sign),
    "sign_int": ("sign", [XI], {}, np.sign),
    "logical_and": ("logical_and", [B1, B2], {}, np.logical_and),
    "logical_or": ("logical_or", [B1, B2], {}, np.logical_or),
    "logical_xor": ("logical_xor", [B1, B2], {}, np.logical_xor),
    "logical_not": ("logical_not", [B1], {}, np.logical_not),
    "bitwise_and": ("bitwise_and", [XI, YI], {}, np.bitwise_and),
    "bitwise_or": ("bitwise_or", [XI, YI], {}, np.bitwise_or),
    "bitwise_xor": ("bitwise_xor", [XI, YI], {}, np.bitwise_xor),
    "bitwise_not": ("bitwise_not", [XI], {}, np.invert),
    "trunc_divide": ("trunc_divide", [XI, YI], {}, lambda a, b: np.fix(a / b).astype(np.int32)),
    "trunc_divide_f": ("trunc_divide", [X, X[::-1] + 5], {}, lambda a, b: np.trunc(a / b)),
    "floor_mod": ("floor_mod", [XI, YI], {}, np.mod),
    "trunc_mod": ("trunc_mod", [XI, YI], {}, np.fmod),
    "trunc_mod_f": ("trunc_mod", [X, np.float32(1.25)], {}, np.fmod),
    "bitcast_f32_i32": ("bitcast", [SPECIAL], {"dtype": "i32"}, lambda x: x.view(np.int32)),
    "bitcast_i32_f32": ("bitcast", [XI], {"dtype": "f32"}, lambda x: x.view(np.float32)),
    "bitcast_f64_i64": ("bitcast", [SPECIAL.astype(np.float64)], {"dtype": "i64"},
                        lambda x: x.view(np.int64)),
    "bitcast_u8_i8": ("bitcast", [U8], {"dtype": "i8"}, lambda x: x.view(np.int8)),
    "bitcast_bool_u8": ("bitcast", [B1], {"dtype": "ui8"}, lambda x: x.view(np.uint8)),
    # infinite divisors (x - q * y would be 0 * inf), zero divisors, infinite x
    "floor_mod_f_special": ("floor_mod", [MOD_X, MOD_Y], {}, quietly(np.mod)),
    "trunc_mod_f_special": ("trunc_mod", [MOD_X, MOD_Y], {}, quietly(np.fmod)),
    "floor_divide_u8": ("divide", [U8, np.uint8([3, 2, 7, 16, 9, 1])], {},
                        lambda a, b: a // b),
    "max_u8": ("maximum", [U8, np.ascontiguousarray(U8[::-1])], {}, np.maximum),
    "cumsum": ("cumsum", [X], {"axis": 1}, lambda x: np.cumsum(x, axis=1)),
    "cumsum_rev_excl": ("cumsum", [XI], {"axis": 0, "exclusive": True, "reverse": True},
                        lambda x: (np.cumsum(x[::-1], axis=0) - x[::-1])[::-1]),
    "einsum_matmul": ("einsum", [rand(2, 3, 4), rand(4, 5)], {"subscripts": "bij,jk->bki"},
                      lambda a, b: np.einsum("bij,jk->bki", a, b)),
    "einsum_trace": ("einsum", [rand(4, 4)], {"subscripts": "ii"}, lambda a: np.einsum("ii", a)),
    "einsum_ellipsis": ("einsum", [rand(2, 3, 4), rand(3, 4)], {"subscripts": "...ij,...ij->...i"},
                        lambda a, b: np.einsum("...ij,...ij->...i", a, b)),
    "gather_elements": ("gather_elements", [X, rand(3, 2, dtype=np.int64, lo=-5, hi=5)],
                        {"axis": 1}, lambda x, i: np.take_along_axis(x, np.where(i < 0, i + 5, i),
                                                                    axis=1)),
}

D3 = rand(1, 2, 5, 4, 6)
W3 = rand(3, 2, 3, 2, 3)
IMG = rand(2, 3, 5, 4)
WT = rand(3, 2, 3, 3)
WT3 = rand(2, 2, 2, 3, 2)
GAMMA, BETA = rand(4), rand(4)
XN = rand(2, 4, 3, 5)
SMALL = rand(1, 2, 3, 4)
WINDOW_CASES = {
    "conv3d": ("conv3d", [D3, W3], {"strides": [2, 1, 2], "padding": [1, 0, 1, 1, 1, 0],
                                    "dilation": [1, 2, 1]},
               lambda d, k: onnx_ref("Conv", [d, k], strides=[2, 1, 2], pads=[1, 0, 1, 1, 1, 0],
                                     dilations=[1, 2, 1])),
    "conv2d_transpose": ("conv2d_transpose", [IMG, WT],
                         {"strides": [2, 1], "padding": [1, 0, 0, 1], "output_padding": [1, 0]},
                         lambda x, k: onnx_ref("ConvTranspose", [x, k], strides=[2, 1],
                                               pads=[1, 0, 0, 1], output_padding=[1, 0])),
    "conv2d_transpose_groups": ("conv2d_transpose", [rand(1, 4, 3, 3), rand(4, 1, 2, 2)],
                                {"groups": 2, "dilation": [2, 1]},
                                lambda x, k: np.concatenate([onnx_ref(  # one group at a time
                                    "ConvTranspose", [x[:, 2 * g:2 * g + 2], k[2 * g:2 * g + 2]],
                                    dilations=[2, 1]) for g in range(2)], axis=1)),
    "conv3d_transpose": ("conv3d_transpose", [rand(1, 2, 2, 3, 2), WT3], {"strides": [1, 2, 2]},
                         lambda x, k: onnx_ref("ConvTranspose", [x, k], strides=[1, 2, 2])),
    "max_pool3d": ("max_pool3d", [D3], {"pool_size": [2, 2, 3], "strides": [2, 1, 2],
                                        "padding": [1, 0, 1, 0, 1, 1]},
                   lambda d: onnx_ref("MaxPool", [d], kernel_shape=[2, 2, 3], strides=[2, 1, 2],
                                      pads=[1, 0, 1, 0, 1, 1])),
    "avg_pool3d": ("avg_pool3d", [D3], {"pool_size": [3, 2, 2], "padding": [1, 1, 1, 1, 0, 1]},
                   lambda d: onnx_ref("AveragePool", [d], kernel_shape=[3, 2, 2],
                                      pads=[1, 1, 1, 1, 0, 1])),
    "avg_pool3d_incl": ("avg_pool3d", [D3], {"pool_size": [3, 2, 2], "padding": [1, 1, 1, 1, 0, 1],
                                             "count_include_pad": True},
                        lambda d: onnx_ref("AveragePool", [d], kernel_shape=[3, 2, 2],
                                           pads=[1, 1, 1, 1, 0, 1], count_include_pad=1)),
    "group_norm": ("group_norm", [XN, GAMMA, BETA], {"num_groups": 2, "epsilon": 1e-3},
                   lambda x, g, b: onnx_ref("GroupNormalization", [x, g, b], num_groups=2,
                                            epsilon=1e-3)),
    "instance_norm": ("instance_norm", [XN, GAMMA, BETA], {},
                      lambda x, g, b: onnx_ref("InstanceNormalization", [x, g, b])),
    "lrn": ("lrn", [XN], {"size": 3, "alpha": 0.01, "beta": 0.5, "bias": 2.0},
            lambda x: lrn_ref(x, 3, 0.01, 0.5, 2.0)),
    "rms_norm": ("rms_norm", [XN, rand(3, 5)], {"axes": [-2, -1]},
                 lambda x, s: x / np.sqrt(np.mean(x * x, axis=(2, 3), keepdims=True) + 1e-5) * s),
}
for mode, coord, nearest in (("nearest", "asymmetric", "floor"),
                             ("nearest", "half_pixel", "round_prefer_ceil"),
                             ("linear", "half_pixel", "round_prefer_floor"),
                             ("linear", "align_corners", "round_prefer_floor"),
                             ("linear", "pytorch_half_pixel", "round_prefer_floor"),
                             ("cubic", "half_pixel", "round_prefer_floor"),
                             ("cubic", "asymmetric", "round_prefer_floor")):
    scales = [1.0, 1.0, 2.0, 0.75]
    WINDOW_CASES[f"resize_{mode}_{coord}"] = (
        "resize", [SMALL], {"sizes": [1, 2, 6, 3], "scales": scales, "mode": mode,
                            "coordinate_transformation_mode": coord, "nearest_mode": nearest},
        lambda x, m=mode, c=coord, nm=nearest, s=scales: onnx_ref(
            "Resize", [x, np.zeros(0, np.float32), np.float32(s)], mode=m,
            coordinate_transformation_mode=c, nearest_mode=nm))
CASES.update(WINDOW_CASES)

# cases on symbolic shapes: (name, types, properties, inputs, reference)
SYMBOLIC = {
    "sym_cumsum": ("cumsum", [TensorType([n, 4], "f32")], {"axis": 0},
                   [rand(5, 4)], lambda x: np.cumsum(x, axis=0)),
    "sym_resize": ("resize", [TensorType([1, 1, h, w], "f32")],
                   {"sizes": [1, 1, h * 2, w * 2], "mode": "linear"}, [rand(1, 1, 3, 5)],
                   lambda x: onnx_ref("Resize", [x, np.zeros(0, np.float32),
                                                 np.float32([1, 1, 2, 2])], mode="linear")),
    "sym_group_norm": ("group_norm", [TensorType([n, 4, h, w], "f32"), TensorType([4], "f32"),
                                      TensorType([4], "f32")], {"num_groups": 4},
                       [XN, GAMMA, BETA], lambda x, g, b: onnx_ref(
                           "InstanceNormalization", [x, g, b])),
    "sym_conv_transpose": ("conv2d_transpose", [TensorType([n, 3, h, w], "f32"),
                                                TensorType([3, 2, 3, 3], "f32")],
                           {"strides": [2, 2]}, [IMG, WT],
                           lambda x, k: onnx_ref("ConvTranspose", [x, k], strides=[2, 2])),
    "sym_gather_elements": ("gather_elements", [TensorType([n, 5], "f32"),
                                                TensorType([n, 2], "i64")], {"axis": 1},
                            [X, rand(3, 2, dtype=np.int64, lo=0, hi=5)],
                            lambda x, i: np.take_along_axis(x, i, axis=1)),
}

np_dtype = {np.float32: "f32", np.int32: "i32", np.int64: "i64", np.bool_: "bool",
            np.uint8: "ui8", np.float64: "f64"}


def type_of(a):
    a = np.asarray(a)
    return TensorType(list(a.shape), np_dtype[a.dtype.type])


@pytest.fixture(scope="module")
def exe():
    mb = ModuleBuilder()
    for name, (op, operands, props, _) in CASES.items():
        with mb.function(f"t_{name}", [(f"a{k}", type_of(a)) for k, a in enumerate(operands)]) as fb:
            with fb.dataflow() as df:
                df.output(df.emit(getattr(R, op)(*fb.params, **props)))
            fb.ret(df.result)
    for name, (op, types, props, _, _) in SYMBOLIC.items():
        with mb.function(f"t_{name}", [(f"a{k}", t) for k, t in enumerate(types)]) as fb:
            with fb.dataflow() as df:
                df.output(df.emit(getattr(R, op)(*fb.params, **props)))
            fb.ret(df.result)
    for name, build in EXTRA.items():
        build(mb, f"t_{name}")
    return compile_module(mb.finish())


@pytest.mark.parametrize("name", list(CASES))
def test_op_matches_reference(exe, name):
    _, operands, _, ref = CASES[name]
    args = [np.asarray(a) for a in operands]
    want = ref(*args)
    got = exe[f"t_{name}"](*args)
    assert got.shape == np.shape(want)
    if got.dtype.kind == "f":
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-5)
    else:
        np.testing.assert_array_equal(got, np.asarray(want).astype(got.dtype))


@pytest.mark.parametrize("name", list(SYMBOLIC))
def test_op_on_symbolic_shapes(exe, name):
    _, _, _, inputs, ref = SYMBOLIC[name]
    np.testing.assert_allclose(exe[f"t_{name}"](*inputs), ref(*inputs), rtol=2e-5, atol=2e-5)


# ---- ops whose results are tuples, or that have no operands ------------------------------


def _topk(mb, name):
    with mb.function(name, x=TensorType([n, 6], "f32")) as fb:
        with fb.dataflow() as df:
            t = df.emit(R.topk(fb.params[0], k=3, largest=False))
            df.output(df.get_item(t, 0), df.get_item(t, 1))
        fb.ret(fb.tuple(list(df.results)))


def _sequences(mb, name):
    with mb.function(name, x=TensorType([n, 2], "f32")) as fb:
        with fb.dataflow() as df:
            s = df.emit(R.symbolic_tensor(values=[n, n * 2 + 1, 7], shape=[3]))
            a = df.emit(R.arange(start=n, end=n * 3, step=2))
            d = df.emit(R.arange(start=n * 2, end=0, step=-3))
            f = df.emit(R.arange(start=0.5, end=-1.0, step=-0.25, dtype="f32"))
            df.output(s, a, d, f)
        fb.ret(fb.tuple(list(df.results)))


def _gather_nd(mb, name):
    with mb.function(name, x=TensorType([2, 3, 4], "f32"), i=TensorType([2, 2, 1], "i64")) as fb:
        with fb.dataflow() as df:
            df.output(df.emit(R.gather_nd(*fb.params, batch_dims=1)))
        fb.ret(df.result)


def _scatters(mb, name):
    with mb.function(name, x=TensorType([4, 3], "f32"), i=TensorType([2, 3], "i64"),
                     u=TensorType([2, 3], "f32"), j=TensorType([3, 1], "i64"),
                     v=TensorType([3, 3], "f32")) as fb:
        x, i, u, j, v = fb.params
        with fb.dataflow() as df:
            a = df.emit(R.scatter_elements(x, i, u, axis=0))
            b = df.emit(R.scatter_elements(x, i, u, axis=0, reduction="mul"))
            c = df.emit(R.scatter_nd(x, j, v))
            d = df.emit(R.scatter_nd(x, j, v, reduction="max"))
            df.output(a, b, c, d)
        fb.ret(fb.tuple(list(df.results)))


EXTRA = {"topk": _topk, "sequences": _sequences, "gather_nd": _gather_nd,
         "scatters": _scatters}


def test_topk_smallest_with_ties(exe):
    x = np.float32([[3, 1, 2, 1, 5, 0], [2, 2, 2, 1, 1, 9]])
    values, idx = exe["t_topk"](x)
    np.testing.assert_array_equal(values, [[0, 1, 1], [1, 1, 2]])
    np.testing.assert_array_equal(idx, [[5, 1, 3], [3, 4, 0]])  # ties: the lower index first


def test_symbolic_tensor_and_arange(exe):
    s, a, d, f = exe["t_sequences"](np.zeros((5, 2), np.float32))
    np.testing.assert_array_equal(s, [5, 11, 7])
    np.testing.assert_array_equal(a, np.arange(5, 15, 2))
    np.testing.assert_array_equal(d, np.arange(10, 0, -3))
    np.testing.assert_allclose(f, np.arange(0.5, -1.0, -0.25, dtype=np.float32))


def test_gather_nd_with_batch_dims(exe):
    x, i = rand(2, 3, 4), np.int64([[[2], [-1]], [[0], [1]]])
    want = np.stack([x[b][np.where(i[b, :, 0] < 0, i[b, :, 0] + 3, i[b, :, 0])] for b in range(2)])
    np.testing.assert_array_equal(exe["t_gather_nd"](x, i), want)


def test_scatters(exe):
    x, u, v = rand(4, 3), rand(2, 3), rand(3, 3)
    i = np.int64([[1, 0, 3], [2, -1, 0]])
    j = np.int64([[2], [0], [2]])  # row 2 twice: the last update wins
    a, b, c, d = exe["t_scatters"](x, i, u, j, v)
    want_a, want_b = x.copy(), x.copy()
    for r in range(2):
        for col in range(3):
            want_a[i[r, col] % 4, col] = u[r, col]
            want_b[i[r, col] % 4, col] *= u[r, col]
    np.testing.assert_array_equal(a, want_a)
    np.testing.assert_allclose(b, want_b, rtol=1e-6)
    want_c, want_d = x.copy(), x.copy()
    for r in range(3):
        want_c[j[r, 0]] = v[r]
        want_d[j[r, 0]] = np.maximum(want_d[j[r, 0]], v[r])
    np.testing.assert_array_equal(c, want_c)
    np.testing.assert_array_equal(d, want_d)
    assert math.isfinite(float(a.sum()))
