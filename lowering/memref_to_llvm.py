"""memref -> llvm patterns over MLIR's memref descriptor.

Descriptor: `{ptr allocated, ptr aligned, i64 offset, [rank x i64] sizes,
[rank x i64] strides}`; element (i0, ..., in) lives at
`aligned + offset + sum(i_d * stride_d)` (in elements).  Sizes, strides and
offsets known from the memref type are used as constants.

memref.alloc calls `aligned_alloc(64, bytes rounded up)` (its alignment
attribute if larger); memref.dealloc calls `free` on the allocated pointer.
"""

from collections.abc import Sequence

from xdsl.dialects import arith, llvm, memref
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    IntegerAttr,
    MemRefType,
    NoneAttr,
    i1,
    i64,
)
from xdsl.ir import Operation, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from xrelax.diagnostics import CompileError, location_prefix
from xrelax.lowering.externs import Externs
from xrelax.lowering.llvm_types import (
    PTR,
    DescriptorReader,
    LoweringError,
    build_descriptor,
    const,
    convert_type,
    element_bytes,
    row_major_strides,
)

ALLOC_ALIGNMENT = 64


def _emitter(rewriter: PatternRewriter):
    """A function that inserts an op before the matched op and returns it."""

    def emit(op: Operation) -> Operation:
        rewriter.insert(op)
        return op

    return emit


def _mixed(static: Sequence[int], dynamic: Sequence[SSAValue], emit) -> list[SSAValue]:
    """Values of a static/dynamic list: DYNAMIC_INDEX entries take the next operand."""
    it = iter(dynamic)
    return [next(it) if s == DYNAMIC_INDEX else emit(const(s)).results[0] for s in static]


def _identity(t: MemRefType, what: str) -> None:
    if not isinstance(t.layout, NoneAttr):
        raise LoweringError(f"{what}: only identity (row-major) layouts are supported, got {t}")


def _product(values: Sequence[SSAValue], emit) -> SSAValue:
    acc = emit(const(1)).results[0]
    for v in values:
        acc = emit(llvm.MulOp(acc, v)).results[0]
    return acc


class LoadLowering(RewritePattern):
    """memref.load -> address computation + llvm.load."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.LoadOp, rewriter: PatternRewriter):
        ptr = DescriptorReader(op.memref, _emitter(rewriter)).element_ptr(op.indices)
        rewriter.replace(op, llvm.LoadOp(ptr, convert_type(op.res.type)))


class StoreLowering(RewritePattern):
    """memref.store -> address computation + llvm.store."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.StoreOp, rewriter: PatternRewriter):
        ptr = DescriptorReader(op.memref, _emitter(rewriter)).element_ptr(op.indices)
        rewriter.replace(op, llvm.StoreOp(op.value, ptr))


def _alloc_sizes(op: memref.AllocOp | memref.AllocaOp, emit) -> list[SSAValue]:
    t = op.memref.type
    assert isinstance(t, MemRefType)
    _identity(t, op.name)
    return _mixed(t.get_shape(), op.dynamic_sizes, emit)


class AllocLowering(RewritePattern):
    """memref.alloc -> aligned_alloc + a fresh row-major descriptor."""

    def __init__(self, externs: Externs) -> None:
        self.externs = externs

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.AllocOp, rewriter: PatternRewriter):
        emit = _emitter(rewriter)
        t = op.memref.type
        assert isinstance(t, MemRefType)
        sizes = _alloc_sizes(op, emit)
        align = max(ALLOC_ALIGNMENT, op.alignment.value.data if op.alignment else 0)
        esize = emit(const(element_bytes(t.element_type))).results[0]
        nbytes = emit(llvm.MulOp(_product(sizes, emit), esize)).results[0]
        # aligned_alloc wants a multiple of the alignment; +align also avoids size 0.
        padded = emit(llvm.AddOp(nbytes, emit(const(align)).results[0]))
        rounded = emit(llvm.AndOp(padded.results[0], emit(const(-align)).results[0]))
        self.externs.declare("aligned_alloc", [i64, i64], PTR)
        call = emit(llvm.CallOp("aligned_alloc", emit(const(align)), rounded, return_type=PTR))
        ptr = call.results[0]
        strides = row_major_strides(sizes, emit)
        zero = emit(const(0)).results[0]
        desc = build_descriptor(t, ptr, ptr, zero, sizes, strides, emit)
        rewriter.replace(op, [], [desc])


class AllocaLowering(RewritePattern):
    """memref.alloca -> llvm.alloca (64-byte aligned) + a fresh row-major descriptor."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.AllocaOp, rewriter: PatternRewriter):
        emit = _emitter(rewriter)
        t = op.memref.type
        assert isinstance(t, MemRefType)
        sizes = _alloc_sizes(op, emit)
        elem = convert_type(t.element_type)
        ptr = emit(llvm.AllocaOp(_product(sizes, emit), elem, ALLOC_ALIGNMENT)).results[0]
        strides = row_major_strides(sizes, emit)
        zero = emit(const(0)).results[0]
        desc = build_descriptor(t, ptr, ptr, zero, sizes, strides, emit)
        rewriter.replace(op, [], [desc])


class DeallocLowering(RewritePattern):
    """memref.dealloc -> free(allocated pointer)."""

    def __init__(self, externs: Externs) -> None:
        self.externs = externs

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.DeallocOp, rewriter: PatternRewriter):
        ptr = DescriptorReader(op.memref, _emitter(rewriter)).allocated_ptr()
        self.externs.declare("free", [PTR], None)
        rewriter.replace(op, llvm.CallOp("free", ptr))


def constant_int(value: SSAValue) -> int | None:
    """The value of an integer constant (arith or already-lowered llvm), else None."""
    owner = value.owner
    if isinstance(owner, arith.ConstantOp | llvm.ConstantOp):
        attr = owner.value
        if isinstance(attr, IntegerAttr):
            return attr.value.data
    return None


class DimLowering(RewritePattern):
    """memref.dim with a constant dimension -> the static size or a descriptor read."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.DimOp, rewriter: PatternRewriter):
        dim = constant_int(op.index)
        if dim is None or not isinstance(op.source.type, MemRefType):
            raise LoweringError("memref.dim needs a ranked memref and a constant dimension")
        rank = len(op.source.type.get_shape())
        if not 0 <= dim < rank:
            raise CompileError(f"{location_prefix(op)}error: memref.dim: dimension {dim} is out "
                               f"of range for a memref of rank {rank}")
        size = DescriptorReader(op.source, _emitter(rewriter)).size(dim)
        rewriter.replace(op, [], [size])


class CastLowering(RewritePattern):
    """memref.cast changes only static information: the descriptor is unchanged."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.CastOp, rewriter: PatternRewriter):
        if not isinstance(op.source.type, MemRefType):
            raise LoweringError("unranked memrefs are not supported")
        rewriter.replace(op, [], [op.source])


class SubviewLowering(RewritePattern):
    """memref.subview (same rank) -> descriptor with shifted offset, new sizes,
    and strides multiplied by the subview's steps; the pointers are shared."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.SubviewOp, rewriter: PatternRewriter):
        emit = _emitter(rewriter)
        src = DescriptorReader(op.source, emit)
        res_t = op.result.type
        assert isinstance(res_t, MemRefType)
        rank = src.type.get_num_dims()
        if res_t.get_num_dims() != rank:
            raise LoweringError("rank-reducing memref.subview is not supported")
        offsets = _mixed(op.static_offsets.get_values(), op.offsets, emit)
        sizes = _mixed(op.static_sizes.get_values(), op.sizes, emit)
        steps = _mixed(op.static_strides.get_values(), op.strides, emit)
        offset = src.offset()
        strides = []
        for d in range(rank):
            stride = src.stride(d)
            shift = emit(llvm.MulOp(offsets[d], stride)).results[0]
            offset = emit(llvm.AddOp(offset, shift)).results[0]
            strides.append(emit(llvm.MulOp(stride, steps[d])).results[0])
        desc = build_descriptor(
            res_t, src.allocated_ptr(), src.aligned_ptr(), offset, sizes, strides, emit
        )
        rewriter.replace(op, [], [desc])


class ReinterpretCastLowering(RewritePattern):
    """memref.reinterpret_cast -> same pointers with the given offset/sizes/strides."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.ReinterpretCastOp, rewriter: PatternRewriter):
        emit = _emitter(rewriter)
        src = DescriptorReader(op.source, emit)
        res_t = op.result.type
        assert isinstance(res_t, MemRefType)
        (offset,) = _mixed(op.static_offsets.get_values(), op.offsets, emit)
        sizes = _mixed(op.static_sizes.get_values(), op.sizes, emit)
        strides = _mixed(op.static_strides.get_values(), op.strides, emit)
        desc = build_descriptor(
            res_t, src.allocated_ptr(), src.aligned_ptr(), offset, sizes, strides, emit
        )
        rewriter.replace(op, [], [desc])


def _reshaped(op: Operation, source: SSAValue, sizes: list[SSAValue], emit) -> SSAValue:
    """A row-major descriptor over the same memory as `source`, with new sizes."""
    src = DescriptorReader(source, emit)
    _identity(src.type, op.name)
    res_t = op.results[0].type
    assert isinstance(res_t, MemRefType)
    _identity(res_t, op.name)
    strides = row_major_strides(sizes, emit)
    return build_descriptor(
        res_t, src.allocated_ptr(), src.aligned_ptr(), src.offset(), sizes, strides, emit
    )


class CollapseShapeLowering(RewritePattern):
    """memref.collapse_shape of a row-major memref: each new size is the product of its group."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.CollapseShapeOp, rewriter: PatternRewriter):
        emit = _emitter(rewriter)
        src = DescriptorReader(op.src, emit)
        groups = [[i.value.data for i in g] for g in op.reassociation]
        sizes = [_product([src.size(d) for d in g], emit) for g in groups]
        rewriter.replace(op, [], [_reshaped(op, op.src, sizes, emit)])


class ExpandShapeLowering(RewritePattern):
    """memref.expand_shape of a row-major memref: sizes from output_shape."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.ExpandShapeOp, rewriter: PatternRewriter):
        emit = _emitter(rewriter)
        sizes = _mixed(op.static_output_shape.get_values(), op.output_shape, emit)
        rewriter.replace(op, [], [_reshaped(op, op.src, sizes, emit)])


class CopyLowering(RewritePattern):
    """memref.copy between row-major memrefs -> llvm.memcpy of the whole buffer."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: memref.CopyOp, rewriter: PatternRewriter):
        emit = _emitter(rewriter)
        src = DescriptorReader(op.source, emit)
        dst = DescriptorReader(op.destination, emit)
        _identity(src.type, op.name)
        _identity(dst.type, op.name)
        numel = _product([src.size(d) for d in range(src.type.get_num_dims())], emit)
        esize = emit(const(element_bytes(src.type.element_type))).results[0]
        nbytes = emit(llvm.MulOp(numel, esize)).results[0]
        src_ptr, dst_ptr = src.element_ptr([]), dst.element_ptr([])
        volatile = emit(const(0, i1)).results[0]
        call = llvm.CallIntrinsicOp(
            "llvm.memcpy.p0.p0.i64", [dst_ptr, src_ptr, nbytes, volatile], []
        )
        rewriter.replace(op, call)


class ExtractAlignedPointerLowering(RewritePattern):
    """memref.extract_aligned_pointer_as_index -> ptrtoint of the aligned pointer."""

    @op_type_rewrite_pattern
    def match_and_rewrite(
        self, op: memref.ExtractAlignedPointerAsIndexOp, rewriter: PatternRewriter
    ):
        ptr = DescriptorReader(op.source, _emitter(rewriter)).aligned_ptr()
        rewriter.replace(op, llvm.PtrToIntOp(ptr, i64))


def memref_patterns(externs: Externs) -> list[RewritePattern]:
    """All memref patterns; malloc/free are recorded in `externs`."""
    return [
        LoadLowering(), StoreLowering(), AllocLowering(externs), AllocaLowering(),
        DeallocLowering(externs), DimLowering(), CastLowering(), SubviewLowering(),
        ReinterpretCastLowering(), CollapseShapeLowering(), ExpandShapeLowering(),
        CopyLowering(), ExtractAlignedPointerLowering(),
    ]  # fmt: skip
