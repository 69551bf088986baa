"""noalias on kernel buffer parameters (lowering/noalias.py): present where
destination-passing style guarantees it, absent where a call could alias a
buffer the kernel writes, and the results do not change."""

import re

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module

DBL = """
tir.func @dbl(%X: !tir.buffer<[n], f32>, %Y: !tir.buffer<[n], f32>) {
  tir.for %i = 0 to n {
    tir.block "d" (%vi = spatial[n] %i) {
      %x = tir.load %X[%vi] : f32
      %y = arith.addf %x, %x : f32
      tir.store %y, %Y[%vi] : f32
    }
  }
}
"""

T = "!relax.tensor<[n], f32>"


def defines(exe) -> dict[str, str]:
    """name -> parameter list of every function defined in the unoptimized IR."""
    found = re.findall(r'^define [^@]*@"?([\w.]+)"?\((.*)\)', exe.llvm_ir(optimized=False), re.M)
    return dict(found)


def test_call_tir_kernel_gets_noalias_buffer_pointers():
    src = DBL + f"""
relax.func @main(%x: {T}) -> {T} {{
  %out = relax.dataflow {{
    %y = relax.call_tir @dbl(%x) : {T}
    %z = relax.call_tir @dbl(%y) : {T}
    relax.output %z : {T}
  }}
  relax.return %out : {T}
}}"""
    exe = compile_module(src, schedule=False, fuse=False)
    fns = defines(exe)
    # the body takes each descriptor's fields: allocated, aligned (noalias), offset, sizes, strides
    params = fns["__relax_dbl.noalias"]
    assert re.fullmatch(r'ptr %"\.1", ptr noalias %"\.2", i64 %"\.3", \[1 x i64\] %"\.4", '
                        r'\[1 x i64\] %"\.5", ptr %"\.6", ptr noalias %"\.7", .*', params), params
    assert "noalias" not in fns["__relax_dbl"]  # the forwarding function keeps the descriptors
    x = np.arange(7, dtype=np.float32)
    np.testing.assert_array_equal(exe["main"](x), 4 * x)
    # LLVM inlines the forwarding and keeps the facts as alias scopes
    assert "!alias.scope" in exe.llvm_ir()


def test_parallel_loop_bodies_get_noalias_too():
    src = DBL.replace("tir.for %i", "tir.for parallel %i") + f"""
relax.func @main(%x: {T}) -> {T} {{
  %out = relax.dataflow {{
    %y = relax.call_tir @dbl(%x) : {T}
    relax.output %y : {T}
  }}
  relax.return %out : {T}
}}"""
    exe = compile_module(src, schedule=False)
    fns = defines(exe)
    outlined = [name for name in fns if name.startswith("__relax_dbl_parallel")]
    assert any(name.endswith(".noalias") and "ptr noalias" in fns[name] for name in outlined)
    x = np.arange(1000, dtype=np.float32)
    np.testing.assert_array_equal(exe["main"](x), 2 * x)


@pytest.mark.parametrize("body", [
    # the output is a parameter of main: the caller may pass the same array twice
    f"relax.call_kernel @dbl(%x) outs(%o)\n  relax.return %o : {T}",
    # input and output are one allocation
    f"%t = relax.alloc_tensor : {T}\n  relax.call_kernel @dbl(%t) outs(%t)\n"
    f"  relax.return %t : {T}",
])
def test_no_noalias_when_a_written_buffer_may_alias(body):
    src = DBL + f"relax.func @main(%x: {T}, %o: {T}) -> {T} {{\n  {body}\n}}"
    exe = compile_module(src, schedule=False)
    assert not any(name.endswith(".noalias") for name in defines(exe))
    assert "noalias" not in exe.llvm_ir(optimized=False)
    x = np.arange(5, dtype=np.float32)
    o = np.zeros(5, np.float32)
    if "outs(%o)" in body:
        assert exe["main"](x, o) is o
        np.testing.assert_array_equal(o, 2 * x)
    else:
        exe["main"](x, o)  # runs (in place); the values are those of an uninitialized tensor


def test_no_noalias_when_the_same_storage_is_viewed_twice():
    src = DBL + f"""
relax.func @main(%x: {T}) -> {T} {{
  %s = relax.alloc_storage [n] : f32
  %a = relax.alloc_tensor %s : {T}
  %b = relax.alloc_tensor %s : {T}
  relax.call_kernel @dbl(%x) outs(%a)
  relax.call_kernel @dbl(%a) outs(%b)
  relax.return %b : {T}
}}"""
    exe = compile_module(src, schedule=False, plan_memory=False)
    assert not any(name.endswith(".noalias") for name in defines(exe))
    x = np.arange(5, dtype=np.float32)
    np.testing.assert_array_equal(exe["main"](x), 4 * x)  # in place, element by element
