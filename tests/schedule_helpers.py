"""Helpers of the schedule tests: kernels from the compute DSL, run as compiled
code with numpy inputs, before and after a schedule."""

from __future__ import annotations

import numpy as np
from xdsl.dialects.builtin import ModuleOp
from xdsl.printer import Printer

from xrelax.context import parse_text
from xrelax.lowering.runtime import compile_module
from xrelax.tir import compute as te
from xrelax.tir import ops as tir
from xrelax.tir.symbolic import var
from xrelax.tir.types import BufferType, dtype_name


# every default-pipeline step off: the kernel runs as scheduled
ALL_OFF = dict(canonicalize=False, fold=False, cse=False, dce=False, fuse=False,
               schedule=False, plan_memory=False)


def text_of(op) -> str:
    import io

    out = io.StringIO()
    Printer(stream=out).print_op(op)
    return out.getvalue()


def kernel(module: ModuleOp, name: str | None = None) -> tir.FuncOp:
    ks = [op for op in module.body.block.ops if isinstance(op, tir.FuncOp)]
    return ks[0] if name is None else next(k for k in ks if k.sym_name.data == name)


def _tensor(t: BufferType) -> str:
    return f"!relax.tensor<[{', '.join(map(str, t.dims))}], {dtype_name(t.dtype)}>"


def wrap(module: ModuleOp, name: str | None = None, outputs: int = 1) -> str:
    """The module's kernels plus `relax.func @main` calling kernel `name` with
    its first parameters as inputs and its last `outputs` as results."""
    k = kernel(module, name)
    types = list(k.function_type.inputs.data)
    ins, outs = types[:-outputs], types[-outputs:]
    params = ", ".join(f"%x{i}: {_tensor(t)}" for i, t in enumerate(ins))
    args = ", ".join(f"%x{i}" for i in range(len(ins)))
    if outputs == 1:
        res = _tensor(outs[0])
    else:
        res = "!relax.tuple<" + ", ".join(map(_tensor, outs)) + ">"
    call_res = res if outputs == 1 else "(" + ", ".join(map(_tensor, outs)) + ")"
    kernels = "\n".join(text_of(op) for op in module.body.block.ops
                        if isinstance(op, tir.FuncOp))
    return (f"{kernels}\nrelax.func @main({params}) -> {res} {{\n"
            f"  %out = relax.dataflow {{\n"
            f"    %y = relax.call_tir @{k.sym_name.data}({args}) : {call_res}\n"
            f"    relax.output %y : {res}\n  }}\n"
            f"  relax.return %out : {res}\n}}\n")


def compile_kernel(module: ModuleOp, name: str | None = None, outputs: int = 1):
    """A callable running kernel `name` on numpy inputs (the module must verify
    and round-trip through text: it is printed and parsed back first)."""
    text = wrap(module, name, outputs)
    parse_text(text)
    return compile_module(text, **ALL_OFF)["main"]


def rand(*shape: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed + sum(shape) + 7 * len(shape))
    return rng.standard_normal(shape).astype(np.float32)


def matmul_module(n=None, m=None, k=None) -> ModuleOp:
    """C = A @ B as the compute DSL makes it (symbolic dims where None)."""
    n = var("n") if n is None else n
    m = var("m") if m is None else m
    k = var("k") if k is None else k
    A = te.placeholder([n, k], "f32", name="A")
    B = te.placeholder([k, m], "f32", name="B")
    r = te.reduce_axis(k, name="r")
    C = te.compute([n, m], lambda i, j: te.sum(A[i, r] * B[r, j], axis=r), name="C")
    return ModuleOp([te.create_tir_func([A, B, C], name="matmul")])
