"""`from_onnx`: symbolic dims (one compiled function at several batch and image
sizes), shape arithmetic as symbolic expressions, shapes bound at run time,
the options (dims, input_shapes, keep_params_in_input), external data, and a
clear error for every way a model can fail to import."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper, numpy_helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from xrelax.lowering.runtime import RelaxRuntimeError, compile_module  # noqa: E402
from xrelax.relax.frontend import OnnxImportError, from_onnx, onnx_weights  # noqa: E402
from xrelax.relax.frontend.onnx_importer import result_types  # noqa: E402

RNG = np.random.default_rng(0)


def model_of(nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def tensor(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


@pytest.fixture(scope="module")
def small_cnn():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples/onnx/make_small_cnn.py"
    spec = importlib.util.spec_from_file_location("make_small_cnn", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.make_model()


# ---- symbolic shapes ------------------------------------------------------------------------


def test_one_compiled_model_serves_every_batch_and_image_size(small_cnn):
    module = from_onnx(small_cnn)
    (out,) = result_types(module)
    assert str(out) == "!relax.tensor<[N, 10], f32>"  # Reshape's shape came from Shape
    fn = compile_module(module)["main"]
    ref = ReferenceEvaluator(small_cnn)
    for shape in [(1, 3, 16, 16), (3, 3, 20, 18), (2, 3, 9, 31)]:
        x = RNG.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(fn(x), ref.run(None, {"image": x})[0], rtol=1e-5, atol=1e-6)


def test_shape_arithmetic_becomes_symbolic_expressions():
    # y = Reshape(x, [Shape(x)[0] * Shape(x)[1], -1]); z = Expand(b, Shape(y))
    nodes = [helper.make_node("Shape", ["x"], ["s"]),
             helper.make_node("Gather", ["s", "i0"], ["d0"], axis=0),
             helper.make_node("Gather", ["s", "i1"], ["d1"], axis=0),
             helper.make_node("Mul", ["d0", "d1"], ["rows"]),
             helper.make_node("Concat", ["rows", "m1"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"]),
             helper.make_node("Shape", ["y"], ["ys"]),
             helper.make_node("Expand", ["b", "ys"], ["z"]),
             helper.make_node("Add", ["y", "z"], ["out"])]
    model = model_of(nodes, [tensor("x", ["n", "m", 4])], [tensor("out", None)],
                     [const("i0", [0]), const("i1", [1]), const("m1", [-1]),
                      const("b", np.float32([1, 2, 3, 4]))])
    module = from_onnx(model)
    assert str(result_types(module)[0]) == "!relax.tensor<[m * n, 4], f32>"
    fn = compile_module(module)["main"]
    for n, m in [(2, 3), (5, 1)]:
        x = RNG.standard_normal((n, m, 4)).astype(np.float32)
        np.testing.assert_allclose(fn(x), x.reshape(n * m, 4) + [1, 2, 3, 4], rtol=1e-6)


def test_unnamed_dynamic_dims_get_fresh_variables():
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 3])
    model = model_of([helper.make_node("Relu", ["x"], ["y"])], [x], [tensor("y", None)])
    module = from_onnx(model)
    assert "x_dim0" in str(result_types(module)[0])
    fn = compile_module(module)["main"]
    x7 = RNG.standard_normal((7, 3)).astype(np.float32)
    np.testing.assert_array_equal(fn(x7), np.maximum(x7, 0))


def test_shapes_from_tensor_data_are_bound_at_run_time():
    nodes = [helper.make_node("Reshape", ["x", "shape"], ["y"]),
             helper.make_node("Tile", ["y", "reps"], ["z"])]
    model = model_of(nodes, [tensor("x", [2, 6]), tensor("shape", [3], TensorProto.INT64),
                             tensor("reps", [3], TensorProto.INT64)], [tensor("z", None)])
    fn = compile_module(from_onnx(model))["main"]
    x = RNG.standard_normal((2, 6)).astype(np.float32)
    for shape, reps in [([0, 3, -1], [1, 2, 1]), ([1, 12, 1], [2, 1, 3])]:
        want = np.tile(x.reshape([2, 3, 2] if shape[0] == 0 else shape), reps)
        np.testing.assert_array_equal(fn(x, np.array(shape), np.array(reps)), want)


def test_dims_bound_by_different_computations_are_matched_at_run_time():
    """ConstantOfShape(k1) and Range(0, k2) bind two variables; Add and Concat
    of them match the dims at run time (equal: fine; different: an error)."""
    one = const("one", np.array(1, np.int64))
    zero = const("zero", np.array(0, np.int64))
    nodes = [helper.make_node("Unsqueeze", ["k1", "ax"], ["k1v"]),
             helper.make_node("ConstantOfShape", ["k1v"], ["z"],
                              value=helper.make_tensor("v", TensorProto.INT64, [1], [3])),
             helper.make_node("Range", ["zero", "k2", "one"], ["r"]),
             helper.make_node("Add", ["z", "r"], ["s"]),
             helper.make_node("Unsqueeze", ["s", "ax"], ["row"]),
             helper.make_node("Unsqueeze", ["r", "ax"], ["row2"]),
             helper.make_node("Concat", ["row", "row2"], ["y"], axis=0)]
    model = model_of(nodes, [tensor("k1", [], TensorProto.INT64),
                             tensor("k2", [], TensorProto.INT64)], [tensor("y", None)],
                     inits=[one, zero, const("ax", np.array([0], np.int64))])
    fn = compile_module(from_onnx(model))["main"]
    for k in (1, 4):
        np.testing.assert_array_equal(fn(np.array(k), np.array(k)),
                                      [np.arange(k) + 3, np.arange(k)])
    with pytest.raises(RelaxRuntimeError, match=r"relax.match_cast: the value has dims 4, "
                                                r"expected \[z_0\]"):
        fn(np.array(3), np.array(4))


def test_dims_and_input_shapes_fix_chosen_dims(small_cnn):
    module = from_onnx(small_cnn, dims={"N": 1})
    assert str(result_types(module)[0]) == "!relax.tensor<[1, 10], f32>"
    module = from_onnx(small_cnn, input_shapes={"image": [2, 3, 8, "W"]})
    text = str(module)
    assert "!relax.tensor<[2, 3, 8, W], f32>" in text


def test_keep_params_in_input(small_cnn):
    module = from_onnx(small_cnn, keep_params_in_input=True)
    weights = onnx_weights(small_cnn)
    assert list(weights)[:2] == ["conv1_w", "conv1_b"]
    assert "relax.constant dense_resource" not in str(module)
    fn = compile_module(module)["main"]
    x = RNG.standard_normal((2, 3, 8, 8)).astype(np.float32)
    want = ReferenceEvaluator(small_cnn).run(None, {"image": x})[0]
    np.testing.assert_allclose(fn(x, *weights.values()), want, rtol=1e-5, atol=1e-6)


def test_external_data_loads(tmp_path, small_cnn):
    model = onnx.ModelProto()
    model.CopyFrom(small_cnn)
    path = tmp_path / "cnn.onnx"
    onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
              location="cnn.weights", size_threshold=64)
    assert (tmp_path / "cnn.weights").stat().st_size > 1000
    fn = compile_module(from_onnx(str(path)))["main"]
    x = RNG.standard_normal((1, 3, 8, 8)).astype(np.float32)
    want = ReferenceEvaluator(small_cnn).run(None, {"image": x})[0]
    np.testing.assert_allclose(fn(x), want, rtol=1e-5, atol=1e-6)
    (tmp_path / "cnn.weights").unlink()
    with pytest.raises(OnnxImportError, match=r"cannot load the external data of tensor "
                                              r"'conv1_w'"):
        from_onnx(str(path))


def test_if_becomes_relax_if():
    then_g = helper.make_graph([helper.make_node("Relu", ["x"], ["t"])], "then", [],
                               [tensor("t", [3])])
    else_g = helper.make_graph([helper.make_node("Neg", ["x"], ["e"])], "else", [],
                               [tensor("e", [3])])
    model = model_of([helper.make_node("If", ["c"], ["y"], then_branch=then_g,
                                       else_branch=else_g)],
                     [tensor("c", [], TensorProto.BOOL), tensor("x", [3])], [tensor("y", [3])])
    module = from_onnx(model)
    assert "relax.if" in str(module)
    fn = compile_module(module)["main"]
    x = np.float32([-1, 2, -3])
    np.testing.assert_array_equal(fn(np.array(True), x), np.maximum(x, 0))
    np.testing.assert_array_equal(fn(np.array(False), x), -x)


# ---- errors --------------------------------------------------------------------------------


def one_node(op, inputs=("x",), attrs=None, opset=17, x_dims=(2, 3), elem=TensorProto.FLOAT,
             domain=""):
    node = helper.make_node(op, list(inputs), ["y"], name="the_node", domain=domain,
                            **(attrs or {}))
    model = model_of([node], [tensor(n, list(x_dims), elem) for n in inputs],
                     [tensor("y", None)], opset=opset)
    if domain:
        model.opset_import.append(helper.make_opsetid(domain, 1))
    return model


@pytest.mark.parametrize("model, message", [
    (one_node("DeformConv", opset=22), r"onnx node 'the_node' \(DeformConv, opset 22\): the "
                                       r"op type DeformConv is not supported"),
    (one_node("TfIdfVectorizer", elem=TensorProto.BOOL),
     r"onnx node 'the_node' \(TfIdfVectorizer, opset 17\): the op type TfIdfVectorizer is not "
     r"supported"),
    (one_node("Relu", attrs={"bogus": 1}), r"onnx node 'the_node' \(Relu, opset 17\): the "
                                           r"attribute\(s\) bogus are not supported"),
    (one_node("Relu", elem=TensorProto.UINT32), r"onnx graph input 'x': the dtype UINT32 is not "
                                                r"supported"),
    (one_node("Relu", opset=29), r"opset 29 of the default domain; opsets up to 28"),
    (one_node("Gelu", domain="com.microsoft"), r"\(Gelu, opset 1\): ops of the domain "
                                               r"'com.microsoft' are not supported"),
    (one_node("ReduceSum", inputs=("x", "axes")), r"\(ReduceSum, opset 17\): the run-time "
                                                  r"axes \(#1, 'axes'\) must be a 1-D tensor of "
                                                  r"static length, not of shape \[2, 3\]"),
    (one_node("ReduceSum", inputs=("x", "axes"), x_dims=(3,)),
     r"\(ReduceSum, opset 17\): the run-time axes \(#1, 'axes'\) must be int64, not f32"),
    (one_node("MaxPool", attrs={"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER",
                                "strides": [2, 2]}, x_dims=(1, 1, "h", 4)),
     r"\(MaxPool, opset 17\): auto_pad = SAME_UPPER with stride 2 needs a static spatial dim"),
    (one_node("Dropout", inputs=("x", "r", "t")), r"\(Dropout, opset 17\): training_mode is a "
                                                  r"run-time tensor and the ratio is not a "
                                                  r"known 0: random dropout is not supported"),
    (one_node("Col2Im", inputs=("x", "s", "b"), opset=18), r"\(Col2Im, opset 18\): the input "
                                                           r"image_shape \(#1, 's'\) must be "
                                                           r"known at import time"),
    (one_node("Bernoulli", opset=22), r"\(Bernoulli, opset 22\): in its ONNX function body: "
                                      r".*\(RandomUniformLike, opset 22\): the op type "
                                      r"RandomUniformLike is not supported"),
    (one_node("Add", inputs=("x", "z")), None),  # fine: proves the helper builds valid models
    (one_node("MatMul", inputs=("x", "w")), r"\(MatMul, opset 17\): relax.matmul: the "
                                            r"reduction dims do not match: 3 vs 2"),
])
def test_import_errors_name_node_op_and_opset(model, message):
    if message is None:
        from_onnx(model)
        return
    with pytest.raises(OnnxImportError, match=message):
        from_onnx(model)


@pytest.fixture
def half_converted_op():
    """An op of a test domain whose converter gives its first output only."""
    from xrelax.relax.frontend.onnx_registry import DOMAIN_CONVERTERS, converter

    converter("TwoOut", domain="test.xrelax")(lambda node: [node.input(0), None])
    yield
    del DOMAIN_CONVERTERS[("test.xrelax", "TwoOut")]


def test_an_unsupported_output_is_an_error_only_when_used(half_converted_op):
    node = helper.make_node("TwoOut", ["x"], ["y", "idx"], name="p", domain="test.xrelax")

    def model(output):
        m = model_of([node], [tensor("x", [1, 1, 4, 4])], [tensor(output, None)])
        m.opset_import.append(helper.make_opsetid("test.xrelax", 1))
        return m

    from_onnx(model("y"))  # the second output is not used
    with pytest.raises(OnnxImportError, match=r"onnx node 'p' \(TwoOut, opset 1\): output #1 "
                                              r"\('idx'\) is used by onnx graph output 'idx' but "
                                              r"is not supported"):
        from_onnx(model("idx"))


def test_bad_files_and_options(tmp_path, small_cnn):
    with pytest.raises(OnnxImportError, match="cannot open '.*nothing.onnx': no such file"):
        from_onnx(str(tmp_path / "nothing.onnx"))
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x96\x01not a model")
    with pytest.raises(OnnxImportError, match="is not an ONNX model"):
        from_onnx(str(junk))
    with pytest.raises(OnnxImportError, match=r"input_shapes names 'img', which is not a graph "
                                              r"input"):
        from_onnx(small_cnn, input_shapes={"img": [1, 3, 8, 8]})
    with pytest.raises(OnnxImportError, match=r"dims\['N'\] must be a non-negative int"):
        from_onnx(small_cnn, dims={"N": -1})
    no_shape = helper.make_tensor_value_info("x", TensorProto.FLOAT, None)
    model = model_of([helper.make_node("Relu", ["x"], ["y"])], [no_shape], [tensor("y", None)])
    with pytest.raises(OnnxImportError, match=r"input 'x': the input has no shape"):
        from_onnx(model)
    model = model_of([helper.make_node("Relu", ["q"], ["y"], name="r")], [tensor("x", [2])],
                     [tensor("y", None)])
    with pytest.raises(OnnxImportError, match=r"onnx node 'r' \(Relu, opset 17\): the input 'q' "
                                              r"is not defined"):
        from_onnx(model)
