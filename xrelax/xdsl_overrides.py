"""Every place where xrelax overrides or reads private xDSL API, in one module.

xDSL 0.74 has no public hook for these; each override says why it exists and
is tested in tests/test_xdsl_overrides.py, so an xDSL upgrade that changes the
private API fails there first.
"""

from __future__ import annotations

import re

from xdsl.dialects.builtin import AnyFloat, FileLineColLoc, IntAttr, StringAttr, UnknownLoc
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.parser.generic_parser import ParserState
from xdsl.utils.exceptions import VerifyException
from xdsl.utils.lexer import Input
from xdsl.utils.mlir_lexer import MLIRLexer


class LinearStringLexer(MLIRLexer):
    """Private xDSL API (`_unescaped_characters_regex`). xDSL matches a string
    literal with `"(?:[^"\\...]+|\\...)*"`, a `+` inside a `*`: on an
    unterminated string the regex engine tries every way of cutting the text
    into pieces, exponential in its length (26 characters: 3 s). The same
    language, one character at a time, fails in linear time."""

    _unescaped_characters_regex = re.compile(
        r'"(?:[^"\\\n\v\f]|\\(?:["nt\\]|[0-9A-Fa-f]{2}))*"')


class LocatingParser(Parser):
    """The xDSL parser, recording each op's source position as its location."""

    line_offset = 0

    def __init__(self, ctx, input: str | bytes, name: str = "<unknown>") -> None:
        """Private xDSL API (`_parser_state`): xDSL's parser builds its own
        MLIRLexer; this one lexes with LinearStringLexer."""
        super().__init__(ctx, "", name)
        text = input.decode("utf-8") if isinstance(input, bytes) else input
        self._parser_state = ParserState(LinearStringLexer(Input(text, name)))

    def _parse_dialect_resource_handle(self, dialect_name: str, interface) -> str:  # type: ignore[override]
        """Private xDSL API. xDSL keeps resource blobs in one process-wide store
        and renames a key it has seen before (`w` becomes `w_0`), but renames
        it again where the blob itself is parsed, so a file parsed twice in one
        process lost its data. Here every use of a key within one parse maps to
        the same name."""
        key = self.parse_identifier(" for resource handle")
        keys: dict[tuple[str, str], str] = self.__dict__.setdefault("_resource_keys", {})
        if (dialect_name, key) not in keys:
            keys[(dialect_name, key)] = interface.declare_resource(key)
            self.dialect_resources.add((dialect_name, keys[(dialect_name, key)]))
        return keys[(dialect_name, key)]

    def parse_operation(self) -> Operation:
        """Public API, but reads the private `_current_token`: the parser does
        not expose the position where an op starts, and ops built by custom
        `parse` methods get no location otherwise."""
        start = self._current_token.span
        try:
            op = super().parse_operation()
        except (VerifyException, ValueError, OverflowError) as err:
            # an op whose operands break its constraints, a constant that does
            # not fit its type (`70000.0 : f16`, `300 : i4`): at the op
            self.raise_error(str(err), start)
        if isinstance(op.location, UnknownLoc):
            loc = start.get_location()
            op.location = FileLineColLoc(StringAttr(loc.file),
                                         IntAttr(loc.line + self.line_offset), IntAttr(loc.col))
        return op

    def _parse_tensor_literal_element(self):
        """Private xDSL API. In a dense literal of floats, MLIR reads a hex
        integer as the bit pattern of the element, which is how xDSL prints
        infinities and NaNs (`dense<0xff800000> : tensor<f32>`); xDSL reads it
        as a number (-inf came back as 4286578688.0)."""
        hex_literal = self._current_token.text[:2] in ("0x", "0X")
        element = super()._parse_tensor_literal_element()
        if hex_literal and isinstance(element.value, int) and not element.is_negative:
            return _HexTensorElement(element.is_negative, element.value, element.span)
        return element

    def _parse_dialect_type_or_attribute_body(self, *args, **kwargs):
        """Private xDSL API. A type that parses but does not verify
        (`!relax.tensor<[-1], f32>`) raises VerifyException with no position;
        reported here where it is written, like a syntax error."""
        start = self.pos
        try:
            return super()._parse_dialect_type_or_attribute_body(*args, **kwargs)
        except VerifyException as err:
            self.raise_error(str(err), start, self.pos)


class _HexTensorElement(Parser._TensorLiteralElement):
    """A hex integer in a dense literal: the bits of a float element (see
    LocatingParser._parse_tensor_literal_element)."""

    def to_type(self, parser, type):  # type: ignore[override]
        if isinstance(type, AnyFloat):
            raw = int(self.value).to_bytes(type.compile_time_size, "little")
            return next(type.iter_unpack(raw))
        return super().to_type(parser, type)


def next_token_text(parser: Parser) -> str:
    """The text of the next token, without consuming it. Private xDSL API
    (`_current_token`): xDSL has `parse_optional_*` for each kind of token but
    no way to peek at the next one, which optional operand lists need."""
    return parser._current_token.text  # noqa: SLF001
