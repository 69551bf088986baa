"""func -> llvm, and the C-callable wrappers of public functions.

Inside the module, a memref argument or result is passed *by value* as its
descriptor struct; several results are returned packed in a literal struct.

For every public `func.func @NAME` with a body, `c_wrapper` makes
`llvm.func @_mlir_ciface_NAME` with this C calling convention:

    void _mlir_ciface_NAME([R *results,] A0 a0, A1 a1, ...)

- `results` (present iff NAME has results) points to a struct with one field
  per result, in order (a single result: just that value); the wrapper writes
  the results there.
- a memref argument is passed as a pointer to its descriptor
  `{void *allocated, void *aligned, int64_t offset, int64_t sizes[rank],
  int64_t strides[rank]}` (strides and offset in elements);
- a scalar argument is passed by value (`index` as int64_t).

The wrapper carries the original signature as the attribute `ciface_type`
(a builtin function type), which `xrelax.lowering.jit` reads to marshal numpy arrays.
"""

from xdsl.dialects import func, llvm, ub
from xdsl.dialects.builtin import FunctionType, MemRefType, StringAttr, i8, i64
from xdsl.ir import Attribute, Block, Region, SSAValue
from xdsl.pattern_rewriter import PatternRewriter, RewritePattern, op_type_rewrite_pattern

from xrelax.lowering.llvm_types import (
    PTR,
    const,
    convert_type,
    descriptor_type,
    extract,
    gep,
    insert,
    row_major_strides,
)
from xrelax.lowering.noalias import NOALIAS_ATTR

CIFACE_PREFIX = "_mlir_ciface_"
CIFACE_TYPE_ATTR = "ciface_type"


def packed_result_type(outputs: tuple[Attribute, ...] | list[Attribute]) -> Attribute:
    """The LLVM return type for these results: void, the one type, or a struct."""
    converted = [convert_type(t) for t in outputs]
    if not converted:
        return llvm.LLVMVoidType()
    if len(converted) == 1:
        return converted[0]
    return llvm.LLVMStructType.from_type_list(converted)


def llvm_function_type(ft: FunctionType) -> llvm.LLVMFunctionType:
    """The llvm.func type of a func.func of type ft."""
    inputs = [convert_type(t) for t in ft.inputs]
    return llvm.LLVMFunctionType(inputs, packed_result_type(ft.outputs.data))


class FuncLowering(RewritePattern):
    """func.func -> llvm.func (private functions with a body get internal linkage)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.FuncOp, rewriter: PatternRewriter):
        has_body = bool(op.body.blocks)
        private = op.sym_visibility == StringAttr("private")
        linkage = "internal" if (private and has_body) else "external"
        body = rewriter.move_region_contents_to_new_regions(op.body)
        new = llvm.FuncOp(
            op.sym_name,
            llvm_function_type(op.function_type),
            linkage=llvm.LinkageAttr(linkage),
            body=body,
        )
        if NOALIAS_ATTR in op.attributes:  # lowering/noalias.py acts on it at the end
            new.attributes[NOALIAS_ATTR] = op.attributes[NOALIAS_ATTR]
        rewriter.replace(op, new)


class ReturnLowering(RewritePattern):
    """func.return -> llvm.return (several values are packed into a struct)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.ReturnOp, rewriter: PatternRewriter):
        values = list(op.arguments)
        if len(values) <= 1:
            rewriter.replace(op, llvm.ReturnOp(values[0] if values else None))
            return
        struct_t = packed_result_type([v.type for v in values])
        ops = [llvm.UndefOp(struct_t)]
        for i, v in enumerate(values):
            ops.append(insert(ops[-1].results[0], v, i))
        ops.append(llvm.ReturnOp(ops[-1].results[0]))
        rewriter.replace(op, ops)


class CallLowering(RewritePattern):
    """func.call -> llvm.call (several results are unpacked from a struct)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: func.CallOp, rewriter: PatternRewriter):
        # Results keep their original types (memref!) until retype_values.
        result_types = list(op.res.types)
        ret = packed_result_type(result_types)
        if len(result_types) == 1:
            ret = result_types[0]
        call = llvm.CallOp(
            op.callee,
            *op.arguments,
            return_type=None if isinstance(ret, llvm.LLVMVoidType) else ret,
        )
        if len(result_types) <= 1:
            rewriter.replace(op, call)
            return
        parts = [extract(call.results[0], i, typ=t) for i, t in enumerate(result_types)]
        rewriter.replace(op, [call, *parts], [p.results[0] for p in parts])


def c_wrapper(name: str, ft: FunctionType) -> llvm.FuncOp:
    """The `_mlir_ciface_NAME` entry point of func `name` (see the module docstring)."""
    params: list[Attribute] = [PTR] if ft.outputs.data else []
    params += [PTR if isinstance(t, MemRefType) else convert_type(t) for t in ft.inputs]
    block = Block(arg_types=params)
    args = list(block.args)
    out_ptr = args.pop(0) if ft.outputs.data else None
    call_args: list[SSAValue] = []
    for arg, t in zip(args, ft.inputs):
        if isinstance(t, MemRefType):
            load = llvm.LoadOp(arg, convert_type(t))
            block.add_op(load)
            call_args.append(load.results[0])
        else:
            call_args.append(arg)
    ret = packed_result_type(ft.outputs.data)
    is_void = isinstance(ret, llvm.LLVMVoidType)
    call = llvm.CallOp(name, *call_args, return_type=None if is_void else ret)
    block.add_op(call)
    if out_ptr is not None:
        block.add_op(llvm.StoreOp(call.results[0], out_ptr))
    block.add_op(llvm.ReturnOp())
    wrapper = llvm.FuncOp(
        CIFACE_PREFIX + name,
        llvm.LLVMFunctionType(params, None),
        linkage=llvm.LinkageAttr("external"),
        body=Region(block),
    )
    wrapper.attributes[CIFACE_TYPE_ATTR] = ft
    return wrapper


class PoisonLowering(RewritePattern):
    """ub.poison -> llvm.mlir.undef (the results a host function returns with a
    failure status, never read)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: ub.PoisonOp, rewriter: PatternRewriter):
        rewriter.replace(op, llvm.UndefOp(convert_type(op.result.type)))


def func_patterns() -> list[RewritePattern]:
    """All func patterns (and ub.poison, which failed calls return)."""
    return [FuncLowering(), ReturnLowering(), CallLowering(), PoisonLowering()]


# ---- the packed entry point (the relax runtime's fast calls) -------------------------

PACKED_PREFIX = "_mlir_packed_"
# Where numpy keeps an array's data pointer and its dims pointer in the array
# object (PyArrayObject_fields: PyObject_HEAD, char *data, int nd, npy_intp
# *dimensions, ...); xrelax.lowering.runtime checks them once per process.
NUMPY_DATA_OFFSET = 16
NUMPY_DIMS_OFFSET = 32


def packed_wrapper(name: str, ft: FunctionType, modes: list[str | int]) -> llvm.FuncOp:
    """`_mlir_packed_NAME(int64_t *pack)`: calls NAME with arguments read from
    one array of 64-bit slots, so that a call costs one pointer from Python.

    Slot 0 receives NAME's single scalar result (zero-extended to 64 bits);
    the arguments follow, in order, one entry of `modes` each:
    - "scalar": one slot holding the value in its low bytes;
    - "array": one slot holding the address of a C-contiguous numpy array
      object: the descriptor is read from it (data pointer, dims; row-major
      strides) and the data pointer is written back into the slot;
    - an int k: a 1-D i64 memref of k elements that lives in the pack itself,
      in the next k slots (the runtime's %err and %out buffers).
    """
    assert len(ft.outputs.data) == 1 and not isinstance(ft.outputs.data[0], MemRefType)
    block = Block(arg_types=[PTR])
    pack = block.args[0]

    def emit(op):
        block.add_op(op)
        return op

    def at(base: SSAValue, index: int, elem: Attribute) -> SSAValue:
        offset = emit(const(index)).results[0]
        return emit(gep(base, offset, elem)).results[0]

    args: list[SSAValue] = []
    slot = 1
    for t, mode in zip(ft.inputs.data, modes, strict=True):
        if mode == "scalar":
            args.append(emit(llvm.LoadOp(at(pack, slot, i64), convert_type(t))).results[0])
            slot += 1
            continue
        assert isinstance(t, MemRefType)
        rank = t.get_num_dims()
        if mode == "array":
            obj = emit(llvm.LoadOp(at(pack, slot, i64), PTR)).results[0]
            data = emit(llvm.LoadOp(at(obj, NUMPY_DATA_OFFSET, i8), PTR)).results[0]
            emit(llvm.StoreOp(data, at(pack, slot, i64)))
            dims = (emit(llvm.LoadOp(at(obj, NUMPY_DIMS_OFFSET, i8), PTR)).results[0]
                    if rank else None)
            sizes = [emit(llvm.LoadOp(at(dims, d, i64), i64)).results[0]  # type: ignore[arg-type]
                     for d in range(rank)]
            slot += 1
        else:
            assert isinstance(mode, int) and rank == 1
            data = at(pack, slot, i64)
            sizes = [emit(const(mode)).results[0]]
            slot += mode
        strides = row_major_strides(sizes, emit)
        desc: SSAValue = emit(llvm.UndefOp(descriptor_type(t))).results[0]
        fields = [data, data, emit(const(0)).results[0]]
        for f, value in enumerate(fields):
            desc = emit(insert(desc, value, f)).results[0]
        for d, (size, stride) in enumerate(zip(sizes, strides)):
            desc = emit(insert(desc, size, 3, d)).results[0]
            desc = emit(insert(desc, stride, 4, d)).results[0]
        args.append(desc)
    result_t = convert_type(ft.outputs.data[0])
    call = emit(llvm.CallOp(name, *args, return_type=result_t))
    value = call.results[0]
    if result_t != i64:
        value = emit(llvm.ZExtOp(value, i64)).results[0]
    emit(llvm.StoreOp(value, pack))
    emit(llvm.ReturnOp())
    return llvm.FuncOp(PACKED_PREFIX + name, llvm.LLVMFunctionType([PTR], None),
                       linkage=llvm.LinkageAttr("external"), body=Region(block))
