"""Random schedules on legalized kernels: every primitive either refuses with a
ScheduleError or keeps the numbers (compared with the unscheduled program)."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from schedule_helpers import ALL_OFF

from xrelax.context import make_context, parse_text
from xrelax.lowering.runtime import compile_module
from xrelax.passes.legalize_ops import LegalizeOps
from xrelax.tir import ops as tir
from xrelax.tir.schedule import Schedule, ScheduleError

ROOT = Path(__file__).resolve().parent.parent

CONV_SOFTMAX = """
relax.func @main(%x: !relax.tensor<[n, 4, h, w], f32>, %k: !relax.tensor<[8, 4, 3, 3], f32>)
    -> !relax.tensor<[n, 8, h, w], f32> {
  %out = relax.dataflow {
    %0 = relax.conv2d %x, %k {padding = [1, 1]} : !relax.tensor<[n, 8, h, w], f32>
    %1 = relax.relu %0 : !relax.tensor<[n, 8, h, w], f32>
    %2 = relax.softmax %1 {axis = 1 : i64} : !relax.tensor<[n, 8, h, w], f32>
    relax.output %2 : !relax.tensor<[n, 8, h, w], f32>
  }
  relax.return %out : !relax.tensor<[n, 8, h, w], f32>
}
"""

PRIMITIVES = ["split", "split_loop", "fuse", "reorder", "parallel", "vectorize", "unroll",
              "decompose", "cache_read", "cache_write", "compute_inline",
              "reverse_compute_inline", "compute_at", "reverse_compute_at", "rfactor",
              "blockize"]


def random_step(sch: Schedule, kernel: str, rng: random.Random) -> None:
    func = next(k for k in sch.kernels() if k.sym_name.data == kernel)
    names = [b.block_name.data for b in func.walk() if isinstance(b, tir.BlockOp)]
    block = sch.get_block(rng.choice(names), kernel)
    other = sch.get_block(rng.choice(names), kernel)
    loops = sch.get_loops(block)
    op = rng.choice(PRIMITIVES)
    if op in ("split", "split_loop") and loops:
        sch.split(rng.choice(loops), [None, rng.choice([2, 3, 4, 16])],
                  tail="loop" if op == "split_loop" else "guard")
    elif op == "fuse" and len(loops) > 1:
        a = rng.randrange(len(loops) - 1)
        sch.fuse(loops[a], loops[a + 1])
    elif op == "reorder" and len(loops) > 1:
        a, c = sorted(rng.sample(range(len(loops)), 2))
        sch.reorder(loops[c], loops[a])
    elif op in ("parallel", "vectorize", "unroll") and loops:
        getattr(sch, op)(rng.choice(loops))
    elif op == "decompose" and loops:
        sch.decompose_reduction(block, rng.choice(loops))
    elif op in ("cache_read", "cache_write"):
        getattr(sch, op)(block, 0)
    elif op in ("compute_inline", "reverse_compute_inline"):
        getattr(sch, op)(block)
    elif op in ("compute_at", "reverse_compute_at") and sch.get_loops(other):
        getattr(sch, op)(block, rng.choice(sch.get_loops(other)))
    elif op == "rfactor" and loops:
        sch.rfactor(rng.choice(loops))
    elif op == "blockize" and loops:
        sch.blockize(rng.choice(loops))


def inputs(module, rng: random.Random) -> list[np.ndarray]:
    main = next(op for op in module.body.block.ops
                if op.name == "relax.func" and op.sym_name.data == "main")
    env: dict[str, int] = {}
    out = []
    for i, arg in enumerate(main.body.block.args):
        dims = [d.data for d in arg.type.shape.data]
        for d in dims:
            for v in sorted(d.free_vars()):
                env.setdefault(v, rng.choice([1, 2, 3, 5, 8, 17]))
        shape = [d.evaluate(env) for d in dims]
        out.append(np.random.default_rng(i).standard_normal(shape).astype(np.float32))
    return out


@pytest.mark.parametrize("seed", range(6))
def test_random_schedules_keep_the_numbers(seed):
    rng = random.Random(seed)
    source = [CONV_SOFTMAX, (ROOT / "examples/mlp.mlir").read_text(),
              (ROOT / "examples/chain.mlir").read_text()][seed % 3]
    module = parse_text(source)
    LegalizeOps().apply(make_context(), module)
    kernels = [k.sym_name.data for k in module.body.block.ops if isinstance(k, tir.FuncOp)]
    sch = Schedule(module)
    for _ in range(10):
        try:
            random_step(sch, rng.choice(kernels), rng)
        except ScheduleError:
            pass
    applied = [i.name for i in sch.trace.instructions if i.name not in ("get_block", "get_loops")]
    assert applied, "no primitive applied: the test would check nothing"
    args = inputs(module, rng)
    expected = compile_module(module, **ALL_OFF)["main"](*args)
    got = compile_module(sch.mod, **ALL_OFF)["main"](*args)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4, err_msg=str(sch.trace))
