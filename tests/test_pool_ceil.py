"""Pooling with ceil_mode = true (relax.max_pool2d, relax.avg_pool2d): output
sizes by the ONNX / PyTorch rule, windows past the end of the input, and the
divisor of averages with and without count_include_pad, against a loop
reference (itself checked against onnx's reference evaluator)."""

import itertools

import numpy as np
import pytest

from xrelax.diagnostics import CompileError
from xrelax.lowering.runtime import compile_module
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.op_base import TypeInferenceError, to_attr
from xrelax.relax.ops_conv_nd import AvgPool3dOp, MaxPool3dOp
from xrelax.relax.ops_nn import AvgPool2dOp, MaxPool2dOp
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

RNG = np.random.default_rng(15)
n, h, w = var("n"), var("h"), var("w")


def out_size(size, k, s, lo, hi, d, ceil):
    """ONNX's rule: round up, then drop a last window that starts past the input
    and its left padding."""
    num = size + lo + hi - (k - 1) * d - 1
    out = (-(-num // s) if ceil else num // s) + 1
    if ceil and (out - 1) * s >= size + lo:
        out -= 1
    return out


def pool_ref(x, kind, k, s, pads, d, include=False):
    """Each window over the elements inside the input; an average divides by
    those inside the input, or inside the padded input (count_include_pad).
    Any number of spatial dims; pads are every begin, then every end."""
    dims = len(k)
    lo, hi, sizes = pads[:dims], pads[dims:], x.shape[2:]
    outs = [out_size(*a, True) for a in zip(sizes, k, s, lo, hi, d)]
    out = np.zeros((*x.shape[:2], *outs), x.dtype)
    for pos in itertools.product(*map(range, outs)):
        vals, count = [], 0
        for taps in itertools.product(*map(range, k)):
            at = [p * st - a + t * dd for p, st, a, t, dd in zip(pos, s, lo, taps, d)]
            inside = all(0 <= i < n for i, n in zip(at, sizes))
            padded = all(i < n + b for i, n, b in zip(at, sizes, hi))
            if inside:
                vals.append(x[(slice(None), slice(None), *at)])
            count += padded if include else inside
        if kind == "max":
            out[(slice(None), slice(None), *pos)] = np.max(vals, axis=0)
        else:
            with np.errstate(invalid="ignore"):  # no element inside: 0 / 0, as compiled
                out[(slice(None), slice(None), *pos)] = np.sum(vals, axis=0,
                                                               dtype=np.float64) / count
    return out


# name: (kind, pool_size, strides, padding (top, left, bottom, right), dilation,
#        count_include_pad, input dims, dtype)
CASES = {
    "max_static": ("max", [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], False, [1, 2, 6, 7], "f32"),
    "max_sym": ("max", [3, 3], [2, 2], [0, 0, 0, 0], [1, 1], False, [n, 2, h, w], "f32"),
    "max_pad_dil": ("max", [2, 2], [2, 3], [0, 1, 1, 0], [2, 1], False, [n, 1, h, w], "f32"),
    "max_i32": ("max", [2, 2], [2, 2], [0, 0, 0, 0], [1, 1], False, [1, 2, 5, 3], "i32"),
    "avg_excl": ("avg", [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], False, [n, 2, h, w], "f32"),
    "avg_incl": ("avg", [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], True, [n, 2, h, w], "f32"),
    "avg_nopad_incl": ("avg", [2, 2], [3, 3], [0, 0, 0, 0], [1, 1], True, [1, 3, h, w], "f32"),
    "avg_asym": ("avg", [2, 3], [2, 2], [1, 0, 1, 1], [1, 1], True, [2, 1, 5, 6], "f32"),
    "avg_dil": ("avg", [3, 2], [2, 3], [2, 1, 2, 1], [2, 2], False, [1, 1, h, w], "f32"),
    "max_3d": ("max", [2, 3, 2], [2, 2, 3], [0, 1, 0, 0, 1, 1], [1, 1, 1], False,
               [1, 2, 5, h, w], "f32"),
    "avg_3d_incl": ("avg", [3, 2, 2], [2, 2, 2], [1, 0, 1, 1, 1, 0], [1, 1, 1], True,
                    [2, 1, 6, h, w], "f32"),
    "avg_3d_excl": ("avg", [2, 2, 3], [3, 2, 2], [0, 1, 1, 1, 0, 1], [1, 2, 1], False,
                    [1, 2, 4, h, w], "f32"),
}


def _op(kind, dims=2):
    if dims == 3:
        return MaxPool3dOp if kind == "max" else AvgPool3dOp
    return MaxPool2dOp if kind == "max" else AvgPool2dOp


def _props(case):
    kind, k, s, pads, d, include, _, _ = case
    props = {"pool_size": k, "strides": s, "padding": pads, "dilation": d, "ceil_mode": True}
    if kind == "avg":
        props["count_include_pad"] = include
    return props


def module_text() -> str:
    funcs = []
    for name, case in CASES.items():
        op, props = _op(case[0], len(case[1])), _props(case)
        t = TensorType(case[6], case[7])
        result = op.infer([t], {**op.DEFAULTS, **props})
        attrs = ", ".join(f"{k} = {to_attr(v)}" for k, v in props.items())
        funcs.append(f"relax.func @{name}(%x: {t}) -> {result} {{\n"
                     f"  %y = {op.name} %x {{{attrs}}} : {result}\n"
                     f"  relax.return %y : {result}\n}}")
    return "\n".join(funcs)


@pytest.fixture(scope="module")
def exe():
    return compile_module(module_text())


def _input(case, shape):
    dtype = np.int32 if case[7] == "i32" else np.float32
    if dtype == np.int32:
        return RNG.integers(-50, 50, shape).astype(dtype) - 100  # negative: padding must not win
    return RNG.standard_normal(shape).astype(dtype) - 4.0


def _shapes(case):
    dims = case[6]
    if all(isinstance(d, int) for d in dims):
        return [tuple(dims)]
    sizes = [(1, 1), (2, 3), (4, 4), (5, 7), (6, 6), (8, 5), (11, 9)]
    return [tuple(d if isinstance(d, int) else (2 if d is n else hw[0 if d is h else 1])
                  for d in dims) for hw in (sizes if len(dims) == 4 else sizes[1::2])]


@pytest.mark.parametrize("name", list(CASES))
def test_ceil_mode_numbers(exe, name):
    case = CASES[name]
    kind, k, s, pads, d, include = case[:6]
    nd = len(k)
    for shape in _shapes(case):
        if any(out_size(*a, True) < 1 for a in zip(shape[2:], k, s, pads[:nd], pads[nd:], d)):
            continue
        x = _input(case, shape)
        got, want = exe[name](x), pool_ref(x, kind, k, s, pads, d, include)
        assert got.shape == want.shape and got.dtype == want.dtype, shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=str(shape))


def test_reference_agrees_with_onnx():
    """The loop reference is ONNX's semantics (onnx.reference)."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper
    from onnx.reference import ReferenceEvaluator

    for name, case in CASES.items():
        kind, k, s, pads, d, include = case[:6]
        shape = (1, 2, 7, 6) if len(k) == 2 else (1, 2, 5, 4, 6)
        attrs = {"kernel_shape": k, "strides": s, "pads": pads,
                 "dilations": d, "ceil_mode": 1}
        if kind == "avg":
            attrs["count_include_pad"] = int(include)
        node = helper.make_node("MaxPool" if kind == "max" else "AveragePool", ["x"], ["y"],
                                **attrs)
        graph = helper.make_graph(
            [node], name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])
        x = RNG.standard_normal(shape).astype(np.float32)
        want = ReferenceEvaluator(model).run(None, {"x": x})[0]
        np.testing.assert_allclose(pool_ref(x, kind, k, s, pads, d, include), want,
                                   rtol=1e-6, atol=1e-6, err_msg=name)
        assert onnx is not None


@pytest.mark.parametrize("k,s,lo,hi,d", [(3, 2, 0, 0, 1), (3, 2, 1, 1, 1), (2, 3, 0, 0, 1),
                                          (2, 2, 0, 1, 1), (3, 3, 2, 2, 2), (2, 2, 0, 3, 1),
                                          (1, 4, 0, 2, 1), (3, 1, 1, 1, 1)])
def test_ceil_mode_output_size_follows_the_onnx_rule(k, s, lo, hi, d):
    """Static sizes exactly, and the symbolic dim evaluated at each size."""
    props = {**MaxPool2dOp.DEFAULTS, "pool_size": [k, 1], "strides": [s, 1],
             "padding": [lo, 0, hi, 0], "dilation": [d, 1], "ceil_mode": True}
    symbolic = MaxPool2dOp.infer([TensorType([1, 1, h, 4], "f32")], props)
    for size in range(1, 16):
        want = out_size(size, k, s, lo, hi, d, True)
        if want < 1:
            continue
        static = MaxPool2dOp.infer([TensorType([1, 1, size, 4], "f32")], props)
        assert static.dims[2].value == want, size
        assert symbolic.dims[2].evaluate({"h": size}) == want, (size, symbolic.dims[2])


def test_ceil_mode_symbolic_dims_stay_readable():
    props = {**AvgPool2dOp.DEFAULTS, "pool_size": 3, "strides": 2, "padding": 1,
             "ceil_mode": True}
    t = AvgPool2dOp.infer([TensorType([n, 3, h, w], "f32")], props)
    assert str(t) == "!relax.tensor<[n, 3, h floordiv 2 + 1, w floordiv 2 + 1], f32>"
    props = {**props, "pool_size": 2, "strides": 3, "padding": 0}
    t = AvgPool2dOp.infer([TensorType([n, 3, h, w], "f32")], props)
    assert str(t.dims[2]) == "(h - 1) floordiv 3 + 1"  # the windows that start inside


def test_ceil_mode_through_the_builder():
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([n, 3, h, w], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            m = df.emit(MaxPool2dOp.make(x, pool_size=[2, 2], strides=[2, 2], ceil_mode=True))
            a = df.emit(AvgPool2dOp.make(m, pool_size=[3, 3], strides=[2, 2], padding=[1, 1],
                                         ceil_mode=True, count_include_pad=True))
            df.output(a)
        fb.ret(df.result)
    module = mb.finish()
    assert "ceil_mode = true" in str(module)
    exe = compile_module(module)
    for shape in [(1, 3, 9, 7), (2, 3, 4, 5), (1, 3, 1, 1)]:
        x = RNG.standard_normal(shape).astype(np.float32)
        pooled = pool_ref(x, "max", [2, 2], [2, 2], [0, 0, 0, 0], [1, 1])
        want = pool_ref(pooled, "avg", [3, 3], [2, 2], [1, 1, 1, 1], [1, 1], include=True)
        np.testing.assert_allclose(exe["main"](x), want, rtol=1e-5, atol=1e-6)


def test_ceil_mode_errors_are_located():
    with pytest.raises(TypeInferenceError, match=r"ceil_mode must be true or false, got 1"):
        MaxPool2dOp.infer([TensorType([1, 1, 4, 4], "f32")],
                          {**MaxPool2dOp.DEFAULTS, "ceil_mode": 1})
    text = """
relax.func @main(%x: !relax.tensor<[1, 1, 1, 4], f32>) -> !relax.tensor<ndim=4, f32> {
  %y = relax.max_pool2d %x {pool_size = [4, 1], ceil_mode = true} : !relax.tensor<ndim=4, f32>
  relax.return %y : !relax.tensor<ndim=4, f32>
}"""
    with pytest.raises(CompileError, match=r"pool.mlir:3:3: error: relax.max_pool2d: the padded "
                                           r"input height \(1\) is smaller than the dilated "
                                           r"window \(4\) by more than ceil_mode allows"):
        compile_module(text, filename="pool.mlir")


# ---- the ONNX importer passes ceil_mode through ------------------------------------------


def _onnx_model(op_type, shape, **attrs):
    from onnx import TensorProto, helper

    node = helper.make_node(op_type, ["x"], ["y"], **attrs)
    graph = helper.make_graph([node], "g", [helper.make_tensor_value_info(
        "x", TensorProto.FLOAT, shape)], [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                                                         None)])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 22)])


@pytest.mark.parametrize("op_type,attrs,shape", [
    ("MaxPool", {"kernel_shape": [3, 3], "strides": [2, 2]}, ["n", 2, "h", "w"]),
    ("AveragePool", {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 1, 1, 1],
                     "count_include_pad": 1}, ["n", 2, "h", "w"]),
    ("AveragePool", {"kernel_shape": [2, 3], "strides": [3, 2], "pads": [0, 1, 1, 0]},
     [1, 2, "h", "w"]),
    ("MaxPool", {"kernel_shape": [3], "strides": [2], "pads": [1, 0]}, [1, 3, "w"]),
    ("AveragePool", {"kernel_shape": [2, 2, 3], "strides": [2, 2, 2], "pads": [0, 1, 0, 1, 0, 1],
                     "count_include_pad": 1}, [1, 1, 5, "h", "w"]),
    # LpPool: the mean (count_include_pad) times the kernel size, as ONNX's reference does
    ("LpPool", {"kernel_shape": [3, 2], "strides": [2, 2], "pads": [1, 0, 1, 0], "p": 2},
     [1, 2, "h", "w"]),
])
def test_onnx_pools_with_ceil_mode(op_type, attrs, shape):
    pytest.importorskip("onnx")
    from onnx.reference import ReferenceEvaluator

    from xrelax.relax.frontend import from_onnx

    model = _onnx_model(op_type, shape, ceil_mode=1, **attrs)
    module = from_onnx(model)
    assert "ceil_mode = true" in str(module)
    exe = compile_module(module)
    for sizes in [(2, 7, 6), (1, 4, 9), (1, 5, 5)]:
        concrete = [sizes[0] if d == "n" else sizes[1] if d == "h" else
                    sizes[2] if d == "w" else d for d in shape]
        x = RNG.standard_normal(concrete).astype(np.float32)
        want = ReferenceEvaluator(model).run(None, {"x": x})[0]
        np.testing.assert_allclose(exe["main"](x), want, rtol=1e-5, atol=1e-5,
                                   err_msg=str(concrete))
