"""Reductions (sum, mean, max, min, prod, argmax, argmin) against numpy: static
and symbolic shapes, negative axes, keepdims both ways, all axes, int dtypes,
ties and NaN for argmax/argmin, and type inference through `R.<op>(...)`.

Every case is a relax function of one module, built with the Python API and
compiled once.
"""

from collections.abc import Callable

import numpy as np
import pytest
from xdsl.ir import Block

from xrelax.lowering.runtime import compile_module
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.op_base import TypeInferenceError
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

n = var("n")
RNG = np.random.default_rng(7)
SYM = TensorType([n, 4, 3], "f32")    # called with n = 1, 3, 6
STATIC = TensorType([2, 5, 6], "f32")

# name -> (parameter type, op builder, numpy reference)
CASES: dict[str, tuple[TensorType, Callable, Callable]] = {
    "sum_axis1": (SYM, lambda x: R.sum(x, axis=[1]), lambda a: a.sum(axis=1)),
    "sum_neg_keep": (SYM, lambda x: R.sum(x, axis=[-1, 0], keepdims=True),
                     lambda a: a.sum(axis=(-1, 0), keepdims=True)),
    "sum_all": (SYM, lambda x: R.sum(x), lambda a: a.sum()),
    "sum_all_keep": (STATIC, lambda x: R.sum(x, keepdims=True), lambda a: a.sum(keepdims=True)),
    "sum_none_of_axes": (SYM, lambda x: R.sum(x, axis=[]), lambda a: a.copy()),
    "mean_sym_axis": (SYM, lambda x: R.mean(x, axis=[0]), lambda a: a.mean(axis=0)),
    "mean_neg_keep": (STATIC, lambda x: R.mean(x, axis=[-2], keepdims=True),
                      lambda a: a.mean(axis=-2, keepdims=True)),
    "mean_all": (SYM, lambda x: R.mean(x), lambda a: a.mean()),
    "max_axis": (SYM, lambda x: R.max(x, axis=[2]), lambda a: a.max(axis=2)),
    "max_all_keep": (SYM, lambda x: R.max(x, keepdims=True), lambda a: a.max(keepdims=True)),
    "min_two_axes": (STATIC, lambda x: R.min(x, axis=[0, -1]), lambda a: a.min(axis=(0, -1))),
    "prod_axis": (SYM, lambda x: R.prod(x, axis=[-2]), lambda a: a.prod(axis=-2)),
    "argmax_axis": (SYM, lambda x: R.argmax(x, axis=1), lambda a: a.argmax(axis=1)),
    "argmax_neg_keep": (STATIC, lambda x: R.argmax(x, axis=-1, keepdims=True),
                        lambda a: a.argmax(axis=-1, keepdims=True)),
    "argmax_flat": (SYM, lambda x: R.argmax(x), lambda a: a.argmax()),
    "argmin_axis0": (SYM, lambda x: R.argmin(x, axis=0), lambda a: a.argmin(axis=0)),
    "argmin_flat_keep": (STATIC, lambda x: R.argmin(x, keepdims=True),
                         lambda a: a.argmin(keepdims=True)),
}
INT_CASES: dict[str, tuple[TensorType, Callable, Callable]] = {
    "sum_i32": (TensorType([n, 5], "i32"), lambda x: R.sum(x, axis=[1]), lambda a: a.sum(axis=1)),
    "max_i64": (TensorType([n, 5], "i64"), lambda x: R.max(x, axis=[0]), lambda a: a.max(axis=0)),
    "argmax_i32_ties": (TensorType([n, 5], "i32"), lambda x: R.argmax(x, axis=1),
                        lambda a: a.argmax(axis=1)),
    "argmin_i32_ties_flat": (TensorType([n, 5], "i32"), lambda x: R.argmin(x),
                             lambda a: a.argmin()),
}


def build_module():
    mb = ModuleBuilder()
    for name, (ptype, make, _) in {**CASES, **INT_CASES}.items():
        with mb.function(name, x=ptype) as fb:
            (x,) = fb.params
            with fb.dataflow() as df:
                df.output(df.emit(make(x)))
            fb.ret(df.result)
    return mb.finish()


@pytest.fixture(scope="module")
def exe():
    return compile_module(build_module())


def shape_of(t: TensorType, size: int) -> tuple[int, ...]:
    return tuple(d.evaluate({"n": size}) for d in t.dims)


@pytest.mark.parametrize("size", [1, 3, 6])
@pytest.mark.parametrize("name", sorted(CASES))
def test_float_reductions(exe, name, size):
    ptype, _, ref = CASES[name]
    a = RNG.standard_normal(shape_of(ptype, size)).astype(np.float32)
    got, want = exe[name](a), np.asarray(ref(a))
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == (np.int64 if name.startswith("arg") else np.float32)
    np.testing.assert_allclose(got, want, rtol=2e-5, atol=1e-5)


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("name", sorted(INT_CASES))
def test_int_reductions(exe, name, size):
    ptype, _, ref = INT_CASES[name]
    dtype = np.int32 if ptype.dtype == TensorType([], "i32").dtype else np.int64
    # few distinct values: many ties, so argmax/argmin must pick the first one
    a = RNG.integers(-3, 3, size=shape_of(ptype, size)).astype(dtype)
    got, want = exe[name](a), np.asarray(ref(a))
    assert got.shape == want.shape
    assert got.dtype == (np.int64 if name.startswith("arg") else dtype)
    np.testing.assert_array_equal(got, want.astype(got.dtype))


def test_argmax_argmin_nan_and_ties(exe):
    a = np.zeros((3, 4, 3), np.float32)
    a[1, 2, 0] = np.nan
    a[2, 1, 1] = a[2, 3, 1] = 5.0  # a tie: the first one wins
    np.testing.assert_array_equal(exe["argmax_axis"](a), a.argmax(axis=1))
    np.testing.assert_array_equal(exe["argmin_axis0"](a), a.argmin(axis=0))
    assert exe["argmax_flat"](a) == a.argmax() == 1 * 12 + 2 * 3
    np.testing.assert_array_equal(exe["max_axis"](a), a.max(axis=2))  # NaN propagates


def test_zero_rows(exe):
    # an empty spatial extent gives an empty result (an empty *reduction* would
    # leave the result uninitialized: tir.init runs inside the reduce loops)
    a = np.zeros((0, 4, 3), np.float32)
    assert exe["sum_axis1"](a).shape == (0, 3)
    assert exe["argmax_axis"](a).shape == (0, 3)


# ---- type inference from Python ---------------------------------------------------------


def param(t: TensorType):
    """A value of type t to build ops on."""
    return Block(arg_types=[t]).args[0]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda x: R.sum(x, axis=[1]), TensorType([n, 3], "f32")),
    (lambda x: R.sum(x, axis=-1, keepdims=True), TensorType([n, 4, 1], "f32")),
    (lambda x: R.max(x), TensorType([], "f32")),
    (lambda x: R.argmax(x, axis=0, keepdims=True), TensorType([1, 4, 3], "i64")),
    (lambda x: R.argmin(x), TensorType([], "i64")),
])
def test_inferred_types(make, expected):
    assert make(param(SYM)).result.type == expected


def test_rank_only_operand_gives_rank():
    x = param(TensorType(None, "f32", ndim=3))
    assert R.sum(x, axis=[0, -1]).result.type == TensorType(None, "f32", ndim=1)
    assert R.mean(x, keepdims=True).result.type == TensorType(None, "f32", ndim=3)
    assert R.argmax(param(TensorType(None, "f32"))).result.type == TensorType([], "i64")


@pytest.mark.parametrize(("make", "message"), [
    (lambda x: R.sum(x, axis=[3]), "relax.sum: axis 3 is out of range for rank 3"),
    (lambda x: R.sum(x, axis=[1, -2]), "relax.sum: axis -2 is repeated"),
    (lambda x: R.argmax(x, axis=[0, 1]), "relax.argmax: 'axis' must be one axis"),
    (lambda x: R.sum(x, keepdims=1), "relax.sum: 'keepdims' must be true or false"),
])
def test_errors(make, message):
    with pytest.raises(TypeInferenceError, match=message):
        make(param(SYM))


def test_dtype_errors():
    with pytest.raises(TypeInferenceError, match="relax.mean: needs a float tensor, got i32"):
        R.mean(param(TensorType([4], "i32")))
    with pytest.raises(TypeInferenceError, match="relax.sum: bool tensors cannot be reduced"):
        R.sum(param(TensorType([4], "bool")))
