"""`dedup-kernels`: structurally identical tir kernels are kept once.

Two kernels are identical when their bodies are the same up to SSA value names
and the kernel name: the same ops in the same order, with equal properties,
attributes and types, each operand referring to the value at the same position.
Such kernels come from models that repeat a layer: fuse-tir makes one kernel per
fused group, so 40 identical layers would be 40 kernels, each scheduled,
lowered and compiled by LLVM on its own.

Of each set of identical kernels the first one (in module order) is kept; every
symbol reference to another one (`relax.call_tir`, `relax.call_kernel`, ...)
is redirected to it, and the others are erased. Kernels marked public are
left alone (something outside the module may call them by name).
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, ModuleOp, StringAttr, SymbolRefAttr
from xdsl.ir import Attribute, Block, Operation, SSAValue
from xdsl.passes import ModulePass

from xrelax.tir import ops as tir


def kernel_fingerprint(kernel: tir.FuncOp) -> tuple:
    """A value equal for two kernels exactly when they are identical up to SSA
    names and kernel name (see the module docstring)."""
    numbers: dict[SSAValue | Block, int] = {}

    def number(x: SSAValue | Block) -> int:
        return numbers.setdefault(x, len(numbers))

    def op_key(op: Operation, top: bool) -> tuple:
        props = tuple(sorted((k, v) for k, v in op.properties.items()
                             if not (top and k == "sym_name")))
        key = (op.name, props, tuple(sorted(op.attributes.items())),
               tuple(number(v) for v in op.operands),
               tuple(number(s) for s in op.successors),
               tuple(r.type for r in op.results))
        for r in op.results:
            number(r)
        regions = []
        for region in op.regions:
            blocks = []
            for block in region.blocks:
                number(block)
                args = tuple((number(a), a.type) for a in block.args)
                blocks.append((args, tuple(op_key(inner, False) for inner in block.ops)))
            regions.append(tuple(blocks))
        return key + (tuple(regions),)

    return op_key(kernel, True)


def _renamed(attr: Attribute, renames: dict[str, str]) -> Attribute:
    """attr with symbol references to renamed kernels redirected (also inside
    arrays and dictionaries)."""
    if isinstance(attr, SymbolRefAttr):
        target = renames.get(attr.root_reference.data)
        return attr if target is None else SymbolRefAttr(target, attr.nested_references)
    if isinstance(attr, ArrayAttr):
        items = [_renamed(a, renames) for a in attr.data]
        return attr if all(a is b for a, b in zip(items, attr.data)) else ArrayAttr(items)
    if isinstance(attr, DictionaryAttr):
        entries = {k: _renamed(v, renames) for k, v in attr.data.items()}
        return attr if all(entries[k] is v for k, v in attr.data.items()) else DictionaryAttr(entries)
    return attr


def redirect_symbols(module: ModuleOp, renames: dict[str, str]) -> None:
    """Point every symbol reference in the module to a key of `renames` at its value."""
    for op in module.walk():
        for fields in (op.properties, op.attributes):
            for name, attr in list(fields.items()):
                new = _renamed(attr, renames)
                if new is not attr:
                    fields[name] = new


def dedup_kernels(module: ModuleOp) -> dict[str, str]:
    """Merge identical kernels (see the module docstring); returns the renaming
    {erased kernel: the kernel kept in its place}."""
    first: dict[tuple, str] = {}
    renames: dict[str, str] = {}
    duplicates: list[tir.FuncOp] = []
    for op in module.body.block.ops:
        if not isinstance(op, tir.FuncOp) or op.sym_visibility == StringAttr("public"):
            continue
        kept = first.setdefault(kernel_fingerprint(op), op.sym_name.data)
        if kept != op.sym_name.data:
            renames[op.sym_name.data] = kept
            duplicates.append(op)
    if renames:
        redirect_symbols(module, renames)
        for op in duplicates:
            module.body.block.erase_op(op)
    return renames


@dataclass(frozen=True)
class DedupKernels(ModulePass):
    """Keep one of each set of structurally identical tir kernels and redirect
    their callers to it."""

    name = "dedup-kernels"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        dedup_kernels(op)
