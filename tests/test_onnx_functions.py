"""Ops without a converter imported through their ONNX function body
(relax_dialect/frontend/onnx_functions.py): a static body (SwiGLU) twice in
one graph, a body built for the node's attributes and input types
(CausalConvWithState), and the error for a body op that cannot be imported."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import TensorProto, helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from xrelax.lowering.runtime import compile_module  # noqa: E402
from xrelax.relax.frontend import OnnxImportError, from_onnx  # noqa: E402
from xrelax.relax.frontend.onnx_importer import result_types  # noqa: E402

RNG = np.random.default_rng(5)


def model_of(nodes, inputs, outputs, opset):
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 10
    return model


def tensor(name, dims, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, dims)


def test_a_static_body_twice_in_one_graph_on_symbolic_shapes():
    nodes = [helper.make_node("SwiGLU", ["a", "b"], ["h"], alpha=1.5),
             helper.make_node("SwiGLU", ["h", "b"], ["y"])]
    model = model_of(nodes, [tensor("a", ["n", 6]), tensor("b", ["n", 6])],
                     [tensor("y", None)], opset=28)
    module = from_onnx(model)
    assert str(result_types(module)[0]) == "!relax.tensor<[n, 6], f32>"
    fn = compile_module(module)["main"]
    ref = ReferenceEvaluator(model)
    for n in (1, 4):
        a, b = (RNG.standard_normal((n, 6)).astype(np.float32) for _ in range(2))
        np.testing.assert_allclose(fn(a, b), ref.run(None, {"a": a, "b": b})[0],
                                   rtol=1e-5, atol=1e-6)
        gate = a / (1 + np.exp(-1.5 * a)) * b  # the first node by hand
        np.testing.assert_allclose(fn(a, b), gate / (1 + np.exp(-gate)) * b, rtol=1e-5,
                                   atol=1e-6)


def test_a_body_built_for_the_nodes_attributes():
    node = helper.make_node("CausalConvWithState", ["x", "w", "bias", "past"],
                            ["y", "state"], activation="silu")
    model = model_of([node], [tensor("x", [2, 4, 7]), tensor("w", [4, 1, 3]),
                              tensor("bias", [4]), tensor("past", [2, 4, 2])],
                     [tensor("y", None), tensor("state", None)], opset=27)
    inputs = {"x": RNG.standard_normal((2, 4, 7)).astype(np.float32),
              "w": RNG.standard_normal((4, 1, 3)).astype(np.float32),
              "bias": RNG.standard_normal(4).astype(np.float32),
              "past": RNG.standard_normal((2, 4, 2)).astype(np.float32)}
    y, state = compile_module(from_onnx(model))["main"](*inputs.values())
    want_y, want_state = ReferenceEvaluator(model).run(None, inputs)
    np.testing.assert_allclose(y, want_y, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(state, want_state)
    np.testing.assert_array_equal(state, inputs["x"][:, :, -2:])


def test_a_body_op_that_cannot_be_imported_names_both_nodes():
    node = helper.make_node("Bernoulli", ["x"], ["y"], name="coin")
    model = model_of([node], [tensor("x", [3])], [tensor("y", None)], opset=22)
    with pytest.raises(OnnxImportError, match=r"onnx node 'coin' \(Bernoulli, opset 22\): in its "
                                              r"ONNX function body: onnx node '.*' "
                                              r"\(RandomUniformLike, opset 22\): the op type "
                                              r"RandomUniformLike is not supported"):
        from_onnx(model)
