"""`convert-relax-to-std`: relax functions become host code in func/memref/cf/arith.

Each `relax.func @f` becomes a public `func.func @f` with this ABI (the
runtime in `lowering/runtime.py` is its only caller):

    @f(params..., constants..., %err: memref<?xi64>, %out: memref<?xi64>) -> i32

(with `profile=true`, `%prof: memref<?xi64>` comes just before `%err`: see
lowering/profiling.py)

- params are flattened: a tensor is a memref (static dims where the type
  knows them), a shape is one `index` per dim, a prim value a scalar, a tuple
  its fields in order;
- each `relax.constant` becomes a memref parameter, so weights reach native
  code by pointer and never appear in LLVM IR;
- the i32 result is 0 on success, else k: the k-th message of the
  `relax.errors` attribute, a failed run-time check (`match_cast`, or a dim
  that a kernel call could not prove right at compile time). The actual dims
  are written to `%err[1..]`, their count to `%err[0]`;
- results are written to `%out` flattened: a tensor as its data pointer then
  its dims, a shape as its dims, a prim value as 64 bits.

Every tensor the code allocates is freed before returning unless it is
returned; the runtime takes ownership of returned ones.

`call_tir` becomes an allocation of each output and a `func.call` of the
kernel (destination-passing style); symbolic variables are read from the
parameters' dims (`memref.dim`) and from `match_cast`.

`relax.call @g` becomes a real call, recursion included. For each public
function `@f`, every relax function it reaches by calls is lowered once more as
a private `func.func @f.g` (a copy per public function, so that error codes
stay those of `@f`'s table):

    @f.g(params..., constants..., [%prof,] %depth: index, %err) -> (i32, results...)

- params are flattened as above; the constants are those of every function
  `@f` reaches, in one order, passed down from `@f`'s parameters;
- the caller binds `@g`'s symbolic variables from the arguments and checks the
  other dims, as `match_cast` does (a failure is located at the call); `@g`
  binds its variables from its parameters, like a public function;
- the i32 is 0 or the code of a failed check in `@f`'s `relax.errors`, which
  the caller returns in turn (then the results are poison);
- the results are owned by the caller: a returned tensor that `@g` did not
  allocate itself (an argument, a constant, a second reference to one
  tensor) is returned as a copy;
- `%depth` counts nested calls: a call deeper than MAX_CALL_DEPTH fails
  (unbounded recursion would overflow the native stack);
- the call's result type is checked at run time where the callee's result
  type (its variables replaced by the call's) does not prove it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.context import Context
from xdsl.dialects import arith, cf, func, memref, ub
from xdsl.dialects.builtin import (
    DYNAMIC_INDEX,
    AnyFloat,
    ArrayAttr,
    IndexType,
    IntegerAttr,
    IntegerType,
    MemRefType,
    ModuleOp,
    StringAttr,
    i32,
    i64,
)
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue
from xdsl.passes import ModulePass
from xdsl.traits import SymbolTable

from xrelax.lowering.kernel_checks import check_size_exprs, emit_kernel_call
from xrelax.lowering.profiling import ProfileHooks
from xrelax.lowering.sym_to_arith import SymEmitter
from xrelax.lowering.tir_to_std import ConvertTirToStd, lowered_arg_type
from xrelax.relax import ops as rx
from xrelax.relax.memory_ops import AllocStorageOp, AllocTensorOp, CallKernelOp
from xrelax.relax.func_ops import call_result_type
from xrelax.relax.types import ObjectType, PrimType, ShapeType, TensorType, TupleType, is_base_of
from xrelax.relax.verify import kernel_binding
from xrelax.tir import ops as tir
from xrelax.tir.symbolic import SymExpr, prove_equal
from xrelax.tir.types import BufferType, shape_str
from xrelax.diagnostics import CompileError, location_prefix

ERRORS_ATTR = "relax.errors"
SIGNATURE_ATTR = "relax.signature"
CONSTANTS_ATTR = "relax.constants"
ALIGNMENT = IntegerAttr(64, 64)
MEMORY_ATTRS = ("relax.planned_bytes", "relax.unplanned_bytes")
REPORT_SLOTS = 15  # values a failed check reports (the runtime's %err has 16 slots)
MAX_ELEMENTS = 1 << 40  # larger tensors are refused (and element counts cannot overflow)
MAX_CALL_DEPTH = 2000  # nested relax.calls (each native frame is a few hundred bytes)


def _unsupported(op: Operation, what: str) -> CompileError:
    return CompileError(f"{location_prefix(op)}error: {what} is not supported by the native "
                        "runtime yet")


def tensor_memref_type(t: TensorType, where: Operation) -> MemRefType:
    if t.dims is not None:
        return MemRefType(t.dtype, [d.value if d.is_const() else DYNAMIC_INDEX for d in t.dims])
    if t.ndim is None:
        raise CompileError(f"{location_prefix(where)}error: a tensor of unknown rank ({t}) is "
                           "not supported by the native runtime yet: give its rank, e.g. "
                           f"!relax.tensor<ndim=2, {t.dtype}>")
    return MemRefType(t.dtype, [DYNAMIC_INDEX] * t.ndim)


def _rank(t: ShapeType, where: Operation) -> int:
    if t.ndim is None:
        raise CompileError(f"{location_prefix(where)}error: a shape of unknown rank ({t}) is "
                           "not supported by the native runtime yet: give its rank, e.g. "
                           "!relax.shape<ndim=2>")
    return t.ndim


def lowered_types(t: Attribute, where: Operation) -> list[Attribute]:
    """The std types that carry a relax value of type t, in order."""
    if isinstance(t, TensorType):
        return [tensor_memref_type(t, where)]
    if isinstance(t, ShapeType):
        return [IndexType()] * _rank(t, where)
    if isinstance(t, PrimType):
        return [t.dtype]
    if isinstance(t, TupleType):
        return [x for f in t.types for x in lowered_types(f, where)]
    raise _unsupported(where, f"a value of type {t}")


def _has_object(t: Attribute) -> bool:
    if isinstance(t, TupleType):
        return any(_has_object(f) for f in t.types)
    return isinstance(t, ObjectType)


def out_slots(t: Attribute) -> int:
    """How many i64 slots of %out a result of type t takes."""
    if isinstance(t, TensorType):
        return 1 + (t.ndim or 0)
    if isinstance(t, ShapeType):
        return t.ndim or 0
    if isinstance(t, TupleType):
        return sum(out_slots(f) for f in t.types)
    return 1


class _Lazy:
    """A value emitted when first needed (a callee's variable, read from a dim)."""

    def __init__(self, make: Callable[[], SSAValue]):
        self.make, self.value = make, None

    def get(self) -> SSAValue:
        if self.value is None:
            self.value = self.make()
        return self.value


@dataclass
class _Scope:
    """Allocations owned by the code being emitted (freed unless returned)."""

    owned: list[SSAValue]


def reachable_functions(fn: rx.FuncOp) -> list[rx.FuncOp]:
    """fn and every relax function it calls, directly or not (fn first)."""
    found = [fn]
    names = {fn.sym_name.data}
    for f in found:
        for op in f.walk():
            if isinstance(op, rx.CallOp) and (callee := op.callee_op()) is not None \
                    and callee.sym_name.data not in names:
                names.add(callee.sym_name.data)
                found.append(callee)
    return found


class CallClosure:
    """What the host functions lowered for one public relax function share:
    its error table (the codes of every function it calls are its own), the
    constants of every function it reaches, the names of the private copies of
    the functions it calls, and the profiler's counters."""

    def __init__(self, root: rx.FuncOp, module: ModuleOp, profile: bool, taken: set[str]):
        self.root, self.module, self.profile = root, module, profile
        self.taken = taken  # the symbol names of the module and of every copy made
        self.errors: list[str] = []
        self.constants = [c for f in reachable_functions(root) for c in f.walk()
                          if isinstance(c, rx.ConstantOp)]
        self.copies: dict[str, str] = {}
        self.pending: list[rx.FuncOp] = []
        self.root_hooks: ProfileHooks | None = None
        self.reaches: dict[str, set[str]] = {}

    def copy_name(self, fn: rx.FuncOp) -> str:
        """The host function that runs fn when called from this closure (lowered later)."""
        name = fn.sym_name.data
        if name not in self.copies:
            base = f"{self.root.sym_name.data}.{name}"
            candidate, k = base, 0
            while candidate in self.taken:
                k += 1
                candidate = f"{base}.{k}"
            self.taken.add(candidate)
            self.copies[name] = candidate
            self.pending.append(fn)
        return self.copies[name]

    def kernels(self) -> list[str]:
        """The kernels that the functions of the closure call, in order."""
        return [op.callee.root_reference.data for f in reachable_functions(self.root)
                for op in f.walk() if isinstance(op, (rx.CallTIROp, CallKernelOp))]

    def recursive(self, callee: rx.FuncOp, caller: rx.FuncOp) -> bool:
        """Whether a call of callee from caller can be a recursion (callee reaches caller)."""
        name = callee.sym_name.data
        if name not in self.reaches:
            self.reaches[name] = {f.sym_name.data for f in reachable_functions(callee)}
        return caller.sym_name.data in self.reaches[name]

    def lower(self) -> list[func.FuncOp]:
        """The root's host function, then the copies of the functions it calls."""
        root = FunctionLowering(self.root, self, entry=True)
        lowered = [root.lower()]
        while self.pending:
            lowered.append(FunctionLowering(self.pending.pop(0), self, entry=False).lower())
        lowered[0].attributes[ERRORS_ATTR] = ArrayAttr([StringAttr(e) for e in self.errors])
        if root.profile:
            root.profile.annotate(lowered[0])
        for copy in lowered[1:]:  # (the table of their codes; lowering/noalias.py reads it)
            copy.attributes[ERRORS_ATTR] = lowered[0].attributes[ERRORS_ATTR]
        return lowered


class FunctionLowering:
    """Translates one relax.func into host code, op by op, into a CFG: the
    public entry point of a function (`entry`), or a copy that relax.calls run."""

    def __init__(self, fn: rx.FuncOp, closure: CallClosure, entry: bool = True):
        self.fn = fn
        self.closure = closure
        self.module = closure.module
        self.entry = entry
        self.profile = ProfileHooks(self) if closure.profile else None  # lowering/profiling.py
        self.vals: dict[SSAValue, list[SSAValue]] = {}
        self.root: dict[SSAValue, SSAValue] = {}  # memref value -> the allocation it views
        self.env: dict[str, SSAValue] = {}
        self.errors = closure.errors
        self.scopes: list[_Scope] = [_Scope([])]
        self.region = Region()

    # ---- emission helpers ---------------------------------------------------------
    def set_block(self, block: Block) -> None:
        self.block = block
        self.sym = SymEmitter(self.env, block.add_op)

    def emit(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0] if op.results else None  # type: ignore[return-value]

    def index(self, value: int) -> SSAValue:
        return self.sym.const(value)

    def dim(self, m: SSAValue, j: int) -> SSAValue:
        return self.emit(memref.DimOp(m, self.index(j)))

    def to_i64(self, v: SSAValue) -> SSAValue:
        t = v.type
        if isinstance(t, IndexType):
            return self.emit(arith.IndexCastOp(v, i64))
        if isinstance(t, IntegerType):
            if t.width.data == 64:
                return v
            if t.width.data == 1:
                return self.emit(arith.ExtUIOp(v, i64))
            return self.emit(arith.ExtSIOp(v, i64))
        assert isinstance(t, AnyFloat)
        if t.bitwidth != 64:
            from xdsl.dialects.builtin import f64

            v = self.emit(arith.ExtFOp(v, f64))
        return self.emit(arith.BitcastOp(v, i64))

    def to_index(self, v: SSAValue) -> SSAValue:
        return v if isinstance(v.type, IndexType) else self.emit(arith.IndexCastOp(v, IndexType()))

    def store_slot(self, buf: SSAValue, k: int, v: SSAValue) -> None:
        self.emit(memref.StoreOp.get(self.to_i64(v), buf, [self.index(k)]))

    def owned_roots(self) -> list[SSAValue]:
        return [v for s in self.scopes for v in s.owned]

    def alloc(self, t: TensorType, where: Operation) -> SSAValue:
        mt = tensor_memref_type(t, where)
        assert t.dims is not None
        check_size_exprs(self, t.dims, where)  # no dim wraps around int64
        dims = [self.sym.value(d) for d in t.dims]
        self.check_size(dims, where)
        dynamic = [v for v, d in zip(dims, t.dims) if not d.is_const()]
        m = self.emit(memref.AllocOp(dynamic, [], mt, ALIGNMENT))
        self.check_allocated(m, dims)
        self.scopes[-1].owned.append(m)
        self.root[m] = m
        return m

    def check_size(self, dims: Sequence[SSAValue], where: Operation) -> None:
        """Fail cleanly, before allocating, when the element count would exceed
        MAX_ELEMENTS (or overflow): acc * d > MAX  <=>  acc > MAX floordiv d.
        Static sizes are checked at compile time instead."""
        static = [d.owner.value.value.data for d in dims  # type: ignore[union-attr]
                  if isinstance(d.owner, arith.ConstantOp)]
        if len(static) == len(dims):
            total = 1
            for d in static:
                total *= d
            if total > MAX_ELEMENTS:
                raise CompileError(f"{location_prefix(where)}error: a tensor of {total} "
                                   f"elements is too large (the limit is {MAX_ELEMENTS})")
            return
        limit = self.index(MAX_ELEMENTS)
        acc, bad = self.index(1), None
        zero = self.index(0)
        for d in dims:
            nonzero = self.emit(arith.CmpiOp(d, zero, "ne"))
            safe_d = self.emit(arith.SelectOp(nonzero, d, self.index(1)))
            quota = self.emit(arith.DivUIOp(limit, safe_d))
            too_big = self.emit(arith.AndIOp(nonzero, self.emit(arith.CmpiOp(acc, quota, "ugt"))))
            bad = too_big if bad is None else self.emit(arith.OrIOp(bad, too_big))
            acc = self.emit(arith.MuliOp(acc, safe_d))
        assert bad is not None
        self.check(bad, f"{location_prefix(where)}a tensor of shape %s is too large to allocate",
                   dims)

    def check_allocated(self, m: SSAValue, dims: Sequence[SSAValue]) -> None:
        ptr = self.emit(memref.ExtractAlignedPointerAsIndexOp.get(m))
        null = self.emit(arith.CmpiOp(ptr, self.index(0), "eq"))
        self.check(null, "out of memory allocating a tensor of shape %s", dims)

    def cast(self, m: SSAValue, to: Attribute) -> SSAValue:
        if m.type == to:
            return m
        c = self.emit(memref.CastOp.get(m, to))
        self.root[c] = self.root.get(m, m)
        return c

    # ---- run-time checks ----------------------------------------------------------
    def check(self, bad: SSAValue, message: str, report: Sequence[SSAValue]) -> None:
        """Continue when `bad` is false; else report `message` and return its code."""
        self.errors.append(message)
        code = len(self.errors)
        fail, cont = Block(), Block()
        self.emit(cf.ConditionalBranchOp(bad, fail, [], cont, []))
        self.region.add_block(fail)
        self.set_block(fail)
        report = list(report)[:REPORT_SLOTS]
        self.store_slot(self.err, 0, self.index(len(report)))
        for k, v in enumerate(report):
            self.store_slot(self.err, k + 1, v)
        self.return_failure(self.emit(arith.ConstantOp(IntegerAttr(code, i32))))
        self.region.add_block(cont)
        self.set_block(cont)

    def return_failure(self, code: SSAValue) -> None:
        """Free what is owned and return the (non-zero) code of a failed check;
        a copy returns poison results with it."""
        for m in self.owned_roots():
            self.emit(memref.DeallocOp.get(m))
        results = [] if self.entry else [self.emit(ub.PoisonOp(t)) for t in self.result_types]
        self.emit(func.ReturnOp(code, *results))

    def any_ne(self, pairs: Sequence[tuple[SSAValue, SSAValue]]) -> SSAValue | None:
        bad = None
        for a, b in pairs:
            ne = self.emit(arith.CmpiOp(a, b, "ne"))
            bad = ne if bad is None else self.emit(arith.OrIOp(bad, ne))
        return bad

    def match_dims(self, actual: Sequence[SSAValue], dims: Sequence[SymExpr], what: str,
                   where: Operation) -> None:
        """Bind variables that stand alone and are new; check every other dim."""
        pairs = []
        for a, d in zip(actual, dims):
            v = d.as_var()
            if v is not None and v not in self.env:
                self.env[v] = a
            else:
                pairs.append((a, self.sym.value(d)))
        bad = self.any_ne(pairs)
        if bad is not None:
            self.check(bad, f"{location_prefix(where)}{what} has dims %s, expected "
                       f"{shape_str(dims)}", actual)

    # ---- the function -------------------------------------------------------------
    def lower(self) -> func.FuncOp:
        fn = self.fn
        params = fn.function_type.inputs.data
        constants = self.closure.constants
        in_types = [t for p in params for t in lowered_types(p, fn)]
        const_types = [tensor_memref_type(c.result.type, c) for c in constants]
        buf = MemRefType(i64, [DYNAMIC_INDEX])
        prof = [buf] if self.profile else []
        tail = prof + ([buf, buf] if self.entry else [IndexType(), buf])
        self.result_types = [] if self.entry else lowered_types(fn.result_type, fn)
        entry = Block(arg_types=in_types + const_types + tail)
        self.region.add_block(entry)
        self.set_block(entry)
        if self.entry:
            *_, self.err, self.out = entry.args
            self.out.name_hint = "out"
            self.depth: SSAValue | None = None  # (0: calls from here are at depth 1)
        else:
            *_, self.depth, self.err = entry.args
            self.depth.name_hint = "depth"
        self.err.name_hint = "err"
        if self.profile:
            prof_arg = entry.args[-3]
            if self.entry:
                self.profile.start(prof_arg)
                self.profile.expect_kernels(self.closure.kernels())
                self.closure.root_hooks = self.profile
            else:
                assert self.closure.root_hooks is not None
                self.profile = self.closure.root_hooks.for_callee(self, prof_arg)
        k = 0
        for p in fn.args:
            n = len(lowered_types(p.type, fn))
            self.vals[p] = list(entry.args[k:k + n])
            for a in self.vals[p]:
                a.name_hint = p.name_hint
            self.bind_param(p.type, self.vals[p])
            k += n
        self.const_args = list(entry.args[k:k + len(constants)])
        for c, arg in zip(constants, self.const_args):
            self.vals[c.result] = [arg]
            arg.name_hint = c.result.name_hint or "const"
        self.lower_ops(fn.body.block.ops)
        if not self.entry:
            name = self.closure.copies[fn.sym_name.data]
            return func.FuncOp(name, (list(entry.arg_types), [i32, *self.result_types]),
                               self.region, visibility="private")
        out = func.FuncOp(fn.sym_name.data, (list(entry.arg_types), [i32]), self.region)
        out.attributes[ERRORS_ATTR] = ArrayAttr([])  # (filled in when the calls are lowered)
        out.attributes[SIGNATURE_ATTR] = fn.function_type
        out.attributes[CONSTANTS_ATTR] = ArrayAttr([c.value for c in constants])
        for name in MEMORY_ATTRS:  # what static-plan-memory found, for the runtime
            if name in fn.attributes:
                out.attributes[name] = fn.attributes[name]
        return out

    def bind_param(self, t: Attribute, values: list[SSAValue]) -> None:
        """Define the variables a parameter defines (the runtime checked the rest)."""
        if isinstance(t, TensorType) and t.dims is not None:
            for j, d in enumerate(t.dims):
                if (v := d.as_var()) is not None and v not in self.env:
                    self.env[v] = self.dim(values[0], j)
        elif isinstance(t, ShapeType) and t.dims is not None:
            for d, a in zip(t.dims, values):
                if (v := d.as_var()) is not None and v not in self.env:
                    self.env[v] = a
        elif isinstance(t, PrimType) and t.known_value is not None:
            if (v := t.known_value.as_var()) is not None and v not in self.env:
                self.env[v] = self.to_index(values[0])
        elif isinstance(t, TupleType):
            k = 0
            for f in t.types:
                n = len(lowered_types(f, self.fn))
                self.bind_param(f, values[k:k + n])
                k += n

    def lower_ops(self, ops: Sequence[Operation] | object) -> None:
        for op in list(ops):  # type: ignore[call-overload]
            handler = HOST_OP_HANDLERS.get(type(op))
            if handler is None:
                raise _unsupported(op, f"{op.name} in host code")
            handler(self, op)

    # ---- structural ops -------------------------------------------------------------
    def lower_DataflowOp(self, op: rx.DataflowOp) -> None:
        self.lower_ops(list(op.body.block.ops)[:-1])
        term = op.body.block.last_op
        assert isinstance(term, rx.OutputOp)
        for res, v in zip(op.outputs, term.values):
            self.vals[res] = self.vals[v]

    def lower_ReturnOp(self, op: rx.ReturnOp) -> None:
        declared = self.fn.result_type  # the runtime reads %out by the declared type
        if _has_object(declared) or out_slots(declared) != out_slots(op.value.type):
            raise _unsupported(op, f"returning a value of type {op.value.type} as {declared}")
        if not self.entry:
            self.return_to_caller(op)
            return
        values = self.vals[op.value]
        returned: set[SSAValue] = set()
        self.store_results(op.value.type, values, 0, returned)
        for m in self.owned_roots():
            if m not in returned:
                self.emit(memref.DeallocOp.get(m))
        if self.profile:
            self.profile.finish()
        self.emit(func.ReturnOp(self.emit(arith.ConstantOp(IntegerAttr(0, i32)))))

    def store_results(self, t: Attribute, values: list[SSAValue], slot: int,
                      returned: set[SSAValue]) -> int:
        if isinstance(t, TupleType):
            k = 0
            for f in t.types:
                n = len(lowered_types(f, self.fn))
                slot = self.store_results(f, values[k:k + n], slot, returned)
                k += n
            return slot
        if isinstance(t, TensorType):
            m = values[0]
            returned.add(self.root.get(m, m))
            ptr = self.emit(memref.ExtractAlignedPointerAsIndexOp.get(m))
            self.store_slot(self.out, slot, ptr)
            rank = t.ndim or 0
            for j in range(rank):
                self.store_slot(self.out, slot + 1 + j, self.dim(m, j))
            return slot + 1 + rank
        if isinstance(t, ObjectType):
            raise _unsupported(self.fn, "returning an object")
        for v in values:
            self.store_slot(self.out, slot, v)
            slot += 1
        return slot

    def return_to_caller(self, op: rx.ReturnOp) -> None:
        """A copy's return: the results, owned by the caller, then status 0."""
        values = self.vals[op.value]
        taken: set[SSAValue] = set()
        owned = self.scopes[-1].owned
        results = [self.cast(self.own(v, taken, owned), t) if isinstance(t, MemRefType) else v
                   for v, t in zip(values, self.result_types)]
        keep = {self.root.get(v, v) for v in results}
        for m in self.owned_roots():
            if m not in keep:
                self.emit(memref.DeallocOp.get(m))
        self.emit(func.ReturnOp(self.emit(arith.ConstantOp(IntegerAttr(0, i32))), *results))

    def lower_MatchCastOp(self, op: rx.MatchCastOp) -> None:
        self.vals[op.result] = self.match(op, op.value.type, op.result.type, self.vals[op.value])

    def match(self, op: Operation, src: Attribute, dst: Attribute, values: list[SSAValue],
              what: str = "relax.match_cast: the value") -> list[SSAValue]:
        if isinstance(dst, TensorType):
            m = values[0]
            mt = tensor_memref_type(dst, op)
            if dst.dims is not None:
                actual = [self.dim(m, j) for j in range(len(dst.dims))]
                self.match_dims(actual, dst.dims, what, op)
            return [self.cast(m, mt)]
        if isinstance(dst, ShapeType):
            if dst.dims is not None:
                self.match_dims(values, dst.dims, what.replace("the value", "the shape"), op)
            return values
        if isinstance(dst, PrimType):
            if dst.known_value is not None:
                self.match_dims([self.to_index(values[0])], [dst.known_value], what, op)
            return values
        if isinstance(dst, TupleType):
            assert isinstance(src, TupleType)
            result, k = [], 0
            for s, d in zip(src.types, dst.types):
                n = len(lowered_types(s, op))
                result += self.match(op, s, d, values[k:k + n], what)
                k += n
            return result
        return values

    def lower_ConstantOp(self, op: rx.ConstantOp) -> None:
        pass  # a parameter, mapped in lower()

    def lower_TupleOp(self, op: rx.TupleOp) -> None:
        self.vals[op.result] = [v for f in op.fields for v in self.vals[f]]

    def lower_GetItemOp(self, op: rx.GetItemOp) -> None:
        t = op.tuple_value.type
        assert isinstance(t, TupleType)
        start = sum(len(lowered_types(f, op)) for f in t.types[:op.position])
        n = len(lowered_types(t.types[op.position], op))
        self.vals[op.result] = self.vals[op.tuple_value][start:start + n]

    def lower_ShapeOfOp(self, op: rx.ShapeOfOp) -> None:
        m = self.vals[op.tensor][0]
        rank = _rank(op.result.type, op)  # type: ignore[arg-type]
        self.vals[op.result] = [self.dim(m, j) for j in range(rank)]

    def lower_ShapeOp(self, op: rx.ShapeOp) -> None:
        self.vals[op.result] = [self.sym.value(d.data) for d in op.dims.data]

    def lower_PrimValueOp(self, op: rx.PrimValueOp) -> None:
        v = self.sym.value(op.value.data)
        t = op.result.type
        assert isinstance(t, PrimType)
        if isinstance(t.dtype, IntegerType):
            v = self.emit(arith.IndexCastOp(v, t.dtype))
        elif isinstance(t.dtype, AnyFloat):
            v = self.emit(arith.SIToFPOp(self.emit(arith.IndexCastOp(v, i64)), t.dtype))
        self.vals[op.result] = [v]

    # ---- calls ---------------------------------------------------------------------
    def lower_CallTIROp(self, op: rx.CallTIROp) -> None:
        kernel = SymbolTable.lookup_symbol(self.module, op.callee)
        assert isinstance(kernel, tir.FuncOp)
        outs = [self.alloc(r.type, op) for r in op.outputs]  # type: ignore[arg-type]
        for r, m in zip(op.outputs, outs):
            self.vals[r] = [m]
        self.call_kernel(op, kernel, list(op.args) + list(op.outputs), op.sym_exprs)

    def lower_CallKernelOp(self, op: CallKernelOp) -> None:
        kernel = SymbolTable.lookup_symbol(self.module, op.callee)
        assert isinstance(kernel, tir.FuncOp)
        self.call_kernel(op, kernel, list(op.operands_), op.sym_exprs)

    def lower_AllocTensorOp(self, op: AllocTensorOp) -> None:
        t = op.result.type
        assert isinstance(t, TensorType) and t.dims is not None
        if op.storage is None:
            self.vals[op.result] = [self.alloc(t, op)]
            return
        storage = self.vals[op.storage][0]
        mt = tensor_memref_type(t, op)
        def static_or_value(e: SymExpr) -> int | SSAValue:
            return e.value if e.is_const() else self.sym.value(e)  # type: ignore[return-value]

        strides: list[SymExpr] = []
        stride = SymExpr.const(1)
        for d in reversed(t.dims):  # row-major
            strides.insert(0, stride)
            stride = stride * d
        view = self.emit(memref.ReinterpretCastOp.from_dynamic(
            storage, [0], [static_or_value(d) for d in t.dims],
            [static_or_value(e) for e in strides], mt))
        self.root[view] = self.root.get(storage, storage)
        self.vals[op.result] = [view]

    def lower_AllocStorageOp(self, op: AllocStorageOp) -> None:
        check_size_exprs(self, [op.size.data], op)
        size = self.sym.value(op.size.data)
        self.check_size([size], op)
        mt = MemRefType(op.dtype, [DYNAMIC_INDEX])
        m = self.emit(memref.AllocOp([size], [], mt, ALIGNMENT))
        self.check_allocated(m, [size])
        self.scopes[-1].owned.append(m)
        self.root[m] = m
        self.vals[op.result] = [m]

    def call_kernel(self, op: Operation, kernel: tir.FuncOp, values: list[SSAValue],
                    sym_exprs: Sequence[SymExpr]) -> None:
        """func.call the kernel on the memrefs of `values` (inputs then outputs)."""
        self.check_kernel_dims(op, kernel, values, sym_exprs)
        args: list[SSAValue] = []
        for p, v in zip(kernel.function_type.inputs.data, [self.vals[a][0] for a in values]):
            if isinstance(p, BufferType):
                args.append(self.cast(v, lowered_arg_type(p)))
            elif isinstance(p, IndexType):
                args.append(self.to_index(v))
            else:
                args.append(v)
        args += [self.sym.value(e) for e in sym_exprs]
        if self.profile:
            self.profile.around_call(op, kernel, [v.type for v in values], sym_exprs,
                                     lambda: emit_kernel_call(self, kernel, args))
        else:
            emit_kernel_call(self, kernel, args)  # with %err and a status test if it may fail

    def check_kernel_dims(self, op: Operation, kernel: tir.FuncOp, values: list[SSAValue],
                          sym_exprs: Sequence[SymExpr]) -> None:
        """Dims the verifier could not prove consistent are checked at run time."""
        params = kernel.function_type.inputs.data
        typed = [(i, v.type, p) for i, (v, p) in enumerate(zip(values, params))
                 if isinstance(p, BufferType) and isinstance(v.type, TensorType)]
        runtime_dims: dict[int, list[SSAValue]] = {}
        for i, t, p in typed:
            if t.dims is None:  # rank only: the actual dims are read at run time
                runtime_dims[i] = [self.dim(self.vals[values[i]][0], j) for j in range(p.rank)]
        binding = kernel_binding(kernel, sym_exprs, [v.type for v in values],
                                 lambda i, j: SymExpr.var(f"%{i}.{j}"))
        for i, t, p in typed:
            for j, pd in enumerate(p.dims):
                expected = pd.substitute(binding)
                if t.dims is not None and prove_equal(expected, t.dims[j]):
                    continue
                actual = self.value_of(t.dims[j]) if t.dims is not None else runtime_dims[i][j]
                want = self.value_of(expected, runtime_dims)
                if want is None or actual is None:
                    continue
                bad = self.any_ne([(actual, want)])
                assert bad is not None
                self.check(bad, f"{location_prefix(op)}{op.name} @{kernel.sym_name.data}: "
                           f"dim {j} of operand #{i} is %s, the kernel expects {expected}",
                           [actual])

    def value_of(self, e: SymExpr, runtime_dims: dict[int, list[SSAValue]] | None = None
                 ) -> SSAValue | None:
        """A run-time value of e, where its variables have values."""
        env = dict(self.env)
        for i, dims in (runtime_dims or {}).items():
            for j, d in enumerate(dims):
                env[f"%{i}.{j}"] = d
        if not e.free_vars() <= env.keys():
            return None
        return SymEmitter(env, self.block.add_op).value(e)

    # ---- calls of relax functions ----------------------------------------------------
    def lower_CallOp(self, op: rx.CallOp) -> None:
        """A call of the callee's copy (see the module docstring)."""
        callee = op.callee_op()
        assert callee is not None
        name = callee.sym_name.data
        copy = self.closure.copy_name(callee)
        binding: dict[str, SymExpr] = {}  # callee variable -> the caller's expression
        env: dict[str, SSAValue] = {}  # callee variable -> its value
        args: list[SSAValue] = []
        for i, (p, a) in enumerate(zip(callee.function_type.inputs.data, op.args)):
            args += self.pass_argument(op, f"relax.call @{name}: argument #{i}", p, a.type,
                                       self.vals[a], binding, env)
        depth = (self.index(1) if self.depth is None
                 else self.emit(arith.AddiOp(self.depth, self.index(1))))
        if self.closure.recursive(callee, self.fn):  # only a recursion can go deep
            too_deep = self.emit(arith.CmpiOp(depth, self.index(MAX_CALL_DEPTH), "ugt"))
            self.check(too_deep, f"{location_prefix(op)}relax.call @{name}: more than "
                       f"{MAX_CALL_DEPTH} nested calls (a recursion that does not end?)", [])
        prof = [self.profile.prof] if self.profile else []
        result_types = lowered_types(callee.result_type, op)
        call = func.CallOp(copy, [*args, *self.const_args, *prof, depth, self.err],
                           [i32, *result_types])
        self.emit(call)
        self.propagate_failure(call.results[0])
        results = list(call.results[1:])
        for m in results:  # the callee hands its results over
            if isinstance(m.type, MemRefType):
                self.scopes[-1].owned.append(m)
                self.root[m] = m
        proved = call_result_type(callee, [a.type for a in op.args])
        if is_base_of(op.result.type, proved):
            want = lowered_types(op.result.type, op)
            self.vals[op.result] = [self.cast(v, t) if isinstance(t, MemRefType) else v
                                    for v, t in zip(results, want)]
        else:  # e.g. a result type that mentions a variable of the callee's match_cast
            self.vals[op.result] = self.match(op, callee.result_type, op.result.type, results,
                                              f"relax.call @{name}: the result")

    def pass_argument(self, op: rx.CallOp, what: str, p: Attribute, t: Attribute,
                      values: list[SSAValue], binding: dict[str, SymExpr],
                      env: dict[str, SSAValue]) -> list[SSAValue]:
        """The values of an argument of type t for a parameter of type p, after
        binding the callee's variables it defines and checking its other dims."""
        if isinstance(p, TensorType):
            m = values[0]
            if p.dims is not None:
                known = t.dims if isinstance(t, TensorType) else None

                def dim(j: int) -> SSAValue:  # from the argument's type where it says
                    value = self.value_of(known[j]) if known is not None else None
                    return value if value is not None else self.dim(m, j)

                self.bind_callee_dims(op, what, dim, p.dims, known, binding, env)
            return [self.cast(m, tensor_memref_type(p, op))]
        if isinstance(p, ShapeType):
            if p.dims is not None:
                known = t.dims if isinstance(t, ShapeType) else None
                self.bind_callee_dims(op, what, lambda j: values[j], p.dims, known, binding, env)
            return values
        if isinstance(p, PrimType):
            if p.known_value is not None:
                known_value = t.known_value if isinstance(t, PrimType) else None
                self.bind_callee_dims(op, what, lambda j: self.to_index(values[0]),
                                      [p.known_value],
                                      None if known_value is None else [known_value], binding,
                                      env)
            return values
        if isinstance(p, TupleType) and isinstance(t, TupleType):
            result, k = [], 0
            for j, (pf, tf) in enumerate(zip(p.types, t.types)):
                n = len(lowered_types(tf, op))
                result += self.pass_argument(op, f"{what}[{j}]", pf, tf, values[k:k + n],
                                             binding, env)
                k += n
            return result
        raise _unsupported(op, f"passing a value of type {t} as {p}")

    def bind_callee_dims(self, op: Operation, what: str, actual: Callable[[int], SSAValue],
                         dims: Sequence[SymExpr], known: Sequence[SymExpr] | None,
                         binding: dict[str, SymExpr], env: dict[str, SSAValue]) -> None:
        """Like match_dims, in the callee's variables: bind those that stand alone
        and are new; check the other dims unless the argument's type proves them.
        `actual(j)` emits the value of dim j; `known` are the argument's dims."""
        values: dict[int, SSAValue] = {}

        def value(j: int) -> SSAValue:
            if j not in values:
                values[j] = actual(j)
            return values[j]

        checked = []
        for j, d in enumerate(dims):
            v = d.as_var()
            mine = known[j] if known is not None else None
            if v is not None and v not in env:  # (read only if a check needs it)
                env[v] = _Lazy(lambda j=j: value(j))  # type: ignore[assignment]
                if mine is not None:
                    binding[v] = mine
            elif not (mine is not None and d.free_vars() <= binding.keys()
                      and prove_equal(d.substitute(binding), mine)):
                checked.append((j, d))
        if not checked:
            return
        for name, lazy in list(env.items()):
            if isinstance(lazy, _Lazy):
                env[name] = lazy.get()
        pairs = [(value(j), SymEmitter(env, self.block.add_op).value(d)) for j, d in checked]
        bad = self.any_ne(pairs)
        assert bad is not None
        self.check(bad, f"{location_prefix(op)}{what} has dims %s, expected "
                   f"{shape_str(dims)}", [value(j) for j in range(len(dims))])

    def propagate_failure(self, status: SSAValue) -> None:
        """After a call: return its non-zero status (a code of the shared table)."""
        failed = self.emit(arith.CmpiOp(status, self.emit(arith.ConstantOp(IntegerAttr(0, i32))),
                                        "ne"))
        fail, cont = Block(), Block()
        self.emit(cf.ConditionalBranchOp(failed, fail, [], cont, []))
        self.region.add_block(fail)
        self.set_block(fail)
        self.return_failure(status)
        self.region.add_block(cont)
        self.set_block(cont)

    def lower_CallDPSPackedOp(self, op: rx.CallDPSPackedOp) -> None:
        from xrelax.lowering.packed_calls import lower_packed_call

        lower_packed_call(self, op)

    def lower_CallPackedOp(self, op: rx.CallPackedOp) -> None:
        from xrelax.lowering.packed_calls import lower_packed_call

        lower_packed_call(self, op)

    # ---- control flow ----------------------------------------------------------------
    def lower_IfOp(self, op: rx.IfOp) -> None:
        cond = self.vals[op.cond][0]
        if isinstance(cond.type, MemRefType):
            cond = self.emit(memref.LoadOp.get(cond, []))
        result_types = [t for r in op.results_ for t in lowered_types(r.type, op)]
        then_b, else_b, merge = Block(), Block(), Block(arg_types=result_types)
        self.emit(cf.ConditionalBranchOp(cond, then_b, [], else_b, []))
        outer_env = dict(self.env)
        for block, region in ((then_b, op.then_region), (else_b, op.else_region)):
            self.env.clear()  # variables bound in one branch are not defined in the other
            self.env.update(outer_env)
            self.region.add_block(block)
            self.set_block(block)
            self.scopes.append(_Scope([]))
            self.lower_ops(list(region.block.ops)[:-1])
            term = region.block.last_op
            assert isinstance(term, rx.YieldOp)
            yielded = [v for y in term.values for v in self.vals[y]]
            taken: set[SSAValue] = set()  # each merge argument owns a distinct allocation
            yielded = [self.own(v, taken, self.scopes[-1].owned)
                       if isinstance(v.type, MemRefType) else v for v in yielded]
            yielded = [self.cast(v, t) if isinstance(t, MemRefType) else v
                       for v, t in zip(yielded, result_types)]
            keep = {self.root.get(v, v) for v in yielded}
            for m in self.scopes.pop().owned:
                if m not in keep:
                    self.emit(memref.DeallocOp.get(m))
            self.emit(cf.BranchOp(merge, *yielded))
        self.region.add_block(merge)
        self.env.clear()
        self.env.update(outer_env)
        self.set_block(merge)
        k = 0
        for r in op.results_:
            n = len(lowered_types(r.type, op))
            self.vals[r] = list(merge.args[k:k + n])
            k += n
        for a in merge.args:
            if isinstance(a.type, MemRefType):
                self.scopes[-1].owned.append(a)
                self.root[a] = a

    def own(self, m: SSAValue, taken: set[SSAValue], owned: list[SSAValue]) -> SSAValue:
        """m itself if its allocation is in `owned` and no other result took it,
        else a fresh copy (for results that the code after an if, or a caller,
        owns)."""
        root = self.root.get(m, m)
        if root in owned and root not in taken:
            taken.add(root)
            return m
        mt = m.type
        assert isinstance(mt, MemRefType)
        dynamic = [self.dim(m, j) for j, s in enumerate(mt.get_shape()) if s == DYNAMIC_INDEX]
        copy = self.emit(memref.AllocOp(dynamic, [], mt, ALIGNMENT))
        self.check_allocated(copy, [self.dim(m, j) for j in range(mt.get_num_dims())])
        self.emit(memref.CopyOp(m, copy))
        self.scopes[-1].owned.append(copy)
        self.root[copy] = copy
        taken.add(copy)
        return copy


HostOpHandler = Callable[[FunctionLowering, Operation], None]

# How each op of a relax function body is lowered to host code; an op not in
# the table is reported as unsupported. Terminators of nested regions
# (`relax.output`, `relax.yield`) are handled by the op that owns the region.
HOST_OP_HANDLERS: dict[type[Operation], HostOpHandler] = {
    rx.DataflowOp: FunctionLowering.lower_DataflowOp,
    rx.ReturnOp: FunctionLowering.lower_ReturnOp,
    rx.MatchCastOp: FunctionLowering.lower_MatchCastOp,
    rx.ConstantOp: FunctionLowering.lower_ConstantOp,
    rx.TupleOp: FunctionLowering.lower_TupleOp,
    rx.GetItemOp: FunctionLowering.lower_GetItemOp,
    rx.ShapeOfOp: FunctionLowering.lower_ShapeOfOp,
    rx.ShapeOp: FunctionLowering.lower_ShapeOp,
    rx.PrimValueOp: FunctionLowering.lower_PrimValueOp,
    rx.CallTIROp: FunctionLowering.lower_CallTIROp,
    CallKernelOp: FunctionLowering.lower_CallKernelOp,
    AllocTensorOp: FunctionLowering.lower_AllocTensorOp,
    AllocStorageOp: FunctionLowering.lower_AllocStorageOp,
    rx.CallDPSPackedOp: FunctionLowering.lower_CallDPSPackedOp,
    rx.CallPackedOp: FunctionLowering.lower_CallPackedOp,
    rx.IfOp: FunctionLowering.lower_IfOp,
    rx.CallOp: FunctionLowering.lower_CallOp,
}  # type: ignore[dict-item]  # handlers take their own op subclass


@dataclass(frozen=True)
class ConvertRelaxToStd(ModulePass):
    """Replace every relax.func by host code (see the module docstring for the
    ABI), then the tir kernels they call by func.funcs (`convert-tir-to-std`):
    the two go together because host code calls kernels by their lowered types."""

    name = "convert-relax-to-std"

    profile: bool = False  # time every kernel call (see lowering/profiling.py)

    def apply(self, ctx: Context, op: ModuleOp) -> None:
        functions = [fn for fn in op.body.block.ops if isinstance(fn, rx.FuncOp)]
        taken = {name.data for o in op.body.block.ops
                 if isinstance(name := o.properties.get("sym_name"), StringAttr)}
        host = {fn: CallClosure(fn, op, self.profile, taken).lower() for fn in functions
                if not fn.is_private}  # private ones run only as the copies calls make
        for fn in functions:
            for lowered in host.get(fn, []):
                op.body.block.insert_op_before(lowered, fn)
            op.body.block.erase_op(fn)
        from xrelax.lowering.packed_calls import ENTRY, entry_declaration

        if any(isinstance(c, func.CallOp) and c.callee.root_reference.data == ENTRY
               for c in op.walk()):
            op.body.block.add_op(entry_declaration())
        ConvertTirToStd().apply(ctx, op)

