"""Converters of the optimizer steps of the `ai.onnx.preview.training`
domain: Adagrad, Adam and Momentum (standard and Nesterov), element-wise.

Each takes the learning rate R and the step count T (scalars), then, for n
tensors to optimize, the n tensors X, their n gradients G and the optimizer's
n (Adam: 2 n) state tensors; it returns the n new X, then the new states.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.types import dtype_name

DOMAIN = "ai.onnx.preview.training"


class Step:
    """Element-wise arithmetic in the dtype of the tensors being optimized."""

    def __init__(self, node: Node, like: SSAValue):
        self.node = node
        self.dtype = dtype_name(like.type.dtype)  # type: ignore[union-attr]
        self.elem = elem_of_relax(self.dtype)

    def c(self, v: float) -> Known:
        return Known(np.array(v, numpy_dtype_of(self.elem)), self.elem)

    def scalar(self, i: int) -> SSAValue:
        """Input i (R or T) as a 0-d tensor of the dtype."""
        v = self.node.tensor(i)
        if v.type.dims:  # type: ignore[union-attr]
            v = self.node.op("reshape", v, shape=[])
        return v if dtype_name(v.type.dtype) == self.dtype else self.node.op(  # type: ignore
            "cast", v, dtype=self.dtype)

    def __call__(self, name: str, *args: SSAValue | Known) -> SSAValue:
        return self.node.op(name, *args)


def _groups(node: Node, per: int) -> int:
    count = len(node.inputs) - 2
    if count <= 0 or count % per:
        raise node.fail(f"needs R, T and {per} tensors per optimized tensor, got "
                        f"{len(node.inputs)} inputs")
    return count // per


def _each(node: Node, per: int, update: Callable[[Step, list[SSAValue]], list[SSAValue]]
          ) -> list[Value | None]:
    n = _groups(node, per)
    outs: list[list[SSAValue]] = []
    for j in range(n):
        tensors = [node.tensor(2 + j + n * k) for k in range(per)]
        outs.append(update(Step(node, tensors[0]), tensors))
    return [o[k] for k in range(len(outs[0])) for o in outs]  # every X, then every state


@converter("Adagrad", domain=DOMAIN)
def adagrad(node: Node) -> list[Value | None]:
    norm = float(node.attr("norm_coefficient", 0.0))
    eps = float(node.attr("epsilon", 1e-6))
    decay = float(node.attr("decay_factor", 0.0))

    def update(s: Step, t: list[SSAValue]) -> list[SSAValue]:
        x, g, h = t
        rate = s("divide", s.scalar(0), s("add", s.c(1.0), s("multiply", s.scalar(1),
                                                                s.c(decay))))
        g = s("add", s("multiply", s.c(norm), x), g)
        h_new = s("add", h, s("multiply", g, g))
        scale = s("add", s("sqrt", h_new), s.c(eps))
        return [s("subtract", x, s("divide", s("multiply", rate, g), scale)), h_new]

    return _each(node, 3, update)


@converter("Adam", domain=DOMAIN)
def adam(node: Node) -> list[Value | None]:
    alpha, beta = float(node.attr("alpha", 0.9)), float(node.attr("beta", 0.999))
    eps = float(node.attr("epsilon", 1e-6))
    norm = float(node.attr("norm_coefficient", 0.0))
    post = float(node.attr("norm_coefficient_post", 0.0))

    def update(s: Step, t: list[SSAValue]) -> list[SSAValue]:
        x, g, v, h = t
        g = s("add", s("multiply", s.c(norm), x), g)
        v_new = s("add", s("multiply", s.c(alpha), v), s("multiply", s.c(1 - alpha), g))
        h_new = s("add", s("multiply", s.c(beta), h), s("multiply", s.c(1 - beta),
                                                         s("multiply", g, g)))
        scale = s("add", s("sqrt", h_new), s.c(eps))
        r, steps = s.scalar(0), s.scalar(1)
        # bias correction once steps were taken: r sqrt(1 - beta^T) / (1 - alpha^T)
        corrected = s("divide", s("multiply", r, s("sqrt", s("subtract", s.c(1.0), s(
            "power", s.c(beta), steps)))), s("subtract", s.c(1.0), s("power", s.c(alpha), steps)))
        rate = s("where", s("greater", steps, s.c(0.0)), corrected, r)
        x_new = s("subtract", x, s("multiply", rate, s("divide", v_new, scale)))
        return [s("multiply", s.c(1 - post), x_new), v_new, h_new]

    return _each(node, 4, update)


@converter("Momentum", domain=DOMAIN)
def momentum(node: Node) -> list[Value | None]:
    alpha, beta = float(node.attr("alpha")), float(node.attr("beta"))
    norm = float(node.attr("norm_coefficient"))
    mode = node.attr("mode")
    if mode not in ("standard", "nesterov"):
        raise node.fail(f"mode must be 'standard' or 'nesterov', got '{mode}'")

    def update(s: Step, t: list[SSAValue]) -> list[SSAValue]:
        x, g, v = t
        g = s("add", s("multiply", s.c(norm), x), g)
        b = s("where", s("greater", s.scalar(1), s.c(0.0)), s.c(beta), s.c(1.0))  # 1 at first
        v_new = s("add", s("multiply", s.c(alpha), v), s("multiply", b, g))
        step = v_new if mode == "standard" else s("add", g, s("multiply", s.c(alpha), v_new))
        return [s("subtract", x, s("multiply", s.scalar(0), step)), v_new]

    return _each(node, 3, update)
