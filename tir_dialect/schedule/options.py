"""A primitive's options as attributes (their IR form) and back."""

from __future__ import annotations

from typing import Any

from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    FloatAttr,
    IntegerAttr,
    StringAttr,
    f64,
    i1,
    i64,
)
from xdsl.ir import Attribute

from xrelax.tir.schedule.index_map import IndexMap


def to_attribute(value: Any) -> Attribute:
    """A primitive's option as an attribute (the IR form of the argument)."""
    if isinstance(value, Attribute):
        return value
    if isinstance(value, IndexMap):
        return AffineMapAttr(value.to_affine_map())
    if isinstance(value, bool):
        return IntegerAttr.from_bool(value)
    if isinstance(value, int):
        return IntegerAttr(value, i64)
    if isinstance(value, float):
        return FloatAttr(value, f64)
    if isinstance(value, str):
        return StringAttr(value)
    if isinstance(value, (list, tuple)):
        return ArrayAttr([to_attribute(-1 if v is None else v) for v in value])
    if callable(value):
        return to_attribute(IndexMap.of(value))
    raise TypeError(f"cannot write {value!r} as an attribute")


def from_attribute(attr: Attribute, keep_attribute: bool = False) -> Any:
    """The Python value of an option given in IR."""
    if keep_attribute:
        return attr
    if isinstance(attr, IntegerAttr) and attr.type == i1:
        return bool(attr.value.data)
    if isinstance(attr, IntegerAttr):
        return attr.value.data
    if isinstance(attr, FloatAttr):
        return attr.value.data
    if isinstance(attr, StringAttr):
        return attr.data
    if isinstance(attr, ArrayAttr):
        return [from_attribute(a) for a in attr.data]
    return attr
