"""Buffer primitives: cache_read, cache_write, transform_layout.

A cache is a local buffer (`tir.alloc_buffer {scope = "local"}`) of the
buffer's shape with a copy block: before the consumer's loop nest for a read
cache, after the producer's for a write cache. `compute_at` /
`reverse_compute_at` then move the copy to where a tile needs it.
"""

from __future__ import annotations

import itertools
from typing import Any

from xdsl.dialects import arith
from xdsl.dialects.builtin import (
    AffineMapAttr,
    ArrayAttr,
    DictionaryAttr,
    Float64Type,
    FloatAttr,
    FunctionType,
    IntegerAttr,
    IntegerType,
    StringAttr,
    SymbolRefAttr,
)
from xdsl.ir import Operation, SSAValue
from xdsl.utils.exceptions import VerifyException

from xrelax.tir import ops as tir
from xrelax.tir.schedule.index import Emitter, Names
from xrelax.tir.schedule.index_map import IndexMap, IndexMapError, image_shape, inverse
from xrelax.tir.schedule.nest import (
    ScheduleError,
    blocks_under,
    describe,
    is_local,
    kernel_of,
    loads_of,
    new_loop,
    read,
    stores_of,
    top_level_op,
    value_name,
    written,
)
from xrelax.tir.symbolic import SymExpr, prove_equal
from xrelax.tir.types import BufferType


def as_index_map(value: Any) -> IndexMap:
    try:
        return IndexMap.of(value)
    except IndexMapError as err:
        raise ScheduleError(f"transform_layout: {err}") from None


def _buffer_name(buffer: SSAValue, fallback: str) -> str:
    return buffer.name_hint or fallback


def _alloc(kernel: tir.FuncOp, btype: BufferType, name: str, scope: str | None) -> SSAValue:
    alloc = tir.AllocBufferOp(btype)
    alloc.result.name_hint = name
    if scope is not None:
        alloc.attributes["scope"] = StringAttr(scope)
    body = kernel.body.block
    allocs = [op for op in body.ops if isinstance(op, tir.AllocBufferOp)]
    if allocs:
        body.insert_op_after(alloc, allocs[-1])
    elif body.first_op is not None:
        body.insert_op_before(alloc, body.first_op)
    else:
        body.add_op(alloc)
    return alloc.result


def _copy_nest(name: str, src: SSAValue, dst: SSAValue) -> tuple[tir.ForOp | tir.BlockOp,
                                                                 tir.BlockOp]:
    """for ax0.. { block name (v0 = spatial[d0] ax0, ...) { dst[v] = src[v] } }"""
    dims = src.type.dims  # type: ignore[attr-defined]
    loops = [new_loop(0, d, name=f"ax{k}") for k, d in enumerate(dims)]
    for outer, inner in zip(loops, loops[1:]):
        outer.body.block.add_op(inner)
    block = tir.BlockOp(name, [lp.induction_var for lp in loops], ["spatial"] * len(dims),
                        dims)
    for k, arg in enumerate(block.iter_vars):
        arg.name_hint = f"v{k}"
    load = tir.LoadOp(src, block.iter_vars)
    block.body.block.add_ops([load, tir.StoreOp(load.result, dst, block.iter_vars)])
    if loops:
        loops[-1].body.block.add_op(block)
        return loops[0], block
    return block, block


def _check_scope(scope: str, p: str) -> None:
    if not isinstance(scope, str) or not scope.isidentifier():
        raise ScheduleError(f"{p}: the storage scope must be a name like \"local\", got "
                            f"{scope!r}")


def _pick(buffers: list[SSAValue], index: int, block: tir.BlockOp, what: str, p: str,
          ) -> SSAValue:
    if not isinstance(index, int) or not 0 <= index < len(buffers):
        names = ", ".join(f"{i}: {value_name(b)}" for i, b in enumerate(buffers)) or "none"
        raise ScheduleError(f"{p}: {describe(block)} has no {what} buffer #{index!r} "
                            f"({what} buffers: {names})")
    return buffers[index]


def cache_read(block: tir.BlockOp, index: int, scope: str = "local") -> tir.BlockOp:
    p = "cache_read"
    _check_scope(scope, p)
    ins = [b for b in read(block) if b not in written(block)]
    src = _pick(ins, index, block, "read", p)
    top = top_level_op(block)
    for other in blocks_under(top):
        if src in written(other):
            raise ScheduleError(f"{p}: {value_name(src)} is written inside the loop nest of "
                                f"{describe(block)} (by {describe(other)})")
    kernel = kernel_of(block)
    name = f"{_buffer_name(src, block.block_name.data)}_{scope}"
    cache = _alloc(kernel, src.type, name, scope)  # type: ignore[arg-type]
    root, copy = _copy_nest(name, src, cache)
    kernel.body.block.insert_op_before(root, top)
    for ld in loads_of(block):
        if ld.buffer is src:
            ld.operands[0] = cache
    return copy


def cache_write(block: tir.BlockOp, index: int, scope: str = "local") -> tir.BlockOp:
    p = "cache_write"
    _check_scope(scope, p)
    dst = _pick(written(block), index, block, "written", p)
    for use in dst.uses:
        op = use.operation
        if isinstance(op, tir.StoreOp) and not block.is_ancestor(op):
            raise ScheduleError(f"{p}: {value_name(dst)} is also written outside "
                                f"{describe(block)}")
    if dst in read(block) and block.init is None:
        raise ScheduleError(f"{p}: {describe(block)} accumulates into {value_name(dst)} "
                            "without a tir.init (it reads what another block wrote)")
    spatial = [v for v, k in zip(block.iter_vars, block.kinds) if k == "spatial"]
    doms = dict(zip(block.iter_vars, block.iter_doms.data))
    for s in stores_of(block):
        if s.buffer is not dst:
            continue
        if len(set(s.indices)) != len(s.indices) or any(i not in spatial for i in s.indices) \
                or any(not prove_equal(doms[i].data, d)
                       for i, d in zip(s.indices, dst.type.dims)):  # type: ignore[attr-defined]
            raise ScheduleError(f"{p}: {describe(block)} must write all of "
                                f"{value_name(dst)}, at its spatial iteration variables")
    top = top_level_op(block)
    for other in blocks_under(top):
        if other is not block and dst in read(other) + written(other):
            raise ScheduleError(f"{p}: {describe(other)} also accesses {value_name(dst)} "
                                f"inside the loop nest of {describe(block)}")
    kernel = kernel_of(block)
    name = f"{_buffer_name(dst, block.block_name.data)}_{scope}"
    cache = _alloc(kernel, dst.type, name, scope)  # type: ignore[arg-type]
    for op in block.walk():
        if isinstance(op, (tir.LoadOp, tir.StoreOp)) and op.buffer is dst:
            op.operands[0 if isinstance(op, tir.LoadOp) else 1] = cache
    root, copy = _copy_nest(name, cache, dst)
    kernel.body.block.insert_op_after(root, top)
    return copy


# ---- transform_layout -----------------------------------------------------------------

def _resolve_buffer(block: tir.BlockOp, buffer: Any, p: str) -> SSAValue:
    if isinstance(buffer, (tuple, list)) and len(buffer) == 2 and buffer[0] in ("read",
                                                                                 "write"):
        kind, index = buffer
        pool = read(block) if kind == "read" else written(block)
        return _pick(pool, index, block, kind if kind == "read" else "written", p)
    if isinstance(buffer, str):
        kernel = kernel_of(block)
        pool = list(kernel.args) + [op.result for op in kernel.body.block.ops
                                    if isinstance(op, tir.AllocBufferOp)]
        found = [b for b in pool if isinstance(b.type, BufferType) and b.name_hint == buffer]
        if len(found) != 1:
            raise ScheduleError(f"{p}: @{kernel.sym_name.data} has "
                                f"{'no' if not found else 'several'} buffer named %{buffer}")
        return found[0]
    raise ScheduleError(f"{p}: name the buffer as (\"read\", i), (\"write\", i) or by its "
                        f"name, not {buffer!r}")


def _check_injective(imap: IndexMap, dims: list[SymExpr], new_dims: list[SymExpr],
                     buf: str, p: str) -> None:
    """Evaluate the map on every index of small instances of the buffer: no two
    indices may meet, and every image must lie inside the new shape."""
    free = sorted(set().union(*(d.free_vars() for d in dims + new_dims)))
    samples = [dict(zip(free, vals)) for vals in
               itertools.islice(itertools.product((1, 3, 17), repeat=len(free)), 9)] or [{}]
    for env in samples:
        shape = [d.evaluate(env) for d in dims]
        bound = [d.evaluate(env) for d in new_dims]
        count = 1
        for s in shape:
            count *= s
        if count > 50000:
            continue
        seen: dict[tuple, tuple] = {}
        for idx in itertools.product(*(range(s) for s in shape)):
            point = dict(env, **dict(zip(imap.params, idx)))
            image = tuple(e.evaluate(point) for e in imap.exprs)
            if any(not 0 <= x < b for x, b in zip(image, bound)):
                raise ScheduleError(f"{p}: the index map sends {idx} of {buf} to {image}, "
                                    f"outside the new shape {bound}")
            if image in seen:
                raise ScheduleError(f"{p}: the index map is not one-to-one on {buf}: "
                                    f"{seen[image]} and {idx} both go to {image}")
            seen[image] = idx


def _callers(kernel: tir.FuncOp) -> list[Operation]:
    module = kernel.parent_op()
    if module is None:
        return []
    name = kernel.sym_name.data
    found = []
    for op in module.walk():
        callee = op.properties.get("callee")
        if op.name == "relax.call_tir" and isinstance(callee, SymbolRefAttr) \
                and callee.string_value() == name:
            found.append(op)
    return found


def transform_layout(block: tir.BlockOp, buffer: Any, imap: IndexMap,
                     pad_value: float | int | None = None) -> None:
    p = "transform_layout"
    buf = _resolve_buffer(block, buffer, p)
    btype = buf.type
    assert isinstance(btype, BufferType)
    bname = value_name(buf)
    dims = list(btype.dims)
    if len(imap.params) != len(dims):
        raise ScheduleError(f"{p}: the index map takes {len(imap.params)} indices but {bname} "
                            f"has rank {len(dims)}")
    try:
        new_dims = image_shape(imap, dims)
    except IndexMapError as err:
        raise ScheduleError(f"{p}: {bname}: {err}") from None
    _check_injective(imap, dims, new_dims, bname, p)
    old_size, new_size = SymExpr.const(1), SymExpr.const(1)
    for d in dims:
        old_size = old_size * d
    for d in new_dims:
        new_size = new_size * d
    padded = not prove_equal(old_size, new_size)
    kernel = kernel_of(block)
    writers = [u.operation for u in buf.uses if isinstance(u.operation, tir.StoreOp)]
    called = not is_local(buf) and bool(_callers(kernel))
    if pad_value is not None and padded and not writers and not called:
        raise ScheduleError(f"{p}: {bname} is only read by @{kernel.sym_name.data}; a pad value "
                            "needs a block that writes it")
    if pad_value is not None and not isinstance(pad_value, (int, float)):
        raise ScheduleError(f"{p}: pad_value must be a number, got {pad_value!r}")
    if called:
        _record_param_layout(kernel, kernel.body.block.args.index(buf), imap, pad_value)
    new_type = BufferType(new_dims, btype.dtype)
    accesses = [u.operation for u in buf.uses
                if isinstance(u.operation, (tir.LoadOp, tir.StoreOp))]
    new_buf = _retype(kernel, buf, new_type)
    for op in accesses:
        names = Names()
        olds = list(op.indices)
        emit = Emitter(op, names)
        new_idx = [emit.value(e) for e in imap([names.var(i) for i in olds])]
        fixed = len(op.operands) - len(olds)
        op.operands = list(op.operands[:fixed]) + new_idx
    if padded and pad_value is not None and writers:
        _fill(kernel, new_buf, pad_value, f"{_buffer_name(buf, 'buffer')}_pad",
              top_level_op(min(writers, key=_position(kernel))))


PARAM_LAYOUTS = "tir.param_layouts"


def _record_param_layout(kernel: tir.FuncOp, index: int, imap: IndexMap,
                         pad_value: float | int | None) -> None:
    """A parameter of a kernel that relax.call_tir calls changes layout: the
    kernel records, per parameter, [the map from the callers' layout
    (composed with an earlier one), the callers' buffer type, the pad value]
    in `tir.param_layouts`. The callers keep passing the old layout (the call
    verifier reads the record) until `rewrite-layout` (which apply-schedule
    and default-pipeline run) transforms the arguments and results at every
    call and drops the record."""
    record = dict(kernel.attributes[PARAM_LAYOUTS].data) if PARAM_LAYOUTS in kernel.attributes \
        else {}
    key = str(index)
    original = kernel.body.block.args[index].type
    if key in record:
        old = record[key].data
        first = IndexMap.of(old[0])
        imap = IndexMap(first.params, tuple(imap(list(first.exprs))))
        original = old[1]
        if pad_value is None and len(old) > 2:
            pad_value = old[2]  # type: ignore[assignment]
    entry: list = [AffineMapAttr(imap.to_affine_map()), original]
    if isinstance(pad_value, float):
        entry.append(FloatAttr(pad_value, Float64Type()))
    elif isinstance(pad_value, int):
        entry.append(IntegerAttr(pad_value, IntegerType(64)))
    elif pad_value is not None:
        entry.append(pad_value)
    record[key] = ArrayAttr(entry)
    kernel.attributes[PARAM_LAYOUTS] = DictionaryAttr(record)


def caller_param_types(kernel: tir.FuncOp) -> list:
    """The parameter types the callers pass: a parameter whose layout a
    schedule changed (and rewrite-layout has not yet followed at the calls)
    still takes the old layout. A malformed record (it may come from a file)
    raises VerifyException."""
    types = list(kernel.function_type.inputs.data)
    record = kernel.attributes.get(PARAM_LAYOUTS)
    if record is None:
        return types
    name = f"@{kernel.sym_name.data}: {PARAM_LAYOUTS}"
    if not isinstance(record, DictionaryAttr):
        raise VerifyException(f"{name} must be a dictionary")
    for key, entry in record.data.items():
        if not key.isdigit() or int(key) >= len(types):
            raise VerifyException(f"{name}: {key!r} is not a parameter index")
        ok = isinstance(entry, ArrayAttr) and len(entry.data) in (2, 3) \
            and isinstance(entry.data[0], AffineMapAttr) and isinstance(entry.data[1], BufferType) \
            and (len(entry.data) == 2 or isinstance(entry.data[2], (FloatAttr, IntegerAttr)))
        if not ok:
            raise VerifyException(f"{name}: entry {key} must be [index map, the callers' buffer "
                                  "type, optional pad value]")
        original = entry.data[1]  # type: ignore[union-attr]
        current = types[int(key)]
        try:
            imap = IndexMap.of(entry.data[0])  # type: ignore[union-attr]
            shape = image_shape(imap, list(original.dims))  # type: ignore[union-attr]
            inverse(imap, list(original.dims))  # type: ignore[union-attr]
        except IndexMapError as err:
            raise VerifyException(f"{name}: entry {key}: {err}") from None
        if not isinstance(current, BufferType) or current.dtype != original.dtype \
                or len(shape) != current.rank \
                or not all(prove_equal(a, b) for a, b in zip(shape, current.dims)):
            new = ", ".join(map(str, shape))
            raise VerifyException(f"{name}: entry {key} maps {original} to [{new}], but the "
                                  f"parameter is {current}")
        types[int(key)] = original
    return types


def _position(kernel: tir.FuncOp):
    order = {op: i for i, op in enumerate(kernel.walk())}
    return lambda op: order[op]


def _retype(kernel: tir.FuncOp, buf: SSAValue, new_type: BufferType) -> SSAValue:
    if isinstance(buf.owner, tir.AllocBufferOp):
        old = buf.owner
        new = tir.AllocBufferOp(new_type)
        new.attributes.update(old.attributes)
        new.result.name_hint = buf.name_hint
        kernel.body.block.insert_op_before(new, old)
        buf.replace_all_uses_with(new.result)
        kernel.body.block.erase_op(old)
        return new.result
    body = kernel.body.block
    assert buf in body.args
    index = body.args.index(buf)
    new = body.insert_arg(new_type, index)
    new.name_hint = buf.name_hint
    buf.replace_all_uses_with(new)
    body.erase_arg(buf)
    kernel.properties["function_type"] = FunctionType.from_lists([a.type for a in body.args],
                                                                 [])
    return new


def _fill(kernel: tir.FuncOp, buf: SSAValue, value: float | int, name: str,
          before: Operation) -> None:
    btype = buf.type
    assert isinstance(btype, BufferType)
    dtype = btype.dtype
    if isinstance(dtype, IntegerType):
        const = arith.ConstantOp(IntegerAttr(int(value), dtype))
    else:
        const = arith.ConstantOp(FloatAttr(float(value), dtype))  # type: ignore[arg-type]
    dims = list(btype.dims)
    loops = [new_loop(0, d, name=f"ax{k}") for k, d in enumerate(dims)]
    for outer, inner in zip(loops, loops[1:]):
        outer.body.block.add_op(inner)
    block = tir.BlockOp(name, [lp.induction_var for lp in loops], ["spatial"] * len(dims), dims)
    for k, arg in enumerate(block.iter_vars):
        arg.name_hint = f"v{k}"
    block.body.block.add_ops([const, tir.StoreOp(const.result, buf, block.iter_vars)])
    root: Operation = block
    if loops:
        loops[-1].body.block.add_op(block)
        root = loops[0]
    kernel.body.block.insert_op_before(root, before)
