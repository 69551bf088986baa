"""A bool widened to an unsigned integer (relax.cast and relax.bitcast to
ui8): the llvm cast produces the signless integer of the same bits (a ui8
result did not verify in the llvm dialect; found by the fuzzer)."""

import numpy as np
import pytest

from xrelax.lowering.runtime import compile_module

SRC = """
relax.func @bits(%p: !relax.tensor<[n], i1>) -> !relax.tensor<[n], {dtype}> {{
  %a = relax.{op} %p {{dtype = "{dtype}"}} : !relax.tensor<[n], {dtype}>
  relax.return %a : !relax.tensor<[n], {dtype}>
}}
"""


@pytest.mark.parametrize("op, dtype", [("cast", "ui8"), ("bitcast", "ui8"), ("cast", "i16")])
def test_bool_to_unsigned(op, dtype):
    fn = compile_module(SRC.format(op=op, dtype=dtype))["bits"]
    p = np.array([True, False, True, True, False])
    out = fn(p)
    np.testing.assert_array_equal(out, p.astype(out.dtype))
    assert out.dtype == np.dtype(dtype.replace("ui", "uint").replace("i16", "int16"))
