"""relax.call between functions with their own symbolic variables: real calls
in the host code (lowering/relax_to_std.py), the callee's variables bound from
the arguments at each call and checked like match_cast, recursion under
relax.if, results owned by the caller; and result types that mention a
variable of the body's match_cast. Numbers against numpy."""

import numpy as np
import pytest

from xrelax.diagnostics import CompileError
from xrelax.lowering.packed_calls import register_packed, unregister_packed
from xrelax.lowering.runtime import RelaxRuntimeError, compile_module
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.ops_elementwise import AddOp, GreaterOp, SubtractOp
from xrelax.relax.ops_linalg import MatmulOp
from xrelax.relax.types import PrimType, ShapeType, TensorType, TupleType
from xrelax.tir.symbolic import var

RNG = np.random.default_rng(15)


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


TEXT = """
relax.func private @dense(%x: !relax.tensor<[n, k], f32>, %w: !relax.tensor<[k, m], f32>)
    -> !relax.tensor<[n, m], f32> {
  %y = relax.matmul %x, %w : !relax.tensor<[n, m], f32>
  %r = relax.relu %y : !relax.tensor<[n, m], f32>
  relax.return %r : !relax.tensor<[n, m], f32>
}
relax.func @mlp(%x: !relax.tensor<[b, d], f32>, %w1: !relax.tensor<[d, h], f32>,
                %w2: !relax.tensor<[h, 3], f32>) -> !relax.tensor<[b, 3], f32> {
  %h1 = relax.call @dense(%x, %w1) : !relax.tensor<[b, h], f32>
  %h2 = relax.call @dense(%h1, %w2) : !relax.tensor<[b, 3], f32>
  relax.return %h2 : !relax.tensor<[b, 3], f32>
}
relax.func private @double(%v: !relax.tensor<[m], f32>) -> !relax.tensor<[m], f32> {
  %y = relax.add %v, %v : !relax.tensor<[m], f32>
  relax.return %y : !relax.tensor<[m], f32>
}
relax.func @concat_double(%a: !relax.tensor<[n, 4], f32>, %b: !relax.tensor<[m], f32>)
    -> !relax.tensor<[m + n * 4], f32> {
  %flat = relax.reshape %a {shape = [#tir.expr<n * 4>]} : !relax.tensor<[n * 4], f32>
  %c = relax.concat %b, %flat {axis = 0} : !relax.tensor<[m + n * 4], f32>
  %y = relax.call @double(%c) : !relax.tensor<[m + n * 4], f32>
  relax.return %y : !relax.tensor<[m + n * 4], f32>
}
relax.func private @add(%x: !relax.tensor<[n], f32>, %y: !relax.tensor<[n], f32>)
    -> !relax.tensor<[n], f32> {
  %z = relax.add %x, %y : !relax.tensor<[n], f32>
  relax.return %z : !relax.tensor<[n], f32>
}
relax.func @add_two(%x: !relax.tensor<[a], f32>, %y: !relax.tensor<[b], f32>)
    -> !relax.tensor<[a], f32> {
  %z = relax.call @add(%x, %y) : !relax.tensor<[a], f32>
  relax.return %z : !relax.tensor<[a], f32>
}
relax.func private @pow2(%x: !relax.tensor<[n], f32>, %k: !relax.tensor<[], i64>)
    -> !relax.tensor<[n], f32> {
  %zero = relax.constant dense<0> : tensor<i64>
  %c = relax.greater %k, %zero : !relax.tensor<[], i1>
  %r = relax.if %c -> !relax.tensor<[n], f32> {
    %one = relax.constant dense<1> : tensor<i64>
    %k1 = relax.subtract %k, %one : !relax.tensor<[], i64>
    %y = relax.add %x, %x : !relax.tensor<[n], f32>
    %z = relax.call @pow2(%y, %k1) : !relax.tensor<[n], f32>
    relax.yield %z : !relax.tensor<[n], f32>
  } else {
    relax.yield %x : !relax.tensor<[n], f32>
  }
  relax.return %r : !relax.tensor<[n], f32>
}
relax.func @times_pow2(%x: !relax.tensor<[m, 2], f32>, %k: !relax.tensor<[], i64>)
    -> !relax.tensor<[m, 2], f32> {
  %flat = relax.reshape %x {shape = [#tir.expr<m * 2>]} : !relax.tensor<[m * 2], f32>
  %y = relax.call @pow2(%flat, %k) : !relax.tensor<[m * 2], f32>
  %z = relax.reshape %y {shape = [#tir.expr<m>, 2]} : !relax.tensor<[m, 2], f32>
  relax.return %z : !relax.tensor<[m, 2], f32>
}
relax.func private @is_even(%k: !relax.tensor<[], i64>) -> !relax.tensor<[], i1> {
  %zero = relax.constant dense<0> : tensor<i64>
  %done = relax.equal %k, %zero : !relax.tensor<[], i1>
  %r = relax.if %done -> !relax.tensor<[], i1> {
    %t = relax.constant dense<true> : tensor<i1>
    relax.yield %t : !relax.tensor<[], i1>
  } else {
    %one = relax.constant dense<1> : tensor<i64>
    %k1 = relax.subtract %k, %one : !relax.tensor<[], i64>
    %o = relax.call @is_odd(%k1) : !relax.tensor<[], i1>
    relax.yield %o : !relax.tensor<[], i1>
  }
  relax.return %r : !relax.tensor<[], i1>
}
relax.func private @is_odd(%k: !relax.tensor<[], i64>) -> !relax.tensor<[], i1> {
  %zero = relax.constant dense<0> : tensor<i64>
  %done = relax.equal %k, %zero : !relax.tensor<[], i1>
  %r = relax.if %done -> !relax.tensor<[], i1> {
    %f = relax.constant dense<false> : tensor<i1>
    relax.yield %f : !relax.tensor<[], i1>
  } else {
    %one = relax.constant dense<1> : tensor<i64>
    %k1 = relax.subtract %k, %one : !relax.tensor<[], i64>
    %e = relax.call @is_even(%k1) : !relax.tensor<[], i1>
    relax.yield %e : !relax.tensor<[], i1>
  }
  relax.return %r : !relax.tensor<[], i1>
}
relax.func @parity(%k: !relax.tensor<[], i64>) -> !relax.tensor<[], i1> {
  %r = relax.call @is_even(%k) : !relax.tensor<[], i1>
  relax.return %r : !relax.tensor<[], i1>
}
relax.func private @pass_through(%x: !relax.tensor<[n], f32>)
    -> !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.tensor<[2], f32>> {
  %c = relax.constant dense<[1.5, -2.0]> : tensor<2xf32>
  %t = relax.tuple(%x, %x, %c)
  relax.return %t : !relax.tuple<!relax.tensor<[n], f32>, !relax.tensor<[n], f32>, !relax.tensor<[2], f32>>
}
relax.func @copies(%x: !relax.tensor<[a], f32>)
    -> !relax.tuple<!relax.tensor<[a], f32>, !relax.tensor<[a], f32>, !relax.tensor<[2], f32>> {
  %t = relax.call @pass_through(%x) : !relax.tuple<!relax.tensor<[a], f32>, !relax.tensor<[a], f32>, !relax.tensor<[2], f32>>
  relax.return %t : !relax.tuple<!relax.tensor<[a], f32>, !relax.tensor<[a], f32>, !relax.tensor<[2], f32>>
}
relax.func private @scaled(%s: !relax.shape<[r, c]>, %p: !relax.prim<i64, q>,
                           %x: !relax.tensor<[r * c], f32>) -> !relax.tensor<[r, c], f32> {
  %y = relax.reshape %x {shape = [#tir.expr<r>, #tir.expr<c>]} : !relax.tensor<[r, c], f32>
  relax.return %y : !relax.tensor<[r, c], f32>
}
relax.func @shapes(%x: !relax.tensor<[n, 3], f32>) -> !relax.tensor<[n, 3], f32> {
  %flat = relax.reshape %x {shape = [#tir.expr<n * 3>]} : !relax.tensor<[n * 3], f32>
  %s = relax.shape [n, 3]
  %p = relax.prim_value n + 1 : i64
  %y = relax.call @scaled(%s, %p, %flat) : !relax.tensor<[n, 3], f32>
  relax.return %y : !relax.tensor<[n, 3], f32>
}
relax.func @unpack(%x: !relax.tensor<ndim=2, f32>) -> !relax.tensor<[m, k], f32> {
  %y = relax.match_cast %x : !relax.tensor<[m, k], f32>
  %z = relax.exp %y : !relax.tensor<[m, k], f32>
  relax.return %z : !relax.tensor<[m, k], f32>
}
relax.func @call_unpack(%x: !relax.tensor<[a, 3], f32>) -> !relax.tensor<[a, 3], f32> {
  %y = relax.call @unpack(%x) : !relax.tensor<[a, 3], f32>
  relax.return %y : !relax.tensor<[a, 3], f32>
}
relax.func @call_unpack_wrong(%x: !relax.tensor<[a, 3], f32>) -> !relax.tensor<[a, 4], f32> {
  %y = relax.call @unpack(%x) : !relax.tensor<[a, 4], f32>
  relax.return %y : !relax.tensor<[a, 4], f32>
}
"""


@pytest.fixture(scope="module")
def exe():
    return compile_module(TEXT, filename="calls.mlir")


def relu(x):
    return np.maximum(x, 0)


@pytest.mark.parametrize("b,d,h", [(4, 5, 6), (1, 7, 2), (3, 3, 3)])
def test_one_function_called_at_two_shapes(exe, b, d, h):
    x, w1, w2 = rand(b, d), rand(d, h), rand(h, 3)
    np.testing.assert_allclose(exe["mlp"](x, w1, w2), relu(relu(x @ w1) @ w2),
                               rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("n,m", [(2, 3), (0, 5), (3, 0)])
def test_argument_dim_is_an_expression_of_the_callers_variables(exe, n, m):
    a, b = rand(n, 4), rand(m)
    y = exe["concat_double"](a, b)
    np.testing.assert_array_equal(y, 2 * np.concatenate([b, a.reshape(-1)]))
    assert y.shape == (m + n * 4,)


def test_callee_dims_are_checked_at_the_call(exe):
    x = rand(4)
    np.testing.assert_array_equal(exe["add_two"](x, 2 * x), 3 * x)
    with pytest.raises(RelaxRuntimeError, match=r"^calls.mlir:32:3: relax.call @add: argument #1 "
                                                r"has dims 5, expected \[n\]$"):
        exe["add_two"](x, rand(5))


@pytest.mark.parametrize("k", [0, 1, 5, 20])
def test_recursion_under_if(exe, k):
    x = rand(3, 2)
    np.testing.assert_array_equal(exe["times_pow2"](x, np.array(k)), x * 2.0 ** k)


def test_deep_recursion_is_a_located_error_not_a_crash(exe):
    x = np.zeros((2, 2), np.float32)
    exe["times_pow2"](x, np.array(1900))  # deep, within the limit
    with pytest.raises(RelaxRuntimeError, match=r"calls.mlir:43:5: relax.call @pow2: more than "
                                                r"2000 nested calls"):
        exe["times_pow2"](x, np.array(10**9))
    np.testing.assert_array_equal(exe["times_pow2"](x + 1, np.array(2)), 4 * (x + 1))


@pytest.mark.parametrize("k", [0, 1, 2, 7, 100])
def test_mutual_recursion(exe, k):
    assert bool(exe["parity"](np.array(k))) == (k % 2 == 0)


def test_results_the_callee_did_not_allocate_are_copies(exe):
    x = rand(6)
    for _ in range(200):  # (a double free or a leak of the shared buffers would show)
        a, b, c = exe["copies"](x)
    np.testing.assert_array_equal(a, x)
    np.testing.assert_array_equal(b, x)
    np.testing.assert_array_equal(c, [1.5, -2.0])
    assert a is not x and b is not x and a.ctypes.data != b.ctypes.data
    a[0] = 100.0  # the copies own distinct memory
    assert b[0] == x[0]


def test_shape_and_prim_arguments(exe):
    x = rand(5, 3)
    np.testing.assert_array_equal(exe["shapes"](x), x)


def test_result_type_with_a_variable_of_the_bodys_match_cast(exe):
    x = rand(2, 3)
    np.testing.assert_allclose(exe["unpack"](x), np.exp(x), rtol=1e-6)
    np.testing.assert_allclose(exe["unpack"](rand(4, 1)).shape, (4, 1))
    np.testing.assert_allclose(exe["call_unpack"](x), np.exp(x), rtol=1e-6)
    # the call's result type is what the callee's type does not prove: checked
    with pytest.raises(RelaxRuntimeError, match=r"calls.mlir:122:3: relax.call @unpack: the "
                                                r"result has dims \(2, 3\), expected \[a, 4\]"):
        exe["call_unpack_wrong"](x)


def test_errors_of_a_callee_keep_their_location():
    text = """
tir.func @pick(%X: !tir.buffer<[n], f32>, %I: !tir.buffer<[1], i64>, %Y: !tir.buffer<[1], f32>) {
  %c0 = arith.constant 0 : index
  %i = tir.load %I[%c0] : i64
  %j = arith.index_cast %i : i64 to index
  %x = tir.load %X[%j] : f32
  tir.store %x, %Y[%c0] : f32
}
relax.func private @inner(%x: !relax.tensor<[n], f32>, %i: !relax.tensor<[1], i64>)
    -> !relax.tensor<[1], f32> {
  %y = relax.call_tir @pick(%x, %i) : !relax.tensor<[1], f32>
  relax.return %y : !relax.tensor<[1], f32>
}
relax.func @main(%x: !relax.tensor<[n], f32>, %i: !relax.tensor<[1], i64>)
    -> !relax.tensor<[1], f32> {
  %y = relax.call @inner(%x, %i) : !relax.tensor<[1], f32>
  relax.return %y : !relax.tensor<[1], f32>
}
"""
    exe = compile_module(text, filename="inner.mlir")
    x = rand(4)
    assert exe["main"](x, np.array([2]))[0] == x[2]
    with pytest.raises(RelaxRuntimeError, match=r"inner.mlir:6:3: tir.load @pick: index 9 is out "
                                                r"of bounds of %X of shape \[n\]"):
        exe["main"](x, np.array([9]))


def test_impure_callee_and_constants_reached_through_calls():
    seen = []
    def record(x):
        seen.append(float(x.sum()))
        return len(seen)

    register_packed("test_calls.record", record)
    try:
        text = """
relax.func private @log(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %w = relax.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %u = relax.call_packed "test_calls.record"(%w) : !relax.prim<i64>
  %y = relax.add %x, %x : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %a = relax.call @log(%x) : !relax.tensor<[n], f32>
  %b = relax.call @log(%a) : !relax.tensor<[n], f32>
  relax.return %b : !relax.tensor<[n], f32>
}
"""
        exe = compile_module(text)
        x = rand(5)
        np.testing.assert_array_equal(exe["main"](x), 4 * x)
        assert seen == [6.0, 6.0]
    finally:
        unregister_packed("test_calls.record")


def test_kernels_of_callees_are_profiled():
    text = TEXT.replace("relax.func private @dense", "relax.func private @dense")
    exe = compile_module(text, profile=True)
    x, w1, w2 = rand(2, 3), rand(3, 4), rand(4, 3)
    report = exe.profile("mlp", x, w1, w2, repeat=3)
    calls = {row.kernel: row.calls for row in report.kernels}
    assert sum(calls.values()) >= 6 and report.runs == 3  # two calls of @dense per run
    np.testing.assert_allclose(exe["mlp"](x, w1, w2), relu(relu(x @ w1) @ w2), rtol=1e-5,
                               atol=1e-5)


def test_call_result_that_can_never_match_is_a_compile_error():
    text = """
relax.func private @id(%v: !relax.tensor<[k], f32>) -> !relax.tensor<[k, 2], f32> {
  %w = relax.reshape %v {shape = [#tir.expr<k floordiv 2>, 2]} : !relax.tensor<[k floordiv 2, 2], f32>
  %x = relax.match_cast %w : !relax.tensor<[k, 2], f32>
  relax.return %x : !relax.tensor<[k, 2], f32>
}
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n, 3], f32> {
  %y = relax.call @id(%x) : !relax.tensor<[n, 3], f32>
  relax.return %y : !relax.tensor<[n, 3], f32>
}
"""
    with pytest.raises(CompileError, match=r"bad.mlir:8:3: error: relax.call: the result type "
                                           r"!relax.tensor<\[n, 3\], f32> can never match the "
                                           r"result type of @id, !relax.tensor<\[n, 2\], f32>"):
        compile_module(text, filename="bad.mlir")


def test_result_type_variable_defined_only_inside_an_if_is_refused():
    text = """
relax.func @main(%x: !relax.tensor<ndim=1, f32>, %c: !relax.tensor<[], i1>)
    -> !relax.tensor<[m], f32> {
  %r = relax.if %c -> !relax.tensor<[m], f32> {
    %y = relax.match_cast %x : !relax.tensor<[m], f32>
    relax.yield %y : !relax.tensor<[m], f32>
  } else {
    %z = relax.match_cast %x : !relax.tensor<[m], f32>
    relax.yield %z : !relax.tensor<[m], f32>
  }
  relax.return %r : !relax.tensor<[m], f32>
}
"""
    with pytest.raises(CompileError, match=r"if.mlir:2:1: error: symbolic variable 'm' in the "
                                           r"result type of @main is not defined by the "
                                           r"parameters, nor by a relax.match_cast in the body "
                                           r"outside relax.if \(match_cast the returned value"):
        compile_module(text, filename="if.mlir")
    # defined before the if, the variable may be used by the result type
    fixed = text.replace("  %r = relax.if", "  %x2 = relax.match_cast %x : !relax.tensor<[m], f32>"
                         "\n  %r = relax.if").replace("match_cast %x : !relax.tensor<[m], f32>\n"
                                                      "    relax.yield", "match_cast %x2 : "
                                                      "!relax.tensor<[m], f32>\n    relax.yield")
    exe = compile_module(fixed)
    x = rand(3)
    np.testing.assert_array_equal(exe["main"](x, np.array(True)), x)


# ---- the same through the builder ------------------------------------------------------------


def test_calls_through_the_builder():
    n, k, m, b = var("n"), var("k"), var("m"), var("b")
    f32 = "f32"
    mb = ModuleBuilder()
    with mb.function("dense", x=TensorType([n, k], f32), w=TensorType([k, m], f32),
                     private=True) as fb:
        x, w = fb.params
        fb.ret(fb.emit(MatmulOp.make(x, w)))
    with mb.function("pow2", x=TensorType([n], f32), k=TensorType([], "i64"),
                     ret=TensorType([n], f32), private=True) as fb:
        x, kk = fb.params
        zero = fb.constant(np.array(0, np.int64))
        cond = fb.emit(GreaterOp.make(kk, zero))
        with fb.if_(cond, [TensorType([n], f32)]) as br:
            one = br.then_.constant(np.array(1, np.int64))
            k1 = br.then_.emit(SubtractOp.make(kk, one))
            y = br.then_.emit(AddOp.make(x, x))
            br.then_.yield_(br.then_.call("pow2", [y, k1]))  # recursive: ret= is given
            br.else_.yield_(x)
        fb.ret(br.results[0])
    with mb.function("main", x=TensorType([b, 4], f32), w1=TensorType([4, 8], f32),
                     w2=TensorType([8, 2], f32), k=TensorType([], "i64")) as fb:
        x, w1, w2, kk = fb.params
        with fb.dataflow() as df:  # a pure callee may be called in a dataflow block
            h1 = df.call("dense", [x, w1])
            h2 = df.call("dense", [h1, w2], name="h2")
            df.output(h2)
        assert h1.type == TensorType([b, 8], f32) and h2.type == TensorType([b, 2], f32)
        flat = fb.emit(mb_reshape(df.result, [b * 2]))
        fb.ret(fb.call("pow2", [flat, kk]))
    module = mb.finish()
    text = str(module)
    assert "relax.call @dense(%x, %w1) : !relax.tensor<[b, 8], f32>" in text
    exe = compile_module(module)
    for rows in (1, 3):
        x, w1, w2 = rand(rows, 4), rand(4, 8), rand(8, 2)
        want = ((x @ w1) @ w2).reshape(-1) * 8
        np.testing.assert_allclose(exe["main"](x, w1, w2, np.array(3)), want, rtol=1e-5,
                                   atol=1e-5)


def mb_reshape(x, shape):
    from xrelax.relax.ops_manip import ReshapeOp

    return ReshapeOp.make(x, shape=shape)


def test_builder_call_result_with_a_match_cast_variable():
    a, m = var("a"), var("m")
    mb = ModuleBuilder()
    with mb.function("unpack", x=TensorType(None, "f32", ndim=1),
                     ret=TensorType([m], "f32"), private=True) as fb:
        (x,) = fb.params
        fb.ret(fb.match_cast(x, TensorType([m], "f32")))
    with mb.function("main", x=TensorType([a], "f32"), s=ShapeType([a]),
                     p=PrimType("i64")) as fb:
        x, s, p = fb.params
        y = fb.call("unpack", [x])
        assert y.type == TensorType(None, "f32", ndim=1)  # nothing proved about m
        z = fb.call("unpack", [x], ret=TensorType([a], "f32"))  # checked at run time
        fb.ret(fb.tuple([y, z, s, p]))
    exe = compile_module(mb.finish())
    x = rand(5)
    y, z, s, p = exe["main"](x, (5,), 7)
    np.testing.assert_array_equal(y, x)
    np.testing.assert_array_equal(z, x)
    assert s == (5,) and p == 7
    assert isinstance(exe["main"].result_type, TupleType)
