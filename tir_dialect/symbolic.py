"""Symbolic integer expressions: the one shape language of relax types and tir.

An expression is kept in a canonical form: a sum of integer-weighted monomials,
each monomial a sorted product of *atoms*. An atom is a named variable or a
non-linear term (`floordiv`, `mod`, `min`, `max`) whose arguments are themselves
canonical. Two expressions with the same canonical form are provably equal, so
`4 * n == n * 4` and `(n + 1) - 1 == n` hold structurally.

Symbolic variables stand for tensor dimensions, so they are assumed to be
non-negative integers. That assumption lets `prove_different` and the
simplifier of `floordiv`/`mod`/`min`/`max` use interval bounds.

Text form (inside types): `n * 4 + 1`, `(n + 3) floordiv 4`, `n mod 4`,
`min(n, 8)`, `max(a, b)`. Operators `floordiv` and `mod` round towards
negative infinity (like Python's `//` and `%`), as in MLIR's affine maps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

if TYPE_CHECKING:
    from xdsl.parser import BaseParser

NON_LINEAR_KINDS = ("floordiv", "mod", "min", "max")


@dataclass(frozen=True)
class Var:
    """A named symbolic variable (a shape dimension, a non-negative integer)."""

    name: str

    def sort_key(self) -> tuple:
        return (0, self.name)

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Call:
    """A non-linear atom: `kind` is one of floordiv, mod, min, max."""

    kind: str
    args: tuple[SymExpr, SymExpr]

    def sort_key(self) -> tuple:
        return (1, self.kind, tuple(a.sort_key() for a in self.args))

    def __str__(self) -> str:
        a, b = self.args
        if self.kind in ("min", "max"):
            return f"{self.kind}({a}, {b})"
        return f"{a._str_operand()} {self.kind} {b._str_operand()}"


Atom = Union[Var, Call]
Monomial = tuple[Atom, ...]  # sorted by sort_key; repeats mean powers
ExprLike = Union["SymExpr", int]


def _monomial_key(mono: Monomial) -> tuple:
    return tuple(a.sort_key() for a in mono)


class SymExpr:
    """A symbolic integer expression in canonical form (immutable, hashable)."""

    __slots__ = ("terms", "_hash")

    def __init__(self, terms: dict[Monomial, int]):
        items = [(m, c) for m, c in terms.items() if c != 0]
        # higher degree first, the constant term (empty monomial) last
        items.sort(key=lambda mc: (-len(mc[0]), _monomial_key(mc[0])))
        self.terms: tuple[tuple[Monomial, int], ...] = tuple(items)
        self._hash = hash(self.terms)

    # ---- construction -------------------------------------------------------
    @staticmethod
    def const(value: int) -> SymExpr:
        return SymExpr({(): int(value)})

    @staticmethod
    def var(name: str) -> SymExpr:
        return SymExpr({(Var(name),): 1})

    @staticmethod
    def lift(value: ExprLike) -> SymExpr:
        if isinstance(value, SymExpr):
            return value
        if isinstance(value, (int,)) and not isinstance(value, bool):
            return SymExpr.const(value)
        try:  # numpy integers
            import numbers

            if isinstance(value, numbers.Integral):
                return SymExpr.const(int(value))
        except ImportError:  # pragma: no cover
            pass
        raise TypeError(f"cannot use {value!r} as a symbolic integer expression")

    # ---- queries ------------------------------------------------------------
    def is_const(self) -> bool:
        return all(len(m) == 0 for m, _ in self.terms)

    @property
    def value(self) -> int | None:
        """The integer value if the expression is a constant, else None."""
        if not self.is_const():
            return None
        return self.terms[0][1] if self.terms else 0

    def as_var(self) -> str | None:
        """The variable name if the expression is exactly one variable."""
        if len(self.terms) == 1:
            mono, coeff = self.terms[0]
            if coeff == 1 and len(mono) == 1 and isinstance(mono[0], Var):
                return mono[0].name
        return None

    def free_vars(self) -> set[str]:
        names: set[str] = set()
        for mono, _ in self.terms:
            for atom in mono:
                if isinstance(atom, Var):
                    names.add(atom.name)
                else:
                    for arg in atom.args:
                        names |= arg.free_vars()
        return names

    def sort_key(self) -> tuple:
        # constants order after expressions with variables: min(n, 8), not min(8, n)
        return (self.is_const(), tuple((_monomial_key(m), c) for m, c in self.terms))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, int) and not isinstance(other, bool):
            other = SymExpr.const(other)
        return isinstance(other, SymExpr) and self.terms == other.terms

    def __hash__(self) -> int:
        return self._hash

    # ---- arithmetic ---------------------------------------------------------
    def __add__(self, other: ExprLike) -> SymExpr:
        other = _operand(other)
        if other is None:
            return NotImplemented
        terms = dict(self.terms)
        for mono, coeff in other.terms:
            terms[mono] = terms.get(mono, 0) + coeff
        return SymExpr(terms)

    __radd__ = __add__

    def __neg__(self) -> SymExpr:
        return SymExpr({m: -c for m, c in self.terms})

    def __sub__(self, other: ExprLike) -> SymExpr:
        other = _operand(other)
        return NotImplemented if other is None else self + (-other)

    def __rsub__(self, other: ExprLike) -> SymExpr:
        other = _operand(other)
        return NotImplemented if other is None else other - self

    def __mul__(self, other: ExprLike) -> SymExpr:
        other = _operand(other)
        if other is None:
            return NotImplemented
        terms: dict[Monomial, int] = {}
        for m1, c1 in self.terms:
            for m2, c2 in other.terms:
                mono = tuple(sorted(m1 + m2, key=lambda a: a.sort_key()))
                terms[mono] = terms.get(mono, 0) + c1 * c2
        return SymExpr(terms)

    __rmul__ = __mul__

    def __floordiv__(self, other: ExprLike) -> SymExpr:
        return NotImplemented if _operand(other) is None else floordiv(self, other)

    def __rfloordiv__(self, other: ExprLike) -> SymExpr:
        return NotImplemented if _operand(other) is None else floordiv(other, self)

    def __mod__(self, other: ExprLike) -> SymExpr:
        return NotImplemented if _operand(other) is None else floormod(self, other)

    def __rmod__(self, other: ExprLike) -> SymExpr:
        return NotImplemented if _operand(other) is None else floormod(other, self)

    # ---- evaluation and substitution ---------------------------------------
    def evaluate(self, env: dict[str, int]) -> int:
        """The value under an assignment of every free variable."""
        total = 0
        for mono, coeff in self.terms:
            prod = coeff
            for atom in mono:
                prod *= _eval_atom(atom, env)
            total += prod
        return total

    def substitute(self, mapping: dict[str, ExprLike]) -> SymExpr:
        """Replace variables by expressions and re-canonicalize."""
        result = SymExpr.const(0)
        for mono, coeff in self.terms:
            prod = SymExpr.const(coeff)
            for atom in mono:
                prod = prod * _subs_atom(atom, mapping)
            result = result + prod
        return result

    # ---- bounds -------------------------------------------------------------
    def bounds(self) -> tuple[float, float]:
        """An interval [lo, hi] containing every value (variables >= 0)."""
        lo, hi = 0.0, 0.0
        for mono, coeff in self.terms:
            mlo, mhi = 1.0, 1.0
            for atom in mono:
                alo, ahi = _atom_bounds(atom)
                mlo, mhi = _interval_mul((mlo, mhi), (alo, ahi))
            tlo, thi = _interval_mul((mlo, mhi), (coeff, coeff))
            lo, hi = lo + tlo, hi + thi
        return lo, hi

    # ---- printing -----------------------------------------------------------
    def __str__(self) -> str:
        if not self.terms:
            return "0"
        out = ""
        for i, (mono, coeff) in enumerate(self.terms):
            neg = coeff < 0
            mag = -coeff if neg else coeff
            factors = [_atom_str(a, len(mono) > 1 or mag != 1) for a in mono]
            if mag != 1 or not factors:
                factors.append(str(mag))
            body = " * ".join(factors)
            if i == 0:
                out = f"-{body}" if neg else body
            else:
                out += f" - {body}" if neg else f" + {body}"
        return out

    def __repr__(self) -> str:
        return f"SymExpr({self})"

    def _str_operand(self) -> str:
        """Text of this expression as an operand of floordiv/mod."""
        if self.as_var() is not None or (self.is_const() and (self.value or 0) >= 0):
            return str(self)
        if len(self.terms) == 1:
            mono, coeff = self.terms[0]
            if coeff == 1 and len(mono) == 1 and isinstance(mono[0], Call) \
                    and mono[0].kind in ("min", "max"):
                return str(self)
        return f"({self})"


def _operand(value: object) -> SymExpr | None:
    """`value` as an expression, or None so that a Python operator returns
    NotImplemented and the other operand (e.g. a compute-DSL expression) can
    handle `n - i` through its reflected method."""
    try:
        return SymExpr.lift(value)  # type: ignore[arg-type]
    except TypeError:
        return None


def _atom_str(atom: Atom, in_product: bool) -> str:
    text = str(atom)
    if in_product and isinstance(atom, Call) and atom.kind in ("floordiv", "mod"):
        return f"({text})"
    return text


def _interval_mul(a: tuple[float, float], b: tuple[float, float]) -> tuple[float, float]:
    products = []
    for x in a:
        for y in b:
            if (x == 0 and math.isinf(y)) or (y == 0 and math.isinf(x)):
                products.append(0.0)
            else:
                products.append(x * y)
    return min(products), max(products)


def _atom_bounds(atom: Atom) -> tuple[float, float]:
    if isinstance(atom, Var):
        return 0.0, math.inf
    (alo, ahi), (blo, bhi) = (arg.bounds() for arg in atom.args)
    if atom.kind == "min":
        return min(alo, blo), min(ahi, bhi)
    if atom.kind == "max":
        return max(alo, blo), max(ahi, bhi)
    divisor = atom.args[1].value
    if atom.kind == "mod" and divisor is not None and divisor > 0:
        return 0.0, float(divisor - 1)
    if atom.kind == "floordiv" and divisor is not None and divisor > 0:
        return math.floor(alo / divisor), (math.floor(ahi / divisor) if not math.isinf(ahi) else math.inf)
    return -math.inf, math.inf


def _eval_atom(atom: Atom, env: dict[str, int]) -> int:
    if isinstance(atom, Var):
        if atom.name not in env:
            raise KeyError(f"symbolic variable '{atom.name}' has no value")
        return int(env[atom.name])
    a, b = (arg.evaluate(env) for arg in atom.args)
    if atom.kind in ("floordiv", "mod") and b == 0:
        raise ZeroDivisionError(f"division by zero in '{atom}'")
    return {"floordiv": lambda: a // b, "mod": lambda: a % b,
            "min": lambda: min(a, b), "max": lambda: max(a, b)}[atom.kind]()


def _subs_atom(atom: Atom, mapping: dict[str, ExprLike]) -> SymExpr:
    if isinstance(atom, Var):
        if atom.name in mapping:
            return SymExpr.lift(mapping[atom.name])
        return SymExpr({(atom,): 1})
    a, b = (arg.substitute(mapping) for arg in atom.args)
    return _make_call(atom.kind, a, b)


# ---- non-linear constructors with simplification -----------------------------

def floordiv(a: ExprLike, b: ExprLike) -> SymExpr:
    """`a floordiv b`, rounding towards negative infinity."""
    return _make_call("floordiv", SymExpr.lift(a), SymExpr.lift(b))


def floormod(a: ExprLike, b: ExprLike) -> SymExpr:
    """`a mod b` with the sign of b (Python's `%`)."""
    return _make_call("mod", SymExpr.lift(a), SymExpr.lift(b))


def sym_min(a: ExprLike, b: ExprLike) -> SymExpr:
    return _make_call("min", SymExpr.lift(a), SymExpr.lift(b))


def sym_max(a: ExprLike, b: ExprLike) -> SymExpr:
    return _make_call("max", SymExpr.lift(a), SymExpr.lift(b))


def _atom_expr(kind: str, a: SymExpr, b: SymExpr) -> SymExpr:
    return SymExpr({(Call(kind, (a, b)),): 1})


def _make_call(kind: str, a: SymExpr, b: SymExpr) -> SymExpr:
    if kind in ("min", "max"):
        return _make_min_max(kind, a, b)
    return _make_div_mod(kind, a, b)


def _make_min_max(kind: str, a: SymExpr, b: SymExpr) -> SymExpr:
    diff_lo, diff_hi = (a - b).bounds()
    if diff_hi <= 0:  # a <= b always
        return a if kind == "min" else b
    if diff_lo >= 0:  # a >= b always
        return b if kind == "min" else a
    # commutative: order the arguments canonically
    if a.sort_key() > b.sort_key():
        a, b = b, a
    return _atom_expr(kind, a, b)


def _make_div_mod(kind: str, a: SymExpr, b: SymExpr) -> SymExpr:
    c = b.value
    if c == 0:
        raise ZeroDivisionError(f"symbolic {kind} by zero")
    if a.is_const() and c is not None:
        av = a.value or 0
        return SymExpr.const(av // c if kind == "floordiv" else av % c)
    if c is None or c < 0:
        if a == b:
            return SymExpr.const(1 if kind == "floordiv" else 0)
        return _atom_expr(kind, a, b)
    if c == 1:
        return a if kind == "floordiv" else SymExpr.const(0)
    # floordiv(q*c + r, c) == q + floordiv(r, c); mod(q*c + r, c) == mod(r, c)
    # exact for integer q, so split off every term whose coefficient c divides.
    quotient: dict[Monomial, int] = {}
    rest: dict[Monomial, int] = {}
    for mono, coeff in a.terms:
        q, r = divmod(coeff, c)
        if mono and q:
            quotient[mono] = q
        rem = r if mono else coeff
        if rem:
            rest[mono] = rem
    rest_expr = SymExpr(rest)
    lo, hi = rest_expr.bounds()
    if kind == "floordiv":
        if rest_expr.is_const():
            inner = SymExpr.const((rest_expr.value or 0) // c)
        elif 0 <= lo and hi < c:
            inner = SymExpr.const(0)
        else:
            inner = _atom_expr(kind, rest_expr, b)
        return SymExpr(quotient) + inner
    if rest_expr.is_const():
        return SymExpr.const((rest_expr.value or 0) % c)
    if 0 <= lo and hi < c:
        return rest_expr
    return _atom_expr(kind, rest_expr, b)


# ---- proofs -------------------------------------------------------------------

def prove_equal(a: ExprLike, b: ExprLike) -> bool:
    """True when a == b for every non-negative assignment (sound, not complete)."""
    return SymExpr.lift(a) - SymExpr.lift(b) == SymExpr.const(0)


def prove_different(a: ExprLike, b: ExprLike) -> bool:
    """True when a != b for every non-negative assignment (sound, not complete)."""
    lo, hi = (SymExpr.lift(a) - SymExpr.lift(b)).bounds()
    return lo > 0 or hi < 0


def var(name: str) -> SymExpr:
    """A symbolic variable, e.g. `n = var("n")`; then `n * 4 + 1` builds expressions."""
    return SymExpr.var(name)


def const(value: int) -> SymExpr:
    return SymExpr.const(value)


# ---- text parsing (used by the dialects' type parsers) ------------------------

def parse_sym_expr(parser: BaseParser) -> SymExpr:
    """Parse `expr := term (('+'|'-') term)*` from an xDSL parser."""
    result = _parse_term(parser)
    while True:
        if parser.parse_optional_punctuation("+") is not None:
            result = result + _parse_term(parser)
        elif parser.parse_optional_punctuation("-") is not None:
            result = result - _parse_term(parser)
        else:
            return result


def _parse_term(parser: BaseParser) -> SymExpr:
    result = _parse_unary(parser)
    while True:
        if parser.parse_optional_punctuation("*") is not None:
            result = result * _parse_unary(parser)
        elif parser.parse_optional_keyword("floordiv") is not None:
            result = _parse_div_mod(parser, floordiv, result)
        elif parser.parse_optional_keyword("mod") is not None:
            result = _parse_div_mod(parser, floormod, result)
        else:
            return result


def _parse_div_mod(parser: BaseParser, make, lhs: SymExpr) -> SymExpr:
    start = parser.pos
    rhs = _parse_unary(parser)
    try:
        return make(lhs, rhs)
    except ZeroDivisionError as err:
        parser.raise_error(str(err), start, parser.pos)


def _parse_unary(parser: BaseParser) -> SymExpr:
    if parser.parse_optional_punctuation("-") is not None:
        return -_parse_unary(parser)
    return _parse_primary(parser)


def _parse_primary(parser: BaseParser) -> SymExpr:
    start = parser.pos
    value = parser.parse_optional_integer(allow_boolean=False, allow_negative=False)
    if value is not None:
        return SymExpr.const(value)
    if parser.parse_optional_punctuation("(") is not None:
        inner = parse_sym_expr(parser)
        parser.parse_punctuation(")")
        return inner
    name = parser.parse_optional_identifier()
    if name is None:
        parser.raise_error("expected a symbolic integer expression "
                           "(an integer, a variable name, min(...), max(...) or '(')")
    if name in ("min", "max"):
        parser.parse_punctuation("(", f" after '{name}'")
        lhs = parse_sym_expr(parser)
        parser.parse_punctuation(",", f" between the arguments of '{name}'")
        rhs = parse_sym_expr(parser)
        parser.parse_punctuation(")")
        return sym_min(lhs, rhs) if name == "min" else sym_max(lhs, rhs)
    if name in ("floordiv", "mod") or not name.replace("_", "a").isalnum():
        parser.raise_error(
            f"'{name}' is not a valid symbolic variable name (letters, digits and '_')",
            start, parser.pos)
    return SymExpr.var(name)
