"""Converters of ONNX control flow: If becomes `relax.if` (a known condition
picks its branch at import time).

A branch is a subgraph converted into the region's block; it reads the values
of the enclosing graph by name. The result types join those of the branches:
where they disagree on a dim, the result is matched at run time against fresh
symbolic variables (`relax.match_cast`).
"""

from __future__ import annotations

from typing import Any

from xdsl.ir import Block, Region, SSAValue

from xrelax.relax import ops as rx
from xrelax.relax.frontend.onnx_registry import Node, converter
from xrelax.relax.frontend.onnx_values import Known, Value
from xrelax.relax.types import TensorType


def _branch(node: Node, graph: Any, block: Block) -> list[Value]:
    from xrelax.relax.frontend.onnx_importer import GraphImporter

    if len(graph.input):
        raise node.fail("a branch graph with inputs is not supported")
    inner = GraphImporter(node.graph.model, block, parent=node.graph)
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
