"""Build relax modules from Python, in the spirit of TVM's `BlockBuilder`.

```python
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

n = var("n")
mb = ModuleBuilder()
mb.add(exp_kernel)                      # a tir.func, e.g. from the compute DSL
with mb.function("main", x=TensorType([n], "f32")) as fb:
    (x,) = fb.params
    with fb.dataflow() as df:
        y = df.call_tir("exp", [x], TensorType([n], "f32"))
        df.output(y)
    fb.ret(df.result)
module = mb.finish()                    # verified; prints like hand-written text
```

Every emit method inserts one op at the end of the current block and returns
its result value(s). The module is verified when it is finished; errors are
`xrelax.diagnostics.CompileError`s with a readable message.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import ml_dtypes  # noqa: F401  (registers numpy's bfloat16)
import numpy as np
from xdsl.dialects.builtin import (
    BytesAttr,
    DenseIntOrFPElementsAttr,
    ModuleOp,
)
from xdsl.dialects.builtin import TensorType as BuiltinTensor
from xdsl.ir import Attribute, Block, Operation, Region, SSAValue

from xrelax.relax import ops
from xrelax.relax.func_ops import call_result_type
from xrelax.relax.types import TupleType, definable_vars, erase_undefined
from xrelax.tir.symbolic import ExprLike
from xrelax.tir.types import to_dtype

NUMPY_DTYPES = {
    "float16": "f16", "bfloat16": "bf16", "float32": "f32", "float64": "f64", "bool": "bool",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64", "uint8": "ui8",
}  # (numpy knows bfloat16 from ml_dtypes)


def numpy_dtype(dtype: Attribute) -> np.dtype:
    """The numpy dtype of a relax element type (TypeError when it has none)."""
    for np_name, name in NUMPY_DTYPES.items():
        if to_dtype(name) == dtype:
            return np.dtype(np_name)
    raise TypeError(f"dtype {dtype} has no numpy equivalent")


def dtype_of_numpy(dtype: np.dtype) -> str:
    if dtype.name not in NUMPY_DTYPES:
        raise TypeError(f"numpy dtype {dtype} has no relax equivalent "
                        f"(supported: {', '.join(NUMPY_DTYPES)})")
    return NUMPY_DTYPES[dtype.name]


def dense_attr(array: np.ndarray) -> DenseIntOrFPElementsAttr:
    """A builtin dense elements attribute holding a copy of `array`'s bytes."""
    array = np.ascontiguousarray(array).reshape(np.shape(array))  # (ascontiguousarray makes 0-d 1-d)
    element = to_dtype(dtype_of_numpy(array.dtype))
    if array.dtype == np.bool_:  # stored as i1 values
        return DenseIntOrFPElementsAttr.from_list(BuiltinTensor(element, array.shape),
                                                  [int(v) for v in array.reshape(-1)])
    return DenseIntOrFPElementsAttr(BuiltinTensor(element, array.shape), BytesAttr(array.tobytes()))


class _Emitter:
    """Emit methods shared by function bodies and dataflow blocks."""

    block: Block

    def emit(self, op: Operation, name: str | None = None) -> SSAValue | tuple[SSAValue, ...]:
        """Append any op; return its single result, or a tuple of its results."""
        self._check_open()
        self.block.add_op(op)
        if name is not None:
            for i, r in enumerate(op.results):
                r.name_hint = name if len(op.results) == 1 else f"{name}{i}"
        if len(op.results) == 1:
            return op.results[0]
        return tuple(op.results)

    def _check_open(self) -> None:
        pass

    def _one(self, op: Operation, name: str | None) -> SSAValue:
        value = self.emit(op, name)
        assert isinstance(value, SSAValue)
        return value

    def call_tir(self, callee: str | Operation, args: Sequence[SSAValue],
                 out_types: Attribute | Sequence[Attribute], sym_args: Sequence[ExprLike] = (),
                 name: str | None = None) -> SSAValue | tuple[SSAValue, ...]:
        """Call a tir kernel (by name, or a tir.func op that is then added to the module)."""
        callee_name = self._callee_name(callee)
        types = [out_types] if isinstance(out_types, Attribute) else list(out_types)
        return self.emit(ops.CallTIROp(callee_name, args, types, sym_args), name)

    def call(self, callee: str | ops.FuncOp, args: Sequence[SSAValue],
             ret: Attribute | None = None, name: str | None = None) -> SSAValue:
        """Call a relax function of the module (by name, or its relax.func op, which
        is then added). The result type is `ret`, or the callee's result type
        with its variables replaced by the arguments' dims (what the types
        prove; the rest is checked at run time)."""
        callee_name = self._callee_name(callee)
        if ret is None:
            fn = callee if isinstance(callee, ops.FuncOp) else self._relax_function(callee_name)
            ret = call_result_type(fn, [a.type for a in args])
        return self._one(ops.CallOp(callee_name, args, ret), name)

    def _relax_function(self, name: str) -> ops.FuncOp:
        raise NotImplementedError

    def call_dps_packed(self, func_name: str, args: Sequence[SSAValue],
                        out_types: Attribute | Sequence[Attribute],
                        name: str | None = None) -> SSAValue | tuple[SSAValue, ...]:
        types = [out_types] if isinstance(out_types, Attribute) else list(out_types)
        return self.emit(ops.CallDPSPackedOp(func_name, args, types), name)

    def match_cast(self, value: SSAValue, target: Attribute, name: str | None = None) -> SSAValue:
        return self._one(ops.MatchCastOp(value, target), name)

    def constant(self, array: np.ndarray | float | int, dtype: str | None = None,
                 name: str | None = None) -> SSAValue:
        arr = np.asarray(array) if dtype is None else np.asarray(array, dtype=dtype)
        return self._one(ops.ConstantOp(dense_attr(arr)), name)

    def tuple(self, fields: Sequence[SSAValue], name: str | None = None) -> SSAValue:
        return self._one(ops.TupleOp(fields), name)

    def get_item(self, tup: SSAValue, index: int, name: str | None = None) -> SSAValue:
        if not isinstance(tup.type, TupleType):
            raise TypeError(f"get_item expects a tuple value, got {tup.type}")
        if not 0 <= index < len(tup.type.types):
            raise IndexError(f"get_item index {index} out of range for a tuple of "
                             f"{len(tup.type.types)} fields")
        return self._one(ops.GetItemOp(tup, index), name)

    def shape_of(self, tensor: SSAValue, name: str | None = None) -> SSAValue:
        return self._one(ops.ShapeOfOp(tensor), name)

    def shape(self, dims: Sequence[ExprLike], name: str | None = None) -> SSAValue:
        return self._one(ops.ShapeOp(dims), name)

    def prim_value(self, value: ExprLike, dtype: str = "i64", name: str | None = None) -> SSAValue:
        return self._one(ops.PrimValueOp(value, dtype), name)

    def _callee_name(self, callee: str | Operation) -> str:
        raise NotImplementedError


class DataflowBuilder(_Emitter):
    """Emits into a `relax.dataflow` region; `output(...)` names what leaves it.
    After the `with` block, `results` (or `result`) are the values outside."""

    def __init__(self, function: FunctionBuilder):
        self.function = function
        self.block = Block()
        self.outputs: list[SSAValue] | None = None
        self.results: tuple[SSAValue, ...] = ()
        self._closed = False

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this dataflow block is closed; emit into the function instead")

    def _callee_name(self, callee: str | Operation) -> str:
        return self.function._callee_name(callee)

    def _relax_function(self, name: str) -> ops.FuncOp:
        return self.function._relax_function(name)

    def output(self, *values: SSAValue) -> None:
        if self.outputs is not None:
            raise RuntimeError("output() was already called for this dataflow block")
        self.outputs = list(values)

    @property
    def result(self) -> SSAValue:
        if len(self.results) != 1:
            raise RuntimeError(f"this dataflow block has {len(self.results)} results; "
                               "use .results")
        return self.results[0]

    def _close(self) -> None:
        if self.outputs is None:
            raise RuntimeError("a dataflow block must call output(...) before it ends")
        self.block.add_op(ops.OutputOp(self.outputs))
        op = ops.DataflowOp([v.type for v in self.outputs], Region(self.block))
        self.function.block.add_op(op)
        self.results = tuple(op.results)
        self._closed = True


class FunctionBuilder(_Emitter):
    """Emits into the body of a `relax.func`; `ret(value)` ends it."""

    def __init__(self, module: ModuleBuilder, func: ops.FuncOp):
        self.module = module
        self.func = func
        self.block = func.body.block
        self.returned = False

    @property
    def params(self) -> tuple[SSAValue, ...]:
        return self.func.args

    def _check_open(self) -> None:
        if self.returned:
            raise RuntimeError(f"@{self.func.sym_name.data} has already returned")

    def _callee_name(self, callee: str | Operation) -> str:
        return self.module._callee_name(callee)

    def _relax_function(self, name: str) -> ops.FuncOp:
        if name == self.func.sym_name.data:  # a recursive call
            return self.func
        return self.module._relax_function(name)

    @contextmanager
    def dataflow(self) -> Iterator[DataflowBuilder]:
        self._check_open()
        df = DataflowBuilder(self)
        yield df
        df._close()

    def call_packed(self, func_name: str, args: Sequence[SSAValue], out_type: Attribute,
                    name: str | None = None) -> SSAValue:
        """Call an impure external function (not allowed inside dataflow blocks)."""
        return self._one(ops.CallPackedOp(func_name, args, [out_type]), name)

    def if_(self, cond: SSAValue, result_types: Sequence[Attribute]) -> IfBuilder:
        """`with fb.if_(c, [T]) as br:` then emit into `br.then_`/`br.else_` builders."""
        return IfBuilder(self, cond, list(result_types))

    def ret(self, value: SSAValue) -> None:
        self._check_open()
        self.block.add_op(ops.ReturnOp(value))
        self.returned = True


class _RegionEmitter(_Emitter):
    def __init__(self, function: FunctionBuilder):
        self.function = function
        self.block = Block()

    def _callee_name(self, callee: str | Operation) -> str:
        return self.function._callee_name(callee)

    def _relax_function(self, name: str) -> ops.FuncOp:
        return self.function._relax_function(name)

    def yield_(self, *values: SSAValue) -> None:
        self.block.add_op(ops.YieldOp(values))


class IfBuilder:
    """Builds a `relax.if`: emit into `then_` and `else_`, each ending with yield_()."""

    def __init__(self, function: FunctionBuilder, cond: SSAValue, types: list[Attribute]):
        self.function, self.cond, self.types = function, cond, types
        self.then_ = _RegionEmitter(function)
        self.else_ = _RegionEmitter(function)
        self.results: tuple[SSAValue, ...] = ()

    def __enter__(self) -> IfBuilder:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            return
        op = ops.IfOp(self.cond, self.types, Region(self.then_.block), Region(self.else_.block))
        self.function.block.add_op(op)
        self.results = tuple(op.results)


class ModuleBuilder:
    """Collects relax functions and tir kernels into one module."""

    def __init__(self) -> None:
        self.module = ModuleOp([])
        self._names: set[str] = set()

    def add(self, func: Operation) -> str:
        """Add a tir.func or relax.func (e.g. made by the compute DSL); returns its name."""
        name = func.properties["sym_name"].data  # type: ignore[union-attr]
        if name in self._names:
            raise ValueError(f"the module already has a function named @{name}")
        self._names.add(name)
        self.module.body.block.add_op(func)
        return name

    def _relax_function(self, name: str) -> ops.FuncOp:
        for op in self.module.body.block.ops:
            if isinstance(op, ops.FuncOp) and op.sym_name.data == name:
                return op
        raise ValueError(f"the module has no relax function named @{name} yet (add it first, "
                         "or give the call's result type with ret=)")

    def _callee_name(self, callee: str | Operation) -> str:
        if isinstance(callee, str):
            return callee
        name = callee.properties["sym_name"].data  # type: ignore[union-attr]
        if callee.parent is None:
            self.add(callee)
        return name

    @contextmanager
    def function(self, name: str, params: Sequence[tuple[str, Attribute]] | None = None, *,
                 ret: Attribute | None = None, private: bool = False,
                 **named_params: Attribute) -> Iterator[FunctionBuilder]:
        """Build `relax.func @name`. Parameters are given as keyword arguments
        (`x=TensorType(...)`) or as a list of (name, type) pairs. The result
        type is taken from `ret`, or from the value passed to `ret()`."""
        pairs = list(params or []) + list(named_params.items())
        func = ops.FuncOp(name, [t for _, t in pairs], ret or ops.ObjectType(),
                          visibility="private" if private else None)
        for arg, (pname, _) in zip(func.args, pairs):
            arg.name_hint = pname
        fb = FunctionBuilder(self, func)
        yield fb
        if not fb.returned:
            raise RuntimeError(f"@{name} ended without ret(...)")
        if ret is None:  # the returned value's type, in terms the parameters define
            value = func.body.block.last_op.operands[0]  # type: ignore[union-attr]
            defined = set().union(*(definable_vars(t) for _, t in pairs))
            func.function_type = type(func.function_type).from_lists(
                [t for _, t in pairs], [erase_undefined(value.type, defined)])
        self.add(func)

    def finish(self, verify: bool = True) -> ModuleOp:
        """The module, verified (raises CompileError with a readable message)."""
        if verify:
            from xrelax.diagnostics import verify_module

            verify_module(self.module)
        return self.module
