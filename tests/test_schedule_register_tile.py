"""The compute-DSL matmul scheduled by hand into a register-tiled form: rows x
vector lanes tiles, the reduction inside each tile, an accumulator cache, the
init split off, parallel outer tiles; checked against numpy."""

from __future__ import annotations

import numpy as np
import pytest
from schedule_helpers import compile_kernel, matmul_module, rand

from xrelax.tir import ops as tir
from xrelax.tir.microkernel import microkernels
from xrelax.tir.schedule import Schedule


MR, NR = 4, 16  # rows x lanes of one tile


def register_tiled(sch: Schedule):
    """for io (parallel) { for jo { init tile; for k { for ii (unrolled) {
    for ji (vectorized) { C_local += A * B } } }; copy the tile out } }"""
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    io, ii = sch.split(i, [None, MR])
    jo, ji = sch.split(j, [None, NR])
    sch.reorder(io, jo, k, ii, ji)
    wb = sch.cache_write(c, 0)
    sch.reverse_compute_at(wb, jo)
    init = sch.decompose_reduction(c, k)
    sch.unroll(ii)
    sch.vectorize(ji)
    sch.parallel(io)
    return io, jo, k, ii, ji, init


def test_register_tiled_structure():
    sch = Schedule(matmul_module())
    io, jo, k, ii, ji, init = register_tiled(sch)
    loops = [sch.get(lp) for lp in (io, jo, k, ii, ji)]
    assert [lp.kind.data for lp in loops] == ["parallel", "serial", "serial", "unrolled",
                                             "vectorized"]
    for outer, inner in zip(loops, loops[1:]):
        assert outer.is_ancestor(inner)
    assert str(loops[3].upper.data) == str(MR) and str(loops[4].upper.data) == str(NR)
    kernel = sch.mod.body.block.first_op
    names = [b.block_name.data for b in kernel.walk() if isinstance(b, tir.BlockOp)]
    assert names == ["C_init", "C", "C_local"]
    update = sch.get(sch.get_block("C"))
    assert update.init is None and loops[2].is_ancestor(update)


@pytest.fixture(scope="module")
def tiled_matmul():
    sch = Schedule(matmul_module())
    register_tiled(sch)
    return compile_kernel(sch.mod)


@pytest.mark.parametrize("n, m, k", [(8, 32, 16), (5, 7, 3), (13, 40, 9), (1, 1, 1),
                                     (64, 48, 33)])
def test_register_tiled_numbers(tiled_matmul, n, m, k):
    a, b = rand(n, k), rand(k, m, seed=1)
    np.testing.assert_allclose(tiled_matmul(a, b), a @ b, rtol=1e-4, atol=1e-4)


def test_register_tiled_static_onto_the_register_tile_micro_kernel():
    """With static extents the tiles divide, the tile nest matches the code
    generator's `register_tile` micro-kernel, and tensorize hands it over."""
    assert "register_tile" in microkernels()  # registered by the code generator
    sch = Schedule(matmul_module(16, 64, 24))
    c = sch.get_block("C")
    i, j, k = sch.get_loops(c)
    io, ii = sch.split(i, [None, MR])
    jo, ji = sch.split(j, [None, NR])
    sch.reorder(io, jo, ii, ji, k)
    sch.tensorize(ii, "register_tile")
    sch.parallel(io)
    assert sch.get(ii).attributes["tir.tensorize"].data == "register_tile"
    run = compile_kernel(sch.mod)
    a, b = rand(16, 24), rand(24, 64, seed=1)
    np.testing.assert_allclose(run(a, b), a @ b, rtol=1e-4, atol=1e-4)
