"""Converters of ONNX control flow: If becomes `relax.if` (a known condition
picks its branch at import time); OptionalHasElement and OptionalGetElement
of a tensor or of an absent input are decided at import time.

A branch is a subgraph converted into the region's block; it reads the values
of the enclosing graph by name. The result types join those of the branches:
where they disagree on a dim, the result is matched at run time against fresh
symbolic variables (`relax.match_cast`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xdsl.ir import Block, Region, SSAValue

from xrelax.relax import ops as rx
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value
from xrelax.relax.types import TensorType


def _subgraph(node: Node, block: Block) -> Any:
    """An importer for a nested graph that emits into `block` and sees the
    enclosing graph's values (the importer's own class: no import of it here)."""
    return type(node.graph)(node.graph.model, block, parent=node.graph)


def _branch(node: Node, graph: Any, block: Block) -> list[Value]:
    if len(graph.input):
        raise node.fail("a branch graph with inputs is not supported")
    inner = _subgraph(node, block)
    for init in graph.initializer:
        inner.values[init.name] = node.graph.model.tensor_array(init, node.where)
    inner.convert_nodes(graph.node)
    return [inner.lookup(o.name, f"{node.where} (branch output)") for o in graph.output]


def _join(node: Node, a: Any, b: Any) -> Any:
    if a == b:
        return a
    if not (isinstance(a, TensorType) and isinstance(b, TensorType)) or a.dtype != b.dtype:
        raise node.fail(f"the branches give different types: {a} and {b}")
    if a.ndim != b.ndim or a.ndim is None:
        return TensorType(None, a.dtype)
    return TensorType(None, a.dtype, ndim=a.ndim)


@converter("If")
def if_(node: Node) -> list[Value]:
    then_g, else_g = node.attr("then_branch"), node.attr("else_branch")
    cond = node.input(0)
    if isinstance(cond, Known) and not cond.symbolic:
        if cond.data.size != 1:
            raise node.fail("the condition must hold one element")
        chosen = then_g if bool(cond.data.reshape(-1)[0]) else else_g
        return _branch(node, chosen, node.graph.block)
    c = node.tensor(0)
    if c.type.dims != ():  # type: ignore[union-attr]
        c = node.op("reshape", c, shape=[])
    blocks = [Block(), Block()]
    outs = []
    for g, block in zip((then_g, else_g), blocks):
        values = _branch(node, g, block)
        materialized = []
        for v in values:
            saved, node.graph.block = node.graph.block, block
            try:
                materialized.append(node.graph.materialize(v) if not isinstance(v, SSAValue)
                                    else v)
            finally:
                node.graph.block = saved
        outs.append(materialized)
    if len(outs[0]) != len(outs[1]):
        raise node.fail("the branches have different numbers of outputs")
    types = [_join(node, a.type, b.type) for a, b in zip(*outs)]
    for block, values in zip(blocks, outs):
        block.add_op(rx.YieldOp(values))
    op = rx.IfOp(c, types, Region(blocks[0]), Region(blocks[1]))
    node.graph.block.add_op(op)
    results: list[Value] = []
    for r, a in zip(op.results, outs[0]):
        if isinstance(r.type, TensorType) and r.type.dims is None and r.type.ndim is not None:
            dims = [node.graph.model.fresh_var(f"{node.proto.output[0]}_dim{j}")
                    for j in range(r.type.ndim)]
            r = node.emit(rx.MatchCastOp(r, TensorType(dims, r.type.dtype)))
        results.append(r)
    return results


# ---- Scan and Loop: unrolled ------------------------------------------------------------


def _run_body(node: Node, graph: Any, inputs: list[Value]) -> list[Value]:
    """One iteration: the body graph on `inputs`, emitted into the current block."""
    if len(graph.input) != len(inputs):
        raise node.fail(f"the body takes {len(graph.input)} inputs, given {len(inputs)}")
    inner = _subgraph(node, node.graph.block)
    for vi, v in zip(graph.input, inputs):
        inner.values[vi.name] = v
    for init in graph.initializer:
        inner.values[init.name] = node.graph.model.tensor_array(init, node.where)
    inner.convert_nodes(graph.node)
    return [inner.lookup(o.name, f"{node.where} (body output)") for o in graph.output]


def _static(node: Node, d: Any, what: str) -> int:
    if isinstance(d, int):
        return d
    if hasattr(d, "is_const") and d.is_const():
        return d.value
    raise node.fail(f"{what} must be static to unroll, got {d}")


def _stack(node: Node, items: list[Value], axis: int) -> Value:
    parts = [node.op("expand_dims", node.graph.materialize(v), axis=[axis]) for v in items]
    return node.op("concat", *parts, axis=axis) if len(parts) > 1 else parts[0]


@converter("Scan")
def scan(node: Node) -> list[Value]:
    if node.opset < 9:
        raise node.fail("Scan before opset 9 (with a batch dim) is not supported")
    body = node.attr("body")
    m = node.attr("num_scan_inputs")
    n_state = len(node.inputs) - m
    in_axes = node.attr("scan_input_axes", [0] * m)
    in_dirs = node.attr("scan_input_directions", [0] * m)
    k = len(body.output) - n_state
    out_axes = node.attr("scan_output_axes", [0] * k)
    out_dirs = node.attr("scan_output_directions", [0] * k)
    states = list(node.inputs[:n_state])
    seqs = [node.graph.materialize(v) for v in node.inputs[n_state:]]
    axes = [a % len(s.type.dims) for a, s in zip(in_axes, seqs)]  # type: ignore[union-attr]
    lengths = {_static(node, s.type.dims[a], "the scanned length")  # type: ignore[union-attr]
               for s, a in zip(seqs, axes)}
    if len(lengths) > 1:
        raise node.fail(f"the scan inputs have different lengths {sorted(lengths)}")
    steps = lengths.pop() if lengths else 0
    collected: list[list[Value]] = [[] for _ in range(k)]
    from xrelax.relax.frontend.onnx_dynamic import _exprs

    for t in range(steps):
        elems = []
        for s, a, rev in zip(seqs, axes, in_dirs):
            pos = steps - 1 - t if rev else t
            piece = node.op("strided_slice", s, axes=[a], begin=_exprs([pos]),
                            end=_exprs([pos + 1]))
            elems.append(node.op("squeeze", piece, axis=[a]))
        outs = _run_body(node, body, states + elems)
        states = outs[:n_state]
        for j, v in enumerate(outs[n_state:]):
            collected[j].append(v)
    results: list[Value] = list(states)
    for j, items in enumerate(collected):
        if out_dirs[j]:
            items = items[::-1]
        rank = len(node.graph.materialize(items[0]).type.dims) + 1  # type: ignore[union-attr]
        results.append(_stack(node, items, out_axes[j] % rank))
    return results


@converter("Loop")
def loop(node: Node) -> list[Value]:
    body = node.attr("body")
    trip = node.known(0)
    if trip is None:
        raise node.fail("the trip count M must be known at import time to unroll the loop")
    steps = int(trip.items()[0])
    cond = node.input(1)
    carried = list(node.inputs[2:])
    n = len(carried)
    k = len(body.output) - 1 - n
    active: Any = None  # a run-time bool: the loop has not stopped yet
    if cond is not None and not (isinstance(cond, Known) and bool(cond.data.reshape(-1)[0])):
        if isinstance(cond, Known):
            steps = 0
        else:
            active = node.op("reshape", node.graph.materialize(cond), shape=[])
    collected: list[list[Value]] = [[] for _ in range(k)]
    for it in range(steps):
        cond_now = active if active is not None else Known(np.array(True), 9)
        outs = _run_body(node, body, [Known(np.array(it, np.int64), 7), cond_now] + carried)
        new_cond, new_carried = outs[0], outs[1:1 + n]
        if active is not None:
            new_carried = [node.op("where", active, node.graph.materialize(a),
                                   node.graph.materialize(b)) for a, b in zip(new_carried, carried)]
        carried = list(new_carried)
        for j, v in enumerate(outs[1 + n:]):
            collected[j].append(v)
        stops = not (isinstance(new_cond, Known) and bool(new_cond.data.reshape(-1)[0]))
        if stops:
            if k:
                raise node.fail("a loop whose condition changes at run time cannot have scan "
                                "outputs (their length would be dynamic)")
            c = node.op("reshape", node.graph.materialize(new_cond), shape=[])
            active = c if active is None else node.op("logical_and", active, c)
    if k and steps == 0:
        raise node.fail("a loop of zero iterations with scan outputs is not supported")
    return carried + [_stack(node, items, 0) for items in collected]


# ---- optional values ----------------------------------------------------------------------
# relax has no optional type: an optional input is a tensor or absent, known at import time


@converter("OptionalHasElement")
def optional_has_element(node: Node) -> Value:
    return Known(np.array(node.present(0)), 9)


@converter("OptionalGetElement")
def optional_get_element(node: Node) -> Value:
    v = node.input(0)
    if v is None:
        raise node.fail("the optional input is empty (OptionalGetElement of nothing)")
    return v
