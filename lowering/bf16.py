"""bf16 as i16: the first step of `convert-std-to-llvm`.

xDSL's LLVM translation has no bfloat type, and LLVM would call compiler-rt
for some of its conversions (which the JIT cannot resolve), so bf16 leaves the
standard dialects before the llvm patterns run:

1. every op that computes with floats (`arith` float arithmetic, comparisons
   and int/float conversions, every `math` op, `vector.fma` and
   `vector.reduction`) on bf16 operands computes in f32 instead: its bf16
   operands are widened, its bf16 results rounded back (one rounding per op,
   as TVM's BF16Legalize and ml_dtypes' ufuncs do);
2. the conversions are integer arithmetic on the bit pattern: widening is
   `bits << 16`; rounding to bf16 is to nearest, ties to even (`bits +
   0x7fff + lsb`, then `>> 16`), NaN stays a (quiet) NaN; from f64, the value
   is first rounded to f32 to odd, so that the result is rounded once;
   constants become their bit patterns;
3. what is left only moves bf16 values (loads, stores, selects, vector
   shuffles, block and function arguments): every bf16 type, in memrefs and
   vectors too, becomes i16, and the bitcasts between the two disappear.
"""

from __future__ import annotations

import struct
import numpy as np
from xdsl.dialects import arith, func, math, vector
from xdsl.dialects.builtin import (
    BFloat16Type,
    DenseIntOrFPElementsAttr,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    VectorType,
    f32,
    f64,
    i16,
    i32,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

# arith ops that only move or reinterpret values (or are the conversions of step 2)
_NOT_COMPUTING = (arith.ConstantOp, arith.SelectOp, arith.BitcastOp, arith.ExtFOp,
                  arith.TruncFOp)


def _elem(t: Attribute) -> Attribute:
    return t.element_type if isinstance(t, (VectorType, MemRefType)) else t


def _like(t: Attribute, elem: Attribute) -> Attribute:
    """t (a scalar or a vector) with elem as its element type."""
    return VectorType(elem, t.get_shape()) if isinstance(t, VectorType) else elem


def _is_bf16(t: Attribute) -> bool:
    return isinstance(_elem(t), BFloat16Type)


def _computes(op: Operation) -> bool:
    if isinstance(op, _NOT_COMPUTING):
        return False
    return (op.dialect_name() in ("arith", "math")
            or isinstance(op, (vector.FMAOp, vector.ReductionOp)))


class _Emitter:
    """Inserts ops before `at`."""

    def __init__(self, at: Operation):
        self.at = at

    def __call__(self, op: Operation) -> SSAValue:
        Rewriter.insert_op(op, InsertPoint.before(self.at))
        return op.results[0]

    def const(self, value: int, t: Attribute) -> SSAValue:
        """An integer constant of type t (a scalar or a splat vector)."""
        if isinstance(t, VectorType):
            return self(arith.ConstantOp(DenseIntOrFPElementsAttr.from_list(
                t, [value] * t.get_shape()[0])))
        return self(arith.ConstantOp(IntegerAttr(value, t)))


def widen(x: SSAValue, emit: _Emitter) -> SSAValue:
    """bf16 (or a vector of it) -> f32, exactly: the bits shifted to the top half."""
    t = x.type
    bits = emit(arith.BitcastOp(x, _like(t, i16)))
    wide = emit(arith.ExtUIOp(bits, _like(t, i32)))
    shifted = emit(arith.ShLIOp(wide, emit.const(16, _like(t, i32))))
    return emit(arith.BitcastOp(shifted, _like(t, f32)))


def round_f64_to_odd_f32(x: SSAValue, emit: _Emitter) -> SSAValue:
    """f64 -> f32 truncated towards zero, with the lowest bit set when inexact
    (enough bits left for one correct rounding to bf16). NaN and infinities pass."""
    t = x.type
    near = emit(arith.TruncFOp(x, _like(t, f32)))
    back = emit(arith.ExtFOp(near, t))
    inexact = emit(arith.CmpfOp(back, x, "one"))  # (false for NaN)
    bits = emit(arith.BitcastOp(near, _like(t, i32)))
    away = emit(arith.CmpfOp(emit(math.AbsFOp(back)), emit(math.AbsFOp(x)), "ogt"))
    toward_zero = emit(arith.SelectOp(away, emit(arith.SubiOp(bits, emit.const(1, bits.type))),
                                      bits))
    odd = emit(arith.SelectOp(inexact, emit(arith.OrIOp(toward_zero, emit.const(1, bits.type))),
                              bits))
    return emit(arith.BitcastOp(odd, _like(t, f32)))


def narrow(x: SSAValue, emit: _Emitter) -> SSAValue:
    """f32 or f64 (or vectors) -> bf16, rounded to nearest, ties to even."""
    if isinstance(_elem(x.type), type(f64)):
        x = round_f64_to_odd_f32(x, emit)
    elif _elem(x.type) != f32:  # f16: exact in f32
        x = emit(arith.ExtFOp(x, _like(x.type, f32)))
    t = x.type
    it = _like(t, i32)
    bits = emit(arith.BitcastOp(x, it))
    lsb = emit(arith.AndIOp(emit(arith.ShRUIOp(bits, emit.const(16, it))), emit.const(1, it)))
    rounded = emit(arith.AddiOp(emit(arith.AddiOp(bits, emit.const(0x7FFF, it))), lsb))
    nan = emit(arith.CmpfOp(x, x, "uno"))
    quiet = emit(arith.OrIOp(bits, emit.const(0x00400000, it)))
    chosen = emit(arith.SelectOp(nan, quiet, rounded))
    top = emit(arith.TruncIOp(emit(arith.ShRUIOp(chosen, emit.const(16, it))), _like(t, i16)))
    return emit(arith.BitcastOp(top, _like(t, BFloat16Type())))


def _bits(value: float) -> int:
    """The bf16 bit pattern of a float (rounded to nearest even; NaN quiet)."""
    (b,) = struct.unpack("<I", struct.pack("<f", np.float32(value)))
    if value != value:
        return ((b | 0x00400000) >> 16) & 0xFFFF
    return ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) & 0xFFFF


def _promote(op: Operation) -> None:
    """Step 1 for one op: compute in f32."""
    emit = _Emitter(op)
    operands = [widen(v, emit) if _is_bf16(v.type) else v for v in op.operands]
    types = [_like(r.type, f32) if _is_bf16(r.type) else r.type for r in op.results]
    new = type(op).create(operands=operands, result_types=types, properties=dict(op.properties),
                          attributes=dict(op.attributes))
    Rewriter.insert_op(new, InsertPoint.before(op))
    results = [narrow(r, _Emitter(op)) if _is_bf16(old.type) else r
               for r, old in zip(new.results, op.results)]
    Rewriter.replace_op(op, [], results)


def _expand(op: Operation) -> None:
    """Step 2 for one op: conversions and constants as integer arithmetic."""
    emit = _Emitter(op)
    if isinstance(op, arith.ExtFOp):  # from bf16
        value = widen(op.input, emit)
        if _elem(op.result.type) != f32:
            value = emit(arith.ExtFOp(value, op.result.type))
    elif isinstance(op, arith.TruncFOp):  # to bf16
        value = narrow(op.input, emit)
    else:
        assert isinstance(op, arith.ConstantOp)
        t = op.result.type
        attr = op.value
        if isinstance(attr, DenseIntOrFPElementsAttr):
            values = [_bits(v) for v in attr.get_values()]
            bits = DenseIntOrFPElementsAttr.from_list(_like(t, i16), values)
        else:
            assert isinstance(attr, FloatAttr)
            bits = IntegerAttr(_bits(attr.value.data), i16)
        value = emit(arith.BitcastOp(emit(arith.ConstantOp(bits)), t))
    Rewriter.replace_op(op, [], [value])


def _retype(t: Attribute) -> Attribute:
    if isinstance(t, BFloat16Type):
        return i16
    if isinstance(t, VectorType) and _is_bf16(t):
        return VectorType(i16, t.get_shape())
    if isinstance(t, MemRefType) and _is_bf16(t):
        return MemRefType(i16, t.get_shape(), t.layout, t.memory_space)
    if isinstance(t, FunctionType):
        return FunctionType.from_lists([_retype(x) for x in t.inputs],
                                       [_retype(x) for x in t.outputs])
    return t


def _any_bf16(op: Operation) -> bool:
    return any(_is_bf16(v.type) for v in (*op.operands, *op.results))


def lower_bf16(module: ModuleOp) -> None:
    """Steps 1 to 3 (see the module docstring)."""
    ops = list(module.walk())
    if not any(_any_bf16(op) or any(_is_bf16(a.type) for r in op.regions for b in r.blocks
                                    for a in b.args) for op in ops):
        return
    for op in ops:
        if _computes(op) and _any_bf16(op):
            _promote(op)
    for op in list(module.walk()):
        if (isinstance(op, arith.ExtFOp) and _is_bf16(op.input.type)) or (
                isinstance(op, (arith.TruncFOp, arith.ConstantOp)) and _is_bf16(op.result.type)):
            _expand(op)
    def retype(v: SSAValue) -> None:
        if _retype(v.type) != v.type:
            Rewriter.replace_value_with_new_type(v, _retype(v.type))

    for op in list(module.walk()):
        for r in list(op.results):
            retype(r)
        for region in op.regions:
            for block in region.blocks:
                for a in list(block.args):
                    retype(a)
        if isinstance(op, func.FuncOp):
            op.function_type = _retype(op.function_type)  # type: ignore[assignment]
    for op in list(module.walk()):  # i16 -> i16 now
        if isinstance(op, arith.BitcastOp) and op.input.type == op.result.type:
            Rewriter.replace_op(op, [], [op.input])
