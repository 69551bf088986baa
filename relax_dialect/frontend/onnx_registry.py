"""The table of ONNX op converters, and what a converter sees of its node.

A converter is a function registered for an op type:

    @converter("Relu")
    def relu(node: Node) -> Value:
        return node.emit(R.relu(node.tensor(0)))

It receives a `Node` (the ONNX node with its inputs as values, its opset,
typed attribute access and the emit methods of the importer) and returns the
node's output values in order (one value, or a list; None for an output left
unused). A value is a relax `SSAValue` or a `Known` (an import-time value, see
`onnx_values.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.ir import Operation, SSAValue

from xrelax.relax.frontend.onnx_values import Known, Value
from xrelax.relax.types import TensorType
from xrelax.diagnostics import CompileError

if TYPE_CHECKING:
    import onnx

    from xrelax.relax.frontend.onnx_importer import GraphImporter

Converter = Callable[["Node"], "Value | Sequence[Value | None] | None"]
CONVERTERS: dict[str, Converter] = {}
# ops of other domains, by (domain, op type)
DOMAIN_CONVERTERS: dict[tuple[str, str], Converter] = {}


def converter(*op_types: str, domain: str = "") -> Callable[[Converter], Converter]:
    """Register a converter for one or more ONNX op types (of the default
    domain, or of `domain`)."""
    def add(fn: Converter) -> Converter:
        for op_type in op_types:
            if domain:
                DOMAIN_CONVERTERS[(domain, op_type)] = fn
            else:
                CONVERTERS[op_type] = fn
        return fn
    return add


def converter_of(domain: str, op_type: str) -> Converter | None:
    if domain == "":
        return CONVERTERS.get(op_type)
    return DOMAIN_CONVERTERS.get((domain, op_type))


class OnnxImportError(CompileError):
    """The model cannot be imported; the message names the node and what is missing."""


_MISSING = object()


class Node:
    """One ONNX node being converted: its inputs, attributes and opset."""

    def __init__(self, graph: GraphImporter, proto: onnx.NodeProto, opset: int,
                 inputs: list[Value | None]):
        self.graph = graph
        self.proto = proto
        self.op_type = proto.op_type
        self.opset = opset
        self.inputs = inputs
        self.attrs = {a.name: a for a in proto.attribute}
        self.read: set[str] = set()

    # ---- errors --------------------------------------------------------------------
    @property
    def where(self) -> str:
        name = self.proto.name or (self.proto.output[0] if self.proto.output else "?")
        return f"onnx node '{name}' ({self.op_type}, opset {self.opset})"

    def fail(self, message: str) -> OnnxImportError:
        """An error to raise: `raise node.fail("...")`."""
        return OnnxImportError(f"{self.where}: {message}")

    # ---- attributes ----------------------------------------------------------------
    def attr(self, name: str, default: Any = _MISSING) -> Any:
        """An attribute as a Python value (ints, floats, strings, lists, numpy
        arrays for tensors, GraphProto for graphs); `default` if absent."""
        from onnx import helper

        self.read.add(name)
        if name not in self.attrs:
            if default is _MISSING:
                raise self.fail(f"the attribute '{name}' is required")
            return default
        a = self.attrs[name]
        if a.ref_attr_name:
            raise self.fail(f"attribute '{name}' refers to a function attribute; "
                            "only nodes of the main graph are supported")
        value = helper.get_attribute_value(a)
        if isinstance(value, bytes):
            return value.decode()
        if a.type == a.TENSOR:
            return self.graph.model.tensor_array(value, self.where)
        if a.type == a.STRINGS:
            return [v.decode() for v in value]
        if a.type in (a.INTS, a.FLOATS):
            return list(value)
        if a.type == a.SPARSE_TENSOR:
            raise self.fail(f"the sparse tensor attribute '{name}' is not supported")
        return value

    def has(self, name: str) -> bool:
        return name in self.attrs

    def ignore(self, *names: str) -> None:
        """Attributes that do not change the result at inference (mark them read)."""
        self.read.update(names)

    # ---- inputs ----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.inputs)

    def input(self, i: int) -> Value | None:
        return self.inputs[i] if i < len(self.inputs) else None

    def present(self, i: int) -> bool:
        return self.input(i) is not None

    def tensor(self, i: int) -> SSAValue:
        """Input i as a relax value (an import-time value becomes a constant)."""
        v = self.input(i)
        if v is None:
            raise self.fail(f"input #{i} is required")
        return self.graph.materialize(v)

    def known(self, i: int) -> Known | None:
        v = self.input(i)
        return v if isinstance(v, Known) else None

    def require_known(self, i: int, what: str) -> Known:
        """Input i, which must be known at import time (a constant, or computed
        from shapes)."""
        v = self.input(i)
        if v is None:
            raise self.fail(f"the input {what} (#{i}) is required")
        if not isinstance(v, Known):
            raise self.fail(f"the input {what} (#{i}, '{self.proto.input[i]}') must be known "
                            "at import time (a constant or computed from shapes); it is a "
                            "run-time tensor")
        return v

    def axes(self, i: int, attr: str = "axes", since: int = 13) -> list[Any] | None:
        """Axes given as the attribute `attr` (opsets before `since`) or as the
        known input i (from `since`); None when absent."""
        if self.opset < since:
            return self.attr(attr, None)
        if attr in self.attrs:  # some models keep the old attribute
            return self.attr(attr)
        if not self.present(i):
            return None
        return self.ints(i, attr)

    def ints(self, i: int, what: str) -> list[Any]:
        """A known 0-d or 1-d integer input as a list (ints or symbolic expressions)."""
        k = self.require_known(i, what)
        if k.data.ndim > 1:
            raise self.fail(f"the input {what} must be 0-d or 1-d, got shape {k.data.shape}")
        if k.data.dtype != object and not np.issubdtype(k.data.dtype, np.integer):
            raise self.fail(f"the input {what} must hold integers, got {k.data.dtype}")
        return [v if not isinstance(v, np.integer) else int(v) for v in k.data.reshape(-1)]

    def type_of(self, i: int) -> TensorType:
        v = self.input(i)
        if v is None:
            raise self.fail(f"input #{i} is required")
        if isinstance(v, Known):
            return v.tensor_type()
        t = v.type
        if not isinstance(t, TensorType):
            raise self.fail(f"input #{i} must be a tensor, got {t}")
        return t

    def shape(self, i: int) -> list[Any]:
        """The dims of input i (ints or symbolic expressions); it must be known."""
        t = self.type_of(i)
        if t.dims is None:
            name = self.proto.input[i] if i < len(self.proto.input) else "?"
            raise self.fail(f"the shape of input #{i} ('{name}') is not known at import time "
                            f"({t}: e.g. the branches of an If give it different ranks)")
        return [d.value if d.is_const() else d for d in t.dims]

    def rank(self, i: int) -> int:
        return len(self.shape(i))

    def dtype(self, i: int):
        return self.type_of(i).dtype

    # ---- emitting ----------------------------------------------------------------------
    def emit(self, op: Operation) -> SSAValue:
        """Append an op; errors of its type inference name this node."""
        return self.graph.emit(op, self)

    def op(self, name: str, *operands: SSAValue | Value, **props: Any) -> SSAValue:
        """Build and emit `relax.NAME` with inferred types: `node.op("add", a, b)`."""
        return self.graph.make(name, [self.graph.materialize(o) for o in operands], props, self)
