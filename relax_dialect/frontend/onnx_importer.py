"""ONNX -> relax: `from_onnx(model)` returns a verified module with a public `main`.

```python
from xrelax.relax.frontend import from_onnx
module = from_onnx("model.onnx")                       # dim_params stay symbolic
module = from_onnx(model, dims={"batch": 1})           # fix a dim_param
module = from_onnx(model, input_shapes={"x": [1, 3, "h", "w"]})
module = from_onnx(model, keep_params_in_input=True)   # weights become parameters
```

Graph inputs become the parameters of `main` (in order; then, with
`keep_params_in_input`, the initializers, see `onnx_weights`); a `dim_param`
becomes a symbolic variable of that name, a dim with neither value nor name a
fresh variable. Initializers and `Constant`s are import-time values (`Known`),
as is all shape arithmetic, so shapes computed in the graph become symbolic
expressions in relax types. Each node is converted by the function registered
for its op type and domain (`onnx_registry.converter_of`, filled by the
`onnx_convert_*` modules); the relax ops it emits infer their types as they are built. A node
of an op without a converter whose schema defines it as a function of other
ops is converted through that function body (`onnx_functions.py`).

Errors (an op, attribute, dtype or opset that cannot be imported, a shape that
does not fit) raise `OnnxImportError` naming the node, its op type and opset,
and what is missing; nothing is half-imported.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Block, Operation, SSAValue
from xdsl.utils.exceptions import VerifyException

from xrelax.relax import ops as rx
from xrelax.relax.builder import ModuleBuilder, dense_attr
from xrelax.relax.frontend.onnx_functions import body_error, expand, function_body, type_proto
from xrelax.relax.frontend.onnx_registry import Node, OnnxImportError, converter_of
from xrelax.relax.frontend.onnx_values import (
    BF16,
    Known,
    Value,
    numpy_dtype_of,
    onnx_dtype_name,
    relax_dtype,
)
from xrelax.relax.types import TensorType, TupleType
from xrelax.tir.symbolic import SymExpr
from xrelax.diagnostics import CompileError

if TYPE_CHECKING:
    import onnx

# the newest opset of the default domain (that of onnx 1.23), which the converters follow
NEWEST_OPSET = 28


def _load_converters() -> None:
    from xrelax.relax.frontend import (  # noqa: F401 (they register themselves)
        onnx_convert_attention,
        onnx_convert_control,
        onnx_convert_elementwise,
        onnx_convert_image,
        onnx_convert_linalg,
        onnx_convert_misc,
        onnx_convert_nn,
        onnx_convert_reduce,
        onnx_convert_rnn,
        onnx_convert_select,
        onnx_convert_shape,
        onnx_convert_signal,
        onnx_convert_training,
    )


def identifier(name: str, prefix: str = "v") -> str:
    """`name` as an identifier (SSA name hints, symbolic variables)."""
    out = re.sub(r"[^A-Za-z0-9_]", "_", name)
    if not out or not (out[0].isalpha() or out[0] == "_"):
        out = f"{prefix}_{out}"
    return out


class Unavailable:
    """An output the converter of its node does not produce (used: an error)."""

    def __init__(self, where: str, index: int):
        self.where, self.index = where, index


class ModelContext:
    """What every graph of a model shares: opsets, options, fresh names."""

    def __init__(self, model: onnx.ModelProto, base_dir: str | None,
                 dims: dict[str, int], input_shapes: dict[str, Sequence[Any]]):
        self.model = model
        self.base_dir = base_dir
        self.dims = dims
        self.input_shapes = input_shapes
        self.opsets: dict[str, int] = {}
        for imp in model.opset_import:
            self.opsets[imp.domain if imp.domain != "ai.onnx" else ""] = imp.version
        if "" not in self.opsets:
            self.opsets[""] = 1 if model.ir_version < 3 else NEWEST_OPSET
        self.var_names: set[str] = set()
        self.counter = 0
        # the opsets nodes are converted at: the model's, or a function body's
        self.opset_stack: list[dict[str, int]] = [self.opsets]

    def fresh_var(self, base: str) -> SymExpr:
        name = identifier(base, "d")
        candidate, k = name, 0
        while candidate in self.var_names:
            k += 1
            candidate = f"{name}_{k}"
        self.var_names.add(candidate)
        return SymExpr.var(candidate)

    def dim_param(self, name: str) -> SymExpr | int:
        if name in self.dims:
            return self.dims[name]
        var = identifier(name, "d")
        self.var_names.add(var)
        return SymExpr.var(var)

    def tensor_array(self, proto: onnx.TensorProto, where: str) -> Known:
        """An initializer or tensor attribute as a Known (external data loaded)."""
        from onnx import numpy_helper
        from onnx.external_data_helper import load_external_data_for_tensor, uses_external_data

        elem = proto.data_type
        if relax_dtype(elem) is None:
            raise OnnxImportError(f"{where}: the tensor '{proto.name}' has dtype "
                                  f"{onnx_dtype_name(elem)}, which relax does not support")
        if uses_external_data(proto):
            base = self.base_dir or os.getcwd()
            try:
                load_external_data_for_tensor(proto, base)
            except Exception as err:  # noqa: BLE001 (onnx raises its own ValidationError)
                raise OnnxImportError(f"{where}: cannot load the external data of tensor "
                                      f"'{proto.name}' (relative to {base}): {err}") from None
        try:
            arr = numpy_helper.to_array(proto)
        except (ValueError, TypeError) as err:
            raise OnnxImportError(f"{where}: cannot read tensor '{proto.name}': {err}") from None
        if elem == BF16:
            arr = np.asarray(arr, dtype=np.float32)
        return Known(np.asarray(arr), elem, proto.name or None)


class GraphImporter:
    """Converts the nodes of one graph, emitting into the current block."""

    def __init__(self, model: ModelContext, block: Block, parent: GraphImporter | None = None):
        self.model = model
        self.block = block
        self.parent = parent
        self.values: dict[str, Value | Unavailable | None] = {}
        self.materialized: dict[int, SSAValue] = {}

    # ---- values ------------------------------------------------------------------
    def lookup(self, name: str, user: str) -> Value | None:
        scope: GraphImporter | None = self
        while scope is not None:
            if name in scope.values:
                v = scope.values[name]
                if isinstance(v, Unavailable):
                    raise OnnxImportError(f"{v.where}: output #{v.index} ('{name}') is used by "
                                          f"{user} but is not supported")
                return v
            scope = scope.parent
        raise OnnxImportError(f"{user}: the input '{name}' is not defined (the graph is not "
                              "in topological order, or the name is misspelled)")

    def materialize(self, v: Value) -> SSAValue:
        if isinstance(v, SSAValue):
            return v
        cached = self.materialized.get(id(v))
        if cached is not None:
            return cached
        if v.symbolic:
            out = self.make("symbolic_tensor", [], {
                "values": v.items(), "shape": list(v.data.shape),
                "dtype": relax_dtype(v.elem)}, None)
        elif v.elem == BF16:
            c = self.emit(rx.ConstantOp(dense_attr(v.data.astype(np.float32))), None)
            out = self.make("cast", [c], {"dtype": "bf16"}, None)
        else:
            want = numpy_dtype_of(v.elem)
            data = v.data if v.data.dtype == want else v.data.astype(want)
            out = self.emit(rx.ConstantOp(dense_attr(data)), None)
        if v.name:
            out.name_hint = identifier(v.name)
        self.materialized[id(v)] = out
        # keep `v` alive so its id is not reused by another Known
        self.values.setdefault(f" keep{id(v)}", v)
        return out

    # ---- emitting ----------------------------------------------------------------
    def emit(self, op: Operation, node: Node | None) -> SSAValue:
        self.block.add_op(op)
        return op.results[0]

    def make(self, name: str, operands: Sequence[SSAValue], props: dict[str, Any],
             node: Node | None) -> SSAValue:
        from xrelax.relax.op_library import OPS_BY_NAME

        cls = OPS_BY_NAME[f"relax.{name}"]
        try:
            op = cls.make(*operands, **props)
        except (VerifyException, TypeError, ValueError, ZeroDivisionError) as err:
            where = node.where if node is not None else "onnx import"
            raise OnnxImportError(f"{where}: {err}") from None
        return self.emit(op, node)

    # ---- nodes -------------------------------------------------------------------
    def convert_nodes(self, nodes: Sequence[onnx.NodeProto]) -> None:
        for proto in nodes:
            self.convert(proto)

    def convert(self, proto: onnx.NodeProto) -> None:
        domain = proto.domain if proto.domain != "ai.onnx" else ""
        name = proto.name or (proto.output[0] if proto.output else "?")
        opsets = self.model.opset_stack[-1]
        if domain not in opsets:
            raise OnnxImportError(f"onnx node '{name}' ({proto.op_type}): the domain "
                                  f"'{domain}' is not imported by the model")
        opset = opsets[domain]
        where = f"onnx node '{name}' ({proto.op_type}, opset {opset})"
        fn = converter_of(domain, proto.op_type)
        inputs = [self.lookup(i, where) if i else None for i in proto.input]
        if fn is None:
            if self.expand_function(proto, domain, opset, inputs, where):
                return
            if domain != "":
                raise OnnxImportError(f"{where}: ops of the domain '{domain}' are not "
                                      "supported")
            raise OnnxImportError(f"{where}: the op type {proto.op_type} is not supported")
        node = Node(self, proto, opset, inputs)
        result = fn(node)
        unread = sorted(set(node.attrs) - node.read)
        if unread:
            raise node.fail(f"the attribute(s) {', '.join(unread)} are not supported")
        outs = list(result) if isinstance(result, (list, tuple)) else [result]
        for k, out_name in enumerate(proto.output):
            if not out_name:
                continue
            value = outs[k] if k < len(outs) else None
            self.values[out_name] = Unavailable(where, k) if value is None else value

    def expand_function(self, proto: onnx.NodeProto, domain: str, opset: int,
                        inputs: list[Value | None], where: str) -> bool:
        """Convert the node through its op's ONNX function body (see
        onnx_functions.py); False when the op has none."""
        found = function_body(proto, domain, opset, [type_proto(v) for v in inputs], where)
        if found is None:
            return False
        body, node = found
        self.model.counter += 1
        prefix = f"{identifier(node.op_type)}{self.model.counter}__"
        nodes, opsets = expand(node, body, prefix)
        # (a domain the function does not import: the model's version of it)
        self.model.opset_stack.append({**self.model.opset_stack[-1], **opsets})
        try:
            self.convert_nodes(nodes)
        except OnnxImportError as err:
            raise body_error(where, err) from None
        finally:
            self.model.opset_stack.pop()
        for out_name in proto.output:
            if out_name and out_name not in self.values:
                self.values[out_name] = Unavailable(where, list(proto.output).index(out_name))
        return True


def _input_type(ctx: ModelContext, vi: onnx.ValueInfoProto) -> TensorType:
    where = f"onnx graph input '{vi.name}'"
    kind = vi.type.WhichOneof("value")
    if kind != "tensor_type":
        raise OnnxImportError(f"{where}: inputs of {kind or 'unknown type'} are not supported "
                              "(only tensors)")
    tt = vi.type.tensor_type
    dtype = relax_dtype(tt.elem_type)
    if dtype is None:
        raise OnnxImportError(f"{where}: the dtype {onnx_dtype_name(tt.elem_type)} is not "
                              "supported")
    if vi.name in ctx.input_shapes:
        dims = []
        for j, d in enumerate(ctx.input_shapes[vi.name]):
            if isinstance(d, str):
                dims.append(ctx.dim_param(d))
            elif isinstance(d, (int, np.integer)) and d >= 0:
                dims.append(int(d))
            else:
                raise OnnxImportError(f"{where}: input_shapes: dim {j} must be a non-negative "
                                      f"int or a name, got {d!r}")
        return TensorType(dims, dtype)
    if not tt.HasField("shape"):
        raise OnnxImportError(f"{where}: the input has no shape (not even a rank); give it "
                              "with input_shapes={...}")
    dims = []
    for j, d in enumerate(tt.shape.dim):
        if d.HasField("dim_value"):
            if d.dim_value < 0:
                raise OnnxImportError(f"{where}: dim {j} is {d.dim_value}")
            dims.append(d.dim_value)
        elif d.HasField("dim_param") and d.dim_param:
            dims.append(ctx.dim_param(d.dim_param))
        else:
            dims.append(ctx.fresh_var(f"{vi.name}_dim{j}"))
    return TensorType(dims, dtype)


def load_model(model_or_path: Any) -> tuple[onnx.ModelProto, str | None]:
    """A ModelProto (external data loaded) and the directory its side files are in."""
    import onnx

    if isinstance(model_or_path, onnx.ModelProto):
        return model_or_path, None
    if isinstance(model_or_path, bytes):
        try:
            return onnx.load_from_string(model_or_path), None
        except Exception as err:  # noqa: BLE001 (protobuf raises its own DecodeError)
            raise OnnxImportError(f"onnx import: cannot parse the model bytes: {err}") from None
    path = Path(model_or_path)
    try:
        model = onnx.load(str(path), load_external_data=False)
    except FileNotFoundError:
        raise OnnxImportError(f"onnx import: cannot open '{path}': no such file") from None
    except OSError as err:
        raise OnnxImportError(f"onnx import: cannot open '{path}': {err.strerror}") from None
    except Exception as err:  # noqa: BLE001 (protobuf DecodeError)
        raise OnnxImportError(f"onnx import: '{path}' is not an ONNX model: {err}") from None
    return model, str(path.resolve().parent)


def is_weight(init: onnx.TensorProto) -> bool:
    """Float initializers are weights; integer ones are shapes, axes, indices."""
    return init.data_type in (1, 10, 11)  # f32, f16, f64


def onnx_weights(model_or_path: Any) -> dict[str, np.ndarray]:
    """The weights (float initializers) that `from_onnx(..., keep_params_in_input=True)`
    makes parameters of `main`, in parameter order, as numpy arrays."""
    model, base = load_model(model_or_path)
    ctx = ModelContext(model, base, {}, {})
    return {init.name: ctx.tensor_array(init, f"onnx initializer '{init.name}'").data
            for init in model.graph.initializer if is_weight(init)}


def from_onnx(model_or_path: Any, *, dims: dict[str, int] | None = None,
              input_shapes: dict[str, Sequence[Any]] | None = None,
              keep_params_in_input: bool = False, entry: str = "main",
              base_dir: str | None = None) -> ModuleOp:
    """Import an ONNX model (a ModelProto, its bytes, or a path) as a relax module.

    - `dims`: values for named dims (`{"batch": 1}`); the others stay symbolic.
    - `input_shapes`: the shape of chosen inputs, ints or dim names
      (`{"x": [1, 3, "h", "w"]}`), overriding what the model declares.
    - `keep_params_in_input`: the weights (float initializers) become parameters
      of `main` after the graph inputs (pass `onnx_weights(model).values()`), not
      constants; integer initializers (shapes, axes) stay constants.
    - `base_dir`: where external data files are (default: the model's folder).
    Raises `OnnxImportError` (a `CompileError`) for anything that cannot be imported.
    """
    _load_converters()
    model, model_dir = load_model(model_or_path)
    ctx = ModelContext(model, base_dir or model_dir, dict(dims or {}), dict(input_shapes or {}))
    for name, v in ctx.dims.items():
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
            raise OnnxImportError(f"onnx import: dims['{name}'] must be a non-negative int, "
                                  f"got {v!r}")
    graph = model.graph
    opset = ctx.opsets[""]
    if opset > NEWEST_OPSET:
        raise OnnxImportError(f"onnx import: the model uses opset {opset} of the default "
                              f"domain; opsets up to {NEWEST_OPSET} are supported")
    initializers = {init.name: init for init in graph.initializer}
    if graph.sparse_initializer:
        raise OnnxImportError("onnx import: sparse initializers are not supported")
    params: list[tuple[str, TensorType]] = []
    for vi in graph.input:
        if vi.name in initializers:
            continue  # an initializer listed as an input (IR < 4): a weight
        params.append((vi.name, _input_type(ctx, vi)))
    weight_params = []
    if keep_params_in_input:
        for init in graph.initializer:
            if is_weight(init):
                k = ctx.tensor_array(init, f"onnx initializer '{init.name}'")
                weight_params.append((init.name, k.tensor_type()))
    names = {n for n, _ in params + weight_params}
    for name in ctx.input_shapes:
        if name not in names:
            raise OnnxImportError(f"onnx import: input_shapes names '{name}', which is not a "
                                  "graph input")
    mb = ModuleBuilder()
    all_params = [(identifier(n), t) for n, t in params + weight_params]
    with mb.function(entry, all_params) as fb:
        importer = GraphImporter(ctx, fb.block)
        for (name, _), arg in zip(params + weight_params, fb.params):
            importer.values[name] = arg
        for name, init in initializers.items():
            if not (keep_params_in_input and is_weight(init)):
                importer.values[name] = ctx.tensor_array(init, f"onnx initializer '{name}'")
        importer.convert_nodes(graph.node)
        outputs = [importer.materialize(importer.lookup(o.name, f"onnx graph output '{o.name}'"))
                   for o in graph.output]
        if not outputs:
            raise OnnxImportError("onnx import: the graph has no outputs")
        result = outputs[0] if len(outputs) == 1 else importer.emit(rx.TupleOp(outputs), None)
        fb.ret(result)
    module = mb.module
    from xrelax.relax.frontend.onnx_dataflow import group_dataflow

    for op in module.body.block.ops:
        if isinstance(op, rx.FuncOp):
            group_dataflow(op.body.block)
    try:
        return mb.finish()
    except CompileError as err:
        raise OnnxImportError(f"onnx import: the imported module does not verify: {err}") from None


def result_types(module: ModuleOp, entry: str = "main") -> list[TensorType]:
    """The output types of an imported function (a tuple's fields, or the one type)."""
    for op in module.body.block.ops:
        if isinstance(op, rx.FuncOp) and op.sym_name.data == entry:
            t = op.result_type
            return list(t.types) if isinstance(t, TupleType) else [t]
    raise KeyError(entry)
