"""Ops without a converter that ONNX defines as a function of other ops.

Many newer ops (AffineGrid, SwiGLU, CausalConvWithState, LinearAttention,
FlexAttention, ...) have a function body in their schema: a small graph of
simpler ops, fixed or built for the node's attributes and input types (a
context-dependent function). A node of such an op is imported by converting
that body in its place:

- the body's formal inputs and outputs are the node's actual ones; its other
  names get a prefix of their own, so two expansions never share a value;
- attributes that refer to the node's (`ref_attr_name`) take the node's value,
  or the function's default, or are left out (the body op's own default);
- the body's nodes are converted at the opsets the function imports, and may
  themselves be expanded (an op of a body that is a function too).

The body is chosen for the model's opset: the newest version of the function
at most that opset.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from xrelax.relax.frontend.onnx_registry import OnnxImportError
from xrelax.relax.frontend.onnx_values import Known, elem_of_relax
from xrelax.relax.types import TensorType

if TYPE_CHECKING:
    import onnx


def function_body(proto: onnx.NodeProto, domain: str, opset: int, input_types: list[Any],
                  where: str) -> tuple[onnx.FunctionProto, onnx.NodeProto] | None:
    """The function body of the node's op at `opset` and the node with the
    schema's attribute defaults filled in; None when the op has no body."""
    import onnx
    from onnx import defs

    try:
        schema = defs.get_schema(proto.op_type, opset, domain)
    except defs.SchemaError:
        return None
    static = [v for v in schema.function_opset_versions if v <= opset]
    dependent = [v for v in schema.context_dependent_function_opset_versions if v <= opset]
    if not static and not dependent:
        return None
    node = onnx.NodeProto()
    node.CopyFrom(proto)
    given = {a.name for a in node.attribute}
    for name, attr in schema.attributes.items():
        if name not in given and attr.default_value.name:
            node.attribute.append(attr.default_value)
    body = onnx.FunctionProto()
    try:
        if dependent and (not static or max(dependent) >= max(static)):
            types = [t.SerializeToString() for t in input_types]
            text = schema.get_context_dependent_function_with_opset_version(
                max(dependent), node.SerializeToString(), types)
        else:
            text = schema.get_function_with_opset_version(max(static))
        body.ParseFromString(text)
    except Exception as err:  # noqa: BLE001 (onnx's builders raise their own errors)
        raise OnnxImportError(f"{where}: cannot build its ONNX function body: {err}") from None
    return (body, node) if len(body.node) else None


def type_proto(value: Any) -> onnx.TypeProto:
    """An ONNX tensor type for a value being imported (symbolic dims by name)."""
    import onnx

    t = onnx.TypeProto()
    if value is None:
        return t
    rt = value.tensor_type() if isinstance(value, Known) else value.type
    if not isinstance(rt, TensorType):
        return t
    t.tensor_type.elem_type = elem_of_relax(rt.dtype)
    if rt.dims is not None:
        shape = t.tensor_type.shape
        for d in rt.dims:
            dim = shape.dim.add()
            if d.is_const():
                dim.dim_value = d.value
            else:
                dim.dim_param = str(d)
    return t


def _renamed(node: onnx.NodeProto, rename: Callable[[str], str],
             attrs: dict[str, onnx.AttributeProto]) -> onnx.NodeProto:
    """A copy of a body node with its edges renamed and its attribute
    references resolved (subgraphs renamed too)."""
    import onnx

    out = onnx.NodeProto()
    out.CopyFrom(node)
    out.name = rename(node.name) if node.name else ""
    del out.input[:], out.output[:], out.attribute[:]
    out.input.extend(rename(n) for n in node.input)
    out.output.extend(rename(n) for n in node.output)
    for a in node.attribute:
        if a.ref_attr_name:
            if a.ref_attr_name not in attrs:
                continue  # neither given nor defaulted: the body op's default
            resolved = onnx.AttributeProto()
            resolved.CopyFrom(attrs[a.ref_attr_name])
            resolved.name = a.name
            out.attribute.append(resolved)
            continue
        copy = onnx.AttributeProto()
        copy.CopyFrom(a)
        if copy.HasField("g"):
            _rename_graph(copy.g, rename, attrs)
        for g in copy.graphs:
            _rename_graph(g, rename, attrs)
        out.attribute.append(copy)
    return out


def _rename_graph(g: onnx.GraphProto, rename: Callable[[str], str],
                  attrs: dict[str, onnx.AttributeProto]) -> None:
    for vi in list(g.input) + list(g.output) + list(g.value_info):
        vi.name = rename(vi.name)
    for init in g.initializer:
        init.name = rename(init.name)
    nodes = [_renamed(n, rename, attrs) for n in g.node]
    del g.node[:]
    g.node.extend(nodes)


def expand(proto: onnx.NodeProto, body: onnx.FunctionProto, prefix: str
           ) -> tuple[list[onnx.NodeProto], dict[str, int]]:
    """The body's nodes wired to the node's inputs and outputs, and the opsets
    they are converted at."""
    io: dict[str, str] = {}
    for k, formal in enumerate(body.input):
        io[formal] = proto.input[k] if k < len(proto.input) else ""
    for k, formal in enumerate(body.output):
        if k < len(proto.output) and proto.output[k]:
            io[formal] = proto.output[k]

    def rename(name: str) -> str:
        if name in io:
            return io[name]
        return prefix + name if name else ""

    attrs = {a.name: a for a in body.attribute_proto}  # the function's defaults
    attrs.update({a.name: a for a in proto.attribute})
    opsets = {(imp.domain if imp.domain != "ai.onnx" else ""): imp.version
              for imp in body.opset_import}
    return [_renamed(n, rename, attrs) for n in body.node], opsets


def body_error(where: str, err: OnnxImportError) -> OnnxImportError:
    """An error inside an expanded body, prefixed with the node it expands."""
    return OnnxImportError(f"{where}: in its ONNX function body: {err}")
