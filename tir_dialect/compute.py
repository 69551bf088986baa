"""The compute DSL: describe tensors by index expressions, get tir kernels.

In the spirit of TVM's `te`: a `placeholder` is an input, `compute` defines
each element of a new tensor by a lambda over its indices, `reduce_axis` and
`sum`/`prod`/`max`/`min` describe reductions, and `create_tir_func` emits a
verified `tir.func` with one loop nest per computed tensor.

```python
from xrelax.tir import compute as te
from xrelax.tir.symbolic import var
n, m, k = var("n"), var("m"), var("k")
A = te.placeholder([n, k], "f32", name="A")
B = te.placeholder([k, m], "f32", name="B")
r = te.reduce_axis(k, name="r")
C = te.compute([n, m], lambda i, j: te.sum(A[i, r] * B[r, j], axis=r), name="C")
matmul = te.create_tir_func([A, B, C], name="matmul")
```

Each stage is a nest of `tir.for` loops (spatial axes, then reduce axes)
around one `tir.block` named after the tensor. A reduction block starts with
a `tir.init` that stores the identity, then loads the accumulator, combines
and stores. Tensors computed but not passed as parameters become
`tir.alloc_buffer`s of the kernel. Expressions are built by compute_expr.py.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Sequence

from xdsl.dialects import arith
from xdsl.dialects import math as xmath
from xdsl.dialects.builtin import (
    FloatAttr, IndexType, IntegerAttr, IntegerType, ModuleOp, Signedness, i64)
from xdsl.ir import Attribute, Block, Operation, SSAValue

# the expression API is re-exported: te.exp, te.sum, te.if_then_else, ...
from xrelax.tir.compute_expr import (  # noqa: F401
    abs, cast, ceil, const, erf, exp, floor, if_then_else, log, max, maximum, min, minimum,
    neg, power, prod, reinterpret, round, rsqrt, sigmoid, sqrt, sum, tanh, trig)
from xrelax.tir.compute_expr import (
    INDEX, TRIG_FUNCS, BinOp, Cast, Compare, Const, Expr, ExprLike, IterVar, Load, Reduce, Reinterpret,
    Select, SymValue, Unary, as_dtype, as_expr, dtype_str, is_bool, is_float, iter_vars_in,
    reduce_identity)
from xrelax.tir.ops import AllocBufferOp, BlockOp, ExprOp, ForOp, FuncOp, InitOp, LoadOp, StoreOp
from xrelax.tir.symbolic import ExprLike as SymLike
from xrelax.tir.symbolic import SymExpr
from xrelax.tir.types import BufferType

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _check_name(name: str, what: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"{what} name {name!r} must be an identifier (letters, digits, '_')")
    return name


# ---- tensors -----------------------------------------------------------------

class Tensor:
    """A placeholder (an input) or a computed tensor. `T[i, j]` is an element."""

    def __init__(self, name: str, shape: Sequence[SymLike], dtype: Attribute,
                 axes: tuple[IterVar, ...] = (), body: Expr | None = None):
        self.name = _check_name(name, "tensor")
        self.shape = tuple(SymExpr.lift(d) for d in shape)
        self.dtype, self.axes, self.body = dtype, axes, body

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def is_placeholder(self) -> bool:
        return self.body is None

    @property
    def buffer_type(self) -> BufferType:
        return BufferType(self.shape, self.dtype)

    def inputs(self) -> list[Tensor]:
        """The distinct tensors this one reads, in order of first use."""
        if self.body is None:
            return []
        found: dict[int, Tensor] = {}
        for node in self.body.walk():
            if isinstance(node, Load):
                found.setdefault(id(node.tensor), node.tensor)
        return list(found.values())

    def __getitem__(self, indices: object) -> Expr:
        idx = indices if isinstance(indices, tuple) else (indices,)
        if len(idx) != self.ndim:
            raise ValueError(f"tensor '{self.name}' has {self.ndim} dimensions but is "
                             f"indexed with {len(idx)} indices")
        exprs = []
        for pos, i in enumerate(idx):
            if isinstance(i, (float, slice)) or i is None or isinstance(i, bool):
                raise TypeError(f"index {pos} of '{self.name}' must be an integer expression, "
                                f"got {i!r}")
            e = as_expr(i, INDEX)
            if is_float(e.dtype) or is_bool(e.dtype):
                raise TypeError(f"index {pos} of '{self.name}' has dtype {dtype_str(e.dtype)}; "
                                "indices must be integers (convert with te.cast)")
            exprs.append(e)
        return Load(self, tuple(exprs))

    def __repr__(self) -> str:
        kind = "placeholder" if self.is_placeholder else "compute"
        return f"Tensor({self.name}: {kind} {self.buffer_type})"


def placeholder(shape: Sequence[SymLike], dtype: Attribute | str = "f32",
                name: str = "placeholder") -> Tensor:
    """An input tensor of the given (symbolic) shape and dtype."""
    dt = as_dtype(dtype)
    if isinstance(dt, IndexType):
        raise TypeError("a tensor cannot hold index values; use i32 or i64")
    return Tensor(name, shape, dt)


def reduce_axis(extent: SymLike, name: str = "r") -> IterVar:
    """An index variable over [0, extent) to reduce over with te.sum and friends."""
    return IterVar(_check_name(name, "axis"), SymExpr.lift(extent), "reduce")


def _axis_names(fcompute: Callable[..., object], ndim: int, name: str) -> list[str]:
    params = list(inspect.signature(fcompute).parameters.values())
    if len(params) == 1 and params[0].kind is inspect.Parameter.VAR_POSITIONAL:
        return [f"i{d}" for d in range(ndim)]
    positional = [p for p in params if p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                                   inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if len(positional) != ndim or len(positional) != len(params):
        raise ValueError(f"compute '{name}' has {ndim} dimensions but its function takes "
                         f"{len(params)} indices (one index argument per dimension)")
    return [p.name for p in positional]


def compute(shape: Sequence[SymLike], fcompute: Callable[..., ExprLike],
            name: str = "compute", dtype: Attribute | str | None = None) -> Tensor:
    """A tensor whose element at (i, j, ...) is `fcompute(i, j, ...)`.

    The body may be a reduction (`te.sum(..., axis=r)`) only as a whole.
    `dtype` types a body that is a plain Python number; otherwise the dtype
    is the body's.
    """
    _check_name(name, "tensor")
    dims = [SymExpr.lift(d) for d in shape]
    axes = tuple(IterVar(a, d, "spatial") for a, d in zip(_axis_names(fcompute, len(dims), name), dims))
    want = as_dtype(dtype) if dtype is not None else None
    body = as_expr(fcompute(*axes), want)
    if want is not None and body.dtype != want:
        raise TypeError(f"compute '{name}' is declared {dtype_str(want)} but its body is "
                        f"{dtype_str(body.dtype)} (convert it with te.cast)")
    if isinstance(body.dtype, IndexType):
        raise TypeError(f"the body of compute '{name}' is an index; convert it to a tensor "
                        "dtype with te.cast('i64', ...)")
    _check_body(name, axes, body)
    return Tensor(name, dims, body.dtype, axes, body)


def _check_body(name: str, axes: tuple[IterVar, ...], body: Expr) -> None:
    for node in body.walk():
        if isinstance(node, Reduce) and node is not body:
            raise ValueError(f"compute '{name}': a reduction must be the whole body "
                             "(compute it as its own tensor, then use that)")
    allowed = {id(a) for a in axes}
    if isinstance(body, Reduce):
        allowed |= {id(a) for a in body.axes}
    for v in iter_vars_in(body):
        if id(v) in allowed:
            continue
        if v.kind == "reduce":
            raise ValueError(f"compute '{name}' uses reduce axis '{v.name}' outside a "
                             "reduction over it (wrap the body in te.sum(..., axis=...))")
        raise ValueError(f"compute '{name}' uses index variable '{v.name}' of another compute")


# ---- kernels -------------------------------------------------------------------

def create_tir_func(tensors: Sequence[Tensor], name: str) -> FuncOp:
    """A verified `tir.func @name` whose parameters are `tensors` (inputs and
    outputs, in that order); computed tensors it needs but does not take become
    local buffers. Symbolic variables that are not a dim of a parameter on
    their own become `sym(...)` arguments."""
    params = list(tensors)
    if not params or not all(isinstance(t, Tensor) for t in params):
        raise TypeError("create_tir_func takes a non-empty list of tensors")
    if len({id(t) for t in params}) != len(params):
        raise ValueError(f"kernel @{name}: a tensor is listed twice")
    stages = _stages_in_order(params, name)
    param_ids = {id(t) for t in params}
    local = [t for t in stages if id(t) not in param_ids]
    names = _unique_names(params + local)

    func = FuncOp(name, [t.buffer_type for t in params], _sym_args(params, local, stages))
    buffers: dict[int, SSAValue] = {}
    for t, arg in zip(params, func.args):
        arg.name_hint = names[id(t)]
        buffers[id(t)] = arg
    body = func.body.block
    for t in local:
        alloc = AllocBufferOp(t.buffer_type)
        alloc.result.name_hint = names[id(t)]
        body.add_op(alloc)
        buffers[id(t)] = alloc.result
    for t in stages:
        _emit_stage(body, t, names[id(t)], buffers)
    func.verify()
    return func


def build_module(*funcs: Operation) -> ModuleOp:
    """A module holding the given kernels (and any other top-level ops)."""
    seen: set[str] = set()
    for f in funcs:
        sym = getattr(f, "sym_name", None)
        if sym is not None:
            if sym.data in seen:
                raise ValueError(f"two functions are named @{sym.data}")
            seen.add(sym.data)
    return ModuleOp([f if f.parent is None else f.clone() for f in funcs])


def _stages_in_order(params: list[Tensor], kernel: str) -> list[Tensor]:
    """The computed tensors the parameters need, each after those it reads."""
    param_ids = {id(t) for t in params}
    order: list[Tensor] = []
    done: set[int] = set()

    def visit(t: Tensor) -> None:
        if id(t) in done:
            return
        done.add(id(t))
        for src in t.inputs():
            if src.is_placeholder and id(src) not in param_ids:
                raise ValueError(f"kernel @{kernel}: '{t.name}' reads placeholder "
                                 f"'{src.name}', which is not a parameter")
            visit(src)
        if not t.is_placeholder:
            order.append(t)

    for t in params:
        visit(t)
    return order


def _unique_names(tensors: list[Tensor]) -> dict[int, str]:
    names: dict[int, str] = {}
    used: set[str] = set()
    for t in tensors:
        candidate, k = t.name, 0
        while candidate in used:
            k += 1
            candidate = f"{t.name}{k}"
        used.add(candidate)
        names[id(t)] = candidate
    return names


def _sym_args(params: list[Tensor], local: list[Tensor], stages: list[Tensor]) -> list[str]:
    defined = {v for t in params for d in t.shape if (v := d.as_var()) is not None}
    used: list[str] = []

    def note(e: SymExpr) -> None:
        used.extend(v for v in sorted(e.free_vars()) if v not in used)

    for t in params + local:
        for d in t.shape:
            note(d)
    for t in stages:
        assert t.body is not None
        for node in t.body.walk():
            if isinstance(node, SymValue):
                note(node.expr)
        if isinstance(t.body, Reduce):
            for ax in t.body.axes:
                note(ax.extent)
    return [v for v in used if v not in defined]


def _emit_stage(parent: Block, t: Tensor, name: str, buffers: dict[int, SSAValue]) -> None:
    """One loop nest around one block computing every element of `t`."""
    assert t.body is not None
    reduction = t.body if isinstance(t.body, Reduce) else None
    axes = t.axes + (reduction.axes if reduction is not None else ())
    loop_vars = []
    for ax in axes:
        loop = ForOp(0, ax.extent)
        loop.induction_var.name_hint = ax.name
        parent.add_op(loop)
        parent = loop.body.block
        loop_vars.append(loop.induction_var)
    block = BlockOp(name, loop_vars, [ax.kind for ax in axes], [ax.extent for ax in axes])
    parent.add_op(block)
    iters: dict[int, SSAValue] = {}
    for ax, v in zip(axes, block.iter_vars):
        v.name_hint = "v" + ax.name
        iters[id(ax)] = v
    out, point = buffers[id(t)], block.iter_vars[:t.ndim]
    em = _Emitter(block.body.block, iters, buffers)
    if reduction is None:
        em.add(StoreOp(em.emit(t.body), out, point))
        return
    init = InitOp()
    em.add(init)
    init_em = _Emitter(init.body.block, iters, buffers)
    identity = init_em.emit(Const(reduce_identity(reduction.combiner, t.dtype), t.dtype))
    init_em.add(StoreOp(identity, out, point))
    value = em.emit(reduction.body)
    acc = em.load_element(t, point)
    combine = {"sum": "add", "prod": "mul", "max": "max", "min": "min"}[reduction.combiner]
    em.add(StoreOp(em.binop(combine, acc, value, t.dtype), out, point))


# ---- expressions to arith / math / tir ops ----------------------------------

_FLOAT_BINOPS = {"add": arith.AddfOp, "sub": arith.SubfOp, "mul": arith.MulfOp,
                 "div": arith.DivfOp, "max": arith.MaximumfOp, "min": arith.MinimumfOp,
                 "pow": xmath.PowFOp}
_INT_BINOPS = {"add": arith.AddiOp, "sub": arith.SubiOp, "mul": arith.MuliOp,
               "floordiv": arith.FloorDivSIOp, "max": arith.MaxSIOp, "min": arith.MinSIOp,
               "and": arith.AndIOp, "or": arith.OrIOp}
_UINT_PREDICATES = {"lt": "ult", "le": "ule", "gt": "ugt", "ge": "uge", "eq": "eq", "ne": "ne"}


def _unsigned(dtype: Attribute) -> bool:
    return isinstance(dtype, IntegerType) and dtype.signedness.data == Signedness.UNSIGNED


_FLOAT_PREDICATES = {"lt": "olt", "le": "ole", "gt": "ogt", "ge": "oge", "eq": "oeq", "ne": "une"}
_INT_PREDICATES = {"lt": "slt", "le": "sle", "gt": "sgt", "ge": "sge", "eq": "eq", "ne": "ne"}
_FLOAT_UNARY = {"exp": xmath.ExpOp, "log": xmath.LogOp, "sqrt": xmath.SqrtOp,
                "rsqrt": xmath.RsqrtOp, "tanh": xmath.TanhOp, "erf": xmath.ErfOp,
                "floor": xmath.FloorOp, "ceil": xmath.CeilOp, "round": xmath.RoundEvenOp,
                "abs": xmath.AbsFOp, "neg": arith.NegfOp,
                **{n: getattr(xmath, n.capitalize() + "Op") for n in TRIG_FUNCS}}


class _Emitter:
    """Appends the ops computing expressions to one block, computing each
    structurally distinct expression once (`A[i] + A[i]` loads once: nothing
    in a block writes what its expression reads). Inside `if_then_else` (`guarded`), loads clamp their
    indices into the buffer, since both sides of a select are evaluated."""

    def __init__(self, block: Block, iters: dict[int, SSAValue], buffers: dict[int, SSAValue]):
        self.block, self.iters, self.buffers = block, iters, buffers
        self.values: dict[tuple, SSAValue] = {}
        self.keys: dict[int, tuple] = {}
        self.syms: dict[SymExpr, SSAValue] = {}
        self.consts: dict[tuple[str, Attribute], SSAValue] = {}
        self.guarded = 0

    def add(self, op: Operation) -> SSAValue:
        self.block.add_op(op)
        return op.results[0] if op.results else None  # type: ignore[return-value]

    def key(self, e: Expr) -> tuple:
        """What makes two expressions compute the same value."""
        if id(e) not in self.keys:
            if isinstance(e, IterVar):
                own: tuple = (id(e),)
            elif isinstance(e, SymValue):
                own = (e.expr,)
            elif isinstance(e, Const):
                own = (repr(e.value),)
            elif isinstance(e, Load):
                own = (id(e.tensor),)
            else:
                own = (getattr(e, "op", None),)
            self.keys[id(e)] = (type(e).__name__, e.dtype, *own,
                                *(self.key(c) for c in e.children()))
        return self.keys[id(e)]

    def emit(self, e: Expr) -> SSAValue:
        unguarded = (self.key(e), False)
        if unguarded in self.values:  # computed unconditionally already: reuse it
            return self.values[unguarded]
        key = (self.key(e), self.guarded > 0)
        if key not in self.values:
            self.values[key] = self._emit(e)
        return self.values[key]

    def _emit(self, e: Expr) -> SSAValue:
        if isinstance(e, IterVar):
            return self.iters[id(e)]
        if isinstance(e, SymValue):
            return self.sym(e.expr)
        if isinstance(e, Const):
            return self.constant(e.value, e.dtype)
        if isinstance(e, Load):
            return self.load(e)
        if isinstance(e, BinOp):
            return self.binop(e.op, self.emit(e.a), self.emit(e.b), e.dtype)
        if isinstance(e, Compare):
            preds = _FLOAT_PREDICATES if is_float(e.a.dtype) else (
                _UINT_PREDICATES if _unsigned(e.a.dtype) else _INT_PREDICATES)
            cmp = arith.CmpfOp if is_float(e.a.dtype) else arith.CmpiOp
            return self.add(cmp(self.emit(e.a), self.emit(e.b), preds[e.op]))
        if isinstance(e, Unary):
            return self.unary(e.op, self.emit(e.x), e.dtype)
        if isinstance(e, Select):
            cond = self.emit(e.cond)
            self.guarded += 1
            a, b = self.emit(e.a), self.emit(e.b)
            self.guarded -= 1
            return self.add(arith.SelectOp(cond, a, b))
        if isinstance(e, Cast):
            return self.convert(self.emit(e.x), e.x.dtype, e.dtype)
        if isinstance(e, Reinterpret):
            return self.add(arith.BitcastOp(self.emit(e.x), e.dtype))
        raise AssertionError(f"cannot emit {type(e).__name__} here")

    def constant(self, value: int | float | bool, dtype: Attribute) -> SSAValue:
        key = (repr(value), dtype)
        if key not in self.consts:
            if _unsigned(dtype):  # arith constants are signless: the same bits, then a bitcast
                bits = dtype.width.data  # type: ignore[attr-defined]
                v = int(value) % 2 ** bits
                raw = self.add(arith.ConstantOp(IntegerAttr(
                    v - 2 ** bits if v >= 2 ** (bits - 1) else v, IntegerType(bits))))
                self.consts[key] = self.add(arith.BitcastOp(raw, dtype))
                return self.consts[key]
            attr = FloatAttr(float(value), dtype) if is_float(dtype) else IntegerAttr(int(value), dtype)
            self.consts[key] = self.add(arith.ConstantOp(attr))  # type: ignore[arg-type]
        return self.consts[key]

    def sym(self, expr: SymExpr) -> SSAValue:
        if expr not in self.syms:
            if expr.is_const():
                self.syms[expr] = self.constant(expr.value or 0, INDEX)
            else:
                self.syms[expr] = self.add(ExprOp(expr))
                self.syms[expr].name_hint = expr.as_var()
        return self.syms[expr]

    def load(self, e: Load) -> SSAValue:
        indices = []
        for idx, dim in zip(e.indices, e.tensor.shape):
            v = self.emit(idx)
            if not isinstance(idx.dtype, IndexType):
                v = self.add(arith.IndexCastOp(v, INDEX))
            if self.guarded and not _provably_inside(idx, dim):
                upper = self.sym(dim - 1)
                v = self.add(arith.MaxSIOp(self.add(arith.MinSIOp(v, upper)), self.sym(SymExpr.const(0))))
            indices.append(v)
        return self.load_element(e.tensor, indices)

    def load_element(self, tensor: Tensor, indices: Sequence[SSAValue]) -> SSAValue:
        result = self.add(LoadOp(self.buffers[id(tensor)], indices))
        if tensor.name.lower() != tensor.name:  # %a = tir.load %A[...]
            result.name_hint = tensor.name.lower()
        return result

    def binop(self, op: str, a: SSAValue, b: SSAValue, dtype: Attribute) -> SSAValue:
        if is_float(dtype):
            if op in ("floordiv", "mod"):  # Python semantics: floor(a / b), a - floor(a / b) * b
                q = self.add(xmath.FloorOp(self.add(arith.DivfOp(a, b))))
                return q if op == "floordiv" else self.add(arith.SubfOp(a, self.add(arith.MulfOp(q, b))))
            return self.add(_FLOAT_BINOPS[op](a, b))
        if _unsigned(dtype) and op in ("floordiv", "mod", "max", "min"):
            # arith's signed ops on the zero-extended values (they are non-negative)
            wide = IntegerType(32)
            ea, eb = self.add(arith.ExtUIOp(a, wide)), self.add(arith.ExtUIOp(b, wide))
            return self.add(arith.TruncIOp(self.binop(op, ea, eb, wide), dtype))
        if op == "mod":  # floor modulo: a - floordiv(a, b) * b
            q = self.add(arith.FloorDivSIOp(a, b))
            return self.add(arith.SubiOp(a, self.add(arith.MuliOp(q, b))))
        return self.add(_INT_BINOPS[op](a, b))

    def unary(self, op: str, x: SSAValue, dtype: Attribute) -> SSAValue:
        if op == "sigmoid":  # 1 / (1 + exp(-x))
            one = self.constant(1.0, dtype)
            e = self.add(xmath.ExpOp(self.add(arith.NegfOp(x))))
            return self.add(arith.DivfOp(one, self.add(arith.AddfOp(one, e))))
        if is_float(dtype):
            return self.add(_FLOAT_UNARY[op](x))
        if op == "abs":
            return self.add(xmath.AbsIOp(x))
        if op == "neg":
            return self.add(arith.SubiOp(self.constant(0, dtype), x))
        assert op == "not"
        return self.add(arith.XOrIOp(x, self.constant(1 if is_bool(dtype) else -1, dtype)))

    def convert(self, v: SSAValue, src: Attribute, dst: Attribute) -> SSAValue:
        """`v` from dtype `src` to `dst`: ints are signed, bools are 0 / 1."""
        if src == dst:
            return v
        if is_bool(dst):  # x != 0
            zero = self.constant(0, src)
            cmp = arith.CmpfOp(v, zero, "une") if is_float(src) else arith.CmpiOp(v, zero, "ne")
            return self.add(cmp)
        if isinstance(src, IndexType):
            if is_float(dst):
                return self.add(arith.SIToFPOp(self.add(arith.IndexCastOp(v, i64)), dst))
            return self.add(arith.IndexCastOp(v, dst))
        if isinstance(dst, IndexType):
            if is_float(src):
                v, src = self.add(arith.FPToSIOp(v, i64)), i64
            elif is_bool(src) or _unsigned(src):
                v, src = self.add(arith.ExtUIOp(v, i64)), i64
            return self.add(arith.IndexCastOp(v, dst))
        if is_bool(src):
            return self.add(arith.UIToFPOp(v, dst) if is_float(dst) else arith.ExtUIOp(v, dst))
        if is_float(src) and is_float(dst):
            if src.bitwidth == dst.bitwidth:  # f16 <-> bf16: through f32
                v = self.add(arith.ExtFOp(v, as_dtype("f32")))
                return self.add(arith.TruncFOp(v, dst))
            cls = arith.ExtFOp if src.bitwidth < dst.bitwidth else arith.TruncFOp
            return self.add(cls(v, dst))
        if is_float(src):
            return self.add((arith.FPToUIOp if _unsigned(dst) else arith.FPToSIOp)(v, dst))
        if is_float(dst):
            return self.add((arith.UIToFPOp if _unsigned(src) else arith.SIToFPOp)(v, dst))
        assert isinstance(src, IntegerType) and isinstance(dst, IntegerType)
        if src.width.data == dst.width.data:  # i8 <-> ui8: the same bits
            return self.add(arith.BitcastOp(v, dst))
        extend = arith.ExtUIOp if _unsigned(src) else arith.ExtSIOp
        cls = extend if src.width.data < dst.width.data else arith.TruncIOp
        return self.add(cls(v, dst))


def _provably_inside(idx: Expr, dim: SymExpr) -> bool:
    """Whether an index is in [0, dim) without a clamp: a loop variable whose
    extent is provably at most the dim (concat's output axis is longer than
    each operand's), or a constant below a dim that is provably larger."""
    if isinstance(idx, IterVar):
        return (dim - idx.extent).bounds()[0] >= 0
    if isinstance(idx, Const):
        return idx.value >= 0 and (dim - 1 - int(idx.value)).bounds()[0] >= 0
    return False
