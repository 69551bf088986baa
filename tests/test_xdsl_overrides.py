"""Each override of private xDSL API (xrelax/xdsl_overrides.py) still does its job."""

import pytest
from xdsl.dialects.builtin import FileLineColLoc
from xdsl.utils.exceptions import ParseError

from xrelax.context import make_context
from xrelax.xdsl_overrides import LocatingParser, next_token_text

RESOURCE = """
relax.func @main() -> !relax.tensor<[2], f32> {
  %c = relax.constant dense_resource<blob> : tensor<2xf32>
  relax.return %c : !relax.tensor<[2], f32>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x040000000000803F00000040"
    }
  }
#-}
"""


def parse(text: str, line_offset: int = 0):
    parser = LocatingParser(make_context(), text, "f.mlir")
    parser.line_offset = line_offset
    return parser.parse_module()


def test_resource_key_and_blob_stay_together_when_parsed_twice():
    from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
    from xdsl.dialects.builtin import Builtin

    blobs = Builtin.get_interface(OpAsmDialectInterface)
    assert blobs is not None
    for _ in range(3):  # the second parse renames `blob`; use and data must agree
        module = parse(RESOURCE)
        const = next(op for op in module.walk() if op.name == "relax.constant")
        handle = const.value.resource_handle.data  # type: ignore[attr-defined]
        assert blobs.lookup(handle) == "0x040000000000803F00000040"


def test_every_op_gets_its_source_position_with_the_line_offset():
    module = parse(RESOURCE, line_offset=10)
    const = next(op for op in module.walk() if op.name == "relax.constant")
    loc = const.location
    assert isinstance(loc, FileLineColLoc)
    assert (loc.filename.data, loc.line.data, loc.column.data) == ("f.mlir", 13, 3)


def test_a_type_that_does_not_verify_is_a_parse_error_at_the_type():
    text = "relax.func @f(%x: !relax.tensor<[-1], f32>) -> !relax.tensor<[-1], f32> {\n" \
           "  relax.return %x : !relax.tensor<[-1], f32>\n}\n"
    with pytest.raises(ParseError) as err:
        parse(text)
    assert err.value.msg == "tensor type has a negative dimension -1"
    assert err.value.span.text == "<[-1], f32>"  # the body of the first tensor type
    assert err.value.span.get_location().line == 1


def test_next_token_text_peeks_without_consuming():
    parser = LocatingParser(make_context(), "%a, %b", "f.mlir")
    assert next_token_text(parser) == "%a"
    assert next_token_text(parser) == "%a"


def test_hex_elements_of_a_float_dense_literal_are_bit_patterns():
    import math

    import numpy as np

    module = parse('"test.op"() {f = dense<[0xFF800000, 1.5]> : tensor<2xf32>, '
                   'h = dense<0x7E00> : tensor<2xf16>, d = dense<0x7FF0000000000000> : '
                   'tensor<f64>, i = dense<[0x10, 3]> : tensor<2xi32>} : () -> ()')
    op = next(iter(module.ops))
    values = {k: v.get_values() for k, v in op.attributes.items()}
    assert values["f"] == (-math.inf, 1.5)
    assert all(math.isnan(v) for v in values["h"]) and values["d"] == (math.inf,)
    assert values["i"] == (16, 3)
    # what the printer writes for infinities and NaNs reads back as such
    from xrelax.relax.builder import dense_attr

    text = str(dense_attr(np.array([-np.inf, np.nan, 2.0], np.float32)))
    back = parse(f'"test.op"() {{v = {text}}} : () -> ()')
    got = next(iter(back.ops)).attributes["v"].get_values()
    assert got[0] == -math.inf and math.isnan(got[1]) and got[2] == 2.0
