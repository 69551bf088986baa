"""Models from the onnx package for tests and benchmarks.

`light_resnet50(seed)` is the ResNet-50 that the onnx package ships
(`onnx/backend/test/data/light/light_resnet50.onnx`, opset 9) with its
weights made real: the file builds every convolution and the classifier
from `ConstantOfShape(0.02)`, which makes all outputs alike, so those nodes
are replaced by initializers of seeded random values (He-initialized
convolutions, small batch-norm scales so the residual sums stay bounded:
the logits are of order 1 and the softmax is not saturated).
"""

from __future__ import annotations

import math
import os

import numpy as np


def light_model_path(name: str) -> str:
    import onnx

    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light",
                        f"light_{name}.onnx")


def light_resnet50(seed: int = 0):
    """The light ResNet-50 (input gpu_0/data_0: [1, 3, 224, 224] f32) with random weights."""
    import onnx
    from onnx import numpy_helper

    model = onnx.load(light_model_path("resnet50"))
    rng = np.random.default_rng(seed)
    graph = model.graph
    shapes = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    kept = []
    for node in graph.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in shapes:
            shape = [int(d) for d in shapes[node.input[0]]]
            graph.initializer.append(numpy_helper.from_array(
                _random_weight(rng, node.output[0], shape), node.output[0]))
        else:
            kept.append(node)
    del graph.node[:]
    graph.node.extend(kept)
    used = {i for node in kept for i in node.input}
    inits = [init for init in graph.initializer if init.name in used]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    inputs = [vi for vi in graph.input if vi.name in used]
    del graph.input[:]
    graph.input.extend(inputs)
    return model


def _random_weight(rng: np.random.Generator, name: str, shape: list[int]) -> np.ndarray:
    if len(shape) > 1:  # convolution / classifier weights
        return (rng.standard_normal(shape) * math.sqrt(2.0 / math.prod(shape[1:]))).astype(
            np.float32)
    if name.endswith("_bn_riv_0"):  # batch-norm running variance
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if name.endswith("_bn_s_0"):  # batch-norm scale: small, so the residual sums stay bounded
        return rng.uniform(0.2, 0.4, shape).astype(np.float32)
    return (rng.standard_normal(shape) * 0.1).astype(np.float32)
