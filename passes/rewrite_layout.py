"""`rewrite-layout`: kernels choose the layout of their operands, the graph provides it.

For every tir kernel, each contraction block is asked which layouts would let
it run as a register tile (`xrelax.tir.autoschedule.contraction.layout_plan`):
for example a strided or narrow NCHW convolution wants its weight as
[C, KH, KW, O] and its output as [N, H, W, O], so that the output channels
become the vector lanes; `x @ W^T` wants W as [K, N]. The pass then

1. permutes those buffers inside the kernel (`xrelax.tir.layout.permute_buffer`):
   a local buffer changes layout for its producer and consumers alike;
2. lets the layout flow through the kernel's layout-agnostic blocks: a block
   whose loads and store correspond dim for dim (an elementwise epilogue, a
   residual add, a padding block, a pooling window) gives the buffers on the
   other side the same permutation, so a convolution's epilogue writes the
   kernel's output channels-last and reads its residual channels-last, and
   its padding block reads the input channels-last;
3. for a kernel parameter, rewrites every `relax.call_tir` of the kernel: an
   input gets a `relax.layout_transform` before the call, an output is
   produced in the new layout and the inverse `relax.layout_transform` after
   the call gives the caller the layout it asked for;
4. lets the layout flow between kernels: a kernel called once whose input is
   the inverse transform of another kernel's output adopts that layout for
   the parameter (and through its agnostic blocks for its output), and a
   transform followed by its inverse cancels. A CNN then stays channels-last
   from its first convolution to its global pooling; transforms remain where
   a layout-sensitive consumer (a reshape, the graph's inputs and outputs)
   needs the original layout.

Run `legalize-ops` and `fold-constant` after it (`default-pipeline` does):
a transformed constant weight becomes a new constant, computed once at compile
time, and the kernel reads the packed layout directly. Inputs that are not
constants are transformed at run time by a kernel of their own.

Options: `rewrite-layout{target=avx2}` plans for another CPU than the host's.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects.builtin import AffineMapAttr, ArrayAttr, DictionaryAttr, ModuleOp
from xdsl.ir import BlockArgument, Operation, SSAValue
from xdsl.passes import ModulePass
from xdsl.utils.exceptions import VerifyException

from xrelax.diagnostics import CompileError, location_prefix
from xrelax.relax.call_ops import CallTIROp
from xrelax.relax.op_base import from_attr
from xrelax.relax.ops_index import StridedSliceOp
from xrelax.relax.ops_layout import LayoutTransformOp
from xrelax.relax.types import TensorType
from xrelax.relax.value_ops import ConstantOp
from xrelax.tir import ops as tir
from xrelax.tir.autoschedule.contraction import layout_plan, tile_quality
from xrelax.tir.layout import accesses_only, inverse, permute_buffer
from xrelax.tir.schedule.buffers import PARAM_LAYOUTS, caller_param_types
from xrelax.tir.schedule.index_map import IndexMap, composes_to_identity, image_shape, permutation_map
from xrelax.tir.schedule.index_map import inverse as inverse_map
from xrelax.tir.target import Target, target_named

Perm = list[int]


def _permute_cost(kernel: tir.FuncOp, constant_params: set[int]):
    """See `layout_plan`: None (fixed), 0 (free) or 1 (a pass over memory per run)."""
    def cost(buffer: SSAValue) -> float | None:
        if not accesses_only(buffer):
            return None
        if isinstance(buffer, BlockArgument):
            if buffer.block is not kernel.body.block:
                return None
            return 0.0 if buffer.index in constant_params else 1.0
        return 0.0 if isinstance(buffer.owner, tir.AllocBufferOp) else None
    return cost


class _KernelLayouts:
    """The buffers of one kernel whose layout this pass changed, with the
    permutation of each parameter (index -> perm) for the callers. A
    parameter changed only by propagation is *soft*: the pass undoes it
    when the transform it costs the caller does not cancel."""

    def __init__(self, kernel: tir.FuncOp, target: Target, params_free: bool):
        self.kernel = kernel
        self.target = target
        self.params_free = params_free  # the kernel has one caller: params may follow
        self.decided: set[SSAValue] = set()
        self.params: dict[int, Perm] = {}
        self.soft: set[int] = set()
        self.log: list[tuple[SSAValue, Perm]] = []

    def permute(self, buffer: SSAValue, perm: Perm, soft: bool = False) -> SSAValue:
        index = buffer.index if isinstance(buffer, BlockArgument) else None
        new = permute_buffer(self.kernel, buffer, perm)
        self.decided.discard(buffer)
        self.decided.add(new)
        self.log.append((new, list(perm)))
        if index is not None:
            self.params[index] = list(perm)
            if soft:
                self.soft.add(index)
        return new

    def undo_to(self, mark: int) -> None:
        """Undo the changes made since len(self.log) was `mark`."""
        while len(self.log) > mark:
            buffer, perm = self.log.pop()
            back = permute_buffer(self.kernel, buffer, inverse(perm))
            self.decided.discard(buffer)
            if isinstance(back, BlockArgument):
                self.params.pop(back.index, None)
                self.soft.discard(back.index)

    def undo_param(self, index: int) -> None:
        param = self.kernel.body.block.args[index]
        permute_buffer(self.kernel, param, inverse(self.params.pop(index)))
        self.soft.discard(index)

    def changeable(self, buffer: SSAValue) -> bool:
        if buffer in self.decided or not accesses_only(buffer):
            return False
        if isinstance(buffer, BlockArgument):
            return self.params_free and buffer.block is self.kernel.body.block
        return isinstance(buffer.owner, tir.AllocBufferOp)

    def blocks(self) -> list[tir.BlockOp]:
        return [b for b in self.kernel.walk() if isinstance(b, tir.BlockOp)]

    def plan(self, constant_params: set[int]) -> None:
        """Step 1: the layouts the contractions want."""
        for block in self.blocks():
            plan = layout_plan(block, self.target, _permute_cost(self.kernel, constant_params))
            if any(buf in self.decided for buf in plan):
                continue  # another block already chose this buffer's layout
            for buffer, perm in plan.items():
                self.permute(buffer, perm)

    def propagate(self) -> None:
        """Step 2: through the blocks whose loads correspond to their store dim
        for dim, until nothing changes."""
        while any(self._propagate_block(b) for b in self.blocks()):
            pass

    def _propagate_block(self, block: tir.BlockOp) -> bool:
        stores = [op for op in block.walk() if isinstance(op, tir.StoreOp)]
        if not stores or any(st.buffer is not stores[0].buffer for st in stores):
            return False
        out = stores[0].buffer
        idx = list(stores[0].indices)
        if any(list(st.indices) != idx for st in stores):
            return False
        spatial = {v for v, k in zip(block.iter_vars, block.kinds) if k == "spatial"}
        reduce = set(block.iter_vars) - spatial
        if len(set(idx)) != len(idx) or not all(v in spatial for v in idx):
            return False
        loads = [op for op in block.walk() if isinstance(op, tir.LoadOp) and op.buffer is not out]
        if any(_contracted(ld, reduce, spatial) for ld in loads):
            return False  # a contraction: its layouts are its plan's
        for load in loads:
            sigma = _correspondence(load, idx, spatial)
            if sigma is None or sigma == list(range(len(sigma))):
                continue
            src = load.buffer
            if src in self.decided and self.changeable(out):
                self.permute(out, sigma, soft=True)  # the store follows the load's layout
                return True
            if out in self.decided and self.changeable(src):
                self.permute(src, inverse(sigma), soft=True)  # the load follows the store's
                return True
        return False

    def quality(self) -> list[float]:
        return [tile_quality(b, self.target) for b in self.blocks()]


def _mentioned(value: SSAValue, vars_: set[SSAValue]) -> set[SSAValue]:
    """The iteration variables among `vars_` that an index value depends on."""
    found: set[SSAValue] = set()
    seen: set[SSAValue] = set()
    todo = [value]
    while todo:
        v = todo.pop()
        if v in seen:
            continue
        seen.add(v)
        if v in vars_:
            found.add(v)
            continue
        owner = v.owner
        if isinstance(owner, Operation) and not isinstance(owner, tir.LoadOp):
            todo += owner.operands
    return found


def _contracted(load: tir.LoadOp, reduce: set[SSAValue], spatial: set[SSAValue]) -> bool:
    """Some index of the load runs over reduction variables only (a
    contraction's operand: the input channel of a convolution)."""
    return any(not _mentioned(i, spatial) and _mentioned(i, reduce) for i in load.indices)


def _correspondence(load: tir.LoadOp, store_idx: list[SSAValue],
                    spatial: set[SSAValue]) -> Perm | None:
    """sigma with load dim d <-> store dim sigma[d], when the load has the
    store's rank and each of its indices depends on one store variable (and
    maybe reduction variables: a pooling window); constant (broadcast) dims
    take the store dims left over, in order. None when the dims do not
    correspond."""
    rank = len(store_idx)
    if len(load.indices) != rank:
        return None
    position = {v: k for k, v in enumerate(store_idx)}
    sigma: list[int | None] = []
    for index in load.indices:
        used = _mentioned(index, spatial)
        if len(used) > 1 or any(v not in position for v in used):
            return None
        sigma.append(position[next(iter(used))] if used else None)
    taken = [d for d in sigma if d is not None]
    if len(set(taken)) != len(taken):
        return None
    left = iter(d for d in range(rank) if d not in taken)
    return [d if d is not None else next(left) for d in sigma]


def _constant_params(module: ModuleOp) -> dict[str, set[int]]:
    """Per kernel, the parameters that every call passes a relax.constant."""
    found: dict[str, set[int]] = {}
    for call in module.walk():
        if not isinstance(call, CallTIROp):
            continue
        name = call.callee.root_reference.data
        consts = {i for i, a in enumerate(call.args) if isinstance(a.owner, ConstantOp)}
        found[name] = found[name] & consts if name in found else consts
    return found


Layout = tuple[IndexMap, object]  # index map from the caller's layout, pad value (or None)


def _transform_call(call: CallTIROp, maps: dict[int, Layout]) -> dict[int, SSAValue]:
    """Transforms around one call whose kernel takes parameter k in layout
    maps[k]: `relax.layout_transform` of an input before the call; an output
    is produced in the new layout and transformed back after the call (cut
    to its shape when the layout pads). Returns, per output index, the call's
    new result (in the kernel's layout); its old uses see the value back."""
    block = call.parent_block()
    assert block is not None
    n_args = len(call.args)
    args = list(call.args)
    for index, (imap, pad) in maps.items():
        if index < n_args:
            forward = LayoutTransformOp.make(
                args[index], index_map=AffineMapAttr(imap.to_affine_map()), pad_value=pad)
            block.insert_op_before(forward, call)
            args[index] = forward.results[0]
    out_types = []
    for j, result in enumerate(call.outputs):
        t = result.type
        if n_args + j in maps:
            assert isinstance(t, TensorType) and t.dims is not None
            t = TensorType(image_shape(maps[n_args + j][0], t.dims), t.dtype)
        out_types.append(t)
    new_call = CallTIROp(call.callee.root_reference.data, args, out_types,
                         [e for e in call.sym_exprs])
    block.insert_op_before(new_call, call)
    after: Operation = new_call
    produced: dict[int, SSAValue] = {}
    for j, (old, new) in enumerate(zip(call.outputs, new_call.outputs)):
        new.name_hint = old.name_hint
        value: SSAValue = new
        old_t = old.type
        if n_args + j in maps and isinstance(old_t, TensorType) and old_t.dims is not None:
            produced[j] = new
            back = LayoutTransformOp.make(new, index_map=AffineMapAttr(
                inverse_map(maps[n_args + j][0], old_t.dims).as_map().to_affine_map()))
            block.insert_op_after(back, after)
            after, value = back, back.results[0]
            full = value.type
            assert isinstance(full, TensorType) and full.dims is not None
            cut = [k for k, (a, b) in enumerate(zip(full.dims, old_t.dims)) if a != b]
            if cut:
                crop = StridedSliceOp.make(value, axes=cut, begin=[0] * len(cut),
                                           end=[old_t.dims[k] for k in cut])
                block.insert_op_after(crop, after)
                after, value = crop, crop.results[0]
        old.replace_all_uses_with(value)
    block.erase_op(call)
    return produced


def _rewrite_call(call: CallTIROp, params: dict[int, Perm],
                  produced: dict[SSAValue, Perm]) -> None:
    """Step 3: transforms around one call. `produced` records, for the value
    after an output's inverse transform, the layout the kernel wrote."""
    n_args = len(call.args)
    results = _transform_call(call, {k: (permutation_map(p), None) for k, p in params.items()})
    for j, new in results.items():
        (back,) = [u.operation for u in new.uses]
        produced[back.results[0]] = params[n_args + j]


def _adopt(layouts: _KernelLayouts, call: CallTIROp, produced: dict[SSAValue, Perm]) -> None:
    """Step 4: an input that another kernel produced in a permuted layout (and
    undid right after) is read in that layout, if that leaves every
    contraction of the kernel tiling as well as before."""
    for index, arg in enumerate(call.args):
        perm = produced.get(arg)
        param = layouts.kernel.body.block.args[index]
        if perm is None or index in layouts.params or not layouts.changeable(param):
            continue
        before = layouts.quality()
        mark = len(layouts.log)
        layouts.permute(param, perm)
        layouts.propagate()
        if any(q < b for q, b in zip(layouts.quality(), before)):
            layouts.undo_to(mark)


def _undo_soft(layouts: _KernelLayouts, call: CallTIROp) -> None:
    """Step 5: a parameter that follows the kernel's layout only by
    propagation goes back to the caller's layout when the transform around
    the call did not cancel (it would cost a pass over memory for nothing)."""
    block = call.parent_block()
    assert block is not None
    n_args = len(call.args)
    for index in sorted(layouts.soft):
        if index < n_args:
            forward = call.args[index].owner
            if not isinstance(forward, LayoutTransformOp):
                continue  # cancelled: the producer writes this layout
            layouts.undo_param(index)
            call.operands[index] = forward.x
            if not forward.result.uses:
                block.erase_op(forward)
            continue
        result = call.outputs[index - n_args]
        users = [u.operation for u in result.uses]
        if len(users) != 1 or not isinstance(users[0], LayoutTransformOp):
            continue  # a consumer reads the kernel's layout
        back = users[0]
        layouts.undo_param(index)
        types = [back.result.type if r is result else r.type for r in call.outputs]
        new_call = CallTIROp(call.callee.root_reference.data, list(call.args), types,
                             [e for e in call.sym_exprs])
        block.insert_op_before(new_call, call)
        for old_r, new_r in zip(call.outputs, new_call.outputs):
            new_r.name_hint = old_r.name_hint
            if old_r is result:
                back.result.replace_all_uses_with(new_r)
                block.erase_op(back)
            else:
                old_r.replace_all_uses_with(new_r)
        block.erase_op(call)
        call = new_call


def rewrite_recorded_layouts(module: ModuleOp) -> dict[str, set[int]]:
    """Step 0: the parameter layouts a schedule chose with `transform_layout`
    (recorded on the kernel, `tir.param_layouts`: param index -> [index map
    from the callers' layout, pad value]) become transforms at every call:
    `relax.layout_transform` (padding with the pad value, 0 by default) of an
    input, and after the call the inverse transform of an output (cut back to
    its shape when the layout pads). Returns the parameters done, by kernel."""
    done: dict[str, set[int]] = {}
    kernels = {k.sym_name.data: k for k in module.body.block.ops if isinstance(k, tir.FuncOp)
               and PARAM_LAYOUTS in k.attributes}
    if not kernels:
        return done
    for kernel in kernels.values():
        try:
            caller_param_types(kernel)
        except VerifyException as err:
            raise CompileError(f"{location_prefix(kernel)}error: {err}") from None
    for call in [c for c in module.walk() if isinstance(c, CallTIROp)]:
        kernel = kernels.get(call.callee.root_reference.data)
        if kernel is not None:
            _rewrite_recorded_call(call, kernel)
    for name, kernel in kernels.items():
        record = kernel.attributes.pop(PARAM_LAYOUTS)
        assert isinstance(record, DictionaryAttr)
        done[name] = {int(k) for k in record.data}
    return done


def _rewrite_recorded_call(call: CallTIROp, kernel: tir.FuncOp) -> None:
    record = kernel.attributes[PARAM_LAYOUTS]
    assert isinstance(record, DictionaryAttr)
    maps: dict[int, Layout] = {}
    for key, entry in record.data.items():
        assert isinstance(entry, ArrayAttr)
        pad = from_attr(entry.data[2]) if len(entry.data) > 2 else None
        maps[int(key)] = (IndexMap.of(entry.data[0]), pad)
    _transform_call(call, maps)


def cancel_transforms(module: ModuleOp) -> int:
    """Replace a layout transform of a layout transform that composes to the
    identity by the original value; erase transforms left unused. Returns
    the number cancelled."""
    cancelled = 0
    for op in list(module.walk()):
        if not isinstance(op, LayoutTransformOp):
            continue
        first = op.x.owner
        if not isinstance(first, LayoutTransformOp):
            continue
        source = first.x
        src_t = source.type
        if not (isinstance(src_t, TensorType) and src_t.dims is not None
                and src_t == op.result.type):
            continue
        if composes_to_identity(first.imap(), op.imap(), src_t.dims):
            op.result.replace_all_uses_with(source)
            op.detach()
            op.erase()
            cancelled += 1
            if not first.result.uses:
                first.detach()
                first.erase()
    return cancelled


@dataclass(frozen=True)
class FollowParamLayouts(ModulePass):
    """Transform the arguments and results of every call to a kernel whose
    schedule changed a parameter's layout (step 0 of rewrite-layout alone;
    default-pipeline runs it first whatever its options)."""

    name = "follow-param-layouts"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        rewrite_recorded_layouts(op)


@dataclass(frozen=True)
class RewriteLayout(ModulePass):
    """Let kernels choose their operands' layouts and rewrite the callers (see module doc)."""

    name = "rewrite-layout"

    target: str = "host"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        target = target_named(self.target)
        fixed = rewrite_recorded_layouts(op)
        constants = _constant_params(op)
        calls = [c for c in op.walk() if isinstance(c, CallTIROp)]
        n_calls = Counter(c.callee.root_reference.data for c in calls)
        layouts: dict[str, _KernelLayouts] = {}
        for kernel in op.body.block.ops:
            if isinstance(kernel, tir.FuncOp):
                name = kernel.sym_name.data
                lay = _KernelLayouts(kernel, target, n_calls[name] == 1)
                lay.decided.update(kernel.body.block.args[i] for i in fixed.get(name, ()))
                lay.plan(constants.get(name, set()))
                lay.propagate()
                layouts[name] = lay
        produced: dict[SSAValue, Perm] = {}
        for call in calls:
            lay = layouts.get(call.callee.root_reference.data)
            if lay is None:
                continue
            if lay.params_free:
                _adopt(lay, call, produced)
            if lay.params:
                _rewrite_call(call, lay.params, produced)
        cancel_transforms(op)
        for call in [c for c in op.walk() if isinstance(c, CallTIROp)]:
            lay = layouts.get(call.callee.root_reference.data)
            if lay is not None and lay.soft:
                _undo_soft(lay, call)
