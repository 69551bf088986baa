"""What the native runtime does not support yet (issue 15) is a located compile
error, never a crash: tensors of unknown rank (`!relax.tensor<*, f32>`) and
opaque objects (`!relax.object` values that the code keeps: parameters,
results, a `call_packed` result that is used), in the textual IR and through
the builder. A `call_packed` made only for its effect (its `!relax.object` or
`!relax.tuple<>` result unused) runs."""

import numpy as np
import pytest

from xrelax.diagnostics import CompileError
from xrelax.lowering.packed_calls import register_packed, unregister_packed
from xrelax.lowering.runtime import compile_module
from xrelax.relax.builder import ModuleBuilder
from xrelax.relax.types import ObjectType, TensorType
from xrelax.tir.symbolic import var


@pytest.fixture(autouse=True)
def packed():
    register_packed("gaps.make", lambda x: object())
    yield
    unregister_packed("gaps.make")


CASES = {
    "unknown_rank_parameter": ("""
relax.func @main(%x: !relax.tensor<*, f32>) -> !relax.tensor<ndim=1, f32> {
  %y = relax.match_cast %x : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}""", r"t.mlir:2:1: error: a tensor of unknown rank \(!relax.tensor<\*, f32>\) is not supported "
      r"by the native runtime yet: give its rank, e.g. !relax.tensor<ndim=2, f32>"),
    "unknown_rank_argument_of_a_call": ("""
relax.func private @f(%x: !relax.tensor<*, f32>) -> !relax.tensor<ndim=1, f32> {
  %y = relax.match_cast %x : !relax.tensor<[n], f32>
  relax.return %y : !relax.tensor<[n], f32>
}
relax.func @main(%x: !relax.tensor<[m], f32>) -> !relax.tensor<ndim=1, f32> {
  %y = relax.call @f(%x) : !relax.tensor<ndim=1, f32>
  relax.return %y : !relax.tensor<ndim=1, f32>
}""", r"t.mlir:7:3: error: a tensor of unknown rank \(!relax.tensor<\*, f32>\) is not supported"),
    "used_object_result_of_call_packed": ("""
relax.func @main(%x: !relax.tensor<[m], f32>) -> !relax.tensor<[m], f32> {
  %o = relax.call_packed "gaps.make"(%x) : !relax.object
  %p = relax.call_packed "gaps.make"(%o) : !relax.object
  relax.return %x : !relax.tensor<[m], f32>
}""", r"t.mlir:3:3: error: relax.call_packed: using a result of type !relax.object is not "
      r"supported by the native runtime yet \(a call made only for its effect is\)"),
    "used_empty_tuple_result_of_call_packed": ("""
relax.func @main(%x: !relax.tensor<[m], f32>) -> !relax.tuple<> {
  %o = relax.call_packed "gaps.make"(%x) : !relax.tuple<>
  relax.return %o : !relax.tuple<>
}""", r"t.mlir:3:3: error: relax.call_packed: using a result of type !relax.tuple<> is not"),
    "tuple_returned_as_object": ("""
relax.func @main(%x: !relax.tensor<[m], f32>) -> !relax.object {
  %t = relax.tuple(%x, %x)
  relax.return %t : !relax.tuple<!relax.tensor<[m], f32>, !relax.tensor<[m], f32>>
}""", r"t.mlir:4:3: error: returning a value of type !relax.tuple<.*> as !relax.object is not "
      r"supported by the native runtime yet"),
    "object_parameter": ("""
relax.func @main(%x: !relax.object) -> !relax.object {
  relax.return %x : !relax.object
}""", r"t.mlir:2:1: error: a value of type !relax.object is not supported by the native "
      r"runtime yet"),
}


def test_a_packed_call_made_for_its_effect():
    seen = []
    register_packed("gaps.log", lambda x, s: seen.append((x.copy(), s)) or object())
    try:
        text = """
relax.func @main(%x: !relax.tensor<[m], f32>) -> !relax.tensor<[m], f32> {
  %s = relax.shape_of %x
  %o = relax.call_packed "gaps.log"(%x, %s) : !relax.object
  %y = relax.add %x, %x : !relax.tensor<[m], f32>
  %t = relax.call_packed "gaps.log"(%y, %s) : !relax.tuple<>
  relax.return %y : !relax.tensor<[m], f32>
}"""
        exe = compile_module(text)
        x = np.arange(4, dtype=np.float32)
        np.testing.assert_array_equal(exe["main"](x), 2 * x)
        assert len(seen) == 2 and seen[0][1] == (4,) and seen[1][1] == (4,)
        np.testing.assert_array_equal(seen[0][0], x)
        np.testing.assert_array_equal(seen[1][0], 2 * x)
    finally:
        unregister_packed("gaps.log")


@pytest.mark.parametrize("name", list(CASES))
def test_located_errors(name):
    text, message = CASES[name]
    with pytest.raises(CompileError, match=message):
        compile_module(text, filename="t.mlir")


def test_through_the_builder():
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType(None, "f32")) as fb:  # unknown rank
        (x,) = fb.params
        fb.ret(fb.match_cast(x, TensorType([var("n")], "f32")))
    with pytest.raises(CompileError, match=r"error: a tensor of unknown rank"):
        compile_module(mb.finish())
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([var("n")], "f32")) as fb:
        (x,) = fb.params
        o = fb.call_packed("gaps.make", [x], ObjectType())
        fb.ret(fb.tuple([x, o]))
    with pytest.raises(CompileError, match=r"relax.call_packed: using a result of type "
                                           r"!relax.object is not supported"):
        compile_module(mb.finish())
    mb = ModuleBuilder()
    with mb.function("main", x=TensorType([var("n")], "f32")) as fb:
        (x,) = fb.params
        fb.call_packed("gaps.make", [x], ObjectType())  # for its effect: fine
        fb.ret(x)
    x = np.ones(3, np.float32)
    assert compile_module(mb.finish())["main"](x) is x
