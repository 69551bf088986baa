"""The compute DSL (te): generated kernels verify, read like hand-written IR
and survive print -> parse -> print unchanged."""

import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from xdsl.printer import Printer

from xrelax.tir import compute as te
from xrelax.tir.ops import AllocBufferOp, ForOp, FuncOp, InitOp, StoreOp
from xrelax.tir.symbolic import var
from xrelax.context import parse_text

n, m, k = var("n"), var("m"), var("k")


def text(op) -> str:
    out = StringIO()
    Printer(stream=out).print_op(op)
    return out.getvalue()


def ops_named(op, name: str) -> list:
    return [o for o in op.walk() if o.name == name]


# ---- kernels used by several tests --------------------------------------------

def exp_kernel() -> FuncOp:
    X = te.placeholder([n], "f32", name="X")
    Y = te.compute([n], lambda i: te.exp(X[i]), name="Y")
    return te.create_tir_func([X, Y], name="exp")


def matmul_kernel() -> FuncOp:
    A = te.placeholder([n, k], "f32", name="A")
    B = te.placeholder([k, m], "f32", name="B")
    r = te.reduce_axis(k, name="r")
    C = te.compute([n, m], lambda i, j: te.sum(A[i, r] * B[r, j], axis=r), name="C")
    return te.create_tir_func([A, B, C], name="matmul")


def two_stage_kernel() -> FuncOp:
    """exp, then a row sum of the (local) exp buffer."""
    X = te.placeholder([n, m], "f32", name="X")
    E = te.compute([n, m], lambda i, j: te.exp(X[i, j]), name="E")
    r = te.reduce_axis(m, name="r")
    S = te.compute([n], lambda i: te.sum(E[i, r], axis=r), name="S")
    return te.create_tir_func([X, S], name="exp_sum")


def doubled_kernel() -> FuncOp:
    """Every shape is n * 2: n is never a dim on its own, so it is sym(n)."""
    X = te.placeholder([n * 2], "f32", name="X")
    Y = te.compute([n * 2], lambda i: X[i] * 2.0, name="Y")
    return te.create_tir_func([X, Y], name="double")


def pad_kernel() -> FuncOp:
    """A shift with zero padding and an affine read: if_then_else guards."""
    X = te.placeholder([n, m], "f32", name="X")
    Y = te.compute([n, m], lambda i, j: te.if_then_else(j > 0, X[i, j - 1], 0.0), name="Y")
    Z = te.compute([n, m], lambda i, j: Y[n - 1 - i, j] + X[i, j], name="Z")
    return te.create_tir_func([X, Z], name="shift")


def pool_kernel() -> FuncOp:
    """A 2x2 max pool: two reduce axes, strided affine indices."""
    X = te.placeholder([n * 2, m * 2], "f16", name="X")
    rx, ry = te.reduce_axis(2, name="rx"), te.reduce_axis(2, name="ry")
    Y = te.compute([n, m], lambda i, j: te.max(X[i * 2 + rx, j * 2 + ry], axis=[rx, ry]),
                   name="Y")
    return te.create_tir_func([X, Y], name="pool")


def math_kernel() -> FuncOp:
    """Every unary function, float floor division/modulo, power, min/max."""
    X = te.placeholder([n], "f32", name="X")
    fns = [te.exp, te.log, te.sqrt, te.rsqrt, te.tanh, te.sigmoid, te.erf, te.abs,
           te.floor, te.ceil, te.round, te.neg]

    def body(i):
        x = X[i]
        total = x
        for fn in fns:
            total = total + fn(x)
        total = total + te.power(x, 2.0) + te.maximum(x, 0.0) - te.minimum(x, 1.0)
        return total + x // 3.0 + x % 3.0 + 2.0 ** x
    Y = te.compute([n], body, name="Y")
    return te.create_tir_func([X, Y], name="math")


def int_kernel() -> FuncOp:
    """Integer arithmetic, casts, a gather through i64 indices, logic, prod."""
    X = te.placeholder([n], "i32", name="X")
    Idx = te.placeholder([m], "i64", name="Idx")
    G = te.compute([m], lambda i: X[Idx[i]], name="G")
    r = te.reduce_axis(n, name="r")
    P = te.prod(te.cast("i64", X[r]) // 3 + te.cast("i64", X[r]) % 3, axis=r)
    Q = te.compute([], lambda: P, name="Q")
    F = te.compute([n], lambda i: te.if_then_else((X[i] > 0) & ~(X[i] == 7),
                                                  te.cast("f64", X[i]),
                                                  te.cast("f64", i)), name="F")
    B = te.compute([n], lambda i: te.cast("bool", te.abs(-X[i]) - te.minimum(X[i], 4)),
                   name="B")
    return te.create_tir_func([X, Idx, G, Q, F, B], name="ints")


ALL_KERNELS = [exp_kernel, matmul_kernel, two_stage_kernel, doubled_kernel, pad_kernel,
               pool_kernel, math_kernel, int_kernel]


# ---- structure -----------------------------------------------------------------

def test_elementwise_exp_reads_like_the_hand_written_kernel():
    f = exp_kernel()
    f.verify()
    out = text(f)
    assert "tir.func @exp(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>)" in out
    assert "tir.for %i = 0 to n {" in out
    assert 'tir.block "Y" (%vi = spatial[n] %i) {' in out
    assert re.search(r"%x = tir.load %X\[%vi\] : f32\s+%0 = math.exp %x : f32\s+"
                     r"tir.store %0, %Y\[%vi\] : f32", out)
    assert "sym(" not in out


def test_matmul_has_an_init_and_a_reduce_iteration_variable():
    f = matmul_kernel()
    f.verify()
    loops = ops_named(f, "tir.for")
    assert [str(loop.upper.data) for loop in loops] == ["n", "m", "k"]
    (block,) = ops_named(f, "tir.block")
    assert block.kinds == ("spatial", "spatial", "reduce")
    assert [str(d.data) for d in block.iter_doms.data] == ["n", "m", "k"]
    assert [v.name_hint for v in block.iter_vars] == ["vi", "vj", "vr"]
    init = block.init
    assert isinstance(init, InitOp)
    const, store = list(init.body.block.ops)
    assert const.value.value.data == 0.0 and isinstance(store, StoreOp)
    out = text(f)
    assert "%vr = reduce[k] %r" in out
    assert "arith.constant 0.000000e+00 : f32" in out
    assert re.search(r"%c = tir.load %C\[%vi, %vj\] : f32\s+%\d+ = arith.addf %c, %\d+ : f32\s+"
                     r"tir.store %\d+, %C\[%vi, %vj\] : f32", out)


def test_two_stages_emit_a_local_buffer_and_loop_nests_in_order():
    f = two_stage_kernel()
    f.verify()
    top = list(f.body.block.ops)
    assert isinstance(top[0], AllocBufferOp)
    assert str(top[0].result.type) == "!tir.buffer<[n, m], f32>"
    assert [type(o) for o in top[1:]] == [ForOp, ForOp]
    assert [b.block_name.data for b in ops_named(f, "tir.block")] == ["E", "S"]
    assert "%E = tir.alloc_buffer : !tir.buffer<[n, m], f32>" in text(f)
    assert len(f.args) == 2


def test_a_dim_that_is_never_alone_becomes_a_sym_argument():
    f = doubled_kernel()
    f.verify()
    assert f.explicit_sym_args == ("n",)
    assert "tir.func @double(%X: !tir.buffer<[n * 2], f32>, %Y: !tir.buffer<[n * 2], f32>) sym(n)" \
        in text(f)
    assert "tir.for %i = 0 to n * 2" in text(f)


def test_symbolic_values_in_indices_use_tir_expr_and_guarded_loads_clamp():
    out = text(pad_kernel())
    assert "tir.expr m - 1 : index" in out  # the clamp bound of X[i, j - 1]
    assert "arith.minsi" in out and "arith.maxsi" in out
    assert "arith.select" in out
    assert "%n = tir.expr n : index" not in out
    assert "tir.expr n - 1 : index" in out  # Y[n - 1 - i, j]


def test_multi_axis_max_reduction_starts_from_minus_infinity():
    f = pool_kernel()
    (block,) = ops_named(f, "tir.block")
    assert block.kinds == ("spatial", "spatial", "reduce", "reduce")
    out = text(f)
    assert "arith.constant 0xfc00 : f16" in out  # -inf
    assert "arith.maximumf" in out
    assert f.explicit_sym_args == ()  # n and m stand alone in the output [n, m]


def test_integer_kernel_casts_and_gathers():
    f = int_kernel()
    out = text(f)
    assert "arith.index_cast %idx : i64 to index" in out
    assert "arith.floordivsi" in out
    assert "arith.sitofp" in out and "arith.cmpi ne" in out
    q_block = [b for b in ops_named(f, "tir.block") if b.block_name.data == "Q"][0]
    assert q_block.kinds == ("reduce",)
    assert "arith.constant 1 : i64" in text(q_block.init)


def test_tensor_names_are_made_unique_in_a_kernel():
    X = te.placeholder([n], "f32", name="T")
    Y = te.compute([n], lambda i: X[i] + 1.0, name="T")
    Z = te.compute([n], lambda i: Y[i] * 2.0, name="T")
    f = te.create_tir_func([X, Z], name="chain")
    assert [b.block_name.data for b in ops_named(f, "tir.block")] == ["T2", "T1"]


def test_build_module_holds_the_kernels():
    module = te.build_module(exp_kernel(), matmul_kernel())
    module.verify()
    assert [op.sym_name.data for op in module.body.block.ops] == ["exp", "matmul"]
    with pytest.raises(ValueError, match="two functions are named @exp"):
        te.build_module(exp_kernel(), exp_kernel())


# ---- round trip -------------------------------------------------------------------

@pytest.mark.parametrize("make", ALL_KERNELS, ids=lambda f: f.__name__)
def test_print_parse_print_is_identical(make):
    module = te.build_module(make())
    module.verify()
    printed = text(module)
    assert text(parse_text(printed)) == printed


def test_relax_opt_round_trips_the_generated_kernels(tmp_path: Path):
    module = te.build_module(*(make() for make in ALL_KERNELS))
    printed = text(module)
    source = tmp_path / "kernels.mlir"
    source.write_text(printed)
    relax_opt = Path(sys.executable).parent / "relax-opt"
    result = subprocess.run([str(relax_opt), str(source)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == printed.strip()


# ---- errors -------------------------------------------------------------------------

def test_lambda_must_take_one_index_per_dimension():
    A = te.placeholder([n, m], "f32", name="A")
    with pytest.raises(ValueError, match="has 2 dimensions but its function takes 1 indices"):
        te.compute([n, m], lambda i: A[i, 0], name="C")


def test_binary_ops_need_matching_dtypes():
    A = te.placeholder([n], "f32", name="A")
    B = te.placeholder([n], "i32", name="B")
    with pytest.raises(TypeError, match="mismatched dtypes in 'add': f32 and i32"):
        te.compute([n], lambda i: A[i] + B[i])
    with pytest.raises(TypeError, match="float constant 1.5 used with a i32"):
        te.compute([n], lambda i: B[i] * 1.5)
    with pytest.raises(TypeError, match="use '//'"):
        te.compute([n], lambda i: B[i] / 2)
    with pytest.raises(TypeError, match="exp needs a float operand, not i32"):
        te.compute([n], lambda i: te.exp(B[i]))
    assert te.compute([n], lambda i: te.cast("f32", B[i]) + A[i]).dtype == A.dtype


def test_reductions_need_reduce_axes():
    A = te.placeholder([n, m], "f32", name="A")
    with pytest.raises(ValueError, match="te.sum over 'i', a spatial axis"):
        te.compute([n], lambda i: te.sum(A[i, 0], axis=i))
    r = te.reduce_axis(m, name="r")
    with pytest.raises(ValueError, match="uses reduce axis 'r' outside a reduction"):
        te.compute([n], lambda i: A[i, r])
    with pytest.raises(ValueError, match="reduction must be the whole body"):
        te.compute([n], lambda i: te.sum(A[i, r], axis=r) + 1.0)


def test_other_misuse_is_reported_clearly():
    A = te.placeholder([n, m], "f32", name="A")
    with pytest.raises(ValueError, match="has 2 dimensions but is indexed with 1"):
        A[0]
    with pytest.raises(TypeError, match="no truth value"):
        te.compute([n], lambda i: A[i, 0] if A[i, 0] > 0.0 else 0.0)
    with pytest.raises(TypeError, match="index 1 of 'A' has dtype f32"):
        te.compute([n], lambda i: A[i, A[i, 0]])
    C = te.compute([n], lambda i: A[i, 0] * 2.0, name="C")
    with pytest.raises(ValueError, match="reads placeholder 'A', which is not a parameter"):
        te.create_tir_func([C], name="bad")
    with pytest.raises(ValueError, match="must be an identifier"):
        te.placeholder([n], "f32", name="my tensor")
