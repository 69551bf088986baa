#!/usr/bin/env python3
"""Write examples/onnx/small_cnn.onnx: a small image classifier whose batch and
image size are symbolic (dim_params N, H, W).

    image [N, 3, H, W] -> Conv 3x3 (8) -> Relu -> MaxPool 2x2 -> Conv 3x3 (16)
      -> HardSwish -> GlobalAveragePool -> Reshape to [N, 16] (the shape computed
      in the graph: Concat(Shape(x)[0:1], [-1])) -> Gemm (10) -> Softmax

The weights are seeded random numbers. Run it with

    .venv/bin/python examples/onnx/make_small_cnn.py
    relax-import-onnx examples/onnx/small_cnn.onnx            # the relax IR
    relax-run examples/onnx/small_cnn.onnx --random-inputs --dim N=2 --dim H=32 --dim W=24
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def make_model() -> onnx.ModelProto:
    rng = np.random.default_rng(0)

    def weight(name: str, *shape: int) -> onnx.TensorProto:
        fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
        return numpy_helper.from_array(
            (rng.standard_normal(shape) / np.sqrt(fan_in)).astype(np.float32), name)

    inits = [weight("conv1_w", 8, 3, 3, 3), weight("conv1_b", 8),
             weight("conv2_w", 16, 8, 3, 3), weight("conv2_b", 16),
             weight("fc_w", 10, 16), weight("fc_b", 10),
             numpy_helper.from_array(np.array([0], np.int64), "zero"),
             numpy_helper.from_array(np.array([1], np.int64), "one"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus_one")]
    nodes = [
        helper.make_node("Conv", ["image", "conv1_w", "conv1_b"], ["c1"], pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "conv2_w", "conv2_b"], ["c2"], pads=[1, 1, 1, 1]),
        helper.make_node("HardSwish", ["c2"], ["h2"]),
        helper.make_node("GlobalAveragePool", ["h2"], ["g"]),
        helper.make_node("Shape", ["g"], ["g_shape"]),
        helper.make_node("Slice", ["g_shape", "zero", "one"], ["batch"]),
        helper.make_node("Concat", ["batch", "minus_one"], ["flat_shape"], axis=0),
        helper.make_node("Reshape", ["g", "flat_shape"], ["flat"]),
        helper.make_node("Gemm", ["flat", "fc_w", "fc_b"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=-1),
    ]
    graph = helper.make_graph(
        nodes, "small_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, "H", "W"])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="xrelax examples")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


if __name__ == "__main__":
    out = Path(__file__).with_name("small_cnn.onnx")
    onnx.save(make_model(), str(out))
    print(f"wrote {out}")
