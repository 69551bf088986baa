"""Converters of single ONNX ops against the onnx reference evaluator (or numpy):
the cases the backend node tests found wrong (f16 products accumulated in f32,
a zero Lp norm, any() of no bools, mod by an infinity) and the converters
added for them (AffineGrid, Col2Im, ...)."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from xrelax.lowering.runtime import compile_module  # noqa: E402
from xrelax.relax.frontend import from_onnx  # noqa: E402

RNG = np.random.default_rng(9)


def one_op(op, inputs, opset=21, n_out=1, **attrs):
    """A model of one node over the given numpy inputs (named i0, i1, ...)."""
    names = [f"i{k}" for k in range(len(inputs))]
    node = helper.make_node(op, names, [f"o{k}" for k in range(n_out)], **attrs)
    graph = helper.make_graph(
        [node], "g",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), a.shape)
         for n, a in zip(names, inputs)],
        [helper.make_tensor_value_info(f"o{k}", TensorProto.UNDEFINED, None)
         for k in range(n_out)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return model


def run(model, inputs):
    return compile_module(from_onnx(model))["main"](*inputs)


def reference(model, inputs):
    feeds = {f"i{k}": a for k, a in enumerate(inputs)}
    with np.errstate(divide="ignore", invalid="ignore"):
        return ReferenceEvaluator(model).run(None, feeds)[0]


def test_f16_matmul_and_conv_accumulate_in_f32():
    a = RNG.uniform(-1, 1, (3, 64)).astype(np.float16)
    b = RNG.uniform(-1, 1, (64, 5)).astype(np.float16)
    got = run(one_op("MatMul", [a, b]), [a, b])
    assert got.dtype == np.float16
    # the f32 sum rounded once: within an ulp (f16 sums drift by several over 64 terms)
    want = (a.astype(np.float32) @ b.astype(np.float32)).astype(np.float16)
    assert (np.abs(got.astype(np.float32) - want) <= np.spacing(np.abs(want))).all()
    x = RNG.uniform(-1, 1, (1, 8, 9)).astype(np.float16)
    w = RNG.uniform(-1, 1, (4, 8, 3)).astype(np.float16)
    model = one_op("Conv", [x, w])
    np.testing.assert_allclose(run(model, [x, w]).astype(np.float32),
                               reference(model, [x, w]).astype(np.float32), rtol=1e-3, atol=1e-3)


def test_lp_normalization_of_a_zero_vector_is_zero():
    x = np.float32([[3, 0, 1], [4, 0, -1]])
    for p in (1, 2):
        model = one_op("LpNormalization", [x], axis=0, p=p)
        got = run(model, [x])
        assert not np.isnan(got).any()
        norm = np.abs(x).sum(0) if p == 1 else np.sqrt((x * x).sum(0))
        np.testing.assert_allclose(got[:, [0, 2]], x[:, [0, 2]] / norm[[0, 2]], rtol=1e-6)
        np.testing.assert_array_equal(got[:, 1], [0, 0])


def test_bool_max_and_min_of_nothing():
    empty = np.zeros((2, 0, 3), bool)
    axes = np.array([1], np.int64)
    for op, want in (("ReduceMax", False), ("ReduceMin", True)):
        got = run(one_op(op, [empty, axes], opset=20, keepdims=1), [empty, axes])
        np.testing.assert_array_equal(got, np.full((2, 1, 3), want))
    x = np.array([[True, False], [False, False]])
    got = run(one_op("ReduceMax", [x], opset=18, axes=[1], keepdims=0), [x])
    np.testing.assert_array_equal(got, [True, False])


def test_mod_by_infinity_and_zero():
    x = np.float32([-3, 3, -1, 1, 0, 5, np.inf, 2])
    y = np.float32([np.inf, np.inf, -np.inf, -np.inf, -np.inf, 0, 2, -3])
    with np.errstate(invalid="ignore"):
        for fmod, ref in ((0, np.mod), (1, np.fmod)):
            got = run(one_op("Mod", [x, y], fmod=fmod), [x, y])
            np.testing.assert_array_equal(got, ref(x, y))


def with_constants(model, **arrays):
    """The model with some inputs turned into initializers."""
    from onnx import numpy_helper

    graph = model.graph
    keep = [vi for vi in graph.input if vi.name not in arrays]
    del graph.input[:]
    graph.input.extend(keep)
    graph.initializer.extend(numpy_helper.from_array(a, n) for n, a in arrays.items())
    return model


@pytest.mark.parametrize("size", [[2, 3, 5, 6], [2, 3, 1, 4, 5]])
@pytest.mark.parametrize("align", [0, 1])
def test_affine_grid_of_constant_and_run_time_sizes(size, align):
    k = len(size) - 2
    theta = RNG.standard_normal((2, k, k + 1)).astype(np.float32)
    size = np.array(size, np.int64)
    model = one_op("AffineGrid", [theta, size], opset=20, align_corners=align)
    want = reference(model, [theta, size])
    assert want.shape == (2, *size[2:], k)
    np.testing.assert_allclose(run(model, [theta, size]), want, rtol=1e-5, atol=1e-6)
    fixed = with_constants(one_op("AffineGrid", [theta, size], opset=20, align_corners=align),
                           i1=size)
    np.testing.assert_allclose(run(fixed, [theta]), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("image, block, attrs", [
    ([5, 5], [2, 3], {}),
    ([6, 7], [2, 2], {"strides": [2, 3], "pads": [1, 0, 0, 1], "dilations": [1, 2]}),
    ([4, 3, 5], [2, 1, 2], {"pads": [0, 1, 0, 1, 0, 1]}),
])
def test_col2im_with_constant_shapes(image, block, attrs):
    k = len(image)
    strides, dil = attrs.get("strides", [1] * k), attrs.get("dilations", [1] * k)
    pads = attrs.get("pads", [0] * 2 * k)
    blocks = [(i + pads[j] + pads[j + k] - (dil[j] * (b - 1) + 1)) // strides[j] + 1
              for j, (i, b) in enumerate(zip(image, block))]
    cols = RNG.standard_normal((2, 3 * int(np.prod(block)), int(np.prod(blocks))))
    cols = cols.astype(np.float32)
    shapes = [np.array(image, np.int64), np.array(block, np.int64)]
    model = one_op("Col2Im", [cols, *shapes], opset=18, **attrs)
    want = reference(model, [cols, *shapes])
    fixed = with_constants(model, i1=shapes[0], i2=shapes[1])
    np.testing.assert_allclose(run(fixed, [cols]), want, rtol=1e-5, atol=1e-5)


def test_nonzero_length_is_bound_at_run_time():
    x = np.zeros((3, 4), np.float32)
    model = one_op("NonZero", [x], opset=13)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "n"
    fn = compile_module(from_onnx(model))["main"]
    for shape, density in (((3, 4), 0.5), ((5, 4), 0.2), ((2, 4), 0.0), ((1, 4), 1.0)):
        x = (RNG.random(shape) < density).astype(np.float32) * RNG.standard_normal(shape)
        got = fn(x.astype(np.float32))
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, np.array(np.nonzero(x)).reshape(2, -1))


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_compress_with_run_time_and_constant_conditions(axis):
    x = RNG.standard_normal((3, 5)).astype(np.float32)
    size = x.size if axis is None else x.shape[axis]
    cond = RNG.random(size - 1) < 0.5  # shorter than the axis: the rest is dropped
    attrs = {} if axis is None else {"axis": axis}
    want = np.compress(cond, x, axis=axis)
    np.testing.assert_array_equal(run(one_op("Compress", [x, cond], **attrs), [x, cond]), want)
    fixed = with_constants(one_op("Compress", [x, cond], **attrs), i1=cond)
    np.testing.assert_array_equal(run(fixed, [x]), want)


@pytest.mark.parametrize("time_axis", [0, 1])
def test_reverse_sequence(time_axis):
    x = RNG.standard_normal((4, 4, 2)).astype(np.float32)
    lens = np.array([4, 1, 3, 2], np.int64)
    model = one_op("ReverseSequence", [x, lens], time_axis=time_axis,
                   batch_axis=1 - time_axis)
    want = reference(model, [x, lens])
    np.testing.assert_array_equal(run(model, [x, lens]), want)


@pytest.mark.parametrize("mode", ["linear", "circular"])
def test_tensor_scatter_writes_at_each_batchs_index(mode):
    past = RNG.standard_normal((2, 3, 6, 4)).astype(np.float32)
    update = RNG.standard_normal((2, 3, 3, 4)).astype(np.float32)
    write = np.array([1, 5 if mode == "circular" else 3], np.int64)
    model = one_op("TensorScatter", [past, update, write], opset=24, mode=mode)
    got = run(model, [past, update, write])
    np.testing.assert_array_equal(got, reference(model, [past, update, write]))
    assert not np.array_equal(got, past)
    prefill = one_op("TensorScatter", [past, update], opset=24)  # no indices: at 0
    want = past.copy()
    want[:, :, :3] = update
    np.testing.assert_array_equal(run(prefill, [past, update]), want)


def test_batch_norm_in_training_mode_uses_and_updates_batch_statistics():
    x = RNG.standard_normal((3, 4, 2, 5)).astype(np.float32) * 2 + 1
    scale, bias = RNG.standard_normal(4).astype(np.float32), RNG.standard_normal(4).astype(
        np.float32)
    mean, var = RNG.standard_normal(4).astype(np.float32), RNG.random(4).astype(np.float32)
    inputs = [x, scale, bias, mean, var]
    model = one_op("BatchNormalization", inputs, opset=15, n_out=3, training_mode=1,
                   momentum=0.8, epsilon=1e-3)
    got = run(model, inputs)
    want = ReferenceEvaluator(model).run(None, {f"i{k}": a for k, a in enumerate(inputs)})
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-5)
    batch_mean = x.mean(axis=(0, 2, 3))
    np.testing.assert_allclose(got[1], 0.8 * mean + 0.2 * batch_mean, rtol=1e-5, atol=1e-6)


def test_dropout_with_a_known_zero_ratio_keeps_everything_even_in_training():
    x = RNG.standard_normal((2, 3)).astype(np.float32)
    model = with_constants(one_op("Dropout", [x, np.float32(0), np.bool_(True)], n_out=2,
                                  opset=22), i1=np.array(0, np.float32))
    y, mask = run(model, [x, np.array(True)])
    np.testing.assert_array_equal(y, x)
    assert mask.dtype == np.bool_ and mask.all()


@pytest.mark.parametrize("inverse, onesided, parts, n", [
    (0, 0, 1, None), (0, 0, 2, 7), (0, 1, 1, 12), (1, 0, 2, None), (1, 1, 2, 9), (1, 1, 2, None),
])
def test_dft_matches_numpy_fft(inverse, onesided, parts, n):
    x = RNG.standard_normal((2, 8, 3, parts)).astype(np.float32)
    z = x[..., 0] + (1j * x[..., 1] if parts == 2 else 0)
    model = one_op("DFT", [x], opset=20, inverse=inverse, onesided=onesided)
    model.graph.node[0].input.extend(["" if n is None else "n", "axis"])  # both constants
    consts = {"axis": np.array(1, np.int64)} | ({} if n is None else {"n": np.array(n)})
    got = run(with_constants(model, **consts), [x])
    if inverse and onesided:
        want = np.fft.irfft(z, n=n, axis=1)[..., None]
    else:
        f = np.fft.ifft(z, n=n, axis=1) if inverse else np.fft.fft(z, n=n, axis=1)
        if onesided:
            f = f[:, : (n or 8) // 2 + 1]
        want = np.stack([f.real, f.imag], -1)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_stft_with_a_window_and_a_known_step():
    signal = RNG.standard_normal((2, 40, 1)).astype(np.float32)
    window = np.hanning(16).astype(np.float32)
    step = np.array(6, np.int64)
    model = one_op("STFT", [signal, step, window], opset=17)
    want = reference(model, [signal, step, window])
    fixed = with_constants(model, i1=step)
    got = run(fixed, [signal, window])
    assert got.shape == want.shape == (2, 5, 9, 2)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)


def test_bitcast_at_run_time_and_of_constants():
    x = np.float32([1.0, -0.0, np.inf, np.nan, 3.5e-39])
    model = one_op("BitCast", [x], opset=26, to=TensorProto.INT32)
    np.testing.assert_array_equal(run(model, [x]), x.view(np.int32))
    folded = with_constants(one_op("BitCast", [x], opset=26, to=TensorProto.INT32), i0=x)
    assert "relax.bitcast" not in str(from_onnx(folded))  # computed at import time
    np.testing.assert_array_equal(run(folded, []), x.view(np.int32))
    b = np.array([True, False, True])
    np.testing.assert_array_equal(run(one_op("BitCast", [b], opset=26, to=TensorProto.UINT8),
                                      [b]), [1, 0, 1])


def test_optional_of_a_tensor_or_of_nothing():
    x = RNG.standard_normal(4).astype(np.float32)
    np.testing.assert_array_equal(run(one_op("OptionalGetElement", [x], opset=18), [x]), x)
    assert run(one_op("OptionalHasElement", [x], opset=18), [x]) == np.array(True)
    empty = one_op("OptionalHasElement", [], opset=18)
    empty.graph.node[0].input.append("")
    assert run(empty, []) == np.array(False)


@pytest.mark.parametrize("center", [0, 1])
def test_non_max_suppression_on_a_symbolic_number_of_boxes(center):
    boxes = RNG.uniform(0, 1, (2, 9, 4)).astype(np.float32)
    model = one_op("NonMaxSuppression", [boxes, np.zeros((2, 3, 9), np.float32),
                                         np.array([3], np.int64), np.float32([0.3]),
                                         np.float32([0.2])], opset=11, center_point_box=center)
    for vi in model.graph.input[:2]:
        vi.type.tensor_type.shape.dim[-1 if vi.name == "i1" else 1].dim_param = "boxes"
    fn = compile_module(from_onnx(model))["main"]
    ref = ReferenceEvaluator(model)
    for n in (9, 14):
        boxes = RNG.uniform(0, 1, (2, n, 4)).astype(np.float32)
        scores = RNG.uniform(0, 1, (2, 3, n)).astype(np.float32)
        args = [boxes, scores, np.array([3], np.int64), np.float32([0.3]), np.float32([0.2])]
        want = ref.run(None, {f"i{k}": a for k, a in enumerate(args)})[0]
        assert 6 <= len(want) <= 18
        np.testing.assert_array_equal(fn(*args), want)
    # without max_output_boxes_per_class nothing is selected
    lone = one_op("NonMaxSuppression", [boxes, scores], opset=11)
    assert run(lone, [boxes, scores]).shape == (0, 3)


def pool_with_indices(x, kernel, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1),
                      ceil_mode=0, storage_order=0):
    """MaxPool and its Indices by loops: the first maximum of each window
    (positions outside x skipped), flat in x (the spatial dims column-major
    with storage_order 1)."""
    n, c, h, w = x.shape
    size = [h, w]
    out = []
    for j in range(2):
        span = (kernel[j] - 1) * dilations[j] + 1
        room = size[j] + pads[j] + pads[j + 2] - span
        out.append((-(-room // strides[j]) if ceil_mode else room // strides[j]) + 1)
    y = np.zeros((n, c, *out), x.dtype)
    idx = np.zeros((n, c, *out), np.int64)
    for b, ch, oh, ow in np.ndindex(n, c, *out):
        best = None
        for i, k in np.ndindex(*kernel):
            hh = oh * strides[0] - pads[0] + i * dilations[0]
            ww = ow * strides[1] - pads[1] + k * dilations[1]
            if 0 <= hh < h and 0 <= ww < w and (best is None or x[b, ch, hh, ww] > best):
                best = x[b, ch, hh, ww]
                flat = hh * w + ww if storage_order == 0 else hh + ww * h
                idx[b, ch, oh, ow] = (b * c + ch) * h * w + flat
        y[b, ch, oh, ow] = best
    return y, idx


@pytest.mark.parametrize("attrs", [
    {"kernel_shape": [2, 2], "strides": [2, 2]},
    {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [2, 1]},
    {"kernel_shape": [2, 3], "dilations": [2, 1], "ceil_mode": 1, "strides": [2, 2]},
    {"kernel_shape": [3, 2], "storage_order": 1, "pads": [0, 1, 1, 0]},
])
def test_max_pool_indices_and_max_unpool(attrs):
    x = RNG.standard_normal((2, 3, 7, 6)).astype(np.float32)
    model = one_op("MaxPool", [x], opset=12, n_out=2, **attrs)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "n"
    y, idx = run(model, [x])
    want_y, want_idx = pool_with_indices(x, attrs["kernel_shape"], **{
        k: v for k, v in attrs.items() if k != "kernel_shape"})
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(idx, want_idx)
    if list(attrs) != ["kernel_shape", "strides"]:
        return
    x = x[:, :, :6]  # MaxUnpool's default shape: a multiple of the stride
    y, idx = pool_with_indices(x, attrs["kernel_shape"], attrs["strides"])
    back = one_op("MaxUnpool", [y, idx], opset=11, **attrs)
    got = run(back, [y, idx])
    np.testing.assert_array_equal(got, reference(back, [y, idx]))
    assert got.shape == x.shape and (got[got != 0] == x[got != 0]).all()
    bigger = np.array([2, 3, 7, 7], np.int64)  # the same coordinates in a larger output
    back = one_op("MaxUnpool", [y, idx, bigger], opset=11, **attrs)
    np.testing.assert_array_equal(run(back, [y, idx, bigger]),
                                  np.pad(got, [(0, 0), (0, 0), (0, 1), (0, 1)]))


@pytest.mark.parametrize("n", [1, 4])
def test_det_with_pivoting_singular_and_batched(n):
    a = RNG.standard_normal((2, 3, n, n)).astype(np.float32)
    a[0, 0, 0, :] = 0  # needs a row swap (or is 0 for n = 1)
    a[1, 2] = np.outer(np.arange(1, n + 1), np.arange(1, n + 1))  # rank 1: singular if n > 1
    model = one_op("Det", [a], opset=22)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "batch"
    got = run(model, [a])
    assert got.shape == (2, 3)
    np.testing.assert_allclose(got, np.linalg.det(a.astype(np.float64)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("op, per, attrs", [
    ("Adagrad", 3, {"decay_factor": 0.1, "norm_coefficient": 0.01}),
    ("Adam", 4, {"alpha": 0.8, "beta": 0.9, "norm_coefficient_post": 0.01}),
    ("Momentum", 3, {"alpha": 0.9, "beta": 0.5, "mode": "nesterov", "norm_coefficient": 0.1}),
])
def test_training_optimizer_steps_over_two_tensors(op, per, attrs):
    domain = "ai.onnx.preview.training"
    tensors = [RNG.standard_normal((3,)).astype(np.float32) for _ in range(2 * per)]
    tensors = [t if k < 2 * (per - 1) else np.abs(t) for k, t in enumerate(tensors)]
    for steps in (0, 5):
        inputs = [np.array(0.1, np.float32), np.array(steps), *tensors]
        model = one_op(op, inputs, n_out=2 * (per - 1), **attrs)
        model.graph.node[0].domain = domain
        model.opset_import.append(helper.make_opsetid(domain, 1))
        got = run(model, inputs)
        want = ReferenceEvaluator(model).run(None, {f"i{k}": a for k, a in enumerate(inputs)})
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("mode, transform", [("avg", "half_pixel"), ("max", "output_half_pixel")])
def test_roi_align_on_a_symbolic_number_of_regions(mode, transform):
    x = RNG.standard_normal((2, 3, 9, 11)).astype(np.float32)
    rois = np.zeros((4, 4), np.float32)
    batch = np.zeros(4, np.int64)
    model = one_op("RoiAlign", [x, rois, batch], opset=16, mode=mode, output_height=3,
                   output_width=2, sampling_ratio=2, spatial_scale=0.5,
                   coordinate_transformation_mode=transform)
    for vi in model.graph.input[1:]:
        vi.type.tensor_type.shape.dim[0].dim_param = "regions"
    fn = compile_module(from_onnx(model))["main"]
    ref = ReferenceEvaluator(model)
    for count in (4, 7):
        corners = RNG.uniform(-4, 26, (count, 4)).astype(np.float32)  # some leave the image
        rois = np.concatenate([np.minimum(corners[:, :2], corners[:, 2:]),
                               np.maximum(corners[:, :2], corners[:, 2:])], 1)
        batch = RNG.integers(0, 2, count).astype(np.int64)
        want = ref.run(None, {"i0": x, "i1": rois, "i2": batch})[0]
        np.testing.assert_allclose(fn(x, rois, batch), want, rtol=1e-4, atol=1e-5)


def test_blocked_quantization_round_trip():
    w = RNG.standard_normal((4, 10)).astype(np.float32)
    scale = (np.abs(w).reshape(4, 10)[:, :9].reshape(4, 3, 3).max(-1) / 100).astype(np.float32)
    last = (np.abs(w[:, 9:]) / 100).astype(np.float32)  # the last block is column 9 alone
    scale = np.concatenate([scale, last], 1)  # [4, 4]: blocks of 3 along axis 1
    zp = RNG.integers(-5, 5, (4, 4)).astype(np.int8)
    q = one_op("QuantizeLinear", [w, scale, zp], opset=21, axis=1, block_size=3)
    got = run(q, [w, scale, zp])
    np.testing.assert_array_equal(got, reference(q, [w, scale, zp]))
    d = one_op("DequantizeLinear", [got, scale, zp], opset=21, axis=1, block_size=3)
    back = run(d, [got, scale, zp])
    np.testing.assert_allclose(back, reference(d, [got, scale, zp]), rtol=1e-6)
    assert np.abs(back - w).max() < np.repeat(scale, 3, 1)[:, :10].max()


@pytest.mark.parametrize("keep_sorted", [1, 0])
def test_unique_of_the_flattened_tensor(keep_sorted):
    x = np.zeros(6, np.float32)
    model = one_op("Unique", [x], opset=11, n_out=4, sorted=keep_sorted)
    model.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "n"
    fn = compile_module(from_onnx(model))["main"]
    ref = ReferenceEvaluator(model)
    for n in (6, 11, 1):
        x = RNG.integers(-3, 4, n).astype(np.float32)
        got = fn(x)
        want = ref.run(None, {"i0": x})
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)
    matrix = RNG.integers(0, 3, (2, 4)).astype(np.float32)  # (flattened)
    got = run(one_op("Unique", [matrix], opset=11, n_out=4), [matrix])
    for g, w in zip(got, np.unique(matrix, return_index=True, return_inverse=True,
                                   return_counts=True)):
        np.testing.assert_array_equal(g, np.asarray(w).reshape(-1))
