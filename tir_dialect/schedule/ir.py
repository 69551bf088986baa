"""The `sched` dialect: schedule primitives as transform-dialect ops.

A schedule is a `transform.named_sequence @__transform_main` whose body
calls primitives by name, with handles as operands and options as
attributes named like the Python parameters:

```mlir
transform.named_sequence @__transform_main(%root: !transform.any_op) {
  %C = sched.get_block {name = "C"}
  %i, %j, %k = sched.get_loops %C {count = 3}
  %io, %ii = sched.split %i {factors = [-1, 4]}
  sched.reorder %io, %j, %ii
  sched.parallel %io
  transform.yield
}
```

`relax-opt -p apply-schedule` runs it on the module's kernels (through
xDSL's transform interpreter) and removes it. Each op is one method of
`Schedule`; results are `!transform.any_op` handles.
"""

from __future__ import annotations

from io import StringIO
from typing import ClassVar

from xdsl.dialects import transform
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    i64,
)
from xdsl.ir import Attribute, Block, Dialect, Region
from xdsl.irdl import IRDLOperation, irdl_op_definition, var_operand_def, var_result_def
from xdsl.parser import Parser
from xdsl.printer import Printer
from xdsl.utils.exceptions import VerifyException

from xrelax.tir.schedule.options import from_attribute, to_attribute


# primitive -> (handle parameters, option parameters, variadic handles): the
# signatures of the Schedule methods (tests/test_schedule_trace.py checks they agree)
SIGNATURES: dict[str, tuple[list[str], list[str], bool]] = {
    "get_block": ([], ["name", "func_name"], False),
    "get_loops": (["block"], [], False),
    "split": (["loop"], ["factors", "tail"], False),
    "fuse": (["loops"], [], True),
    "reorder": (["loops"], [], True),
    "parallel": (["loop"], [], False),
    "vectorize": (["loop"], [], False),
    "unroll": (["loop"], [], False),
    "annotate": (["target"], ["key", "value"], False),
    "unannotate": (["target"], ["key"], False),
    "compute_at": (["block", "loop"], [], False),
    "reverse_compute_at": (["block", "loop"], [], False),
    "compute_inline": (["block"], [], False),
    "reverse_compute_inline": (["block"], [], False),
    "decompose_reduction": (["block", "loop"], [], False),
    "cache_read": (["block"], ["read_buffer_index", "storage_scope"], False),
    "cache_write": (["block"], ["write_buffer_index", "storage_scope"], False),
    "transform_layout": (["block"], ["buffer", "index_map", "pad_value"], False),
    "rfactor": (["loop"], ["factor_axis"], False),
    "blockize": (["loop"], [], False),
    "tensorize": (["loop"], ["intrin"], False),
}
PRIMITIVES = tuple(SIGNATURES)
# primitives returning one handle; get_loops returns `count`, split one per factor
_ONE_RESULT = {"get_block", "fuse", "decompose_reduction", "cache_read", "cache_write",
               "rfactor", "blockize"}
_REQUIRED = {"get_block": ["name"], "get_loops": ["count"], "split": ["factors"],
             "annotate": ["key", "value"], "unannotate": ["key"],
             "cache_read": ["read_buffer_index"], "cache_write": ["write_buffer_index"],
             "transform_layout": ["buffer", "index_map"], "tensorize": ["intrin"]}
_HANDLE = transform.AnyOpType()
# what each option holds (checked by the verifier, so a bad value is a located error)
_INT, _STR, _LIST = (IntegerAttr,), (StringAttr,), (ArrayAttr,)
OPTION_KINDS: dict[str, tuple[type, ...]] = {
    "name": _STR, "func_name": _STR, "count": _INT, "factors": _LIST, "tail": _STR,
    "key": _STR, "storage_scope": _STR, "read_buffer_index": _INT, "write_buffer_index": _INT,
    "factor_axis": _INT, "intrin": _STR, "buffer": _LIST + _STR,
    "index_map": (AffineMapAttr,), "pad_value": (IntegerAttr, FloatAttr),
}
_KIND_NAMES = {IntegerAttr: "an integer", StringAttr: "a string", ArrayAttr: "a list",
               AffineMapAttr: "an affine_map", FloatAttr: "a number"}


class SchedOp(IRDLOperation):
    """Base of the `sched` ops: `%r = sched.NAME %h, ... {option = value}`."""

    PRIMITIVE: ClassVar[str]
    handles = var_operand_def()
    outputs = var_result_def()

    def __init__(self, handles, options: dict[str, Attribute]):
        super().__init__(operands=[list(handles)],
                         result_types=[[_HANDLE] * self.result_count(options)],
                         attributes=dict(options))

    @classmethod
    def result_count(cls, options: dict[str, Attribute]) -> int:
        if cls.PRIMITIVE in _ONE_RESULT:
            return 1
        if cls.PRIMITIVE == "get_loops":
            count = options.get("count")
            n = count.value.data if isinstance(count, IntegerAttr) else 0
            if not 0 <= n <= 64:  # a handle per loop: never build 2**31 of them
                raise ValueError(f"sched.get_loops: count {n} is not in [0, 64]")
            return n
        if cls.PRIMITIVE == "split":
            factors = options.get("factors")
            return len(factors.data) if isinstance(factors, ArrayAttr) else 0
        return 0

    def options(self) -> dict:
        """The keyword arguments of the Schedule call."""
        out = {}
        for name, attr in self.attributes.items():
            if self.PRIMITIVE == "get_loops" and name == "count":
                continue
            out[name] = from_attribute(attr, keep_attribute=name in ("value", "index_map"))
        if self.PRIMITIVE == "transform_layout" and isinstance(out.get("buffer"), list):
            out["buffer"] = tuple(out["buffer"])
        return out

    def verify_(self) -> None:
        handles, options, variadic = SIGNATURES[self.PRIMITIVE]
        allowed = set(options) | ({"count"} if self.PRIMITIVE == "get_loops" else set())
        for name in self.attributes:
            if name not in allowed:
                raise VerifyException(f"sched.{self.PRIMITIVE}: unknown option '{name}' "
                                      f"(options: {', '.join(sorted(allowed)) or 'none'})")
        for name, attr in self.attributes.items():
            kinds = OPTION_KINDS.get(name)
            if kinds is not None and not isinstance(attr, kinds):
                want = " or ".join(_KIND_NAMES[k] for k in kinds)
                raise VerifyException(f"sched.{self.PRIMITIVE}: the option '{name}' must be "
                                      f"{want}, got {attr}")
        for name in _REQUIRED.get(self.PRIMITIVE, []):
            if name not in self.attributes:
                raise VerifyException(f"sched.{self.PRIMITIVE}: the option '{name}' is required")
        n = len(self.handles)
        if (variadic and n < 2) or (not variadic and n != len(handles)):
            want = "at least 2" if variadic else str(len(handles))
            raise VerifyException(f"sched.{self.PRIMITIVE} takes {want} handle operand"
                                  f"{'' if want == '1' else 's'} ({', '.join(handles)}), got {n}")

    @classmethod
    def parse(cls, parser: Parser) -> SchedOp:
        handles = []
        first = parser.parse_optional_unresolved_operand()
        if first is not None:
            handles.append(parser.resolve_operand(first, _HANDLE))
            while parser.parse_optional_punctuation(",") is not None:
                handles.append(parser.resolve_operand(parser.parse_unresolved_operand(),
                                                      _HANDLE))
        attrs = parser.parse_optional_attr_dict()
        return cls(handles, attrs)

    def print(self, printer: Printer) -> None:
        if self.handles:
            printer.print_string(" ")
            printer.print_list(self.handles, printer.print_ssa_value)
        if self.attributes:
            printer.print_string(" {")
            for i, (name, attr) in enumerate(self.attributes.items()):
                printer.print_string(f"{', ' if i else ''}{name} = ")
                _print_option(printer, attr)
            printer.print_string("}")


def _print_option(printer: Printer, attr: Attribute) -> None:
    """Attributes as written by hand: integers without `: i64`."""
    if isinstance(attr, IntegerAttr) and attr.type == i64:
        printer.print_string(str(attr.value.data))
    elif isinstance(attr, ArrayAttr):
        printer.print_string("[")
        for i, a in enumerate(attr.data):
            printer.print_string(", " if i else "")
            _print_option(printer, a)
        printer.print_string("]")
    else:
        printer.print_attribute(attr)


def _define(primitive: str) -> type[SchedOp]:
    cls = type(f"Sched_{primitive}", (SchedOp,), {
        "name": f"sched.{primitive}", "PRIMITIVE": primitive,
        "__annotations__": {"PRIMITIVE": ClassVar[str]},
        "__doc__": f"`Schedule.{primitive}` as an op (see the Schedule method).",
    })
    return irdl_op_definition(cls)


SCHED_OPS: dict[str, type[SchedOp]] = {p: _define(p) for p in PRIMITIVES}

Sched = Dialect("sched", list(SCHED_OPS.values()), [])


# ---- traces as IR -------------------------------------------------------------------

def sequence_from_trace(trace) -> str:
    """A trace as the text of a `transform.named_sequence @__transform_main`."""
    body = Block(arg_types=[_HANDLE])
    body.args[0].name_hint = "root"
    values: dict = {}
    for inst in trace.instructions:
        handles, options, variadic = SIGNATURES[inst.name]
        args = list(inst.args)
        operands, attrs = [], {}
        if variadic:
            operands = [values[a] for a in args]
        else:
            params = handles + options
            bound = dict(zip(params, args)) | inst.kwargs
            operands = [values[bound[h]] for h in handles]
            for name in options:
                if name in bound and bound[name] is not None:
                    attrs[name] = to_attribute(bound[name])
        if inst.name == "get_loops":
            attrs["count"] = to_attribute(len(inst.outputs))
        op = SCHED_OPS[inst.name](operands, attrs)
        body.add_op(op)
        values.update(zip(inst.outputs, op.results))
        for rv, res in zip(inst.outputs, op.results):
            res.name_hint = repr(rv)
    body.add_op(transform.YieldOp())
    seq = transform.NamedSequenceOp("__transform_main", ([_HANDLE], []), Region(body))
    out = StringIO()
    Printer(stream=out).print_op(seq)
    return out.getvalue() + "\n"
