"""Types and small IR builders shared by the std-to-llvm conversion patterns.

How the conversion treats types: the op patterns replace standard ops by `llvm`
ops *without* changing the types of SSA values they do not create (an
`index` operand stays `index`, a `memref` value stays a `memref` until the very
end), so a pattern can always read the original `memref` type of its operand
(static sizes, strides, element type).  When every op has been rewritten,
`retype_values` walks the module once and converts the type of every op result
and block argument with `convert_type`.

A memref value becomes MLIR's descriptor struct
`{ptr allocated, ptr aligned, i64 offset, [rank x i64] sizes, [rank x i64] strides}`
(rank 0: `{ptr, ptr, i64}`); `index` becomes `i64`.
"""

from collections.abc import Sequence

from xdsl.dialects import llvm
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    DenseArrayBase,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    NoneAttr,
    StridedLayoutAttr,
    VectorType,
    i32,
    i64,
)
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.rewriter import Rewriter
from xdsl.utils.exceptions import DiagnosticException

PTR = llvm.LLVMPointerType()
# Descriptor field positions (MLIR's layout).
ALLOCATED, ALIGNED, OFFSET, SIZES, STRIDES = range(5)


class LoweringError(DiagnosticException):
    """The input uses a construct that this conversion does not support."""


def descriptor_type(memref: MemRefType) -> llvm.LLVMStructType:
    """The LLVM struct type that carries a memref value of this type."""
    rank = memref.get_num_dims()
    fields: list[Attribute] = [PTR, PTR, i64]
    if rank > 0:
        arr = llvm.LLVMArrayType(rank, i64)
        fields += [arr, arr]
    return llvm.LLVMStructType.from_type_list(fields)


def convert_type(t: Attribute) -> Attribute:
    """Map a standard type to its `llvm`-dialect counterpart (identity if legal)."""
    if isinstance(t, IndexType):
        return i64
    if isinstance(t, MemRefType):
        return descriptor_type(t)
    if isinstance(t, VectorType) and isinstance(t.element_type, IndexType):
        return VectorType(i64, t.get_shape())
    return t


def element_bytes(t: Attribute) -> int:
    """Size in bytes of a scalar element type (index counts as i64)."""
    if isinstance(t, IndexType):
        return 8
    if isinstance(t, IntegerType):
        return max(1, t.width.data // 8)
    if isinstance(t, AnyFloat):
        return t.bitwidth // 8
    raise LoweringError(f"unsupported memref element type {t}")


def static_strides(memref: MemRefType) -> list[int | None]:
    """Per-dimension strides known from the type (None where only known at run time)."""
    layout = memref.layout
    if isinstance(layout, StridedLayoutAttr):
        return list(layout.get_strides())
    if not isinstance(layout, NoneAttr):
        raise LoweringError(f"unsupported memref layout {layout}")
    strides: list[int | None] = []
    running: int | None = 1
    for size in reversed(memref.get_shape()):
        strides.append(running)
        running = None if running is None or size == DYNAMIC_INDEX else running * size
    return strides[::-1]


def static_offset(memref: MemRefType) -> int | None:
    """The element offset known from the type (None if dynamic)."""
    layout = memref.layout
    if isinstance(layout, StridedLayoutAttr):
        return layout.offset.data if not isinstance(layout.offset, NoneAttr) else None
    return 0


def const(value: int, typ: Attribute = i64) -> llvm.ConstantOp:
    """An integer `llvm.mlir.constant`."""
    return llvm.ConstantOp(IntegerAttr(value, typ), typ)


def extract(container: SSAValue, *position: int, typ: Attribute) -> llvm.ExtractValueOp:
    """`llvm.extractvalue container[position...] : typ`."""
    return llvm.ExtractValueOp(
        DenseArrayBase.from_list(i64, position), container, typ
    )


def insert(container: SSAValue, value: SSAValue, *position: int) -> llvm.InsertValueOp:
    """`llvm.insertvalue value, container[position...]`."""
    return llvm.InsertValueOp(DenseArrayBase.from_list(i64, position), container, value)


def gep(ptr: SSAValue, index: SSAValue, elem: Attribute) -> llvm.GEPOp:
    """`&ptr[index]` for elements of type `elem` (index in elements)."""
    return llvm.GEPOp(
        ptr, [llvm.GEP_USE_SSA_VAL], convert_type(elem), ssa_indices=[index]
    )


def call_intrinsic(
    name: str, args: Sequence[SSAValue], result: Attribute | None
) -> llvm.CallIntrinsicOp:
    """Call the LLVM intrinsic `name` (already type-mangled)."""
    return llvm.CallIntrinsicOp(name, args, [result] if result is not None else [])


def mangle(t: Attribute) -> str:
    """LLVM's intrinsic suffix for a type: f32, i64, v16f32, ..."""
    t = convert_type(t)
    if isinstance(t, VectorType):
        return f"v{t.get_shape()[0]}{mangle(t.element_type)}"
    if isinstance(t, IntegerType):
        return f"i{t.width.data}"
    if isinstance(t, AnyFloat):
        return f"f{t.bitwidth}"
    raise LoweringError(f"no intrinsic suffix for {t}")


class DescriptorReader:
    """Emits the reads of one memref descriptor's fields, before a given op.

    Static facts from the memref type (sizes, strides, offset) become constants,
    so that LLVM sees them; dynamic ones are read from the descriptor.
    """

    def __init__(self, value: SSAValue, rewriter_insert) -> None:
        assert isinstance(value.type, MemRefType)
        self.value = value
        self.type: MemRefType = value.type
        self.emit = rewriter_insert

    def _field(self, *position: int, typ: Attribute = i64) -> SSAValue:
        return self.emit(extract(self.value, *position, typ=typ)).results[0]

    def allocated_ptr(self) -> SSAValue:
        return self._field(ALLOCATED, typ=PTR)

    def aligned_ptr(self) -> SSAValue:
        return self._field(ALIGNED, typ=PTR)

    def offset(self) -> SSAValue:
        off = static_offset(self.type)
        return self._const(off) if off is not None else self._field(OFFSET)

    def size(self, dim: int) -> SSAValue:
        s = self.type.get_shape()[dim]
        return self._const(s) if s != DYNAMIC_INDEX else self._field(SIZES, dim)

    def stride(self, dim: int) -> SSAValue:
        s = static_strides(self.type)[dim]
        return self._const(s) if s is not None else self._field(STRIDES, dim)

    def _const(self, v: int) -> SSAValue:
        return self.emit(const(v)).results[0]

    def element_ptr(self, indices: Sequence[SSAValue]) -> SSAValue:
        """Address of element `indices` (row-major/strided linearization)."""
        linear = self.linear_index(indices)
        base = self.aligned_ptr()
        return self.emit(gep(base, linear, self.type.element_type)).results[0]

    def linear_index(self, indices: Sequence[SSAValue]) -> SSAValue:
        """offset + sum(index_d * stride_d), skipping multiplications by 1 and zero offsets."""
        strides = static_strides(self.type)
        off = static_offset(self.type)
        acc: SSAValue | None = None if off == 0 else self.offset()
        for dim, idx in enumerate(indices):
            term = idx
            if strides[dim] != 1:
                term = self.emit(llvm.MulOp(idx, self.stride(dim))).results[0]
            acc = term if acc is None else self.emit(llvm.AddOp(acc, term)).results[0]
        return acc if acc is not None else self._const(0)


def build_descriptor(
    memref: MemRefType,
    allocated: SSAValue,
    aligned: SSAValue,
    offset: SSAValue,
    sizes: Sequence[SSAValue],
    strides: Sequence[SSAValue],
    emit,
) -> SSAValue:
    """Emit `undef` + `insertvalue`s that assemble a descriptor of type `memref`.

    The returned value is typed `memref` (retype_values makes it a struct) so
    that the patterns of its users still see the memref type."""
    desc: SSAValue = emit(llvm.UndefOp(descriptor_type(memref))).results[0]
    desc = emit(insert(desc, allocated, ALLOCATED)).results[0]
    desc = emit(insert(desc, aligned, ALIGNED)).results[0]
    desc = emit(insert(desc, offset, OFFSET)).results[0]
    for d, size in enumerate(sizes):
        desc = emit(insert(desc, size, SIZES, d)).results[0]
    for d, stride in enumerate(strides):
        desc = emit(insert(desc, stride, STRIDES, d)).results[0]
    return Rewriter.replace_value_with_new_type(desc, memref)


def row_major_strides(sizes: Sequence[SSAValue], emit) -> list[SSAValue]:
    """Strides of a contiguous row-major array with the given sizes (none for rank 0)."""
    if not sizes:
        return []
    strides: list[SSAValue] = [emit(const(1)).results[0]]
    for size in reversed(sizes[1:]):
        strides.append(emit(llvm.MulOp(strides[-1], size)).results[0])
    return strides[::-1]


def retype_values(root: Operation) -> None:
    """Give every op result and block argument under `root` its converted type."""
    for op in root.walk():
        for res in list(op.results):
            new = convert_type(res.type)
            if new != res.type:
                Rewriter.replace_value_with_new_type(res, new)
        for region in op.regions:
            for block in region.blocks:
                for arg in list(block.args):
                    new = convert_type(arg.type)
                    if new != arg.type:
                        Rewriter.replace_value_with_new_type(arg, new)




def extract_lane(vec: SSAValue, lane: int, emit) -> SSAValue:
    """Element `lane` of a 1-D vector.

    xDSL's llvm dialect has no extractelement: shuffle the lane into a
    one-element vector and bitcast that to the scalar (LLVM folds this back
    into an extractelement).
    """
    vt = vec.type
    assert isinstance(vt, VectorType)
    elem = convert_type(vt.element_type)
    mask = DenseArrayBase.from_list(i32, [lane])
    one = emit(llvm.ShuffleVectorOp(vec, vec, mask, VectorType(elem, [1]))).results[0]
    return emit(llvm.BitcastOp(one, elem)).results[0]


def splat_float(value: float, t: Attribute) -> llvm.ConstantOp:
    """A float constant of scalar or vector type t (vectors: every lane = value)."""
    from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, FloatAttr

    if isinstance(t, VectorType):
        n = t.get_shape()[0]
        return llvm.ConstantOp(DenseIntOrFPElementsAttr.from_list(t, [value] * n), t)
    return llvm.ConstantOp(FloatAttr(value, t), t)  # type: ignore[arg-type]
