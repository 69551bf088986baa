"""Register-tiled contractions (default-schedule's contraction rule and the
register_tile micro-kernel) against numpy: sizes that do not divide the tiles,
symbolic sizes, batch dims, stride-1 NCHW convolutions, fused epilogues, and the
tile plans of other CPUs (the code must be right on every CPU, whatever it
was planned for)."""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.passes.default_schedule import DefaultSchedule
from xrelax.passes.legalize_ops import LegalizeOps
from xrelax.tir import ops as tir
from xrelax.tir.register_tile import ATTR
from xrelax.context import parse_text

RNG = np.random.default_rng(7)


def T(*dims, dtype="f32") -> str:
    return f"!relax.tensor<[{', '.join(map(str, dims))}], {dtype}>"


def func(name: str, params: list[str], body: str, result: str) -> str:
    args = ", ".join(f"%a{i}: {p}" for i, p in enumerate(params))
    return f"""
relax.func @{name}({args}) -> {result} {{
  %out = relax.dataflow {{
    {body}
    relax.output %r : {result}
  }}
  relax.return %out : {result}
}}"""


CONV = "relax.conv2d %a0, %a1 {{strides = [1, 1], padding = [{p}, {p}, {p}, {p}], dilation = [{d}, {d}]}}"
FUNCS = [
    func("mm_odd", [T(13, 33), T(33, 70)], f"%r = relax.matmul %a0, %a1 : {T(13, 70)}", T(13, 70)),
    func("mm_big", [T(50, 64), T(64, 200)], f"%r = relax.matmul %a0, %a1 : {T(50, 200)}", T(50, 200)),
    func("mm_sym", [T("n", 40), T(40, "m")], f"%r = relax.matmul %a0, %a1 : {T('n', 'm')}", T("n", "m")),
    func("mm_batch", [T(3, 7, 9), T(3, 9, 20)], f"%r = relax.matmul %a0, %a1 : {T(3, 7, 20)}", T(3, 7, 20)),
    func("mm_rowvec", [T(1, 24), T(24, 100)], f"%r = relax.matmul %a0, %a1 : {T(1, 100)}", T(1, 100)),
    func("dense_relu", [T("n", 32), T(32, 48), T(48)],
         f"%h = relax.matmul %a0, %a1 : {T('n', 48)}\n    %s = relax.add %h, %a2 : {T('n', 48)}\n"
         f"    %r = relax.relu %s : {T('n', 48)}", T("n", 48)),
    func("conv3x3", [T(1, 8, 10, 19), T(12, 8, 3, 3)],
         f"%r = {CONV.format(p=1, d=1)} : {T(1, 12, 10, 19)}", T(1, 12, 10, 19)),
    func("conv1x1", [T(2, 16, 5, 40), T(20, 16, 1, 1)],
         f"%r = {CONV.format(p=0, d=1)} : {T(2, 20, 5, 40)}", T(2, 20, 5, 40)),
    func("conv_epilogue", [T(1, 8, 10, 19), T(16, 8, 3, 3), T(1, 16, 1, 1), T(1, 16, 10, 19)],
         f"%c = {CONV.format(p=1, d=1)} : {T(1, 16, 10, 19)}\n"
         f"    %s = relax.add %c, %a2 : {T(1, 16, 10, 19)}\n"
         f"    %t = relax.add %s, %a3 : {T(1, 16, 10, 19)}\n"
         f"    %r = relax.relu %t : {T(1, 16, 10, 19)}", T(1, 16, 10, 19)),
    func("mm_deepk", [T(20, 4608), T(4608, 100)], f"%r = relax.matmul %a0, %a1 : {T(20, 100)}",
         T(20, 100)),
    func("mm_deepk_sym", [T("n", 4608), T(4608, 70)], f"%r = relax.matmul %a0, %a1 : {T('n', 70)}",
         T("n", 70)),
    func("gemv", [T(1, 300), T(77, 300)], f"%r = relax.linear %a0, %a1 : {T(1, 77)}", T(1, 77)),
    func("conv_dil", [T(1, 3, 9, 9), T(5, 3, 3, 3)],
         f"%r = {CONV.format(p=2, d=2)} : {T(1, 5, 9, 9)}", T(1, 5, 9, 9)),
]
MODULE = "\n".join(FUNCS)


def conv_ref(x, w, pad, dil):
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - dil * (kh - 1), wd + 2 * pad - dil * (kw - 1)
    out = np.zeros((n, o, oh, ow), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, :, i * dil:i * dil + oh, j * dil:j * dil + ow]
            out += np.einsum("nchw,oc->nohw", patch, w[:, :, i, j])
    return out


def rand(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def cases():
    a, b = rand(13, 33), rand(33, 70)
    yield "mm_odd", (a, b), a @ b
    a, b = rand(50, 64), rand(64, 200)
    yield "mm_big", (a, b), a @ b
    for n, m in ((1, 1), (5, 17), (14, 130)):
        a, b = rand(n, 40), rand(40, m)
        yield "mm_sym", (a, b), a @ b
    a, b = rand(3, 7, 9), rand(3, 9, 20)
    yield "mm_batch", (a, b), a @ b
    a, b = rand(1, 24), rand(24, 100)
    yield "mm_rowvec", (a, b), a @ b
    for n in (1, 7, 13):
        x, w, bias = rand(n, 32), rand(32, 48), rand(48)
        yield "dense_relu", (x, w, bias), np.maximum(x @ w + bias, 0)
    x, w = rand(1, 8, 10, 19), rand(12, 8, 3, 3)
    yield "conv3x3", (x, w), conv_ref(x, w, 1, 1)
    x, w = rand(2, 16, 5, 40), rand(20, 16, 1, 1)
    yield "conv1x1", (x, w), conv_ref(x, w, 0, 1)
    a, b = rand(20, 4608), rand(4608, 100)
    yield "mm_deepk", (a, b), a @ b
    for n in (1, 9):
        a, b = rand(n, 4608), rand(4608, 70)
        yield "mm_deepk_sym", (a, b), a @ b
    a, b = rand(1, 300), rand(77, 300)
    yield "gemv", (a, b), a @ b.T
    x, w = rand(1, 3, 9, 9), rand(5, 3, 3, 3)
    yield "conv_dil", (x, w), conv_ref(x, w, 2, 2)
    x, w, b, res = rand(1, 8, 10, 19), rand(16, 8, 3, 3), rand(1, 16, 1, 1), rand(1, 16, 10, 19)
    yield "conv_epilogue", (x, w, b, res), np.maximum(conv_ref(x, w, 1, 1) + b + res, 0)


@pytest.fixture(scope="module", params=["host", "avx2", "sse"])
def exe(request):
    return compile_module(MODULE, target=request.param)


@pytest.mark.parametrize("name, args, expected", list(cases()),
                         ids=[c[0] for c in cases()])
def test_tiled_contraction_matches_numpy(exe, name, args, expected):
    np.testing.assert_allclose(exe[name](*args), expected, rtol=2e-4, atol=2e-4)


def test_every_contraction_of_the_module_is_tiled():
    module = parse_text(MODULE)
    LegalizeOps().apply(None, module)  # type: ignore[arg-type]
    DefaultSchedule(target="avx512").apply(None, module)  # type: ignore[arg-type]
    kernels = [k for k in module.body.block.ops if isinstance(k, tir.FuncOp)]
    tiled = {k.sym_name.data for k in kernels
             if any(ATTR in op.attributes for op in k.walk() if isinstance(op, tir.ForOp))}
    reductions = {k.sym_name.data for k in kernels
                  if any(isinstance(op, tir.BlockOp) and "reduce" in op.kinds for op in k.walk())}
    # the matrix-vector product is a row reduction (streamed, not tiled)
    assert reductions and tiled == reductions - {"linear"}


def test_tiles_off_gives_the_same_numbers():
    a, b = rand(13, 33), rand(33, 70)
    on = compile_module(MODULE)["mm_odd"](a, b)
    off = compile_module(MODULE, schedule=False)["mm_odd"](a, b)
    np.testing.assert_allclose(on, off, rtol=1e-5, atol=1e-5)


def test_epilogues_run_in_the_tiles():
    """bias + residual + relu after a convolution, and bias + relu after a
    matmul, run on the tile's registers: no loop nest of their own is left."""
    from xrelax.passes.annotate_op_pattern import AnnotateOpPattern
    from xrelax.passes.fuse_ops import FuseOps
    from xrelax.passes.fuse_tir import FuseTIR

    module = parse_text(MODULE)
    for p in (LegalizeOps(), AnnotateOpPattern(), FuseOps(), FuseTIR(),
              DefaultSchedule(target="avx512")):
        p.apply(None, module)  # type: ignore[arg-type]
    fused = [k for k in module.body.block.ops
             if isinstance(k, tir.FuncOp) and k.sym_name.data.startswith("fused_")]
    assert {k.sym_name.data.split("_")[1].rstrip("0123456789") for k in fused} == {"matmul", "conv2d"}
    for kernel in fused:
        name = kernel.sym_name.data
        relu = [b for b in kernel.walk() if isinstance(b, tir.BlockOp)
                and b.block_name.data.startswith("T_relu")]
        assert relu and all(_in_tile(b) for b in relu), name


def _in_tile(op) -> bool:
    parent = op.parent_op()
    while parent is not None:
        if isinstance(parent, tir.ForOp) and ATTR in parent.attributes:
            return True
        parent = parent.parent_op()
    return False


def test_every_tile_of_the_default_pipeline_is_implemented_by_the_micro_kernel():
    """A tile the micro-kernel does not match still computes the right values
    (as scalar loops), so numerics alone cannot catch a later step of the
    pipeline breaking the tiles: check the match after the whole pipeline."""
    from xrelax.context import make_context
    from xrelax.pipeline import DefaultPipeline
    from xrelax.tir.register_tile import check

    module = parse_text(MODULE)
    DefaultPipeline(target="avx512").apply(make_context(), module)
    tiles = [op for op in module.walk() if isinstance(op, tir.ForOp) and ATTR in op.attributes]
    assert len(tiles) > 10
    reasons = {check(t) for t in tiles}
    assert reasons == {None}, reasons


def _chunked_tiles(module) -> list[str]:
    """The kernels with a tile that runs a chunk of its block's reduction."""
    found = []
    for kernel in module.body.block.ops:
        if not isinstance(kernel, tir.FuncOp):
            continue
        for tile in [op for op in kernel.walk() if isinstance(op, tir.ForOp) and ATTR in op.attributes]:
            block = next(b for b in tile.walk() if isinstance(b, tir.BlockOp))
            doms = [d.data for d, k in zip(block.iter_doms.data, block.kinds) if k == "reduce"]
            loops = [lp.upper.data for lp in tile.walk()
                     if isinstance(lp, tir.ForOp) and lp is not tile][1:]
            if len(doms) == len(loops) and any(str(a) != str(b) for a, b in zip(doms, loops)):
                found.append(kernel.sym_name.data)
                break
    return found


def test_a_deep_reduction_runs_in_cache_sized_chunks():
    """When all reduction steps of a lane panel (K x NR weights) exceed the
    cache budget, the tiles run the reduction in chunks, every row tile of a
    chunk reading the same panel; shallow reductions stay whole."""
    module = parse_text(MODULE)
    LegalizeOps().apply(None, module)  # type: ignore[arg-type]
    DefaultSchedule(target="avx512").apply(None, module)  # type: ignore[arg-type]
    assert sorted(_chunked_tiles(module)) == ["matmul6", "matmul7"]  # mm_deepk, mm_deepk_sym


def test_a_deep_convolution_in_chunks_matches_numpy():
    """3x3 conv 256 -> 64 at 7x7 with constant weights: the layout rewrite puts
    the output channels in the lanes, the 2304-step reduction runs in chunks."""
    from xrelax.benchmarks.conv import build

    x, w, b = rand(1, 256, 7, 7), rand(64, 256, 3, 3) * 0.1, rand(1, 64, 1, 1)
    module = build(x.shape, w, b, 1, 1, 1)
    from xrelax.context import make_context
    from xrelax.pipeline import DefaultPipeline

    scheduled = build(x.shape, w, b, 1, 1, 1)
    DefaultPipeline(target="avx512").apply(make_context(), scheduled)
    assert _chunked_tiles(scheduled)
    for target in ("avx512", "avx2"):
        out = compile_module(module, target=target)["main"](x)
        np.testing.assert_allclose(out, np.maximum(conv_ref(x, w, 1, 1) + b, 0), rtol=2e-4,
                                   atol=2e-4)


def test_a_big_weight_is_read_once_and_matches_numpy():
    """1x1 conv 512 -> 1024 at 7x7 (2 MB of weights, a 128 KB panel per lane
    tile): the lane tiles go outside the spatial loops, the reduction stays whole."""
    from xrelax.benchmarks.conv import build
    from xrelax.context import make_context
    from xrelax.pipeline import DefaultPipeline

    x, w, b = rand(1, 512, 7, 7), rand(1024, 512, 1, 1) * 0.1, rand(1, 1024, 1, 1)
    scheduled = build(x.shape, w, b, 1, 0, 1)
    DefaultPipeline(target="avx512").apply(make_context(), scheduled)
    kernel = next(k for k in scheduled.body.block.ops if isinstance(k, tir.FuncOp))
    tile = next(op for op in kernel.walk() if isinstance(op, tir.ForOp) and ATTR in op.attributes)
    outer = []
    parent = tile.parent_op()
    while isinstance(parent, tir.ForOp):
        outer.append(parent)
        parent = parent.parent_op()
    assert outer[-1].kind.data == "parallel" and str(outer[-1].upper.data) == "16"  # lane tiles
    assert not _chunked_tiles(scheduled)
    out = compile_module(build(x.shape, w, b, 1, 0, 1))["main"](x)
    np.testing.assert_allclose(out, np.maximum(conv_ref(x, w, 0, 1) + b, 0), rtol=2e-4, atol=2e-4)
