"""The compile path accepts only relax, tir and the scalar ops of a kernel body
(relax_dialect/compile_input.py): foreign ops are located compile errors, run-
time symbol names cannot be taken by kernels, and every scalar op on the
accepted list compiles and computes what it should."""

import math

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module
from xrelax.relax.compile_input import KERNEL_SCALAR_OPS, is_reserved_name
from xrelax.diagnostics import CompileError

CALLER = """
relax.func @main(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  %y = relax.call_tir @k(%x) : !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}
"""


def kernel(body: str, name: str = "k") -> str:
    return f"""tir.func @{name}(%X: !tir.buffer<[4], f32>, %Y: !tir.buffer<[4], f32>) {{
  %i = arith.constant 0 : index
  %c = arith.constant 1.0 : f32
{body}
  tir.store %c, %Y[%i] : f32
}}
""" + CALLER.replace("@k", f"@{name}")


def compile_error(src: str) -> str:
    with pytest.raises(CompileError) as info:
        compile_module(src, filename="t.mlir")
    return str(info.value)


@pytest.mark.parametrize("body, line, col, what", [
    # a shell command through libc
    ('  %p = arith.constant 0 : i64\n  %r = "llvm.call"(%p) <{callee = @system, '
     'fastmathFlags = #llvm.fastmath<none>, CConv = #llvm.cconv<ccc>, '
     'TailCallKind = #llvm.tailcallkind<none>, operandSegmentSizes = array<i32: 1, 0>, '
     'op_bundle_sizes = array<i32>}> : (i64) -> i32', 5, 3, "'@system' could not be found"),
    # a raw syscall
    ('  %r = "llvm.inline_asm"() <{asm_string = "syscall", constraints = "=r", '
     'tail_call_kind = #llvm.tailcallkind<none>}> : () -> i64', 4, 3, "'llvm.inline_asm' cannot appear in a tir kernel"),
    # a store to an arbitrary address
    ('  %a = arith.constant 4096 : i64\n  %p = "llvm.inttoptr"(%a) : (i64) -> !llvm.ptr',
     5, 3, "'llvm.inttoptr' cannot appear in a tir kernel"),
    ('  %t = "test.op"() : () -> index', 4, 3, "'test.op' cannot appear in a tir kernel"),
    ('  %v:2 = "arith.mului_extended"(%i, %i) : (index, index) -> (index, index)', 4, 3,
     "'arith.mului_extended' is not supported in a tir kernel"),
])
def test_foreign_ops_in_kernels_are_located_errors(body, line, col, what):
    message = compile_error(kernel(body))
    assert message.startswith(f"t.mlir:{line}:{col}: error: "), message
    assert what in message


def test_vector_types_are_refused_in_kernels():
    src = kernel("  %v = arith.constant dense<1> : vector<4xi32>\n"
                 "  %w = arith.addi %v, %v : vector<4xi32>")
    message = compile_error(src)
    assert message.startswith("t.mlir:4:3: error: arith.constant on a value of type vector<4xi32>")


def test_foreign_top_level_ops_and_host_ops():
    for decl in ("func.func private @system(i64) -> i32",
                 'llvm.func @system(i64) -> i32 attributes {sym_visibility = "private"}'):
        src = decl + "\n" + kernel("")
        message = compile_error(src)
        assert message.startswith("t.mlir:1:1: error: '"), message
        assert "cannot appear at the top level of a module" in message
    host = """
relax.func @main(%x: !relax.tensor<[4], f32>) -> !relax.tensor<[4], f32> {
  %y = "test.op"(%x) : (!relax.tensor<[4], f32>) -> !relax.tensor<[4], f32>
  relax.return %y : !relax.tensor<[4], f32>
}
"""
    assert compile_error(host).startswith("t.mlir:3:3: error: 'test.op' cannot appear in a relax "
                                          "function")


def test_bf16_scalar_parameters_and_out_of_range_constants():
    bf16 = """
relax.func @main(%x: !relax.tensor<[4], f32>, %s: !relax.prim<bf16>) -> !relax.tensor<[4], f32> {
  relax.return %x : !relax.tensor<[4], f32>
}
"""
    assert compile_error(bf16).startswith("t.mlir:2:1: error: @main: parameter #1 is a "
                                          "!relax.prim<bf16>, which Python cannot pass")
    big = kernel("  %b = arith.constant 18446744073709551616 : index")
    assert compile_error(big).startswith(
        "t.mlir:4:3: error: arith.constant: the index constant 18446744073709551616 does not fit")
    loop = kernel("  tir.for %j = 0 to 9223372036854775808 {\n  }")
    assert compile_error(loop).startswith(
        "t.mlir:4:3: error: the constant 9223372036854775808 in the symbolic expression")
    f16 = kernel("  %h = arith.constant 70000.0 : f16")
    assert compile_error(f16).startswith("t.mlir:4:3: error: ")
    i4 = kernel("  %h = arith.constant 300 : i4")
    assert compile_error(i4).startswith("t.mlir:4:3: error: ")


@pytest.mark.parametrize("name", ["aligned_alloc", "GOMP_parallel", "_mlir_ciface_main",
                                  "__relax_main", "free", "expf", "relax_packed_call",
                                  "main_parallel0"])
def test_kernels_named_like_runtime_symbols_are_renamed(name):
    assert is_reserved_name(name)
    src = f"""
tir.func @{name}(%X: !tir.buffer<[4], f32>, %Y: !tir.buffer<[4], f32>) {{
  tir.for parallel %i = 0 to 4 {{
    %x = tir.load %X[%i] : f32
    %e = math.exp %x : f32
    tir.store %e, %Y[%i] : f32
  }}
}}
""" + CALLER.replace("@k", f"@{name}")
    x = np.arange(4, dtype=np.float32)
    np.testing.assert_allclose(compile_module(src)["main"](x), np.exp(x), rtol=1e-6)


def test_public_function_with_a_reserved_name_is_an_error():
    src = CALLER.replace("@main", "@free").replace("@k", "@kk") + """
tir.func @kk(%X: !tir.buffer<[4], f32>, %Y: !tir.buffer<[4], f32>) {
}
"""
    assert compile_error(src).startswith("t.mlir:2:1: error: relax function name @free is reserved")


# every accepted scalar op: (text with %a %b (f32), %p %q (i32), %u (index); result type)
F, I = "f32", "i32"
SCALAR_CASES = {
    "arith.addf": ("arith.addf %a, %b : f32", F, 2.0 + 3.0),
    "arith.subf": ("arith.subf %a, %b : f32", F, -1.0),
    "arith.mulf": ("arith.mulf %a, %b : f32", F, 6.0),
    "arith.divf": ("arith.divf %a, %b : f32", F, 2.0 / 3.0),
    "arith.negf": ("arith.negf %a : f32", F, -2.0),
    "arith.maximumf": ("arith.maximumf %a, %b : f32", F, 3.0),
    "arith.minimumf": ("arith.minimumf %a, %b : f32", F, 2.0),
    "arith.maxnumf": ("arith.maxnumf %a, %b : f32", F, 3.0),
    "arith.minnumf": ("arith.minnumf %a, %b : f32", F, 2.0),
    "arith.addi": ("arith.addi %p, %q : i32", I, -7 + 3),
    "arith.subi": ("arith.subi %p, %q : i32", I, -10),
    "arith.muli": ("arith.muli %p, %q : i32", I, -21),
    "arith.divsi": ("arith.divsi %p, %q : i32", I, -2),
    "arith.divui": ("arith.divui %q, %q : i32", I, 1),
    "arith.remsi": ("arith.remsi %p, %q : i32", I, -1),
    "arith.remui": ("arith.remui %q, %q : i32", I, 0),
    "arith.floordivsi": ("arith.floordivsi %p, %q : i32", I, -3),
    "arith.ceildivsi": ("arith.ceildivsi %p, %q : i32", I, -2),
    "arith.ceildivui": ("arith.ceildivui %q, %q : i32", I, 1),
    "arith.maxsi": ("arith.maxsi %p, %q : i32", I, 3),
    "arith.minsi": ("arith.minsi %p, %q : i32", I, -7),
    "arith.maxui": ("arith.maxui %p, %q : i32", I, -7),
    "arith.minui": ("arith.minui %p, %q : i32", I, 3),
    "arith.andi": ("arith.andi %p, %q : i32", I, -7 & 3),
    "arith.ori": ("arith.ori %p, %q : i32", I, -7 | 3),
    "arith.xori": ("arith.xori %p, %q : i32", I, -7 ^ 3),
    "arith.shli": ("arith.shli %q, %q : i32", I, 24),
    "arith.shrsi": ("arith.shrsi %p, %q : i32", I, -1),
    "arith.shrui": ("arith.shrui %q, %q : i32", I, 0),
    "arith.cmpi": ("arith.cmpi slt, %p, %q : i32", "i1", -1),  # true, sign-extended
    "arith.cmpf": ("arith.cmpf ogt, %a, %b : f32", "i1", 0),
    "arith.select": ("arith.select %t, %a, %b : f32", F, 2.0),
    "arith.extf": ("arith.extf %a : f32 to f64", "f64", 2.0),
    "arith.truncf": ("arith.truncf %d : f64 to f16", "f16", 2.5),
    "arith.extsi": ("arith.extsi %p : i32 to i64", "i64", -7),
    "arith.extui": ("arith.extui %q : i32 to i64", "i64", 3),
    "arith.trunci": ("arith.trunci %p : i32 to i8", "i8", -7),
    "arith.sitofp": ("arith.sitofp %p : i32 to f32", F, -7.0),
    "arith.uitofp": ("arith.uitofp %q : i32 to f32", F, 3.0),
    "arith.fptosi": ("arith.fptosi %b : f32 to i32", I, 3),
    "arith.fptoui": ("arith.fptoui %b : f32 to i32", I, 3),
    "arith.index_cast": ("arith.index_cast %u : index to i32", I, 5),
    "arith.bitcast": ("arith.bitcast %a : f32 to i32", I, 0x40000000),
    "math.absf": ("math.absf %m : f32", F, 2.5),
    "math.absi": ("math.absi %p : i32", I, 7),
    "math.sqrt": ("math.sqrt %b : f32", F, math.sqrt(3)),
    "math.rsqrt": ("math.rsqrt %b : f32", F, 1 / math.sqrt(3)),
    "math.exp": ("math.exp %a : f32", F, math.exp(2)),
    "math.log": ("math.log %b : f32", F, math.log(3)),
    "math.erf": ("math.erf %h : f32", F, math.erf(0.5)),
    "math.tanh": ("math.tanh %h : f32", F, math.tanh(0.5)),
    "math.sin": ("math.sin %h : f32", F, math.sin(0.5)),
    "math.cos": ("math.cos %h : f32", F, math.cos(0.5)),
    "math.tan": ("math.tan %h : f32", F, math.tan(0.5)),
    "math.asin": ("math.asin %h : f32", F, math.asin(0.5)),
    "math.acos": ("math.acos %h : f32", F, math.acos(0.5)),
    "math.atan": ("math.atan %h : f32", F, math.atan(0.5)),
    "math.sinh": ("math.sinh %h : f32", F, math.sinh(0.5)),
    "math.cosh": ("math.cosh %h : f32", F, math.cosh(0.5)),
    "math.asinh": ("math.asinh %h : f32", F, math.asinh(0.5)),
    "math.acosh": ("math.acosh %b : f32", F, math.acosh(3)),
    "math.atanh": ("math.atanh %h : f32", F, math.atanh(0.5)),
    "math.cbrt": ("math.cbrt %b : f32", F, 3 ** (1 / 3)),
    "math.ceil": ("math.ceil %h : f32", F, 1.0),
    "math.floor": ("math.floor %m : f32", F, -3.0),
    "math.round": ("math.round %h : f32", F, 1.0),
    "math.roundeven": ("math.roundeven %h : f32", F, 0.0),
    "math.trunc": ("math.trunc %m : f32", F, -2.0),
    "math.powf": ("math.powf %a, %b : f32", F, 8.0),
    "math.fpowi": ("math.fpowi %a, %q : f32, i32", F, 8.0),
    "math.fma": ("math.fma %a, %b, %a : f32", F, 8.0),
    "math.copysign": ("math.copysign %a, %m : f32", F, -2.0),
    "math.ctlz": ("math.ctlz %q : i32", I, 30),
    "math.cttz": ("math.cttz %q : i32", I, 0),
    "math.ctpop": ("math.ctpop %p : i32", I, 30),
}


def test_every_accepted_scalar_op_compiles_and_computes():
    assert set(SCALAR_CASES) == KERNEL_SCALAR_OPS - {"arith.constant"}
    lines = ["  %a = arith.constant 2.0 : f32", "  %b = arith.constant 3.0 : f32",
             "  %m = arith.constant -2.5 : f32", "  %h = arith.constant 0.5 : f32",
             "  %d = arith.constant 2.5 : f64", "  %p = arith.constant -7 : i32",
             "  %q = arith.constant 3 : i32", "  %u = arith.constant 5 : index",
             "  %t = arith.constant true"]
    names = sorted(SCALAR_CASES)
    for k, name in enumerate(names):
        text, rtype, _ = SCALAR_CASES[name]
        lines.append(f"  %r{k} = {text}")
        if rtype.startswith("f"):
            value = f"%r{k}" if rtype == "f64" else f"%e{k}"
            if rtype != "f64":
                lines.append(f"  %e{k} = arith.extf %r{k} : {rtype} to f64")
        else:
            lines.append(f"  %e{k} = arith.extsi %r{k} : {rtype} to i64" if rtype != "i64"
                         else f"  %e{k} = arith.addi %r{k}, %z : i64")
            lines.append(f"  %g{k} = arith.sitofp %e{k} : i64 to f64")
            value = f"%g{k}"
        lines.append(f"  %s{k} = arith.constant {k} : index")
        lines.append(f"  tir.store {value}, %Y[%s{k}] : f64")
    lines.insert(0, "  %z = arith.constant 0 : i64")
    n = len(names)
    src = (f"tir.func @all(%Y: !tir.buffer<[{n}], f64>) {{\n" + "\n".join(lines) + "\n}\n"
           f"relax.func @main() -> !relax.tensor<[{n}], f64> {{\n"
           f"  %y = relax.call_tir @all() : !relax.tensor<[{n}], f64>\n"
           f"  relax.return %y : !relax.tensor<[{n}], f64>\n}}\n")
    out = compile_module(src)["main"]()
    expected = [float(SCALAR_CASES[name][2]) for name in names]
    bad = [(name, got, want) for name, got, want in zip(names, out, expected)
           if not math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-6)]
    assert not bad
