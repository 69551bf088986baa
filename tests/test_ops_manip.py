"""Manipulation and creation ops against numpy: reshape (with -1 on symbolic
shapes), flatten, permute_dims, expand_dims, squeeze, concat (3 tensors with
symbolic dims), split (sections and indices), strided_slice (negative strides,
symbolic bounds), take (negative axis, clamped indices), pad, broadcast_to,
full / zeros / ones; plus type inference and its errors from Python.

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
from xrelax.relax.types import TensorType, TupleType
from xrelax.tir.symbolic import floordiv, var
from xrelax.tir.types import SymExprAttr

n, m, k = var("n"), var("m"), var("k")
RNG = np.random.default_rng(11)
BIG = 2 ** 31 - 1


def T(dims, dtype="f32"):
    return TensorType(dims, dtype)


X = T([n, 4, 3])       # the symbolic operand of most cases
S = T([2, 3, 4])       # a static one
NP_DTYPES = {"f32": np.float32, "f64": np.float64, "i32": np.int32, "i64": np.int64}


def take_ref(a, idx, axis):
    """numpy.take with negative indices from the end and the rest clamped."""
    d = a.shape[axis] if axis is not None else a.size
    fixed = np.clip(np.where(idx < 0, idx + d, idx), 0, d - 1)
    return np.take(a, fixed, axis=axis)


# name -> (parameters, op builder, numpy reference); sizes n >= 3 make every case valid
CASES: dict[str, tuple[list[TensorType], Callable, Callable]] = {
    # reshape / flatten
    "reshape_n_neg1": ([X], lambda x: R.reshape(x, shape=[n, -1]), lambda a: a.reshape(len(a), -1)),
    "reshape_neg1_first": ([X], lambda x: R.reshape(x, shape=[-1, 6]), lambda a: a.reshape(-1, 6)),
    "reshape_neg1_exact": ([X], lambda x: R.reshape(x, shape=[2, -1, n]),
                           lambda a: a.reshape(2, -1, len(a))),
    "reshape_merge": ([X], lambda x: R.reshape(x, shape=[n * 4, 3]), lambda a: a.reshape(-1, 3)),
    "reshape_split_dims": ([X], lambda x: R.reshape(x, shape=[n, 2, 2, 3]),
                           lambda a: a.reshape(len(a), 2, 2, 3)),
    "reshape_static": ([S], lambda x: R.reshape(x, shape=[4, -1, 2]),
                       lambda a: a.reshape(4, -1, 2)),
    "reshape_to_scalar": ([T([1, 1])], lambda x: R.reshape(x, shape=[]), lambda a: a.reshape(())),
    "reshape_trusted": ([X, T([m])], lambda x, y: R.reshape(x, shape=[m]),  # m < 12 n: a prefix
                        lambda a, b: a.reshape(-1)[:len(b)]),
    "flatten": ([X], lambda x: R.flatten(x), lambda a: a.reshape(-1)),
    # permute_dims / expand_dims / squeeze
    "permute_default": ([X], lambda x: R.permute_dims(x), lambda a: a.transpose()),
    "permute_neg": ([X], lambda x: R.permute_dims(x, axes=[-1, 0, 1]),
                    lambda a: a.transpose(2, 0, 1)),
    "expand_front_back": ([X], lambda x: R.expand_dims(x, axis=[0, -1]),
                          lambda a: np.expand_dims(a, (0, -1))),
    "expand_middle": ([S], lambda x: R.expand_dims(x, axis=[2]), lambda a: np.expand_dims(a, 2)),
    "squeeze_all": ([T([1, n, 1, 3, 1])], lambda x: R.squeeze(x), lambda a: a.squeeze((0, 2, 4))),
    "squeeze_axis": ([T([1, n, 1, 3])], lambda x: R.squeeze(x, axis=[-2]),
                     lambda a: a.squeeze(-2)),
    # concat / split
    "concat3_sym": ([X, T([m, 4, 3]), T([2, 4, 3])], lambda x, y, z: R.concat(x, y, z),
                    lambda a, b, c: np.concatenate([a, b, c])),
    "concat3_neg_axis": ([T([n, 2]), T([n, m]), T([n, 1])],
                         lambda x, y, z: R.concat(x, y, z, axis=-1),
                         lambda a, b, c: np.concatenate([a, b, c], axis=-1)),
    "split_sections": ([X], lambda x: R.split(x, indices_or_sections=2, axis=1),
                       lambda a: np.split(a, 2, axis=1)),
    "split_sections_sym": ([T([n, n * 3])], lambda x: R.split(x, indices_or_sections=3, axis=-1),
                           lambda a: np.split(a, 3, axis=-1)),
    "split_indices_static": ([T([6, 2])], lambda x: R.split(x, indices_or_sections=[1, -2, 10]),
                             lambda a: np.split(a, [1, -2, 10])),
    "split_indices_sym": ([X], lambda x: R.split(x, indices_or_sections=[1, 3]),
                          lambda a: np.split(a, [1, 3])),
    # strided_slice
    "slice_neg_strides": ([S], lambda x: R.strided_slice(x, axes=[1, 2], begin=[-1, 3],
                                                           end=[-4, 0], strides=[-1, -2]),
                          lambda a: a[:, ::-1, 3:0:-2]),
    "slice_static_clamp": ([S], lambda x: R.strided_slice(x, axes=[-1], begin=[-10], end=[100]),
                           lambda a: a[..., -10:100]),
    "slice_sym_to_end": ([X], lambda x: R.strided_slice(x, axes=[0, 1], begin=[1, 1], end=[BIG, 4],
                                                          strides=[2, 2]),
                         lambda a: a[1::2, 1:4:2]),
    "slice_sym_expr_end": ([X], lambda x: R.strided_slice(x, axes=[0], begin=[0], end=[n - 1]),
                           lambda a: a[:len(a) - 1]),
    "slice_sym_neg_begin": ([X], lambda x: R.strided_slice(x, axes=[0], begin=[-2], end=[BIG]),
                            lambda a: a[-2:]),
    # take
    "take_neg_axis": ([X, T([7], "i64")], lambda x, i: R.take(x, i, axis=-2),
                      lambda a, i: take_ref(a, i, -2)),
    "take_axis0_sym": ([X, T([k], "i32")], lambda x, i: R.take(x, i, axis=0),
                       lambda a, i: take_ref(a, i, 0)),
    "take_flat_2d": ([X, T([2, 3], "i32")], lambda x, i: R.take(x, i),
                     lambda a, i: take_ref(a, i, None)),
    # pad / broadcast_to
    "pad_two_dims": ([X], lambda x: R.pad(x, pad_width=[[1, 2], [0, 0], [2, 1]], pad_value=1.5),
                     lambda a: np.pad(a, [(1, 2), (0, 0), (2, 1)], constant_values=1.5)),
    "pad_int": ([T([n, 2], "i32")], lambda x: R.pad(x, pad_width=[[0, 1], [3, 0]], pad_value=-7),
                lambda a: np.pad(a, [(0, 1), (3, 0)], constant_values=-7)),
    "broadcast_to": ([T([n, 1, 3])], lambda x: R.broadcast_to(x, shape=[2, n, 4, 3]),
                     lambda a: np.broadcast_to(a, (2, len(a), 4, 3))),
    # creation (the operand only defines n)
    "full_sym": ([T([n])], lambda x: R.full(shape=[n, 2], fill_value=2.5),
                 lambda a: np.full((len(a), 2), 2.5, np.float32)),
    "zeros_i32": ([T([n])], lambda x: R.zeros(shape=[3, n], dtype="i32"),
                  lambda a: np.zeros((3, len(a)), np.int32)),
    "ones_f64_expr": ([T([n])], lambda x: R.ones(shape=[n * 2 + 1], dtype="f64"),
                      lambda a: np.ones(2 * len(a) + 1, np.float64)),
    "full_i64_scalar": ([T([n])], lambda x: R.full(shape=[], fill_value=-3, dtype="i64"),
                        lambda a: np.array(-3, np.int64)),
    # a chain that the default pipeline fuses: pad -> permute -> slice -> reshape -> concat
    "chain": ([X], lambda x: chain(x), lambda a: np.concatenate([
        np.pad(a, [(0, 0), (1, 0), (0, 0)]).transpose(0, 2, 1)[:, ::2].reshape(len(a), -1),
        np.ones((len(a), 2), np.float32)], axis=1)),
}


def chain(x):
    """Ops built one on another (each `make` infers the next operand's type)."""
    p = R.pad(x, pad_width=[[0, 0], [1, 0], [0, 0]])
    t = R.permute_dims(p.result, axes=[0, 2, 1])
    s = R.strided_slice(t.result, axes=[1], begin=[0], end=[BIG], strides=[2])
    r = R.reshape(s.result, shape=[n, -1])
    o = R.ones(shape=[n, 2])
    return [p, t, s, r, o, R.concat(r.result, o.result, axis=1)]


def build_module():
    mb = ModuleBuilder()
    for name, (ptypes, make, _) in CASES.items():
        with mb.function(name, [(f"p{i}", t) for i, t in enumerate(ptypes)]) as fb:
            with fb.dataflow() as df:
                ops = make(*fb.params)
                for op in ops if isinstance(ops, list) else [ops]:
                    df.emit(op)
                df.output(op.results[0])
            fb.ret(df.result)
    return mb.finish()


@pytest.fixture(scope="module")
def exe():
    return compile_module(build_module())


def make_input(t: TensorType, size: int, pos: int, name: str) -> np.ndarray:
    shape = tuple(d.evaluate({"n": size, "m": size + 2, "k": 2 * size}) for d in t.dims)
    dtype = NP_DTYPES[str(t.dtype)]
    if pos == 1 and name.startswith("take"):  # indices: in range, negative, and out of range
        return RNG.integers(-15, 15, size=shape).astype(dtype)
    if dtype in (np.int32, np.int64):
        return RNG.integers(-50, 50, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


@pytest.mark.parametrize("size", [3, 5])
@pytest.mark.parametrize("name", sorted(CASES))
def test_against_numpy(exe, name, size):
    ptypes, _, ref = CASES[name]
    args = [make_input(t, size, i, name) for i, t in enumerate(ptypes)]
    got, want = exe[name](*args), ref(*args)
    if isinstance(want, list):  # split: a tuple of arrays
        assert isinstance(got, tuple) and len(got) == len(want)
    else:
        got, want = [got], [want]
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, w.shape, g.dtype, w.dtype)
        np.testing.assert_array_equal(g, w)


def test_symbolic_sizes_one_and_zero(exe):
    a = RNG.standard_normal((1, 4, 3)).astype(np.float32)
    np.testing.assert_array_equal(exe["reshape_neg1_first"](a), a.reshape(2, 6))
    np.testing.assert_array_equal(exe["slice_sym_to_end"](a), a[1::2, 1:4:2])
    z = np.zeros((0, 4, 3), np.float32)
    assert exe["flatten"](z).shape == (0,)
    parts = exe["concat3_sym"](z, np.ones((1, 4, 3), np.float32), np.zeros((2, 4, 3), np.float32))
    want = np.concatenate([z, np.ones((1, 4, 3)), np.zeros((2, 4, 3))]).astype(np.float32)
    np.testing.assert_array_equal(parts, want)


# ---- type inference from Python ---------------------------------------------------------


def param(t: TensorType):
    """A value of type t to build ops on."""
    return Block(arg_types=[t]).args[0]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda x: R.reshape(x, shape=[-1]), T([n * 12])),
    (lambda x: R.reshape(x, shape=[n * 2, -1]), T([n * 2, 6])),
    (lambda x: R.reshape(x, shape=[-1, 8]), T([floordiv(n * 12, 8), 8])),
    (lambda x: R.permute_dims(x, axes=[1, 0, 2]), T([4, n, 3])),
    (lambda x: R.concat(x, x, axis=1), T([n, 8, 3])),
    (lambda x: R.strided_slice(x, axes=[0], begin=[2], end=[BIG]), T([n - 2, 4, 3])),
    (lambda x: R.strided_slice(x, axes=[0], begin=[0], end=[BIG], strides=[3]),
     T([floordiv(n + 2, 3), 4, 3])),
    (lambda x: R.pad(x, pad_width=[[1, 1], [0, 0], [0, 2]]), T([n + 2, 4, 5])),
    (lambda x: R.split(x, indices_or_sections=[2]), TupleType([T([2, 4, 3]), T([n - 2, 4, 3])])),
])
def test_inferred_types(make, expected):
    assert make(param(X)).result.type == expected


def test_shape_properties_are_sym_exprs():
    op = R.reshape(param(X), shape=[n, -1])
    assert all(isinstance(a, SymExprAttr) for a in op.properties["shape"].data)
    assert [a.data for a in op.properties["shape"].data] == [n, -1]


def test_rank_only_operands():
    x = param(TensorType(None, "f32", ndim=3))
    assert R.flatten(x).result.type == TensorType(None, "f32", ndim=1)
    assert R.permute_dims(x).result.type == TensorType(None, "f32", ndim=3)
    assert R.expand_dims(x, axis=[0]).result.type == TensorType(None, "f32", ndim=4)
    assert R.reshape(x, shape=[n, 2]).result.type == T([n, 2])
    assert R.concat(x, param(X)).result.type == TensorType(None, "f32", ndim=3)


@pytest.mark.parametrize(("make", "message"), [
    (lambda x: R.reshape(param(S), shape=[5, -1]),
     "cannot reshape 24 elements into \\[5, -1\\]: not divisible by 5"),
    (lambda x: R.reshape(x, shape=[n * 12 + 1]),
     "cannot reshape n \\* 12 elements into \\[n \\* 12 \\+ 1\\]"),
    (lambda x: R.reshape(x, shape=[-1, -1]), "at most one dim of the shape can be -1"),
    (lambda x: R.permute_dims(x, axes=[0, 1]), "'axes' has 2 entries for a tensor of rank 3"),
    (lambda x: R.squeeze(x, axis=[1]), "cannot squeeze axis 1 of size 4"),
    (lambda x: R.concat(x, param(T([n, 5, 3])), axis=0),
     "dim 1 of operand #1 \\(5\\) differs from"),
    (lambda x: R.concat(x, param(T([m, 4, 3])), axis=1), "dim 0 of operand #1 \\(m\\) is not "
                                                          "provably equal to"),
    (lambda x: R.split(x, indices_or_sections=3, axis=1), "cannot split a dim of size 4 into 3"),
    (lambda x: R.split(x, indices_or_sections=[3, 1]), "must be non-negative and non-decreasing"),
    (lambda x: R.strided_slice(x, axes=[0], begin=[0], end=[4], strides=[-1]),
     "a negative stride on axis 0 needs a static dim"),
    (lambda x: R.strided_slice(x, axes=[1], begin=[0], end=[4], strides=[0]),
     "stride of axis 1 is 0"),
    (lambda x: R.take(x, param(T([2], "f32"))), "the indices must be integers"),
    (lambda x: R.pad(x, pad_width=[[1, 1]]), "one \\[before, after\\] pair per dim"),
    (lambda x: R.pad(x, pad_width=[[1, 1], [0, -1], [0, 0]]), "pair of non-negative ints"),
    (lambda x: R.broadcast_to(x, shape=[n, 5, 3]), "cannot broadcast dim 1 \\(4\\) to 5"),
    (lambda x: R.full(shape=[2], fill_value=1.5, dtype="i32"), "1.5 is not a whole number"),
    (lambda x: R.zeros(shape=[2], dtype="q8"), "unknown dtype 'q8'"),
])
def test_errors(make, message):
    with pytest.raises(TypeInferenceError, match=message):
        make(param(X))
