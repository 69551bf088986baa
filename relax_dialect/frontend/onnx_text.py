"""Print an imported module as text, large constants as `dense_resource` blobs.

`relax.constant`s with more than `inline_limit` elements (default 16) become
`dense_resource<name>` attributes, with the data in the file's
`{-# dialect_resources: {builtin: {name: "0x..."}} #-}` section (MLIR's blob
format: a 4-byte alignment, then the raw little-endian bytes), so weights are
not printed element by element and the text parses back bit-exactly.
"""

from __future__ import annotations

import io
import re

from xdsl.dialects.builtin import (
    Builtin,
    DenseIntOrFPElementsAttr,
    DenseResourceAttr,
    ModuleOp,
    i1,
)

from xrelax.relax import ops as rx

INLINE_LIMIT = 16


def _blobs():
    from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface

    blobs = Builtin.get_interface(OpAsmDialectInterface)
    assert blobs is not None
    return blobs


def to_dense_resources(module: ModuleOp, inline_limit: int = INLINE_LIMIT) -> int:
    """Move the data of large constants into resource blobs; returns how many."""
    blobs = _blobs()
    moved = 0
    for op in module.walk():
        if not isinstance(op, rx.ConstantOp) or not isinstance(op.value, DenseIntOrFPElementsAttr):
            continue
        t = op.value.get_type()
        if t.get_element_type() == i1:
            continue  # bools stay inline (their dense data is not one byte each)
        count = 1
        for d in t.get_shape():
            count *= d
        if count <= inline_limit:
            continue
        raw = op.value.data.data
        width = max(len(raw) // max(count, 1), 1)
        base = re.sub(r"[^A-Za-z0-9_]", "_", op.result.name_hint or "weight") or "weight"
        key = blobs.declare_resource(base)
        blobs.parse_resource(key, "0x" + width.to_bytes(4, "little").hex() + raw.hex())
        op.properties["value"] = DenseResourceAttr.from_params(key, t)
        moved += 1
    return moved


def module_text(module: ModuleOp, inline_limit: int = INLINE_LIMIT) -> str:
    """The module's text, large constants as dense_resource blobs (changes the module)."""
    from xdsl.printer import Printer

    to_dense_resources(module, inline_limit)
    out = io.StringIO()
    printer = Printer(stream=out)
    printer.print_op(module)
    printer.print_metadata([Builtin])
    out.write("\n")
    return out.getvalue()
