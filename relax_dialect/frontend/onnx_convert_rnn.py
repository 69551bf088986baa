"""The ONNX recurrent ops RNN, GRU and LSTM as decompositions: the input
projections of every step in one matmul, then the recurrence unrolled over the
(static) sequence length, one direction after the other. `sequence_lens`
(forward direction) keeps a finished sequence's state and zeroes its outputs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from xdsl.ir import SSAValue

from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value, elem_of_relax, numpy_dtype_of
from xrelax.tir.types import dtype_name

Act = Callable[[SSAValue], SSAValue]


def _scalar(node: Node, value: float, like: SSAValue) -> Known:
    elem = elem_of_relax(like.type.dtype)  # type: ignore[union-attr]
    return Known(np.array(value, dtype=numpy_dtype_of(elem)), elem)


def _activation(node: Node, name: str, alpha: float | None, beta: float | None) -> Act:
    def scaled(x: SSAValue, a: float, b: float, inner: str) -> SSAValue:
        y = node.op(inner, node.op("multiply", x, _scalar(node, b, x)))
        return node.op("multiply", y, _scalar(node, a, x))

    simple = {"relu": "relu", "tanh": "tanh", "sigmoid": "sigmoid", "softsign": "softsign",
              "softplus": "softplus"}
    key = name.lower()
    if key in simple:
        return lambda x: node.op(simple[key], x)
    if key == "affine":
        return lambda x: node.op("add", node.op("multiply", x, _scalar(node, alpha or 1.0, x)),
                                 _scalar(node, beta or 0.0, x))
    if key == "leakyrelu":
        return lambda x: node.op("leaky_relu", x, alpha=0.01 if alpha is None else alpha)
    if key == "thresholdedrelu":
        return lambda x: node.op("thresholded_relu", x, alpha=1.0 if alpha is None else alpha)
    if key == "scaledtanh":
        return lambda x: scaled(x, alpha if alpha is not None else 1.0,
                                beta if beta is not None else 1.0, "tanh")
    if key == "hardsigmoid":
        return lambda x: node.op("hard_sigmoid", x, alpha=0.2 if alpha is None else alpha,
                                 beta=0.5 if beta is None else beta)
    if key == "elu":
        return lambda x: node.op("elu", x, alpha=1.0 if alpha is None else alpha)
    raise node.fail(f"the activation '{name}' is not supported")


class Recurrence:
    """What RNN, GRU and LSTM share: shapes, weights per direction, the steps."""

    def __init__(self, node: Node, gates: int, default_acts: list[str]):
        self.node = node
        self.hidden = node.attr("hidden_size", None)
        self.direction = node.attr("direction", "forward")
        self.layout = node.attr("layout", 0)
        self.clip = node.attr("clip", None)
        dirs = 2 if self.direction == "bidirectional" else 1
        if self.direction not in ("forward", "reverse", "bidirectional"):
            raise node.fail(f"direction '{self.direction}' is not supported")
        self.dirs = dirs
        names = node.attr("activations", default_acts * dirs)
        alphas = node.attr("activation_alpha", [])
        betas = node.attr("activation_beta", [])
        per = len(default_acts)
        if len(names) != per * dirs:
            raise node.fail(f"{len(names)} activations for {dirs} direction(s); expected "
                            f"{per * dirs}")
        # alphas / betas are given for the activations that take them, in order
        ai, bi, self.acts = 0, 0, []
        for name in names:
            takes_a = name.lower() in ("affine", "leakyrelu", "thresholdedrelu", "scaledtanh",
                                       "hardsigmoid", "elu")
            takes_b = name.lower() in ("affine", "scaledtanh", "hardsigmoid")
            a = alphas[ai] if takes_a and ai < len(alphas) else None
            b = betas[bi] if takes_b and bi < len(betas) else None
            ai, bi = ai + takes_a, bi + takes_b
            self.acts.append(_activation(node, name, a, b))
        x = node.tensor(0)
        if self.layout:
            x = node.op("permute_dims", x, axes=[1, 0, 2])
        self.x = x
        self.seq, self.batch, _ = x.type.dims  # type: ignore[union-attr]
        if not (hasattr(self.seq, "is_const") and self.seq.is_const()):
            raise node.fail(f"the sequence length must be static to unroll, got {self.seq}")
        self.steps = self.seq.value or 0
        self.gates = gates
        w = node.shape(1)
        if self.hidden is None:
            self.hidden = w[1] // gates
        self.lens = None
        if node.present(4):
            self.lens = node.op("reshape", node.op("cast", node.tensor(4), dtype="i64"),
                                shape=[self.batch, 1])
            if self.direction != "forward":
                raise node.fail("sequence_lens with a reverse direction is not supported")

    def take(self, i: int, d: int, width: int | None = None) -> SSAValue:
        """Input i's slice for direction d: [dirs, ...] -> [...]."""
        t = self.node.tensor(i)
        t = self.node.op("strided_slice", t, axes=[0], begin=_exprs([d]), end=_exprs([d + 1]))
        return self.node.op("squeeze", t, axis=[0])

    def initial(self, i: int, d: int) -> SSAValue:
        node = self.node
        if node.present(i):
            h0 = node.tensor(i)
            if self.layout:
                h0 = node.op("permute_dims", h0, axes=[1, 0, 2])
            return self.take_tensor(h0, d)
        return node.op("zeros", shape=[self.batch, self.hidden],
                       dtype=dtype_name(self.x.type.dtype))  # type: ignore[union-attr]

    def take_tensor(self, t: SSAValue, d: int) -> SSAValue:
        t = self.node.op("strided_slice", t, axes=[0], begin=_exprs([d]), end=_exprs([d + 1]))
        return self.node.op("squeeze", t, axis=[0])

    def gate(self, v: SSAValue, k: int) -> SSAValue:
        """Gate k of a [..., gates * hidden] projection."""
        h = self.hidden
        return self.node.op("strided_slice", v, axes=[-1], begin=_exprs([k * h]),
                            end=_exprs([(k + 1) * h]))

    def clipped(self, v: SSAValue) -> SSAValue:
        if self.clip is None:
            return v
        return self.node.op("clip", v, min=-float(self.clip), max=float(self.clip))

    def projections(self, d: int) -> tuple[list[SSAValue], SSAValue, SSAValue | None]:
        """(X_t @ W^T + Wb for every step, R, Rb) of direction d."""
        node = self.node
        w, r = self.take(1, d), self.take(2, d)
        xw = node.op("matmul", self.x, node.op("permute_dims", w, axes=[1, 0]))
        rb = None
        if node.present(3):
            b = self.take(3, d)
            n = self.gates * self.hidden
            wb = node.op("strided_slice", b, axes=[0], begin=_exprs([0]), end=_exprs([n]))
            rb = node.op("strided_slice", b, axes=[0], begin=_exprs([n]), end=_exprs([2 * n]))
            xw = node.op("add", xw, wb)
        per_step = [node.op("squeeze", node.op("strided_slice", xw, axes=[0], begin=_exprs([t]),
                                               end=_exprs([t + 1])), axis=[0])
                    for t in range(self.steps)]
        return per_step, r, rb

    def active(self, t: int) -> SSAValue | None:
        if self.lens is None:
            return None
        return self.node.op("less", Known(np.array(t, np.int64), 7), self.lens)

    def finish(self, outputs: list[list[SSAValue]], finals: list[list[SSAValue]]) -> list[Value]:
        """Y [seq, dirs, batch, hidden] (batch-major with layout 1) and the final states."""
        node = self.node
        per_dir = []
        for d, ys in enumerate(outputs):
            stacked = node.op("concat", *[node.op("expand_dims", y, axis=[0]) for y in ys],
                              axis=0) if ys else None
            per_dir.append(stacked)
        results: list[Value] = []
        if per_dir and per_dir[0] is not None:
            y = node.op("concat", *[node.op("expand_dims", p, axis=[1]) for p in per_dir], axis=1)
            if self.layout:
                y = node.op("permute_dims", y, axes=[2, 0, 1, 3])
            results.append(y)
        else:
            results.append(None)  # type: ignore[arg-type]
        for k in range(len(finals[0])):
            state = node.op("concat", *[node.op("expand_dims", f[k], axis=[0]) for f in finals],
                            axis=0)
            if self.layout:
                state = node.op("permute_dims", state, axes=[1, 0, 2])
            results.append(state)
        return results

    def run(self, step: Callable[..., tuple[SSAValue, ...]], state_inputs: list[int]
            ) -> list[Value]:
        node = self.node
        outputs, finals = [], []
        for d in range(self.dirs):
            reverse = self.direction == "reverse" or d == 1
            xs, r, rb = self.projections(d)
            states = [self.initial(i, d) for i in state_inputs]
            ys: list[SSAValue] = [None] * self.steps  # type: ignore[list-item]
            order = range(self.steps - 1, -1, -1) if reverse else range(self.steps)
            for t in order:
                new = step(d, xs[t], r, rb, *states)
                keep = self.active(t)
                if keep is not None:
                    new = tuple(node.op("where", keep, n, s) for n, s in zip(new, states))
                states = list(new)
                h = states[0]
                ys[t] = h if keep is None else node.op("where", keep, h, _scalar(node, 0.0, h))
            outputs.append(ys)
            finals.append(states)
        return self.finish(outputs, finals)


def _exprs(values: list[Any]) -> Any:
    from xrelax.relax.ops_manip import sym_array

    return sym_array(values)


def _recurrent(node: Node, r: SSAValue, h: SSAValue) -> SSAValue:
    return node.op("matmul", h, node.op("permute_dims", r, axes=[1, 0]))


@converter("RNN")
def rnn(node: Node) -> list[Value]:
    rec = Recurrence(node, 1, ["Tanh"])

    def step(d: int, xw: SSAValue, r: SSAValue, rb: SSAValue | None, h: SSAValue):
        v = node.op("add", xw, _recurrent(node, r, h))
        if rb is not None:
            v = node.op("add", v, rb)
        return (rec.acts[d](rec.clipped(v)),)

    return rec.run(step, [5])


@converter("GRU")
def gru(node: Node) -> list[Value]:
    rec = Recurrence(node, 3, ["Sigmoid", "Tanh"])
    linear_before_reset = node.attr("linear_before_reset", 0)
    hsz = rec.hidden

    def step(d: int, xw: SSAValue, r: SSAValue, rb: SSAValue | None, h: SSAValue):
        f, g = rec.acts[2 * d], rec.acts[2 * d + 1]
        rz, rr, rh = (node.op("strided_slice", r, axes=[0], begin=_exprs([k * hsz]),
                              end=_exprs([(k + 1) * hsz])) for k in range(3))
        bz = br = bh = None
        if rb is not None:
            bz, br, bh = (rec.gate(rb, k) for k in range(3))

        def plus(a: SSAValue, b: SSAValue | None) -> SSAValue:
            return a if b is None else node.op("add", a, b)

        z = f(rec.clipped(plus(node.op("add", rec.gate(xw, 0), _recurrent(node, rz, h)), bz)))
        rt = f(rec.clipped(plus(node.op("add", rec.gate(xw, 1), _recurrent(node, rr, h)), br)))
        if linear_before_reset:
            hidden = node.op("multiply", rt, plus(_recurrent(node, rh, h), bh))
        else:
            hidden = plus(_recurrent(node, rh, node.op("multiply", rt, h)), bh)
        hh = g(rec.clipped(node.op("add", rec.gate(xw, 2), hidden)))
        one_minus_z = node.op("subtract", _scalar(node, 1.0, z), z)
        return (node.op("add", node.op("multiply", one_minus_z, hh), node.op("multiply", z, h)),)

    return rec.run(step, [5])


@converter("LSTM")
def lstm(node: Node) -> list[Value]:
    rec = Recurrence(node, 4, ["Sigmoid", "Tanh", "Tanh"])
    coupled = node.attr("input_forget", 0)
    peep = [None] * rec.dirs
    if node.present(7):
        for d in range(rec.dirs):
            p = rec.take(7, d)
            peep[d] = [node.op("strided_slice", p, axes=[0], begin=_exprs([k * rec.hidden]),
                               end=_exprs([(k + 1) * rec.hidden])) for k in range(3)]

    def step(d: int, xw: SSAValue, r: SSAValue, rb: SSAValue | None, h: SSAValue, c: SSAValue):
        f, g, hact = rec.acts[3 * d], rec.acts[3 * d + 1], rec.acts[3 * d + 2]
        v = node.op("add", xw, _recurrent(node, r, h))
        if rb is not None:
            v = node.op("add", v, rb)
        gi, go, gf, gc = (rec.gate(v, k) for k in range(4))
        pi, po, pf = peep[d] if peep[d] is not None else (None, None, None)
        if pi is not None:
            gi = node.op("add", gi, node.op("multiply", pi, c))
            gf = node.op("add", gf, node.op("multiply", pf, c))
        i = f(rec.clipped(gi))
        forget = node.op("subtract", _scalar(node, 1.0, i), i) if coupled else f(rec.clipped(gf))
        c_new = node.op("add", node.op("multiply", forget, c),
                        node.op("multiply", i, g(rec.clipped(gc))))
        if po is not None:
            go = node.op("add", go, node.op("multiply", po, c_new))
        o = f(rec.clipped(go))
        return node.op("multiply", o, hact(c_new)), c_new

    return rec.run(step, [5, 6])
