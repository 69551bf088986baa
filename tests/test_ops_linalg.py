"""relax.matmul and relax.linear: type inference (symbolic shapes, 1-D operands,
batch broadcasting, unknown dims) and numerics against numpy after legalize-ops.

All numeric cases live in one module compiled once (a module-scoped fixture).
"""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax import op as R
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.op_base import TypeInferenceError
from xrelax.relax.types import TensorType
from xrelax.tir.symbolic import var

RNG = np.random.default_rng(0)
b, c, n, m, k = var("b"), var("c"), var("n"), var("m"), var("k")


def rand(*shape: int, dtype=np.float32) -> np.ndarray:
    if np.issubdtype(dtype, np.integer):
        return RNG.integers(-5, 6, shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def T(shape, dtype="f32") -> str:
    return f"!relax.tensor<[{', '.join(shape)}], {dtype}>"


# name: (parameter types, op text, result type)
CASES = {
    "mm2d": ([T(["n", "k"]), T(["k", "m"])], "relax.matmul %a0, %a1", T(["n", "m"])),
    "mm_bcast": ([T(["b", "1", "n", "k"]), T(["c", "k", "m"])], "relax.matmul %a0, %a1",
                 T(["b", "c", "n", "m"])),
    "mm_batch_rhs2d": ([T(["b", "n", "k"]), T(["k", "m"])], "relax.matmul %a0, %a1",
                       T(["b", "n", "m"])),
    "mm_batch_lhs2d": ([T(["n", "k"]), T(["b", "k", "m"])], "relax.matmul %a0, %a1",
                       T(["b", "n", "m"])),
    "mm_vec_mat": ([T(["k"]), T(["b", "k", "m"])], "relax.matmul %a0, %a1", T(["b", "m"])),
    "mm_mat_vec": ([T(["b", "n", "k"]), T(["k"])], "relax.matmul %a0, %a1", T(["b", "n"])),
    "mm_vec_vec": ([T(["k"]), T(["k"])], "relax.matmul %a0, %a1", T([])),
    "mm_static": ([T(["2", "1", "3", "4"]), T(["1", "5", "4", "2"])], "relax.matmul %a0, %a1",
                  T(["2", "5", "3", "2"])),
    "mm_i32": ([T(["3", "4"], "i32"), T(["4", "5"], "i32")], "relax.matmul %a0, %a1",
               T(["3", "5"], "i32")),
    "mm_f64": ([T(["n", "k"], "f64"), T(["k", "3"], "f64")], "relax.matmul %a0, %a1",
               T(["n", "3"], "f64")),
    "linear": ([T(["n", "8"]), T(["6", "8"])], "relax.linear %a0, %a1", T(["n", "6"])),
    "linear_bias": ([T(["b", "n", "8"]), T(["m", "8"]), T(["m"])], "relax.linear %a0, %a1, %a2",
                    T(["b", "n", "m"])),
    "linear_bias1": ([T(["n", "8"]), T(["6", "8"]), T(["1"])], "relax.linear %a0, %a1, %a2",
                     T(["n", "6"])),
    "linear_vec": ([T(["8"]), T(["6", "8"]), T(["6"])], "relax.linear %a0, %a1, %a2", T(["6"])),
}


def module_text() -> str:
    funcs = []
    for name, (params, op, result) in CASES.items():
        sig = ", ".join(f"%a{i}: {t}" for i, t in enumerate(params))
        funcs.append(f"relax.func @{name}({sig}) -> {result} {{\n"
                     f"  %y = {op} : {result}\n  relax.return %y : {result}\n}}")
    return "\n".join(funcs)


@pytest.fixture(scope="module")
def exe():
    return compile_module(module_text())


def check(got: np.ndarray, want: np.ndarray) -> None:
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 5, 2), (17, 9, 33), (0, 3, 4), (4, 6, 0), (5, 0, 3)])
def test_matmul_2d_symbolic(exe, shape):
    rows, inner, cols = shape
    a, w = rand(rows, inner), rand(inner, cols)
    check(exe["mm2d"](a, w), a @ w)


@pytest.mark.parametrize("bb,cc", [(1, 1), (2, 3), (3, 1)])
def test_matmul_batch_broadcast(exe, bb, cc):
    a, w = rand(bb, 1, 4, 5), rand(cc, 5, 3)
    check(exe["mm_bcast"](a, w), a @ w)
    a3 = rand(bb, 4, 5)
    w0 = np.ascontiguousarray(w[0])
    check(exe["mm_batch_rhs2d"](a3, w0), a3 @ w0)
    a2 = rand(4, 5)
    check(exe["mm_batch_lhs2d"](a2, w), a2 @ w)


def test_matmul_static_broadcast_both_sides(exe):
    a, w = rand(2, 1, 3, 4), rand(1, 5, 4, 2)
    check(exe["mm_static"](a, w), a @ w)


@pytest.mark.parametrize("bb", [1, 4])
def test_matmul_one_dimensional(exe, bb):
    v, w, a = rand(6), rand(bb, 6, 3), rand(bb, 2, 6)
    check(exe["mm_vec_mat"](v, w), v @ w)
    check(exe["mm_mat_vec"](a, v), a @ v)
    got = exe["mm_vec_vec"](v, v)
    assert got.shape == ()
    np.testing.assert_allclose(got, v @ v, rtol=1e-5)


def test_matmul_integer_and_f64(exe):
    a, w = rand(3, 4, dtype=np.int32), rand(4, 5, dtype=np.int32)
    np.testing.assert_array_equal(exe["mm_i32"](a, w), a @ w)
    x, y = rand(7, 5, dtype=np.float64), rand(5, 3, dtype=np.float64)
    got = exe["mm_f64"](x, y)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, x @ y, rtol=1e-12)


@pytest.mark.parametrize("rows", [1, 5])
def test_linear(exe, rows):
    x, w, bias = rand(rows, 8), rand(6, 8), rand(6)
    check(exe["linear"](x, w), x @ w.T)
    x3 = rand(2, rows, 8)
    check(exe["linear_bias"](x3, w, bias), x3 @ w.T + bias)
    one = rand(1)
    check(exe["linear_bias1"](x, w, one), x @ w.T + one)
    check(exe["linear_vec"](x[0], w, bias), x[0] @ w.T + bias)


# ---- type inference without compiling -------------------------------------------------


def infer(op, *types, **props):
    return op.infer(list(types), {**op.DEFAULTS, **props})


def test_matmul_infers_symbolic_and_partial_types():
    from xrelax.relax.ops_linalg import LinearOp, MatmulOp

    t = infer(MatmulOp, TensorType([b, 1, n, k], "f32"), TensorType([c, k, m], "f32"))
    assert t == TensorType([b, c, n, m], "f32")
    # numpy promotion of 1-D operands
    vec = TensorType([k], "f32")
    assert infer(MatmulOp, vec, TensorType([k, m], "f32")) == TensorType([m], "f32")
    assert infer(MatmulOp, vec, vec) == TensorType([], "f32")
    # expressions that are provably equal match (4 * n == n * 4)
    t = infer(MatmulOp, TensorType([n, k * 4], "f32"), TensorType([4 * k, 2], "f32"))
    assert t == TensorType([n, 2], "f32")
    # only ranks known: the rank of the result is still known
    t = infer(MatmulOp, TensorType(None, "f32", ndim=3), TensorType(None, "f32", ndim=1))
    assert t == TensorType(None, "f32", ndim=2)
    unknown = TensorType(None, "f32")
    assert infer(MatmulOp, unknown, TensorType([k, m], "f32")) == unknown
    t = infer(LinearOp, TensorType([b, n, k], "f32"), TensorType([m, k], "f32"),
              TensorType([m], "f32"))
    assert t == TensorType([b, n, m], "f32")


@pytest.mark.parametrize("op,types,message", [
    ("matmul", ([n, k], [m, 4]), r"reduction dims do not match: k vs m \(they are not provably"),
    ("matmul", ([3, 4], [5, 2]), r"reduction dims do not match: 4 vs 5 \(they differ"),
    ("matmul", ([2, 3, 4], [5, 4, 2]), r"cannot broadcast dim 2 with 5"),
    ("matmul", ([], [4]), r"the lhs is a scalar"),
    ("linear", ([n, 4], [6, 5]), r"the last dim of x does not match"),
    ("linear", ([n, 4], [4]), r"the weight must have rank 2"),
    ("linear", ([n, 4], [6, 4], [5]),
     r"the bias of shape \[5\] does not broadcast to the output shape \[n, 6\]"),
])
def test_inference_errors(op, types, message):
    cls = {"matmul": R.matmul, "linear": R.linear}[op].__self__
    with pytest.raises(TypeInferenceError, match=message):
        infer(cls, *(TensorType(s, "f32") for s in types))


def test_dtype_errors():
    from xrelax.relax.ops_linalg import LinearOp, MatmulOp

    with pytest.raises(TypeInferenceError, match="the rhs has dtype f16 but the lhs has f32"):
        infer(MatmulOp, TensorType([2, 3], "f32"), TensorType([3, 2], "f16"))
    with pytest.raises(TypeInferenceError, match="needs a numeric dtype, got bool"):
        infer(MatmulOp, TensorType([2, 3], "bool"), TensorType([3, 2], "bool"))
    with pytest.raises(TypeInferenceError, match="expects 2 operands"):
        infer(LinearOp, TensorType([2, 3], "f32"))


def test_builder_api_infers_and_runs_linear():
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([n, 3], "f32"), w=TensorType([4, 3], "f32")) as fb:
        x, w = fb.params
        with fb.dataflow() as df:
            y = df.emit(R.linear(x, w))
            assert y.type == TensorType([n, 4], "f32")
            with pytest.raises(TypeInferenceError, match="reduction dims do not match: 4 vs n"):
                R.matmul(y, x)  # [n, 4] @ [n, 3]
            df.output(y)
        fb.ret(df.result)
    exe = compile_module(mb.finish())
    x, w = rand(5, 3), rand(4, 3)
    check(exe["main"](x, w), x @ w.T)
