"""`fuse-ops`: group chains of kernel calls into fused functions.

Within each dataflow block, `relax.call_tir`s are grouped by the classic rules
on their kernels' `op_pattern` (see `annotate-op-pattern`): a call joins the
group of the call producing one of its inputs when that producer is the last
member of its group, its output is used by this call only, and

| group pattern                      | may absorb a following call that is        |
| ---------------------------------- | ------------------------------------------ |
| elemwise, broadcast, injective     | elemwise, broadcast, injective, reduction  |
| reduction                          | elemwise, broadcast                        |
| out_ewise_fusable (matmul, conv)   | elemwise, broadcast                        |
| opaque                             | nothing                                    |

so `matmul + add + relu` and element-wise sequences become one group, and an
anchor never absorbs another anchor. Only calls inside one dataflow block are
grouped, so nothing fuses across an impure call.

Each group of two or more calls becomes a private relax function
`@fused_<kernels>` marked `relax.primitive`, called with `relax.call`;
`fuse-tir` then turns it into one kernel. Option: `fuse-ops{max_group_size=N}`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from xdsl.context import Context
from xdsl.dialects.builtin import ModuleOp, UnitAttr
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import SymbolTable

from xrelax.passes.annotate_op_pattern import pattern_of, worst
from xrelax.relax import ops as rx
from xrelax.relax.types import definable_vars, free_vars
from xrelax.tir import ops as tir

PRIMITIVE_ATTR = "relax.primitive"

_ABSORBS = {
    "elemwise": {"elemwise", "broadcast", "injective", "reduction"},
    "broadcast": {"elemwise", "broadcast", "injective", "reduction"},
    "injective": {"elemwise", "broadcast", "injective", "reduction"},
    "reduction": {"elemwise", "broadcast"},
    "out_ewise_fusable": {"elemwise", "broadcast"},
    "opaque": set(),
}


@dataclass
class _Group:
    ops: list[rx.CallTIROp]
    pattern: str

    @property
    def tail(self) -> rx.CallTIROp:
        return self.ops[-1]


def _kernel(module: ModuleOp, call: rx.CallTIROp) -> tir.FuncOp | None:
    k = SymbolTable.lookup_symbol(module, call.callee)
    return k if isinstance(k, tir.FuncOp) else None


def _group_calls(module: ModuleOp, block: Block, max_size: int) -> list[_Group]:
    groups: list[_Group] = []
    group_of: dict[Operation, _Group] = {}
    for op in block.ops:
        if not isinstance(op, rx.CallTIROp) or len(op.outputs) != 1:
            continue
        kernel = _kernel(module, op)
        pattern = pattern_of(kernel) if kernel is not None else "opaque"
        joined = None
        for arg in op.args:
            producer = arg.owner
            g = group_of.get(producer)  # type: ignore[arg-type]
            if (g is not None and g.tail is producer and len(g.ops) < max_size
                    and pattern in _ABSORBS[g.pattern]
                    and all(use.operation is op for use in producer.results[0].uses)):
                joined = g
                break
        if joined is not None:
            joined.ops.append(op)
            joined.pattern = worst(joined.pattern, pattern)
        else:
            joined = _Group([op], pattern)
            groups.append(joined)
        group_of[op] = joined
    return [g for g in groups if len(g.ops) > 1]


def _unique_name(module: ModuleOp, base: str) -> str:
    names = {o.properties["sym_name"].data for o in module.body.block.ops  # type: ignore[union-attr]
             if "sym_name" in o.properties}
    name, k = base, 0
    while name in names:
        k += 1
        name = f"{base}_{k}"
    return name


def _outline(module: ModuleOp, group: _Group) -> bool:
    """Move the group into a private primitive function; False if it cannot be."""
    inside = {r for op in group.ops for r in op.results}
    inputs: list[SSAValue] = []
    for op in group.ops:
        for a in op.args:
            if a not in inside and a not in inputs:
                inputs.append(a)
    tail = group.tail
    defined = set().union(*(definable_vars(v.type) for v in inputs))
    used: set[str] = set().union(*(free_vars(v.type) for v in inputs))  # ([n, n * m])
    for op in group.ops:
        used |= free_vars(op.outputs[0].type)
        for e in op.sym_exprs:
            used |= e.free_vars()
    if not used <= defined:
        return False  # the function could not define every variable it needs
    body = Block(arg_types=[v.type for v in inputs])
    mapping: dict[SSAValue, SSAValue] = dict(zip(inputs, body.args))
    for v, arg in zip(inputs, body.args):
        arg.name_hint = v.name_hint
    df_block = Block()
    for op in group.ops:
        df_block.add_op(op.clone(mapping))
    df_block.add_op(rx.OutputOp([mapping[tail.outputs[0]]]))
    df = rx.DataflowOp([tail.outputs[0].type], Region(df_block))
    body.add_ops([df, rx.ReturnOp(df.outputs[0])])
    kernels = "_".join(op.callee.root_reference.data for op in group.ops)
    name = _unique_name(module, f"fused_{kernels}")
    fn = rx.FuncOp(name, [v.type for v in inputs], tail.outputs[0].type, Region(body),
                   visibility="private")
    fn.attributes[PRIMITIVE_ATTR] = UnitAttr()
    module.body.block.add_op(fn)
    call = rx.CallOp(name, inputs, tail.outputs[0].type)
    call.location = tail.location
    call.result.name_hint = tail.outputs[0].name_hint
    parent = tail.parent_block()
    assert parent is not None
    parent.insert_op_before(call, tail)
    tail.outputs[0].replace_all_uses_with(call.result)
    for op in reversed(group.ops):
        parent.erase_op(op)
    return True


@dataclass(frozen=True)
class FuseOps(ModulePass):
    """Group call_tir chains into fused primitive functions (module docstring)."""

    name = "fuse-ops"

    max_group_size: int = field(default=64)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for fn in list(op.body.block.ops):
            if not isinstance(fn, rx.FuncOp) or PRIMITIVE_ATTR in fn.attributes:
                continue
            for df in [d for d in fn.walk() if isinstance(d, rx.DataflowOp)]:
                for group in _group_calls(op, df.body.block, self.max_group_size):
                    _outline(op, group)
