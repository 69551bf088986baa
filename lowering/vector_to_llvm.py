"""vector -> llvm patterns (1-D vectors only, which is what the kernels use).

vector.load/store become plain LLVM vector loads/stores at the element
address, aligned to the element size only (memref rows need not be aligned
to the vector size).  Values stay SSA vectors, so accumulators live in registers.
"""

from xdsl.dialects import llvm, vector
from xdsl.dialects.builtin import (
    AnyFloat,
    DenseArrayBase,
    DenseIntOrFPElementsAttr,
    IntegerAttr,
    VectorType,
    i1,
    i8,
    i32,
    i64,
)
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from xrelax.lowering.arith_casts import fma_f16, is_f16
from xrelax.lowering.llvm_types import (
    DescriptorReader,
    LoweringError,
    call_intrinsic,
    const,
    convert_type,
    element_bytes,
    extract_lane,
    gep,
    mangle,
    splat_float,
)


def _emitter(rewriter: PatternRewriter):
    def emit(op: Operation) -> Operation:
        rewriter.insert(op)
        return op

    return emit


def _vector_1d(t) -> VectorType:
    if not isinstance(t, VectorType) or t.get_num_dims() != 1:
        raise LoweringError(f"only 1-D vectors are supported, got {t}")
    return t


class VectorLoadLowering(RewritePattern):
    """vector.load %m[%i...] -> llvm.load <N x T> at the address of element [%i...]."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.LoadOp, rewriter: PatternRewriter):
        t = _vector_1d(op.result.type)
        reader = DescriptorReader(op.base, _emitter(rewriter))
        ptr = reader.element_ptr(op.indices)
        align = element_bytes(t.element_type)
        if t.element_type == i1:  # bools are bytes; LLVM packs <N x i1> in memory
            load = llvm.LoadOp(ptr, VectorType(i8, t.get_shape()), alignment=align)
            rewriter.replace(op, [load, llvm.TruncOp(load.dereferenced_value, t)])
            return
        rewriter.replace(op, llvm.LoadOp(ptr, convert_type(t), alignment=align))


class VectorStoreLowering(RewritePattern):
    """vector.store %v, %m[%i...] -> llvm.store of the whole vector."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.StoreOp, rewriter: PatternRewriter):
        t = _vector_1d(op.vector.type)
        reader = DescriptorReader(op.base, _emitter(rewriter))
        ptr = reader.element_ptr(op.indices)
        align = element_bytes(t.element_type)
        if t.element_type == i1:  # (as in VectorLoadLowering)
            wide = llvm.ZExtOp(op.vector, VectorType(i8, t.get_shape()))
            rewriter.replace(op, [wide, llvm.StoreOp(wide.res, ptr, alignment=align)])
            return
        rewriter.replace(op, llvm.StoreOp(op.vector, ptr, alignment=align))


class BroadcastLowering(RewritePattern):
    """vector.broadcast of a scalar -> insertelement into lane 0 + zero-mask shuffle."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.BroadcastOp, rewriter: PatternRewriter):
        t = _vector_1d(op.vector.type)
        if op.source.type == t:
            rewriter.replace(op, [], [op.source])
            return
        if isinstance(op.source.type, VectorType):
            raise LoweringError("broadcast from a vector is only supported to the same type")
        vt = convert_type(t)
        undef = llvm.UndefOp(vt)
        zero = llvm.ConstantOp(IntegerAttr(0, i32), i32)
        lane0 = llvm.InsertElementOp(undef, op.source, zero)
        mask = DenseArrayBase.from_list(i32, [0] * t.get_shape()[0])
        splat = llvm.ShuffleVectorOp(lane0, lane0, mask, vt)
        rewriter.replace(op, [undef, zero, lane0, splat])


class FmaLowering(RewritePattern):
    """vector.fma -> llvm.intr.fma (one fused multiply-add per lane; on f16
    through f64, see arith_casts.fma_f16)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.FMAOp, rewriter: PatternRewriter):
        if is_f16(op.lhs.type):
            ops: list[Operation] = []
            result = fma_f16(op.lhs, op.rhs, op.acc, lambda new: ops.append(new) or new)
            rewriter.replace(op, ops, [result])
            return
        rewriter.replace(op, llvm.FMAOp(op.lhs, op.rhs, op.acc))


def _static_position(op: vector.ExtractOp | vector.InsertOp) -> SSAValue | int:
    """The single (1-D) position of an extract/insert: an int or an index value."""
    pos = op.get_mixed_position()
    if len(pos) != 1:
        raise LoweringError(f"{op.name}: only single positions in 1-D vectors are supported")
    return pos[0]


class ExtractLowering(RewritePattern):
    """vector.extract %v[c] -> lane c; a dynamic position goes through a stack slot."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.ExtractOp, rewriter: PatternRewriter):
        t = _vector_1d(op.vector.type)
        emit = _emitter(rewriter)
        pos = _static_position(op)
        if isinstance(pos, int):
            rewriter.replace(op, [], [extract_lane(op.vector, pos, emit)])
            return
        slot = emit(llvm.AllocaOp(emit(const(1)), convert_type(t))).results[0]
        emit(llvm.StoreOp(op.vector, slot, alignment=element_bytes(t.element_type)))
        elem = convert_type(t.element_type)
        addr = emit(gep(slot, pos, elem)).results[0]
        rewriter.replace(op, llvm.LoadOp(addr, elem))


class InsertLowering(RewritePattern):
    """vector.insert %s, %v[p] -> llvm.insertelement."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.InsertOp, rewriter: PatternRewriter):
        _vector_1d(op.dest.type)
        pos = _static_position(op)
        new: list[Operation] = []
        if isinstance(pos, int):
            new.append(const(pos))
            pos = new[0].results[0]
        new.append(llvm.InsertElementOp(op.dest, op.source, pos))
        rewriter.replace(op, new)


class ShuffleLowering(RewritePattern):
    """vector.shuffle (1-D) -> llvm.shufflevector."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.ShuffleOp, rewriter: PatternRewriter):
        t = _vector_1d(op.result.type)
        mask = DenseArrayBase.from_list(i32, list(op.mask.get_values()))
        new = llvm.ShuffleVectorOp(op.v1, op.v2, mask, convert_type(t))
        rewriter.replace(op, new)


class VectorBitcastLowering(RewritePattern):
    """vector.bitcast -> llvm.bitcast."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.BitcastOp, rewriter: PatternRewriter):
        rewriter.replace(op, llvm.BitcastOp(op.source, convert_type(op.result.type)))


class CreateMaskLowering(RewritePattern):
    """vector.create_mask %n : vector<Nxi1> -> [0, 1, ..., N-1] < splat(n)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.CreateMaskOp, rewriter: PatternRewriter):
        t = _vector_1d(op.mask_vector.type)
        n = t.get_shape()[0]
        it = VectorType(i64, [n])
        iota = llvm.ConstantOp(DenseIntOrFPElementsAttr.from_list(it, list(range(n))), it)
        undef = llvm.UndefOp(it)
        zero = llvm.ConstantOp(IntegerAttr(0, i32), i32)
        lane0 = llvm.InsertElementOp(undef, op.mask_dim_sizes[0], zero)
        splat = llvm.ShuffleVectorOp(lane0, lane0, DenseArrayBase.from_list(i32, [0] * n), it)
        cmp = llvm.ICmpOp(iota.result, splat.res, IntegerAttr(2, i64))  # slt
        rewriter.replace(op, [iota, undef, zero, lane0, splat, cmp])


# kind -> (intrinsic reduce name, float start value or None, combine-with-acc intrinsic)
_INT_REDUCE = {
    "add": "add", "mul": "mul", "and": "and", "or": "or", "xor": "xor",
    "minsi": "smin", "maxsi": "smax", "minui": "umin", "maxui": "umax",
}  # fmt: skip
_FLOAT_REDUCE = {
    "maxnumf": ("fmax", "maxnum"), "minnumf": ("fmin", "minnum"),
    "maximumf": ("fmaximum", "maximum"), "minimumf": ("fminimum", "minimum"),
}  # fmt: skip
_INT_COMBINE = {
    "add": llvm.AddOp, "mul": llvm.MulOp, "and": llvm.AndOp, "or": llvm.OrOp,
    "xor": llvm.XOrOp,
}  # fmt: skip


class ReductionLowering(RewritePattern):
    """vector.reduction -> llvm.vector.reduce.* (float add/mul are ordered, starting
    from the accumulator, or -0.0 / 1.0); the accumulator is combined afterwards
    for the other kinds."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: vector.ReductionOp, rewriter: PatternRewriter):
        vt = _vector_1d(op.vector.type)
        elem = convert_type(vt.element_type)
        kind, suffix = op.kind.data.value, mangle(vt)
        emit = _emitter(rewriter)
        if isinstance(elem, AnyFloat) and kind in ("add", "mul"):
            start = op.acc or emit(splat_float(-0.0 if kind == "add" else 1.0, elem)).results[0]
            intr = f"llvm.vector.reduce.f{kind}.{suffix}"
            rewriter.replace(op, call_intrinsic(intr, [start, op.vector], elem))
            return
        if isinstance(elem, AnyFloat) and kind in _FLOAT_REDUCE:
            reduce_name, combine = _FLOAT_REDUCE[kind]
        elif not isinstance(elem, AnyFloat) and kind in _INT_REDUCE:
            reduce_name, combine = _INT_REDUCE[kind], _INT_REDUCE[kind]
        else:
            raise LoweringError(f"vector.reduction <{kind}> on {vt} is not supported")
        red = emit(call_intrinsic(f"llvm.vector.reduce.{reduce_name}.{suffix}", [op.vector], elem))
        if op.acc is None:
            rewriter.replace(op, [], [red.results[0]])
        elif kind in _INT_COMBINE:
            rewriter.replace(op, _INT_COMBINE[kind](red.results[0], op.acc))
        else:
            intr = f"llvm.{combine}.{mangle(elem)}"
            rewriter.replace(op, call_intrinsic(intr, [red.results[0], op.acc], elem))


def vector_patterns() -> list[RewritePattern]:
    """All vector patterns."""
    return [
        VectorLoadLowering(), VectorStoreLowering(), BroadcastLowering(), FmaLowering(),
        ExtractLowering(), InsertLowering(), ShuffleLowering(), VectorBitcastLowering(),
        CreateMaskLowering(), ReductionLowering(),
    ]  # fmt: skip

