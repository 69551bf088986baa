"""The relax builder: what it makes verifies and prints like hand-written text."""

from pathlib import Path

import numpy as np
import pytest
from xdsl.printer import Printer
from io import StringIO

from xrelax.relax import ops
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import ObjectType, PrimType, ShapeType, TensorType, TupleType
from xrelax.tir.symbolic import var
from xrelax.diagnostics import CompileError
from xrelax.context import parse_text

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
n, m = var("n"), var("m")


def text(module) -> str:
    out = StringIO()
    Printer(stream=out).print_op(module)
    return out.getvalue()


def exp_kernel():
    """The tir kernel of examples/exp.mlir, taken from the parsed file."""
    module = parse_text((EXAMPLES / "exp.mlir").read_text())
    kernel = next(op for op in module.body.block.ops if op.name == "tir.func")
    return kernel.clone()


def test_builder_prints_like_the_hand_written_example():
    mb = ModuleBuilder()
    mb.add(exp_kernel())
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            y = df.call_tir("exp", [x], TensorType([n], "f32"), name="y")
            df.output(y)
        fb.ret(df.result)
    built = mb.finish()
    df.result.name_hint = "out"
    expected = parse_text((EXAMPLES / "exp.mlir").read_text())
    assert text(built) == text(expected)
    assert built.is_structurally_equivalent(expected)


def test_builder_structural_ops_round_trip_through_text():
    mb = ModuleBuilder()
    mb.add(exp_kernel())
    with mb.function("main", x=TensorType(None, "f32", ndim=1)) as fb:
        (x,) = fb.params
        xs = fb.match_cast(x, TensorType([m], "f32"), name="xs")
        with fb.dataflow() as df:
            a = df.call_tir("exp", [xs], TensorType([m], "f32"), name="a")
            c = df.constant(np.array([1.0, 2.0], dtype=np.float32), name="c")
            s = df.shape_of(a, name="s")
            t = df.tuple([a, c, s], name="t")
            first = df.get_item(t, 0, name="first")
            df.output(first, t)
        out, tup = df.results
        shp = fb.shape([m, m * 2], name="shp")
        p = fb.prim_value(m + 1, name="p")
        obj = fb.call_packed("log_value", [out, shp, p], ObjectType(), name="obj")
        fb.ret(fb.tuple([out, tup, obj]))
    module = mb.finish()
    printed = text(module)
    assert "relax.match_cast %x : !relax.tensor<[m], f32>" in printed
    assert "relax.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>" in printed
    assert "relax.get_item %t[0]" in printed
    assert "relax.shape [m, m * 2]" in printed
    assert 'relax.call_packed "log_value"' in printed
    assert "relax.prim_value m + 1 : i64" in printed
    reparsed = parse_text(printed)
    assert text(reparsed) == printed
    func = next(op for op in module.body.block.ops if isinstance(op, ops.FuncOp))
    # m is defined inside the body, so the result type forgets it (keeps the ranks)
    assert func.result_type == TupleType([
        TensorType(None, "f32", ndim=1),
        TupleType([TensorType(None, "f32", ndim=1), TensorType([2], "f32"),
                   ShapeType(None, ndim=1)]),
        ObjectType()])
    assert p.type == PrimType("i64", m + 1)


def test_builder_if_and_private_function():
    mb = ModuleBuilder()
    with mb.function("pick", private=True, c=TensorType([], "bool"),
                     a=TensorType([n], "f32"), b=TensorType([n], "f32")) as fb:
        c, a, b = fb.params
        with fb.if_(c, [TensorType([n], "f32")]) as br:
            br.then_.yield_(a)
            br.else_.yield_(b)
        fb.ret(br.results[0])
    printed = text(mb.finish())
    assert "relax.func private @pick" in printed
    assert "relax.if %c -> !relax.tensor<[n], f32> {" in printed
    assert "} else {" in printed
    assert text(parse_text(printed)) == printed


def test_impure_call_in_dataflow_is_rejected():
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            df.emit(ops.CallPackedOp("print", [x], [ObjectType()]))
            df.output(x)
        fb.ret(df.result)
    with pytest.raises(CompileError, match="relax.call_packed is impure"):
        mb.finish()


def test_dataflow_value_used_outside_is_rejected():
    mb = ModuleBuilder()
    mb.add(exp_kernel())
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        (x,) = fb.params
        with fb.dataflow() as df:
            inner = df.call_tir("exp", [x], TensorType([n], "f32"))
            df.output(x)
        fb.ret(inner)
    with pytest.raises(CompileError, match="defined inside a relax.dataflow block"):
        mb.finish()


def test_unbound_symbolic_variable_is_rejected():
    mb = ModuleBuilder()
    mb.add(exp_kernel())
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        (x,) = fb.params
        fb.call_tir("exp", [x], TensorType([m], "f32"))
        fb.ret(x)
    with pytest.raises(CompileError, match="symbolic variable 'm' is used before it is defined"):
        mb.finish()


def test_call_tir_arity_and_missing_callee():
    mb = ModuleBuilder()
    mb.add(exp_kernel())
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        (x,) = fb.params
        fb.call_tir("exp", [x, x], TensorType([n], "f32"))
        fb.ret(x)
    with pytest.raises(CompileError, match="takes 2 parameters, but the call passes 2 arguments"):
        mb.finish()
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([n], "f32")) as fb:
        fb.call_tir("nowhere", [fb.params[0]], TensorType([n], "f32"))
        fb.ret(fb.params[0])
    with pytest.raises(CompileError, match="no function named @nowhere"):
        mb.finish()


def test_builder_misuse_errors():
    mb = ModuleBuilder()
    with pytest.raises(RuntimeError, match="must call output"):
        with mb.function("main", x=TensorType([n], "f32")) as fb:
            with fb.dataflow():
                pass
    mb = ModuleBuilder()
    with pytest.raises(RuntimeError, match="ended without ret"):
        with mb.function("f", x=TensorType([n], "f32")):
            pass
    with pytest.raises(TypeError, match="no relax equivalent"):
        with ModuleBuilder().function("g", x=TensorType([n], "f32")) as fb:
            fb.constant(np.array([1 + 2j]))
