"""Parsing and verification that report user errors as `file:line:col: error: ...`.

Every op parsed from text records where it came from, so a verifier error
found later (even by a check on an enclosing function) points at the line of
the op at fault. Used by `relax-opt`, `relax-run` and the Python API.
"""

from __future__ import annotations

import re

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, IntAttr, ModuleOp, StringAttr, UnknownLoc
from xdsl.ir import Operation
from xdsl.parser import Parser
from xdsl.utils.exceptions import ParseError, VerifyException


class CompileError(Exception):
    """A user-facing error: the message is complete and printable as is."""


class LocatingParser(Parser):
    """The xDSL parser, recording each op's source position as its location."""

    line_offset = 0

    def _parse_dialect_resource_handle(self, dialect_name: str, interface) -> str:  # type: ignore[override]
        """xDSL keeps resource blobs in one process-wide store and renames a key
        it has seen before (`w` becomes `w_0`), but renames it again where the
        blob itself is parsed, so a file parsed twice in one process lost its
        data. Here every use of a key within one parse maps to the same name."""
        key = self.parse_identifier(" for resource handle")
        keys: dict[tuple[str, str], str] = self.__dict__.setdefault("_resource_keys", {})
        if (dialect_name, key) not in keys:
            keys[(dialect_name, key)] = interface.declare_resource(key)
            self.dialect_resources.add((dialect_name, keys[(dialect_name, key)]))
        return keys[(dialect_name, key)]

    def parse_operation(self) -> Operation:
        start = self._current_token.span
        op = super().parse_operation()
        if isinstance(op.location, UnknownLoc):
            loc = start.get_location()
            op.location = FileLineColLoc(StringAttr(loc.file),
                                         IntAttr(loc.line + self.line_offset), IntAttr(loc.col))
        return op

    def _parse_dialect_type_or_attribute_body(self, *args, **kwargs):
        # A type that parses but does not verify (`!relax.tensor<[-1], f32>`)
        # is reported where it is written, like a syntax error.
        start = self.pos
        try:
            return super()._parse_dialect_type_or_attribute_body(*args, **kwargs)
        except VerifyException as err:
            self.raise_error(str(err), start, self.pos)


def format_parse_error(err: ParseError, line_offset: int = 0) -> str:
    span = err.span
    loc = span.get_location()
    context = span.print_with_context(None).split("\n", 1)[1].rstrip("\n")
    message = err.msg
    if message == " in block definition":  # xDSL's message when no op or '}' follows
        message = "expected an operation or '}'"
        if not span.input.content[span.start:].strip():
            message += " (the input ends here: is a '}' missing?)"
    return f"{loc.file}:{loc.line + line_offset}:{loc.col}: error: {message}\n{context}"


def parse_module(ctx: Context, text: str | bytes, filename: str = "<input>",
                 line_offset: int = 0) -> ModuleOp:
    """Parse a module; a syntax error becomes a CompileError with its location."""
    parser = LocatingParser(ctx, text, filename)
    parser.line_offset = line_offset
    try:
        return parser.parse_module()
    except ParseError as err:
        raise CompileError(format_parse_error(err, line_offset)) from None
    except VerifyException as err:  # attribute/type verification while parsing
        raise CompileError(f"{filename}: error: {err}") from None


def location_prefix(op: Operation) -> str:
    loc = op.location
    while not isinstance(loc, FileLineColLoc) and op.parent_op() is not None:
        op = op.parent_op()  # fall back to the nearest enclosing op with a location
        loc = op.location
    if isinstance(loc, FileLineColLoc):
        return f"{loc.filename.data}:{loc.line.data}:{loc.column.data}: "
    return ""  # built from Python: the message names the op and function


def _clean(message: str) -> str:
    return message.removeprefix("Operation does not verify: ")


def verify_module(module: Operation) -> None:
    """Verify innermost ops first, so the most specific error is reported."""
    for region in module.regions:
        for block in region.blocks:
            for op in block.ops:
                verify_module(op)
    try:
        module.verify(verify_nested_ops=False)
    except VerifyException as err:
        at = getattr(err, "op", None) or _redefined_symbol(module, str(err)) or module
        raise CompileError(f"{location_prefix(at)}error: {_clean(str(err))}") from None


def _redefined_symbol(table: Operation, message: str) -> Operation | None:
    """The second definition of a symbol that xDSL's symbol table reports as
    redefined (its error names no op, so it would have no location)."""
    match = re.search(r'Redefinition of symbol "(.*)"', message)
    if match is None:
        return None
    seen = False
    for region in table.regions:
        for block in region.blocks:
            for op in block.ops:
                name = op.properties.get("sym_name") or op.attributes.get("sym_name")
                if isinstance(name, StringAttr) and name.data == match.group(1):
                    if seen:
                        return op
                    seen = True
    return None
