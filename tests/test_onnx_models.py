"""Whole models through `from_onnx`: ResNet-50 (the onnx package's light
model with random weights) compiles, runs and matches the onnx reference
evaluator."""

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")

from onnx import helper  # noqa: E402
from onnx.reference import ReferenceEvaluator  # noqa: E402

from xrelax.lowering.runtime import compile_module  # noqa: E402
from xrelax.relax.frontend import from_onnx  # noqa: E402
from xrelax.relax.frontend.onnx_samples import light_resnet50  # noqa: E402


def reference(model):
    """The onnx reference evaluator. It runs BatchNormalization-9 in training
    mode (batch statistics: the `momentum` default makes it train), so the
    reference sees the model as opset 14, where the op has `training_mode = 0`;
    the other ops of ResNet-50 mean the same there."""
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    copy.opset_import[0].version = 14
    return ReferenceEvaluator(copy)


def test_resnet50_matches_the_reference():
    model = light_resnet50(seed=0)
    gemm = next(n for n in model.graph.node if n.op_type == "Gemm")
    model.graph.output.append(helper.make_tensor_value_info(gemm.output[0], 1, [1, 1000]))
    module = from_onnx(model)
    exe = compile_module(module)
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
    probs, logits = exe["main"](x)
    ref_probs, ref_logits = reference(model).run(None, {"gpu_0/data_0": x})
    assert np.abs(ref_logits).max() > 0.1  # the random weights give a real signal
    np.testing.assert_allclose(logits, ref_logits, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(probs, ref_probs, rtol=1e-4, atol=1e-6)
    assert probs.argmax() == ref_probs.argmax()
