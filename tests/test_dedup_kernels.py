"""dedup-kernels (passes/dedup_kernels.py): identical kernels are compiled once,
and the program computes the same values."""

import re

import numpy as np

from pass_helpers import apply, ops_named, random_source
from xrelax.lowering.runtime import compile_module
from xrelax.passes.dedup_kernels import DedupKernels, kernel_fingerprint
from xrelax.pipeline import DefaultPipeline

rand = random_source(11)


def layers_source(count: int, width: int = 16) -> str:
    """relu(x @ w_i + b_i), `count` times, each layer with its own weights."""
    t = f"!relax.tensor<[n, {width}], f32>"
    params = ", ".join([f"%x: {t}"] + [f"%w{i}: !relax.tensor<[{width}, {width}], f32>, "
                                      f"%b{i}: !relax.tensor<[{width}], f32>"
                                      for i in range(count)])
    lines = [f"relax.func @main({params}) -> {t} {{", "  %out = relax.dataflow {"]
    prev = "%x"
    for i in range(count):
        lines += [f"    %m{i} = relax.matmul {prev}, %w{i} : {t}",
                  f"    %a{i} = relax.add %m{i}, %b{i} : {t}",
                  f"    %r{i} = relax.relu %a{i} : {t}"]
        prev = f"%r{i}"
    lines += [f"    relax.output {prev} : {t}", "  }", f"  relax.return %out : {t}", "}"]
    return "\n".join(lines)


def test_forty_identical_layers_compile_one_kernel():
    count, width = 40, 16
    exe = compile_module(layers_source(count, width))
    kernels = re.findall(r"define [^@]*@\"?__relax_(fused\w*)\"?\(", exe.llvm_ir(optimized=False))
    assert [k for k in kernels if "_parallel" not in k] == ["fused_matmul_add_relu"]
    x = rand(5, width)
    ws = [rand(width, width) / 4 for _ in range(count)]
    bs = [rand(width) / 4 for _ in range(count)]
    want = x.astype(np.float64)
    for w, b in zip(ws, bs):
        want = np.maximum(want @ w + b, 0)
    args = [x] + [a for pair in zip(ws, bs) for a in pair]
    np.testing.assert_allclose(exe["main"](*args), want, rtol=1e-4, atol=1e-5)


def test_pipeline_without_fusion_has_nothing_to_merge():
    # legalize-ops already shares one kernel per (op, types): three kernels, each called 3 times
    module = apply(layers_source(3), DefaultPipeline(fuse=False, plan_memory=False))
    assert len(ops_named(module, "tir.func")) == 3
    assert len(ops_named(module, "relax.call_tir")) == 9


def test_merged_kernels_are_erased_and_callers_redirected():
    module = apply(layers_source(3), DefaultPipeline(schedule=False, plan_memory=False))
    kernels = ops_named(module, "tir.func")
    assert len(kernels) == 1
    callees = {c.callee.root_reference.data for c in ops_named(module, "relax.call_tir")}
    assert callees == {kernels[0].sym_name.data}


def test_fingerprint_ignores_names_but_not_structure():
    def kernel(name: str, value: str, const: str) -> str:
        return f"""
tir.func @{name}(%{value}: !tir.buffer<[4], f32>, %Y: !tir.buffer<[4], f32>) {{
  tir.for %i = 0 to 4 {{
    tir.block "b" (%vi = spatial[4] %i) {{
      %{value}_x = tir.load %{value}[%vi] : f32
      %c = arith.constant {const} : f32
      %y = arith.addf %{value}_x, %c : f32
      tir.store %y, %Y[%vi] : f32
    }}
  }}
}}"""
    module = apply(kernel("a", "X", "1.0") + kernel("b", "Q", "1.0") + kernel("c", "X", "1.5"))
    a, b, c = ops_named(module, "tir.func")
    assert kernel_fingerprint(a) == kernel_fingerprint(b)
    assert kernel_fingerprint(a) != kernel_fingerprint(c)
    DedupKernels().apply(None, module)  # no relax function: nothing calls them, only b goes
    assert [k.sym_name.data for k in ops_named(module, "tir.func")] == ["a", "c"]
