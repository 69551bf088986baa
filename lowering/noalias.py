"""`noalias` on kernel buffer parameters, where destination-passing style guarantees it.

`call_tir` allocates each output afresh, so an output never shares memory with
another argument of the call; inputs may share memory with each other, but a
kernel only reads them, and LLVM's `noalias` only constrains memory that is
modified while the function runs. So every buffer parameter of a kernel can be
`noalias` when, at every call, each buffer the kernel writes is a fresh
allocation of the calling host function that no other argument of that call
views. Two steps:

1. `mark_noalias_kernels` (std dialects, after convert-relax-to-std) checks
   this at every `func.call` of every kernel and marks the kernels where it
   holds with the attribute `xrelax.noalias`. (The host's %err, which kernels
   with run-time checks write, is a buffer of the runtime's: fresh too.) A kernel that escapes a buffer
   (passes it to a call, takes its address as an integer) or is referenced by
   anything but a `func.call` is not marked.
2. `apply_noalias` (llvm dialect, before translation) gives every marked
   function's memref parameters noalias pointers. A descriptor is a struct
   passed by value, and `noalias` applies to pointer parameters only, so the
   body moves into an internal function `NAME.noalias` that takes each
   descriptor's fields as parameters (the aligned pointer `noalias`) and
   rebuilds the struct; `NAME` keeps its signature and forwards to it. The
   parallel loops of a marked kernel (outlined by parallel_to_gomp, which
   reads captured values from a struct in memory) get the same treatment for
   the descriptors captured from the kernel's parameters. LLVM inlines the
   forwarding and keeps the facts as alias scopes.
"""

from __future__ import annotations

from xdsl.dialects import func, llvm, memref, vector
from xdsl.dialects.builtin import ArrayAttr, DictionaryAttr, ModuleOp, SymbolRefAttr, UnitAttr
from xdsl.ir import Attribute, Block, BlockArgument, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from xrelax.lowering.llvm_types import PTR, extract, insert

NOALIAS_ATTR = "xrelax.noalias"
KERNEL_ATTR = "tir.kernel"

# ops that give another view of the same memory
_VIEWS = (memref.CastOp, memref.ReinterpretCastOp, memref.SubviewOp,
          memref.CollapseShapeOp, memref.ExpandShapeOp)
# ops that only read through a memref (or read its shape)
_READS = (memref.LoadOp, memref.DimOp, vector.LoadOp)
_WRITES = (memref.StoreOp, vector.StoreOp)


def _access(value: SSAValue) -> str:
    """How a kernel uses a buffer: "read", "written" or "escapes" (anything else)."""
    kind = "read"
    for use in value.uses:
        op = use.operation
        if isinstance(op, _VIEWS) and use.index == 0:
            inner = _access(op.results[0])
        elif isinstance(op, _READS):
            inner = "read"
        elif isinstance(op, _WRITES) and op.operands[0] is not value:
            inner = "written"  # stored *into*, not stored as a value
        else:
            return "escapes"
        if inner == "escapes":
            return inner
        if inner == "written":
            kind = "written"
    return kind


def _root(value: SSAValue) -> SSAValue:
    """The allocation (or parameter) whose memory a host memref value views."""
    while isinstance(value.owner, _VIEWS):
        value = value.owner.operands[0]
    return value


def _runtime_buffer(value: SSAValue) -> bool:
    """%err or %out of a host function: buffers the runtime makes for each call,
    apart from every tensor (see lowering/relax_to_std.py)."""
    from xrelax.lowering.relax_to_std import ERRORS_ATTR

    block = value.owner
    if not isinstance(value, BlockArgument) or not isinstance(block, Block):
        return False
    host = block.parent_op()
    return (isinstance(host, func.FuncOp) and ERRORS_ATTR in host.attributes
            and block is host.body.blocks[0] and value.index >= len(block.args) - 2)


def _fresh_and_distinct(call: func.CallOp, index: int) -> bool:
    """Is the memref passed at `index` a fresh allocation (or a runtime buffer)
    that no other operand views?"""
    root = _root(call.arguments[index])
    if not isinstance(root.owner, memref.AllocOp) and not _runtime_buffer(root):
        return False
    return all(_root(v) is not root for i, v in enumerate(call.arguments)
               if i != index and isinstance(v.type, memref.MemRefType))


def mark_noalias_kernels(module: ModuleOp) -> list[str]:
    """Mark the kernels whose buffer parameters may all be noalias (see the
    module docstring); returns their names."""
    kernels = {op.sym_name.data: op for op in module.ops
               if isinstance(op, func.FuncOp) and KERNEL_ATTR in op.attributes and op.body.blocks}
    calls: dict[str, list[func.CallOp]] = {name: [] for name in kernels}
    for op in module.walk():
        if isinstance(op, func.CallOp) and op.callee.root_reference.data in calls:
            calls[op.callee.root_reference.data].append(op)
            continue
        for attr in (*op.properties.values(), *op.attributes.values()):
            if isinstance(attr, SymbolRefAttr) and attr.root_reference.data in calls:
                calls.pop(attr.root_reference.data)  # referenced otherwise: unknown callers
    marked = []
    for name, sites in calls.items():
        kernel = kernels[name]
        params = [a for a in kernel.body.blocks[0].args if isinstance(a.type, memref.MemRefType)]
        access = {a.index: _access(a) for a in params}
        if not sites or not params or "escapes" in access.values():
            continue
        written = [i for i, kind in access.items() if kind == "written"]
        if all(_fresh_and_distinct(c, i) for c in sites for i in written):
            kernel.attributes[NOALIAS_ATTR] = UnitAttr()
            marked.append(name)
    return marked


# ---- llvm dialect --------------------------------------------------------------------

def _is_descriptor(t: Attribute) -> bool:
    """A memref descriptor struct: {ptr, ptr, i64[, [r x i64], [r x i64]]}."""
    return (isinstance(t, llvm.LLVMStructType) and len(t.types.data) in (3, 5)
            and t.types.data[0] == PTR and t.types.data[1] == PTR)


def _expanded_params(types: list[Attribute], noalias: list[bool]
                     ) -> tuple[list[Attribute], list[DictionaryAttr]]:
    """Parameter types and attributes of a body function: a noalias descriptor
    becomes its fields, the aligned pointer (field 1) marked noalias."""
    params: list[Attribute] = []
    attrs: list[DictionaryAttr] = []
    for t, na in zip(types, noalias):
        fields = list(t.types.data) if na else [t]  # type: ignore[attr-defined]
        for f, ft in enumerate(fields):
            params.append(ft)
            attrs.append(DictionaryAttr({"llvm.noalias": UnitAttr()} if na and f == 1 else {}))
    return params, attrs


def _rebuild_entry(block: Block, olds: list[SSAValue], types: list[Attribute],
                   noalias: list[bool]) -> set[SSAValue]:
    """Append the body function's parameters to `block` and make each old value
    (a parameter or a loaded field) a use of them: a noalias descriptor is
    rebuilt from its fields at the start of the block. Returns the rebuilt ones."""
    rebuild: list[Operation] = []
    rebuilt: set[SSAValue] = set()
    for old, t, na in zip(olds, types, noalias):
        if not na:
            old.replace_all_uses_with(block.insert_arg(t, len(block.args)))
            continue
        undef = llvm.UndefOp(t)
        rebuild.append(undef)
        value: SSAValue = undef.results[0]
        for f, ft in enumerate(t.types.data):  # type: ignore[attr-defined]
            step = insert(value, block.insert_arg(ft, len(block.args)), f)
            rebuild.append(step)
            value = step.results[0]
        old.replace_all_uses_with(value)
        rebuilt.add(value)
    if block.first_op is not None:
        block.insert_ops_before(rebuild, block.first_op)
    else:
        block.add_ops(rebuild)
    return rebuilt


def _forward(values: list[SSAValue], types: list[Attribute], noalias: list[bool],
             block: Block) -> list[SSAValue]:
    """The arguments of the call to a body function (descriptors split into fields)."""
    args: list[SSAValue] = []
    for v, t, na in zip(values, types, noalias):
        if not na:
            args.append(v)
            continue
        for f, ft in enumerate(t.types.data):  # type: ignore[attr-defined]
            field = extract(v, f, typ=ft)
            block.add_op(field)
            args.append(field.results[0])
    return args


def _body_function(name: str, params: list[Attribute], attrs: list[DictionaryAttr],
                   region: Region) -> llvm.FuncOp:
    return llvm.FuncOp(name, llvm.LLVMFunctionType(params, None),
                       linkage=llvm.LinkageAttr("internal"), body=region,
                       other_props={"arg_attrs": ArrayAttr(attrs)})


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = f"{name}.noalias", 0
    while candidate in taken:
        k += 1
        candidate = f"{name}.noalias{k}"
    taken.add(candidate)
    return candidate


def _replace_by_stub(fn: llvm.FuncOp, body: llvm.FuncOp, stub_block: Block) -> None:
    stub = llvm.FuncOp(fn.sym_name, fn.function_type, linkage=fn.linkage,
                       body=Region(stub_block))
    Rewriter.insert_op(body, InsertPoint.after(fn))
    Rewriter.replace_op(fn, stub)


def _split_kernel(fn: llvm.FuncOp, taken: set[str]) -> tuple[str, set[SSAValue]]:
    """Move fn's body into `fn.noalias` (see the module docstring); returns its
    name and the rebuilt descriptors, which it uses in place of the parameters."""
    types = list(fn.function_type.inputs.data)
    noalias = [_is_descriptor(t) for t in types]
    params, attrs = _expanded_params(types, noalias)
    body_name = _unique(fn.sym_name.data, taken)
    region = fn.detach_region(fn.body)
    entry = region.blocks[0]
    olds = list(entry.args)
    rebuilt = _rebuild_entry(entry, olds, types, noalias)
    for old in olds:
        entry.erase_arg(old)  # type: ignore[arg-type]
    stub_block = Block(arg_types=types)
    args = _forward(list(stub_block.args), types, noalias, stub_block)
    stub_block.add_ops([llvm.CallOp(body_name, *args), llvm.ReturnOp()])
    _replace_by_stub(fn, _body_function(body_name, params, attrs, region), stub_block)
    return body_name, rebuilt


def _launches(body: llvm.FuncOp) -> dict[str, list[llvm.StoreOp]]:
    """For each function whose address the body passes to a call with a data
    pointer (GOMP_parallel(fn, data, ...)): the stores into that data pointer."""
    found: dict[str, list[llvm.StoreOp]] = {}
    for op in body.walk():
        if not isinstance(op, llvm.AddressOfOp):
            continue
        stores = found.setdefault(op.global_name.root_reference.data, [])
        for use in op.results[0].uses:
            call = use.operation
            if isinstance(call, llvm.CallOp) and len(call.operands) >= 2:
                stores += [u.operation for u in call.operands[1].uses
                           if isinstance(u.operation, llvm.StoreOp)]
    return found


def _allocated_here(descriptor: SSAValue) -> bool:
    """Does the descriptor's aligned pointer come from a call in this function
    (an allocation: tir.alloc_buffer), so that it views no parameter?"""
    value = descriptor
    while isinstance(value.owner, llvm.InsertValueOp):
        if list(value.owner.position.get_values()) == [1]:
            ptr = value.owner.operands[1]
            while isinstance(ptr.owner, llvm.GEPOp):
                ptr = ptr.owner.operands[0]
            return isinstance(ptr.owner, llvm.CallOp)
        value = value.owner.operands[0]
    return False


def _captured_fields(store: llvm.StoreOp, descriptors: set[SSAValue]) -> set[int] | None:
    """Fields of the captured struct (stored whole, as an insertvalue chain) that
    hold one of the noalias descriptors; None when another captured descriptor
    may view a parameter (a view made in the kernel: its accesses would not be
    based on the noalias pointer)."""
    fields: set[int] = set()
    value = store.operands[0]
    while isinstance(value.owner, llvm.InsertValueOp):
        position = value.owner.position.get_values()
        field = value.owner.operands[1]
        if len(position) == 1 and field in descriptors:
            fields.add(position[0])
        elif _is_descriptor(field.type) and not _allocated_here(field):
            return None
        value = value.owner.operands[0]
    return fields


def _split_outlined(fn: llvm.FuncOp, fields: set[int], taken: set[str]) -> str | None:
    """Give a parallel loop body noalias descriptors for the captured `fields`:
    its body takes the captured values as parameters instead of loading them."""
    entry = fn.body.blocks[0]
    data = entry.args[0]
    loads = [u.operation for u in data.uses]
    if len(loads) != 1 or not isinstance(loads[0], llvm.LoadOp):
        return None
    whole = loads[0].results[0]
    extracts = [u.operation for u in whole.uses]
    if not all(isinstance(e, llvm.ExtractValueOp) and len(e.position.get_values()) == 1
               for e in extracts):
        return None
    positions = [e.position.get_values()[0] for e in extracts]  # type: ignore[attr-defined]
    olds = [e.results[0] for e in extracts]
    types = [v.type for v in olds]
    noalias = [p in fields and _is_descriptor(t) for p, t in zip(positions, types)]
    if not any(noalias):
        return None
    params, attrs = _expanded_params(types, noalias)
    body_name = _unique(fn.sym_name.data, taken)
    region = fn.detach_region(fn.body)
    _rebuild_entry(entry, olds, types, noalias)
    for e in extracts:
        e.detach()
        e.erase()
    loads[0].detach()
    loads[0].erase()
    entry.erase_arg(data)
    body = _body_function(body_name, params, attrs, region)
    stub_block = Block(arg_types=[PTR])
    load = llvm.LoadOp(stub_block.args[0], whole.type)
    stub_block.add_op(load)
    values = []
    for p, t in zip(positions, types):
        field = extract(load.results[0], p, typ=t)
        stub_block.add_op(field)
        values.append(field.results[0])
    args = _forward(values, types, noalias, stub_block)
    stub_block.add_ops([llvm.CallOp(body_name, *args), llvm.ReturnOp()])
    _replace_by_stub(fn, body, stub_block)
    return body_name


def apply_noalias(module: ModuleOp) -> list[str]:
    """Give the marked functions (and their parallel loops) noalias descriptor
    pointers (see the module docstring); returns the body functions made."""
    funcs = {op.sym_name.data: op for op in module.ops if isinstance(op, llvm.FuncOp)}
    taken = set(funcs)
    made = []
    for fn in list(funcs.values()):
        if NOALIAS_ATTR not in fn.attributes:
            continue
        del fn.attributes[NOALIAS_ATTR]
        if not fn.body.blocks or not isinstance(fn.function_type.output, llvm.LLVMVoidType):
            continue
        body_name, descriptors = _split_kernel(fn, taken)
        made.append(body_name)
        body = next(op for op in module.ops
                    if isinstance(op, llvm.FuncOp) and op.sym_name.data == body_name)
        for target, stores in _launches(body).items():
            outlined = funcs.get(target)
            if outlined is None or len(stores) != 1 or not outlined.body.blocks:
                continue
            fields = _captured_fields(stores[0], descriptors)
            if fields and (name := _split_outlined(outlined, fields, taken)) is not None:
                made.append(name)
    return made
