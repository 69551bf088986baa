"""The per-kernel profiler: timestamps taken by the generated host code.

With `convert-relax-to-std{profile=true}` (what `compile_module(...,
profile=True)` and `relax-run --profile` use), each host function takes one
more parameter, `%prof: memref<?xi64>`, just before `%err`, and

- reads a monotonic clock (`clock_gettime`, in nanoseconds) before and after
  every kernel call, adding to the kernel's counters: calls, nanoseconds and
  floating-point operations (the kernel's flop count evaluated with the call's
  dims, where it is known);
- reads it at entry and before returning, adding to the run's counters.

Counters: for the k-th kernel (in the order of the `relax.profile_kernels`
attribute) `%prof[3k]` calls, `%prof[3k + 1]` ns, `%prof[3k + 2]` flops;
then `%prof[3K]` runs and `%prof[3K + 1]` ns of whole runs.

A kernel's flop count is summed over its loop nests: each floating-point
add, sub, mul, div, max or min counts 1 and each fma 2 (times the lanes
of a vector), multiplied by the extents of the loops around it. Math
functions (exp, tanh, ...), integer and index arithmetic and `tir.init`
bodies are not counted; a kernel with counted ops under a `tir.if` has no
known count. Unknown and zero counts show as "-".
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from xdsl.dialects import arith, func, llvm, math, memref, vector
from xdsl.dialects.builtin import (
    ArrayAttr,
    IntAttr,
    IntegerAttr,
    ModuleOp,
    StringAttr,
    VectorType,
    i32,
    i64,
)
from xdsl.ir import Block, Operation, SSAValue

from xrelax.tir import ops as tir
from xrelax.tir.symbolic import SymExpr

KERNELS_ATTR = "relax.profile_kernels"
FLOPS_KNOWN_ATTR = "relax.profile_flops_known"
CLOCK = "__relax_clock_ns"

_ONE_FLOP = (arith.AddfOp, arith.SubfOp, arith.MulfOp, arith.DivfOp,
             arith.MaximumfOp, arith.MinimumfOp, arith.MaxnumfOp, arith.MinnumfOp)
_TWO_FLOPS = (math.FmaOp, vector.FMAOp)


def _op_flops(op: Operation) -> int:
    per = 1 if isinstance(op, _ONE_FLOP) else 2 if isinstance(op, _TWO_FLOPS) else 0
    if per and op.results and isinstance(op.results[0].type, VectorType):
        for n in op.results[0].type.get_shape():
            per *= n
    return per


def kernel_flops(kernel: tir.FuncOp) -> SymExpr | None:
    """The floating-point operations of one call (see the module docstring),
    in the kernel's symbolic variables; None if not known."""

    def count(ops: Sequence[Operation] | Any, times: SymExpr) -> SymExpr | None:
        total = SymExpr.const(0)
        for op in ops:
            if isinstance(op, tir.InitOp):
                continue
            if isinstance(op, tir.ForOp):
                inner = count(op.body.block.ops, times * (op.upper.data - op.lower.data))
            elif isinstance(op, tir.IfOp):
                inner = SymExpr.const(0)
                if any(_op_flops(x) for x in op.walk()):
                    return None
            elif op.regions:
                inner = SymExpr.const(0)
                for region in op.regions:
                    for block in region.blocks:
                        part = count(block.ops, times)
                        if part is None:
                            return None
                        inner = inner + part
            else:
                inner = times * _op_flops(op)
            if inner is None:
                return None
            total = total + inner
        return total

    return count(kernel.body.block.ops, SymExpr.const(1))


# ---- host code (used by lowering/relax_to_std.py) ------------------------------------

class ProfileHooks:
    """Emits the profiling code of one host function (see the module docstring)."""

    def __init__(self, lowering: Any):
        self.lowering = lowering  # the relax_to_std.FunctionLowering being emitted
        self.kernels: list[str] = []
        self.flops_known: list[bool] = []
        self._flops: dict[str, SymExpr | None] = {}

    def start(self, prof: SSAValue) -> None:
        """At entry: declare the clock, read it."""
        self.prof = prof
        prof.name_hint = "prof"
        module = self.lowering.module
        if not any(isinstance(op, func.FuncOp) and op.sym_name.data == CLOCK for op in module.ops):
            module.body.block.add_op(func.FuncOp.external(CLOCK, [], [i64]))
        self.run_start = self.now()

    def expect_kernels(self, names: Sequence[str]) -> None:
        """Give these kernels their counters now (the kernels of the functions
        this one calls, lowered after it: the run counters follow every kernel's)."""
        for name in names:
            if name not in self.kernels:
                self.kernels.append(name)
                self.flops_known.append(True)

    def for_callee(self, lowering: Any, prof: SSAValue) -> ProfileHooks:
        """The hooks of a function this one calls (a relax.call): its kernel
        calls add to the same counters (%prof is passed down)."""
        hooks = ProfileHooks(lowering)
        hooks.kernels, hooks.flops_known, hooks._flops = self.kernels, self.flops_known, self._flops
        hooks.prof = prof
        return hooks

    def now(self) -> SSAValue:
        return self.lowering.emit(func.CallOp(CLOCK, [], [i64]))

    def add(self, slot: int, amount: SSAValue) -> None:
        emit = self.lowering.emit
        index = self.lowering.index(slot)
        old = emit(memref.LoadOp.get(self.prof, [index]))
        emit(memref.StoreOp.get(emit(arith.AddiOp(old, amount)), self.prof, [index]))

    def around_call(self, op: Operation, kernel: tir.FuncOp, types: list[Any],
                    sym_exprs: Sequence[SymExpr], emit_call: Any) -> None:
        """Emit the kernel call (`emit_call()`) between two clock reads."""
        from xrelax.relax.verify import kernel_binding

        name = kernel.sym_name.data
        if name not in self.kernels:
            self.kernels.append(name)
            self.flops_known.append(True)
        k = self.kernels.index(name)
        if name not in self._flops:
            self._flops[name] = kernel_flops(kernel)
        flops, count = None, self._flops[name]
        binding = kernel_binding(kernel, sym_exprs, types, lambda i, j: SymExpr.var(f"%{i}.{j}"))
        if count is not None and count.free_vars() <= binding.keys():
            flops = self.lowering.value_of(count.substitute(binding))  # None: dims not known here
        if flops is None:
            self.flops_known[k] = False
        begin = self.now()
        emit_call()
        end = self.now()
        emit = self.lowering.emit
        self.add(3 * k, emit(arith.ConstantOp(IntegerAttr(1, i64))))
        self.add(3 * k + 1, emit(arith.SubiOp(end, begin)))
        if flops is not None:
            self.add(3 * k + 2, emit(arith.IndexCastOp(flops, i64)))

    def finish(self) -> None:
        """Before the successful return: count the run and its time."""
        end = self.now()
        emit = self.lowering.emit
        self.run_slots = 3 * len(self.kernels)
        self.add(self.run_slots, emit(arith.ConstantOp(IntegerAttr(1, i64))))
        self.add(self.run_slots + 1, emit(arith.SubiOp(end, self.run_start)))

    def annotate(self, host: func.FuncOp) -> None:
        """Record the kernels' order for the runtime (relax.profile_* attributes)."""
        host.attributes[KERNELS_ATTR] = ArrayAttr([StringAttr(k) for k in self.kernels])
        host.attributes[FLOPS_KNOWN_ATTR] = ArrayAttr([IntAttr(int(f)) for f in self.flops_known])


def define_clock(module: ModuleOp) -> None:
    """Give the host code's clock (declared by ProfileHooks) its body, in the
    llvm dialect: clock_gettime(CLOCK_MONOTONIC) in nanoseconds."""
    decl = next((op for op in module.ops if isinstance(op, llvm.FuncOp)
                 and op.sym_name.data == CLOCK and not op.body.blocks), None)
    if decl is None:
        return
    if any(isinstance(op, llvm.FuncOp) and op.sym_name.data == "clock_gettime" for op in module.ops):
        from xrelax.diagnostics import CompileError

        raise CompileError("error: a function named clock_gettime cannot be profiled (the "
                           "profiler calls the C function of that name); rename it")
    module.body.block.add_op(llvm.FuncOp("clock_gettime", llvm.LLVMFunctionType(
        [i32, llvm.LLVMPointerType()], i32), linkage=llvm.LinkageAttr("external")))
    block = Block()

    def emit(op: Operation) -> SSAValue:
        block.add_op(op)
        return op.results[0] if op.results else None  # type: ignore[return-value]

    def const(value: int, t=i64) -> SSAValue:
        return emit(llvm.ConstantOp(IntegerAttr(value, t), t))

    timespec = llvm.LLVMArrayType(2, i64)
    slot = emit(llvm.AllocaOp(const(1), timespec))
    emit(llvm.CallOp("clock_gettime", const(time.CLOCK_MONOTONIC, i32), slot, return_type=i32))
    seconds = emit(llvm.LoadOp(slot, i64))
    nanos_at = emit(llvm.GEPOp(slot, [1], i64))
    nanos = emit(llvm.LoadOp(nanos_at, i64))
    total = emit(llvm.AddOp(emit(llvm.MulOp(seconds, const(10**9))), nanos))
    emit(llvm.ReturnOp(total))
    decl.body.add_block(block)
    decl.linkage = llvm.LinkageAttr("internal")


# ---- the runtime's side ----------------------------------------------------------------

class ProfileCounters:
    """The counters a profiled host function adds to (one per compiled function)."""

    def __init__(self, kernels: list[str], flops_known: list[bool]):
        self.kernels, self.flops_known = kernels, flops_known
        self.counts = np.zeros(3 * len(kernels) + 2, np.int64)

    def reset(self) -> None:
        self.counts[:] = 0

    def report(self, function: str) -> ProfileReport:
        c = self.counts
        rows = []
        for k, name in enumerate(self.kernels):
            calls, ns, flops = (int(x) for x in c[3 * k:3 * k + 3])
            rows.append(KernelTime(name, calls, ns * 1e-9,
                                   flops if self.flops_known[k] else None))
        runs, ns = int(c[-2]), int(c[-1])
        return ProfileReport(function, runs, ns * 1e-9, rows)


@dataclass
class KernelTime:
    kernel: str
    calls: int
    seconds: float
    flops: int | None  # summed over the calls; None if not known

    @property
    def mean(self) -> float:
        return self.seconds / self.calls if self.calls else 0.0

    @property
    def gflops(self) -> float | None:
        if not self.flops or self.seconds <= 0:  # unknown, or nothing counted
            return None
        return self.flops / self.seconds * 1e-9


@dataclass
class ProfileReport:
    """Per-kernel times of `runs` calls of a relax function (print it for a table)."""

    function: str
    runs: int
    seconds: float  # of the whole runs, host code included
    kernels: list[KernelTime]

    def share(self, row: KernelTime) -> float:
        return row.seconds / self.seconds if self.seconds > 0 else 0.0

    def __str__(self) -> str:
        lines = [f"profile of @{self.function}: {self.runs} run(s), "
                 f"{self.seconds * 1e3:.3f} ms in total"]
        header = f"{'kernel':<32} {'calls':>7} {'total ms':>10} {'mean us':>10} {'share':>7} {'GFLOP/s':>8}"
        lines.append(header)
        rows = sorted(self.kernels, key=lambda r: -r.seconds)
        for r in rows:
            g = f"{r.gflops:8.2f}" if r.gflops is not None else f"{'-':>8}"
            lines.append(f"{r.kernel:<32} {r.calls:>7} {r.seconds * 1e3:>10.3f} "
                         f"{r.mean * 1e6:>10.2f} {self.share(r):>6.1%} {g}")
        rest = self.seconds - sum(r.seconds for r in self.kernels)
        lines.append(f"{'(host code outside kernels)':<32} {'':>7} {rest * 1e3:>10.3f} "
                     f"{'':>10} {max(rest, 0) / self.seconds if self.seconds > 0 else 0:>6.1%}")
        return "\n".join(lines)
