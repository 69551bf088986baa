"""Every schedule primitive keeps the numbers: each kernel is compiled before and
after a schedule and run on random inputs of static and symbolic shapes
(shapes the tiles do not divide included), against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from schedule_helpers import compile_kernel, matmul_module, rand
from xdsl.dialects.builtin import ModuleOp

from xrelax.tir import compute as te
from xrelax.tir.microkernel import register_microkernel, unregister_microkernel
from xrelax.tir.schedule import Schedule
from xrelax.tir.symbolic import var


n, m = var("n"), var("m")


def mm_exp(n=None, m=None, k=None) -> ModuleOp:
    """D = exp(0.1 * (A @ B)) with A @ B in a local buffer."""
    n = var("n") if n is None else n
    m = var("m") if m is None else m
    k = var("k") if k is None else k
    A = te.placeholder([n, k], "f32", name="A")
    B = te.placeholder([k, m], "f32", name="B")
    r = te.reduce_axis(k, name="r")
    C = te.compute([n, m], lambda i, j: te.sum(A[i, r] * B[r, j], axis=r), name="C")
    D = te.compute([n, m], lambda i, j: te.exp(C[i, j] * 0.1), name="D")
    return ModuleOp([te.create_tir_func([A, B, D], name="mm_exp")])


def chain(n=None, m=None) -> ModuleOp:
    """Z[j, i] = exp(2 * X[i, j]) through a local Y."""
    n = var("n") if n is None else n
    m = var("m") if m is None else m
    X = te.placeholder([n, m], "f32", name="X")
    Y = te.compute([n, m], lambda i, j: X[i, j] * 2.0, name="Y")
    Z = te.compute([m, n], lambda j, i: te.exp(Y[i, j]), name="Z")
    return ModuleOp([te.create_tir_func([X, Z], name="chain")])


def blur() -> ModuleOp:
    """B = 2 * X (local), C[i] = B[i] + B[i + 1] + B[i + 2]: a stencil."""
    X = te.placeholder([n], "f32", name="X")
    B = te.compute([n], lambda i: X[i] * 2.0, name="B")
    C = te.compute([n - 2], lambda i: B[i] + B[i + 1] + B[i + 2], name="C")
    f = te.create_tir_func([X, C], name="blur")
    return ModuleOp([f])


def ref_mm(a, b):
    return a @ b


def ref_mm_exp(a, b):
    return np.exp(0.1 * (a @ b))


def ref_chain(x):
    return np.exp(2 * x).T


def ref_blur(x):
    b = 2 * x
    return b[:-2] + b[1:-1] + b[2:]


MM_SHAPES = [[(5, 3), (3, 7)], [(8, 16), (16, 32)], [(1, 1), (1, 1)], [(13, 9), (9, 40)]]
CHAIN_SHAPES = [[(4, 6)], [(1, 13)], [(9, 17)]]


# ---- schedules ------------------------------------------------------------------

def s_split_guard(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    io, ii = sch.split(i, [None, 4])
    jo, ji = sch.split(j, [None, 16])
    sch.reorder(io, jo, k, ii, ji)


def s_split_three(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    sch.split(j, [2, None, 3])
    sch.split(k, [None, 2])


def s_split_tail_loop(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    sch.decompose_reduction(c, k)
    sch.split(j, [None, 4], tail="loop")


def s_fuse(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    f = sch.fuse(i, j)
    sch.split(f, [None, 8])


def s_reorder(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    sch.reorder(k, j, i)


def s_kinds(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    sch.reorder(i, k, j)
    sch.parallel(i)
    sch.vectorize(j)
    sch.unroll(k)
    sch.annotate(i, "pragma", 1)


def s_vectorize_reduction(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    sch.vectorize(k)


def s_decompose_outer(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    sch.decompose_reduction(c, i)


def s_cache_read(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    cb = sch.cache_read(c, 1)
    sch.compute_at(cb, i)


def s_cache_write(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    io, ii = sch.split(i, [None, 4])
    jo, ji = sch.split(j, [None, 8])
    sch.reorder(io, jo, k, ii, ji)
    wb = sch.cache_write(c, 0)
    sch.reverse_compute_at(wb, jo)


def s_rfactor(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    ko, ki = sch.split(k, [None, 4])
    sch.rfactor(ki, 1)


def s_blockize(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    io, ii = sch.split(i, [None, 2])
    sch.blockize(ii)


def s_compute_at(sch):
    d = sch.get_block("D")
    i, j = sch.get_loops(d)
    jo, ji = sch.split(j, [None, 4])
    sch.compute_at(sch.get_block("C"), jo)


def s_reverse_compute_at(sch):
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    sch.reverse_compute_at(sch.get_block("D"), i)


def s_compute_inline(sch):
    sch.compute_inline(sch.get_block("Y"))


def s_reverse_compute_inline(sch):
    sch.reverse_compute_inline(sch.get_block("Z"))


def s_layout(sch):
    y = sch.get_block("Y")
    sch.transform_layout(y, ("write", 0), lambda i, j: (j // 8, i, j % 8), pad_value=0.0)


def s_layout_by_name(sch):
    sch.transform_layout(sch.get_block("Z"), "Y", lambda i, j: (j, i))


def s_layout_param(sch):
    # an output parameter of a kernel nothing calls yet: its type changes
    sch.transform_layout(sch.get_block("Z"), ("write", 0), lambda j, i: (i, j))


def s_blur_compute_at(sch):
    c = sch.get_block("C")
    (i,) = sch.get_loops(c)
    io, ii = sch.split(i, [None, 4])
    sch.compute_at(sch.get_block("B"), io)


CASES = [
    ("split_guard", matmul_module, s_split_guard, ref_mm, MM_SHAPES),
    ("split_guard_static", lambda: matmul_module(13, 40, 9), s_split_guard, ref_mm,
     [[(13, 9), (9, 40)]]),
    ("split_three", lambda: matmul_module(5, 12, 7), s_split_three, ref_mm, [[(5, 7), (7, 12)]]),
    ("split_tail_loop", matmul_module, s_split_tail_loop, ref_mm, MM_SHAPES),
    ("fuse", matmul_module, s_fuse, ref_mm, MM_SHAPES),
    ("reorder", matmul_module, s_reorder, ref_mm, MM_SHAPES),
    ("kinds", matmul_module, s_kinds, ref_mm, MM_SHAPES),
    ("kinds_static", lambda: matmul_module(6, 16, 5), s_kinds, ref_mm, [[(6, 5), (5, 16)]]),
    ("vectorize_reduction", matmul_module, s_vectorize_reduction, ref_mm, MM_SHAPES),
    ("decompose_outer", matmul_module, s_decompose_outer, ref_mm, MM_SHAPES),
    ("cache_read", matmul_module, s_cache_read, ref_mm, MM_SHAPES),
    ("cache_write", matmul_module, s_cache_write, ref_mm, MM_SHAPES),
    ("cache_write_static", lambda: matmul_module(13, 40, 9), s_cache_write, ref_mm,
     [[(13, 9), (9, 40)]]),
    ("rfactor", matmul_module, s_rfactor, ref_mm, MM_SHAPES),
    ("blockize", matmul_module, s_blockize, ref_mm, MM_SHAPES),
    ("compute_at", mm_exp, s_compute_at, ref_mm_exp, MM_SHAPES),
    ("reverse_compute_at", mm_exp, s_reverse_compute_at, ref_mm_exp, MM_SHAPES),
    ("compute_inline", chain, s_compute_inline, ref_chain, CHAIN_SHAPES),
    ("reverse_compute_inline", chain, s_reverse_compute_inline, ref_chain, CHAIN_SHAPES),
    ("transform_layout_pad", chain, s_layout, ref_chain, CHAIN_SHAPES),
    ("transform_layout_static", lambda: chain(4, 16), s_layout, ref_chain, [[(4, 16)]]),
    ("transform_layout_by_name", chain, s_layout_by_name, ref_chain, CHAIN_SHAPES),
    ("transform_layout_param", chain, s_layout_param, lambda x: np.exp(2 * x), CHAIN_SHAPES),
    ("compute_at_stencil", blur, s_blur_compute_at, ref_blur, [[(5,)], [(12,)], [(19,)], [(3,)]]),
]


@pytest.mark.parametrize("name, build, schedule, ref, shapes", CASES, ids=[c[0] for c in CASES])
def test_schedule_keeps_numbers(name, build, schedule, ref, shapes):
    module = build()
    sch = Schedule(module)
    schedule(sch)
    run = compile_kernel(sch.mod)
    for shape in shapes:
        args = [rand(*s, seed=i) for i, s in enumerate(shape)]
        np.testing.assert_allclose(run(*args), ref(*args), rtol=1e-4, atol=1e-4,
                                   err_msg=f"{name} at {shape}")


def test_tensorize_marks_a_matching_loop_and_keeps_numbers():
    seen = []

    def check(loop):
        seen.append(loop)
        ext = loop.upper.data - loop.lower.data
        return None if ext.is_const() and ext.value == 4 else f"extent {ext}, not 4"

    register_microkernel("test_tile4", check)
    try:
        sch = Schedule(matmul_module())
        c = sch.get_block("C")
        i, j, k = sch.get_loops(c)
        io, ii = sch.split(i, [None, 4])
        sch.tensorize(ii, "test_tile4")
        loop = sch.get(ii)
        assert loop.attributes["tir.tensorize"].data == "test_tile4"
        assert seen == [loop]
        run = compile_kernel(sch.mod)
        a, b = rand(6, 3), rand(3, 5)
        np.testing.assert_allclose(run(a, b), a @ b, rtol=1e-5, atol=1e-5)
    finally:
        unregister_microkernel("test_tile4")
