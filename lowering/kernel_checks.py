"""Run-time checks inside kernels, and how a kernel reports a failed one.

A kernel that has checks (`check-bounds` marks them: `checked`/`guarded`
accesses, divisions with `tir.checked`, the kernel attributes
`tir.overflow_checks` and `tir.entry_checks`) gets one more parameter, the caller's `%err: memref<?xi64>` (see
lowering/relax_to_std.py for its layout). A failed check writes the values
it reports to `%err[1..]`, their count to `%err[0]` and its number (from 1,
in the order of `kernel_check_messages`) to `%err[15]`; the host code tests
`%err[15]` after the call and returns the matching message's code.

- at the kernel's entry, before any loop: with `tir.entry_checks`, every
  `sym(...)` argument is in [0, VAR_MAX] (the bounds analysis assumes it)
  and each local buffer of dynamic size has at most MAX_LOCAL_ELEMENTS
  elements and was allocated; each expression of
  `tir.overflow_checks` is computed in 128 bits and must fit in int64; a
  failure returns at once (freeing what was allocated);
- a `checked` access tests `index < dim` (unsigned, so negative indices
  fail too) for each dim and skips the access when one fails (a load then
  yields 0), recording the failure; a `guarded` load does the same without
  recording it;
- a checked division replaces a zero divisor (or -1 with INT_MIN) by 1 and
  records the failure;
- a loop around such a check stops at the first failure (a serial loop
  becomes an `scf.while` that also tests `%err[15]`; a parallel loop skips
  the iterations that start after it).

After a failure the kernel returns with its outputs incomplete; the caller
discards them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from xdsl.dialects import arith, func, memref, scf
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    i64,
)
from xdsl.ir import Block, Operation, Region, SSAValue

from xrelax.diagnostics import location_prefix
from xrelax.tir import ops as tir
from xrelax.tir.bounds import VAR_MAX
from xrelax.tir.symbolic import Call, SymExpr
from xrelax.tir.types import BufferType, SymExprAttr, shape_str

if TYPE_CHECKING:
    from xrelax.lowering.relax_to_std import FunctionLowering
    from xrelax.lowering.tir_to_std import KernelLowering

CHECKED_ATTR = "tir.checked"
OVERFLOW_ATTR = "tir.overflow_checks"
ENTRY_ATTR = "tir.entry_checks"
STATUS_SLOT = 15  # %err[15]: the number of the failed check
REPORT_SLOTS = 14  # %err[1..14]: the values it reports
MAX_LOCAL_ELEMENTS = 1 << 40  # as for tensors the host allocates
ERR_TYPE = MemRefType(i64, [DYNAMIC_INDEX])
_I128 = IntegerType(128)


# ---- which checks a kernel has ------------------------------------------------------

def _checked_ops(kernel: tir.FuncOp) -> list[Operation]:
    return [op for op in kernel.walk()
            if (isinstance(op, (tir.LoadOp, tir.StoreOp)) and op.check is not None
                and op.check.data == "checked") or CHECKED_ATTR in op.attributes]


def _overflow_exprs(kernel: tir.FuncOp) -> list[SymExpr]:
    attr = kernel.attributes.get(OVERFLOW_ATTR)
    return [e.data for e in attr.data] if attr is not None else []  # type: ignore[attr-defined]


def _dynamic_allocs(kernel: tir.FuncOp) -> list[tir.AllocBufferOp]:
    if ENTRY_ATTR not in kernel.attributes:
        return []
    return [op for op in kernel.walk() if isinstance(op, tir.AllocBufferOp)
            and not all(d.is_const() for d in op.result.type.dims)]  # type: ignore[attr-defined]


def _checked_sym_args(kernel: tir.FuncOp) -> tuple[str, ...]:
    return kernel.explicit_sym_args if ENTRY_ATTR in kernel.attributes else ()


def needs_status(kernel: tir.FuncOp) -> bool:
    """Whether the kernel takes the `%err` parameter (and may fail)."""
    return bool(kernel_check_messages(kernel))


def kernel_check_messages(kernel: tir.FuncOp) -> list[str]:
    """The message of each check of the kernel, in the order of their numbers
    (`%s` stands for the values the check reports)."""
    source = kernel.attributes.get("relax.source_name")  # renamed: relax/compile_input.py
    name = f"@{source.data if source is not None else kernel.sym_name.data}"  # type: ignore[attr-defined]
    at = location_prefix(kernel)
    messages = [f"{at}{name}: symbolic argument '{s}' is %s, outside [0, {VAR_MAX}]"
                for s in _checked_sym_args(kernel)]
    for e in _overflow_exprs(kernel):
        names = ", ".join(sorted(e.free_vars()))
        messages.append(f"{at}{name}: the symbolic expression {e} overflows int64 "
                        f"(with {names} = %s)")
    for op in _dynamic_allocs(kernel):
        messages.append(f"{location_prefix(op)}{name}: cannot allocate a local buffer of shape "
                        f"{shape_str(op.result.type.dims)} ({op.result.type.dtype}) = %s "  # type: ignore[attr-defined]
                        f"(at most {MAX_LOCAL_ELEMENTS} elements)")
    for op in _checked_ops(kernel):
        if isinstance(op, (tir.LoadOp, tir.StoreOp)):
            btype = op.buffer.type
            assert isinstance(btype, BufferType)
            what = f"%{op.buffer.name_hint}" if op.buffer.name_hint else "a buffer"
            messages.append(f"{location_prefix(op)}{op.name} {name}: index %s is out of bounds "
                            f"of {what} of shape {shape_str(btype.dims)}")
        else:
            messages.append(f"{location_prefix(op)}{op.name} {name}: division by zero (or of "
                            "the smallest integer by -1); the operands are %s")
    return messages


# ---- the host side: pass %err, test the status -------------------------------------

def emit_kernel_call(fl: FunctionLowering, kernel: tir.FuncOp, args: list[SSAValue]) -> None:
    """func.call the kernel from host code; with %err when it may fail, and a
    return of the failed check's code after it."""
    if not needs_status(kernel):
        fl.emit(func.CallOp(kernel.sym_name.data, args, []))
        return
    messages = kernel_check_messages(kernel)
    base = len(fl.errors)
    fl.errors.extend(messages)
    fl.emit(func.CallOp(kernel.sym_name.data, [*args, fl.err], []))
    if not messages:
        return
    status = fl.emit(memref.LoadOp.get(fl.err, [fl.index(STATUS_SLOT)]))
    zero = fl.emit(arith.ConstantOp(IntegerAttr(0, i64)))
    failed = fl.emit(arith.CmpiOp(status, zero, "ne"))
    fail, cont = Block(), Block()
    from xdsl.dialects import cf
    from xdsl.dialects.builtin import i32

    fl.emit(cf.ConditionalBranchOp(failed, fail, [], cont, []))
    fl.region.add_block(fail)
    fl.set_block(fail)
    code = fl.emit(arith.TruncIOp(status, i32))
    code = fl.emit(arith.AddiOp(code, fl.emit(arith.ConstantOp(IntegerAttr(base, i32)))))
    fl.return_failure(code)  # (frees what the host code owns)
    fl.region.add_block(cont)
    fl.set_block(cont)


def check_size_exprs(fl: FunctionLowering, exprs: Sequence[SymExpr], where: Operation) -> None:
    """Host code: a failed check unless each size expression (other than a
    variable or a constant) is computed without overflowing int64."""
    ops: list[Operation] = []
    flags = []
    for e in exprs:
        if e.as_var() is not None or e.is_const():
            continue
        env = {v: fl.sym.value(SymExpr.var(v)) for v in sorted(e.free_vars())}
        flags.append((e, env, _overflows(e, env, ops)))
    if not flags:
        return
    for op in ops:
        fl.emit(op)
    for e, env, bad in flags:
        names = ", ".join(env)
        fl.check(bad, f"{location_prefix(where)}the size {e} overflows int64 (with {names} "
                 "= %s)", list(env.values()))


# ---- the kernel side ----------------------------------------------------------------

class KernelChecks:
    """The checks of one kernel being lowered (KernelLowering.checks)."""

    def __init__(self, kl: KernelLowering, err: SSAValue | None):
        self.kl, self.err = kl, err
        if err is not None:
            err.name_hint = "err"
        kernel = kl.kernel
        self.base = len(_checked_sym_args(kernel)) + len(_overflow_exprs(kernel))
        self.alloc_ids = {op: self.base + i + 1 for i, op in enumerate(_dynamic_allocs(kernel))}
        first = self.base + len(self.alloc_ids) + 1
        self.ids = {op: first + i for i, op in enumerate(_checked_ops(kernel))}

    def record(self, dst: Block, check: int, values: Sequence[SSAValue]) -> None:
        """Write a failure into %err (in dst)."""
        assert self.err is not None
        values = list(values)[:REPORT_SLOTS]
        ops: list[Operation] = []  # constants of their own: the entry block may be complete

        def store(v: SSAValue, slot: int) -> None:
            if not (isinstance(v.type, IntegerType) and v.type.width.data == 64):
                if isinstance(v.type, IntegerType) and v.type.width.data < 64:
                    ops.append(arith.ExtSIOp(v, i64))
                else:
                    ops.append(arith.IndexCastOp(v, i64))
                v = ops[-1].results[0]
            ops.append(memref.StoreOp.get(v, self.err, [_index(slot, ops)]))

        store(_index(len(values), ops), 0)
        for k, v in enumerate(values):
            store(v, k + 1)
        store(_index(check, ops), STATUS_SLOT)
        first: list[Operation] = []  # the first failure is the one reported
        ok = self._not_failed(first)
        dst.add_ops([*first, scf.IfOp(ok, [], Region(Block([*ops, scf.YieldOp()])))])

    # ---- loops ---------------------------------------------------------------------
    def stops(self, loop: tir.ForOp) -> bool:
        """Whether the loop holds a check that records failures."""
        return self.err is not None and any(op in self.ids for op in loop.walk())

    def _not_failed(self, ops: list[Operation]) -> SSAValue:
        status = memref.LoadOp.get(self.err, [_index(STATUS_SLOT, ops)])
        zero = arith.ConstantOp(IntegerAttr(0, i64))
        ok = arith.CmpiOp(status.res, zero.result, "eq")
        ops += [status, zero, ok]
        return ok.result

    def lower_stoppable_loop(self, loop: tir.ForOp, dst: Block, lb: SSAValue, ub: SSAValue,
                             one: SSAValue, body: Block) -> None:
        """A loop with checks stops at the first failure: a serial loop is an
        scf.while that also tests %err[15]; a parallel loop skips the body of
        the iterations that start after a failure."""
        if loop.kind.data == "parallel":
            ops: list[Operation] = []
            ok = self._not_failed(ops)
            guarded = Block()
            for op in list(body.ops):
                op.detach()
                guarded.add_op(op)
            guarded.add_op(scf.YieldOp())
            body.add_ops([*ops, scf.IfOp(ok, [], Region(guarded)), scf.ReduceOp()])
            dst.add_op(scf.ParallelOp([lb], [ub], [one], Region(body)))
            return
        before = Block(arg_types=[IndexType()])
        ops = [arith.CmpiOp(before.args[0], ub, "slt")]
        both = arith.AndIOp(ops[0].results[0], self._not_failed(ops))
        before.add_ops([*ops, both, scf.ConditionOp(both.result, before.args[0])])
        step = arith.AddiOp(body.args[0], one)
        body.add_ops([step, scf.YieldOp(step.result)])
        dst.add_op(scf.WhileOp([lb], [IndexType()], Region(before), Region(body)))

    # ---- accesses ----------------------------------------------------------------
    def in_bounds(self, op: tir.LoadOp | tir.StoreOp, dst: Block) -> tuple[SSAValue, list]:
        buf = self.kl.v(op.buffer)
        ok: SSAValue | None = None
        indices = [self.kl.v(i) for i in op.indices]
        for j, idx in enumerate(indices):
            dim_op = memref.DimOp(buf, self.kl.sym.const(j))
            dst.add_op(dim_op)
            dim = dim_op.result
            lt = arith.CmpiOp(idx, dim, "ult")  # also false for a negative index
            dst.add_op(lt)
            if ok is None:
                ok = lt.result
            else:
                both = arith.AndIOp(ok, lt.result)
                dst.add_op(both)
                ok = both.result
        if ok is None:  # a scalar buffer: always in bounds
            true = arith.ConstantOp(IntegerAttr(1, IntegerType(1)))
            dst.add_op(true)
            ok = true.result
        return ok, indices

    def lower_load(self, op: tir.LoadOp, dst: Block) -> None:
        ok, indices = self.in_bounds(op, dst)
        then, other = Block(), Block()
        load = memref.LoadOp.get(self.kl.v(op.buffer), indices)
        then.add_ops([load, scf.YieldOp(load.res)])
        if op in self.ids:
            self.record(other, self.ids[op], indices)
        zero = _zero(op.result.type)
        other.add_ops([zero, scf.YieldOp(zero.results[0])])
        branch = scf.IfOp(ok, [op.result.type], Region(then), Region(other))
        branch.results[0].name_hint = op.result.name_hint
        dst.add_op(branch)
        self.kl.vmap[op.result] = branch.results[0]

    def lower_store(self, op: tir.StoreOp, dst: Block) -> None:
        ok, indices = self.in_bounds(op, dst)
        then, other = Block(), Block()
        then.add_ops([memref.StoreOp.get(self.kl.v(op.value), self.kl.v(op.buffer), indices),
                      scf.YieldOp()])
        self.record(other, self.ids[op], indices)
        other.add_op(scf.YieldOp())
        dst.add_op(scf.IfOp(ok, [], Region(then), Region(other)))

    # ---- divisions -------------------------------------------------------------
    def lower_division(self, op: Operation, dst: Block) -> None:
        lhs, rhs = (self.kl.v(x) for x in op.operands)
        t = rhs.type
        width = t.width.data if isinstance(t, IntegerType) else 64
        ops: list[Operation] = []

        def const(v: int) -> SSAValue:
            ops.append(arith.ConstantOp(IntegerAttr(v, t)))
            return ops[-1].results[0]

        bad: Operation = arith.CmpiOp(rhs, const(0), "eq")
        ops.append(bad)
        if op.name in ("arith.divsi", "arith.remsi", "arith.floordivsi", "arith.ceildivsi"):
            smallest = -(1 << (width - 1))
            ops += [arith.CmpiOp(lhs, const(smallest), "eq"), arith.CmpiOp(rhs, const(-1), "eq")]
            ops.append(arith.AndIOp(ops[-2].results[0], ops[-1].results[0]))
            ops.append(arith.OrIOp(bad.results[0], ops[-1].results[0]))
            bad = ops[-1]
        safe = arith.SelectOp(bad.results[0], const(1), rhs)
        ops.append(safe)
        dst.add_ops(ops)
        report = Block()
        self.record(report, self.ids[op], [lhs, rhs])
        report.add_op(scf.YieldOp())
        dst.add_op(scf.IfOp(bad.results[0], [], Region(report)))
        new = op.clone()
        new.operands = [lhs, safe.result]
        new.attributes.pop(CHECKED_ATTR, None)
        dst.add_op(new)
        self.kl.vmap[op.results[0]] = new.results[0]

    # ---- the entry checks ------------------------------------------------------
    def entry_checks(self, entry: Block, n_prologue: int, out: func.FuncOp) -> None:
        """Split the entry block after its first n_prologue ops (symbolic
        values, allocations) and branch to a failure exit unless every entry
        check passes."""
        from xdsl.dialects import cf

        kl, kernel = self.kl, self.kl.kernel
        checks: list[tuple[int, SSAValue, list[SSAValue]]] = []  # (number, bad, report)
        ops: list[Operation] = []
        env = kl.sym.env
        limit = arith.ConstantOp(IntegerAttr(VAR_MAX, IndexType()))
        ops.append(limit)
        sym_args = _checked_sym_args(kernel)
        for k, name in enumerate(sym_args):
            ops.append(arith.CmpiOp(env[name], limit.result, "ugt"))
            checks.append((k + 1, ops[-1].results[0], [env[name]]))
        for k, e in enumerate(_overflow_exprs(kernel)):
            bad = _overflows(e, env, ops)
            checks.append((len(sym_args) + k + 1, bad,
                           [env[v] for v in sorted(e.free_vars())]))
        for alloc, number in self.alloc_ids.items():
            m = kl.vmap[alloc.result]
            count, too_big = _checked_count(alloc.result.type.dims, env, ops)  # type: ignore[attr-defined]
            ops.append(memref.ExtractAlignedPointerAsIndexOp.get(m))
            ops.append(arith.CmpiOp(ops[-1].results[0], _index(0, ops), "eq"))
            ops.append(arith.OrIOp(too_big, ops[-1].results[0]))
            checks.append((number, ops[-1].results[0], [count]))
        if not checks:
            return
        body = entry.split_before(list(entry.ops)[n_prologue])  # the rest: return at least
        region = out.body
        for number, bad, report in checks:
            fail, cont = Block(), Block()
            ops.append(cf.ConditionalBranchOp(bad, fail, [], cont, []))
            entry.add_ops(ops)
            ops = []
            self.record(fail, number, report)
            fail.add_ops([op.clone() for op in kl.deallocs] + [func.ReturnOp()])
            region.insert_block_before(fail, body)
            region.insert_block_before(cont, body)
            entry = cont
        entry.add_op(cf.BranchOp(body))


def _zero(t) -> Operation:
    from xdsl.dialects.builtin import FloatAttr

    if isinstance(t, (IntegerType, IndexType)):
        return arith.ConstantOp(IntegerAttr(0, t))
    return arith.ConstantOp(FloatAttr(0.0, t))


def _index(v: int, ops: list[Operation]) -> SSAValue:
    ops.append(arith.ConstantOp(IntegerAttr(v, IndexType())))
    return ops[-1].results[0]


def _overflows(e: SymExpr, env: dict[str, SSAValue], ops: list[Operation]) -> SSAValue:
    """An i1 that is true when computing e overflows int64: the expression is
    computed in 128 bits and every intermediate must fit in 64."""
    flags: list[SSAValue] = []
    _wide(e, env, ops, flags)
    bad = flags[0] if flags else _false(ops)
    for f in flags[1:]:
        ops.append(arith.OrIOp(bad, f))
        bad = ops[-1].results[0]
    return bad


def _wide_div(kind: str, a: SSAValue, b: SSAValue, emit, flags: list[SSAValue]) -> SSAValue:
    """floordiv or mod of two i128 values that must fit in 64 bits (their own
    flags say when not), divided in 64 bits: a 128-bit division is a call of
    libgcc's __divti3, which the JIT cannot resolve. A zero divisor, and
    INT64_MIN / -1, are reported as overflows (and divide by 1 instead)."""
    lo, hi = emit(arith.TruncIOp(a, i64)), emit(arith.TruncIOp(b, i64))

    def narrow(c: int) -> SSAValue:
        return emit(arith.ConstantOp(IntegerAttr(c, i64)))

    # (tested on the 64-bit values: the division must not trap even when a or b
    # does not fit, which their flags report)
    zero = emit(arith.CmpiOp(hi, narrow(0), "eq"))
    wraps = emit(arith.AndIOp(emit(arith.CmpiOp(lo, narrow(-(1 << 63)), "eq")),
                              emit(arith.CmpiOp(hi, narrow(-1), "eq"))))
    bad = emit(arith.OrIOp(zero, wraps))
    flags.append(bad)
    hi = emit(arith.SelectOp(bad, narrow(1), hi))
    q = emit(arith.FloorDivSIOp(lo, hi))
    v = q if kind == "floordiv" else emit(arith.SubiOp(lo, emit(arith.MuliOp(q, hi))))
    return emit(arith.ExtSIOp(v, _I128))


def _false(ops: list[Operation]) -> SSAValue:
    ops.append(arith.ConstantOp(IntegerAttr(0, IntegerType(1))))
    return ops[-1].results[0]


def _wide(e: SymExpr, env: dict[str, SSAValue], ops: list[Operation],
          flags: list[SSAValue]) -> SSAValue:
    """e as an i128 value; appends an overflow flag per intermediate result."""
    def emit(op: Operation) -> SSAValue:
        ops.append(op)
        return op.results[0]

    def checked(v: SSAValue) -> SSAValue:
        narrow = emit(arith.TruncIOp(v, i64))
        flags.append(emit(arith.CmpiOp(emit(arith.ExtSIOp(narrow, _I128)), v, "ne")))
        return v

    def const(c: int) -> SSAValue:
        return emit(arith.ConstantOp(IntegerAttr(c, _I128)))

    total: SSAValue | None = None
    for mono, coeff in e.terms:
        term = const(coeff)
        for atom in mono:
            if isinstance(atom, Call):
                a, b = (_wide(x, env, ops, flags) for x in atom.args)
                if atom.kind in ("floordiv", "mod"):  # b == 0 is reported as an overflow
                    v = _wide_div(atom.kind, a, b, emit, flags)
                else:
                    v = emit((arith.MinSIOp if atom.kind == "min" else arith.MaxSIOp)(a, b))
            else:
                v = emit(arith.ExtSIOp(emit(arith.IndexCastOp(env[atom.name], i64)), _I128))
            term = checked(emit(arith.MuliOp(term, v)))
        total = term if total is None else checked(emit(arith.AddiOp(total, term)))
    return checked(total if total is not None else const(0))


def _checked_count(dims: Sequence[SymExpr], env: dict[str, SSAValue],
                   ops: list[Operation]) -> tuple[SSAValue, SSAValue]:
    """The element count of a shape (index) and whether it is too large (or
    overflows, or a dim is negative)."""
    count = SymExpr.const(1)
    flags: list[SSAValue] = []
    for d in dims:
        count = count * d
        if not d.is_const():  # a negative dim
            ops.append(arith.CmpiOp(_wide(d, env, ops, flags), _wide(SymExpr.const(0), env, ops,
                                                                      flags), "slt"))
            flags.append(ops[-1].results[0])
    wide = _wide(count, env, ops, flags)
    ops.append(arith.ConstantOp(IntegerAttr(MAX_LOCAL_ELEMENTS, _I128)))
    ops.append(arith.CmpiOp(wide, ops[-1].results[0], "ugt"))  # negative: huge unsigned
    bad = ops[-1].results[0]
    for f in flags:
        ops.append(arith.OrIOp(bad, f))
        bad = ops[-1].results[0]
    ops.append(arith.TruncIOp(wide, i64))
    ops.append(arith.IndexCastOp(ops[-1].results[0], IndexType()))
    return ops[-1].results[0], bad


__all__ = ["ERR_TYPE", "KernelChecks", "emit_kernel_call", "kernel_check_messages",
           "needs_status", "SymExprAttr"]
