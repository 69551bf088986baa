"""`convert-tir-to-std`: tir kernels become `func.func`s over memrefs.

| tir                          | standard dialects                                   |
| ---------------------------- | --------------------------------------------------- |
| `tir.func @k(buffers, scalars) sym(s)` | `func.func @k(memrefs, scalars, index for each s)` |
| buffer `[n, 4]`              | `memref<?x4xT>`; `n` is read with `memref.dim`       |
| `tir.for` serial/unrolled    | `scf.for`                                            |
| `tir.for parallel`           | `scf.parallel` (run on threads by the LLVM lowering) |
| `tir.for vectorized`         | vector code when the body allows it (see `vectorize`), else `scf.for` |
| `tir.block`                  | its body, with iteration variables replaced by their bindings |
| `tir.init`                   | `scf.if` (every reduce binding == 0) around the init body |
| `tir.load` / `tir.store`     | `memref.load` / `memref.store`                       |
| `tir.alloc_buffer`           | `memref.alloc` at entry, `memref.dealloc` before return |
| `tir.if`                     | `scf.if`                                             |
| `tir.expr`                   | arith ops on the symbolic variables' values          |

Symbolic expressions only mention the kernel's symbolic variables, so their
values are computed once, in the entry block, before any loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, func, math, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    IndexType,
    IntegerAttr,
    MemRefType,
    ModuleOp,
    StringAttr,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass

from xrelax.lowering import register_tile
from xrelax.lowering.kernel_checks import CHECKED_ATTR, ERR_TYPE, KernelChecks, needs_status
from xrelax.lowering.sym_to_arith import SymEmitter
from xrelax.tir import ops as tir
from xrelax.tir.types import BufferType
from xrelax.diagnostics import CompileError, location_prefix


def memref_type(t: BufferType) -> MemRefType:
    shape = [d.value if d.is_const() else DYNAMIC_INDEX for d in t.dims]
    return MemRefType(t.dtype, shape)


def lowered_arg_type(t: Attribute) -> Attribute:
    return memref_type(t) if isinstance(t, BufferType) else t


class KernelLowering:
    """Translates one tir.func into a func.func, op by op, with a value map."""

    def __init__(self, kernel: tir.FuncOp):
        self.kernel = kernel
        self.vmap: dict[SSAValue, SSAValue] = {}
        self.prologue: list[Operation] = []
        self.deallocs: list[Operation] = []
        self.loop_dst: dict[tir.ForOp, Block] = {}

    def lower(self) -> func.FuncOp:
        k = self.kernel
        in_types = [lowered_arg_type(t) for t in k.function_type.inputs.data]
        in_types += [IndexType()] * len(k.explicit_sym_args)
        status = needs_status(k)  # the kernel has run-time checks: it takes %err
        in_types += [ERR_TYPE] if status else []
        entry = Block(arg_types=in_types)
        self.checks = KernelChecks(self, entry.args[-1] if status else None)
        env: dict[str, SSAValue] = {}
        for old, new in zip(k.args, entry.args):
            self.vmap[old] = new
            new.name_hint = old.name_hint
        for name, arg in zip(k.explicit_sym_args, entry.args[len(k.args):]):
            env[name] = arg
            arg.name_hint = name
        for old, new in zip(k.args, entry.args):  # dims that stand alone define variables
            if isinstance(old.type, BufferType):
                for j, d in enumerate(old.type.dims):
                    v = d.as_var()
                    if v is not None and v not in env:
                        idx = arith.ConstantOp(IntegerAttr(j, IndexType()))
                        dim = memref.DimOp(new, idx)
                        dim.results[0].name_hint = v
                        self.prologue += [idx, dim]
                        env[v] = dim.results[0]
        self.sym = SymEmitter(env, self.prologue.append)
        body = Block()
        self.lower_block(k.body.block, body)
        entry.add_ops(self.prologue)
        n_prologue = len(self.prologue)
        for moved in list(body.ops):
            moved.detach()
            entry.add_op(moved)
        entry.add_ops(self.deallocs)
        entry.add_op(func.ReturnOp())
        out = func.FuncOp(k.sym_name.data, (in_types, []), Region(entry))
        out.attributes["tir.kernel"] = k.sym_name  # lets later stages tell kernels apart
        self.checks.entry_checks(entry, n_prologue, out)
        return out

    # ---- ops --------------------------------------------------------------------
    def lower_block(self, src: Block, dst: Block) -> None:
        for op in src.ops:
            self.lower_op(op, dst)

    def lower_op(self, op: Operation, dst: Block) -> None:
        handler = KERNEL_OP_HANDLERS.get(type(op))
        if handler is not None:
            handler(self, op, dst)
        elif CHECKED_ATTR in op.attributes:
            self.checks.lower_division(op, dst)
        elif type(op) in COPIED_OPS:
            dst.add_op(op.clone(self.vmap))
        else:
            raise CompileError(f"{location_prefix(op)}error: '{op.name}' cannot appear in a "
                               "tir kernel body (convert-tir-to-std lowers tir, arith and math ops)")

    def v(self, value: SSAValue) -> SSAValue:
        return self.vmap[value]

    def lower_ForOp(self, op: tir.ForOp, dst: Block) -> None:
        lb, ub = self.sym.value(op.lower.data), self.sym.value(op.upper.data)
        body = Block(arg_types=[IndexType()])
        body.args[0].name_hint = op.induction_var.name_hint
        self.vmap[op.induction_var] = body.args[0]
        self.loop_dst[op] = dst  # ops added here before the loop is appended precede it
        one = self.sym.const(1)
        tensorize = op.attributes.get(register_tile.ATTR)
        if isinstance(tensorize, StringAttr) and tensorize.data == register_tile.NAME:
            if register_tile.lower_register_tile(self, op, dst):
                return  # else: the nest is lowered as plain loops (same result)
        if op.kind.data == "vectorized":
            from xrelax.lowering.vectorize import try_vectorize

            if try_vectorize(self, op, dst, lb, ub):
                return
        self.lower_block(op.body.block, body)
        if self.checks.stops(op):  # a failed check ends the loop
            return self.checks.lower_stoppable_loop(op, dst, lb, ub, one, body)
        if op.kind.data == "parallel":
            body.add_op(scf.ReduceOp())
            dst.add_op(scf.ParallelOp([lb], [ub], [one], Region(body)))
        else:
            body.add_op(scf.YieldOp())
            dst.add_op(scf.ForOp(lb, ub, one, [], Region(body)))

    def lower_BlockOp(self, op: tir.BlockOp, dst: Block) -> None:
        for var, binding in zip(op.iter_vars, op.bindings):
            self.vmap[var] = self.v(binding)
        for inner in op.body.block.ops:
            if isinstance(inner, tir.InitOp):
                self.lower_init(op, inner, dst)
            else:
                self.lower_op(inner, dst)

    def lower_init(self, block: tir.BlockOp, init: tir.InitOp, dst: Block) -> None:
        """Run the init before the outermost reduction loop when the spatial
        point is known there (then an empty reduction still initializes);
        otherwise guard it with `every reduce binding == 0`."""
        loop = self._hoist_point(block, init)
        if loop is not None:
            self.lower_block(init.body.block, self.loop_dst[loop])
            return
        zero = self.sym.const(0)
        cond: SSAValue | None = None
        for var, kind in zip(block.iter_vars, block.kinds):
            if kind != "reduce":
                continue
            eq = arith.CmpiOp(self.v(var), zero, "eq")
            dst.add_op(eq)
            if cond is None:
                cond = eq.result
            else:
                both = arith.AndIOp(cond, eq.result)
                dst.add_op(both)
                cond = both.result
        assert cond is not None  # the verifier requires a reduce variable
        then = Block()
        self.lower_block(init.body.block, then)
        then.add_op(scf.YieldOp())
        dst.add_op(scf.IfOp(cond, [], Region(then)))

    def _hoist_point(self, block: tir.BlockOp, init: tir.InitOp) -> tir.ForOp | None:
        """The outermost loop that drives a reduce binding, if the init can run
        just before it: no spatial binding depends on it or on loops inside
        it, and the init reads no reduce variable."""
        loops = []
        parent = block.parent_op()
        while isinstance(parent, (tir.ForOp, tir.BlockOp, tir.IfOp)):
            if isinstance(parent, tir.ForOp):
                loops.append(parent)
            elif not isinstance(parent, tir.ForOp):
                return None  # inside a tir.if or another block: keep the guard
            parent = parent.parent_op()
        loops.reverse()  # outermost first

        def driving(value: SSAValue) -> set[int]:
            owner = value.owner
            if isinstance(owner, Block):
                return {i for i, lp in enumerate(loops) if lp.body.block is owner}
            deps: set[int] = set()
            for operand in owner.operands:
                deps |= driving(operand)
            return deps

        reduce_loops: set[int] = set()
        spatial_loops: set[int] = set()
        for binding, kind in zip(block.bindings, block.kinds):
            (reduce_loops if kind == "reduce" else spatial_loops).update(driving(binding))
        if not reduce_loops:
            return None
        first = min(reduce_loops)
        if any(i >= first for i in spatial_loops):
            return None
        reduce_vars = {v for v, k in zip(block.iter_vars, block.kinds) if k == "reduce"}
        if any(operand in reduce_vars for op in init.walk() for operand in op.operands):
            return None
        for binding in block.bindings:  # spatial values must exist before the loop
            owner = binding.owner
            if isinstance(owner, Operation) and loops[first].is_ancestor(owner):
                return None
        for op in init.walk():  # so must every value the init uses
            for operand in op.operands:
                if operand in block.iter_vars:
                    continue  # spatial: their bindings were checked above
                owner = operand.owner
                where = owner.parent_op() if isinstance(owner, Block) else owner
                if where is not None and loops[first].is_ancestor(where) \
                        and not init.is_ancestor(where):
                    return None
        return loops[first]

    def lower_LoadOp(self, op: tir.LoadOp, dst: Block) -> None:
        if op.check is not None:
            return self.checks.lower_load(op, dst)
        new = memref.LoadOp.get(self.v(op.buffer), [self.v(i) for i in op.indices])
        new.res.name_hint = op.result.name_hint
        dst.add_op(new)
        self.vmap[op.result] = new.res

    def lower_StoreOp(self, op: tir.StoreOp, dst: Block) -> None:
        if op.check is not None:
            return self.checks.lower_store(op, dst)
        dst.add_op(memref.StoreOp.get(self.v(op.value), self.v(op.buffer),
                                      [self.v(i) for i in op.indices]))

    def lower_AllocBufferOp(self, op: tir.AllocBufferOp, dst: Block) -> None:
        t = op.result.type
        assert isinstance(t, BufferType)
        dynamic = [self.sym.value(d) for d in t.dims if not d.is_const()]
        alloc = memref.AllocOp(dynamic, [], memref_type(t), IntegerAttr(64, 64))
        alloc.results[0].name_hint = op.result.name_hint
        self.prologue.append(alloc)  # sizes depend only on symbolic variables
        self.deallocs.append(memref.DeallocOp.get(alloc.results[0]))
        self.vmap[op.result] = alloc.results[0]

    def lower_IfOp(self, op: tir.IfOp, dst: Block) -> None:
        then = Block()
        self.lower_block(op.then_region.block, then)
        then.add_op(scf.YieldOp())
        regions = [Region(then)]
        if op.else_region is not None and op.else_region.blocks:
            other = Block()
            self.lower_block(op.else_region.block, other)
            other.add_op(scf.YieldOp())
            regions.append(Region(other))
        dst.add_op(scf.IfOp(self.v(op.cond), [], *regions))

    def lower_ExprOp(self, op: tir.ExprOp, dst: Block) -> None:
        value = self.sym.value(op.expr.data)
        if not isinstance(op.result.type, IndexType):
            cast = arith.IndexCastOp(value, op.result.type)
            dst.add_op(cast)
            value = cast.result
        self.vmap[op.result] = value


KernelOpHandler = Callable[[KernelLowering, Operation, Block], None]

# How each op of a kernel body is lowered. `tir.init` is handled by its
# `tir.block`. Ops of COPIED_OPS are already standard and are copied unchanged
# (operands remapped); anything else in a kernel body is an error.
KERNEL_OP_HANDLERS: dict[type[Operation], KernelOpHandler] = {
    tir.ForOp: KernelLowering.lower_ForOp,
    tir.BlockOp: KernelLowering.lower_BlockOp,
    tir.LoadOp: KernelLowering.lower_LoadOp,
    tir.StoreOp: KernelLowering.lower_StoreOp,
    tir.AllocBufferOp: KernelLowering.lower_AllocBufferOp,
    tir.IfOp: KernelLowering.lower_IfOp,
    tir.ExprOp: KernelLowering.lower_ExprOp,
}  # type: ignore[dict-item]  # handlers take their own op subclass
COPIED_OPS: set[type[Operation]] = {*arith.Arith.operations, *math.Math.operations}


@dataclass(frozen=True)
class ConvertTirToStd(ModulePass):
    """Replace every tir.func by an equivalent func.func over memrefs."""

    name = "convert-tir-to-std"

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        for kernel in list(op.walk()):
            if isinstance(kernel, tir.FuncOp):
                lowered = KernelLowering(kernel).lower()
                parent = kernel.parent
                assert parent is not None
                parent.insert_op_before(lowered, kernel)
                parent.erase_op(kernel)

