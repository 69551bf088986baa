"""Parsing and verification that report user errors as `file:line:col: error: ...`.

Every op parsed from text records where it came from, so a verifier error
found later (even by a check on an enclosing function) points at the line of
the op at fault. The bottom layer of xrelax: the dialects, passes, lowering,
driver and tools all raise CompileError.
"""

from __future__ import annotations

import re

from xdsl.context import Context
from xdsl.dialects.builtin import FileLineColLoc, ModuleOp, StringAttr
from xdsl.ir import Operation
from xdsl.utils.exceptions import DiagnosticException, ParseError, VerifyException

from xrelax.xdsl_overrides import LocatingParser


class CompileError(DiagnosticException):
    """A user-facing error: the message is complete and printable as is
    (`file:line:col: error: ...` where there is a file). One of xDSL's
    diagnostics, so `xdsl-opt --verify-diagnostics` prints it too."""


class InvalidPassOutput(RuntimeError):
    """A pass turned a module that verified into one that does not: a bug in
    the compiler, never the user's error."""


def verify_pass_output(module: Operation, pass_name: str) -> None:
    """verify_module after a pass; a failure is an InvalidPassOutput."""
    try:
        verify_module(module)
    except CompileError as err:
        raise InvalidPassOutput(f"{pass_name} produced IR that does not verify: "
                                f"{str(err).splitlines()[0]}") from None


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
    try:
        parser = LocatingParser(ctx, text, filename)  # lexes the first token
        parser.line_offset = line_offset
        return parser.parse_module()
    except UnicodeDecodeError as err:
        raise CompileError(f"{filename}: error: the file is not UTF-8 text (byte "
                           f"{err.start}: {err.reason})") from None
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
