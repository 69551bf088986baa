"""The symbolic integer expressions: canonical form, proofs, text, evaluation."""

import itertools

import pytest
from xdsl.parser import Parser

from xrelax.tir.symbolic import (
    SymExpr,
    const,
    floordiv,
    floormod,
    parse_sym_expr,
    prove_different,
    prove_equal,
    sym_max,
    sym_min,
    var,
)
from xrelax.context import make_context

n, m, k = var("n"), var("m"), var("k")


def parse(text: str) -> SymExpr:
    parser = Parser(make_context(), text)
    return parse_sym_expr(parser)


@pytest.mark.parametrize("a, b", [
    (4 * n, n * 4),
    ((n + 1) - 1, n),
    (n * m, m * n),
    ((n + m) * 2, 2 * m + n * 2),
    ((n + 1) * (n - 1), n * n - 1),
    (n - n, const(0)),
    (floordiv(n * 4 + 8, 4), n + 2),
    (floormod(n * 4 + 6, 4), const(2)),
    (floordiv(n, 1), n),
    (floormod(n, 1), const(0)),
    (sym_min(n, n + 1), n),
    (sym_max(n, n + 1), n + 1),
    (sym_min(n, m), sym_min(m, n)),
    (floordiv(n * 6, 3), n * 2),
])
def test_provably_equal(a, b):
    assert prove_equal(a, b)
    assert a == b and hash(a) == hash(b)


@pytest.mark.parametrize("a, b", [
    (n, m),
    (n * 2, n),
    (floordiv(n, 2), n),
    (sym_min(n, 4), n),
])
def test_not_provably_equal(a, b):
    assert not prove_equal(a, b)


@pytest.mark.parametrize("a, b, different", [
    (n + 1, n, True),
    (n, n - 3, True),
    (n + m + 1, n, True),     # m >= 0 so n + m + 1 > n
    (n * 2, n, False),        # equal when n == 0
    (n, m, False),
    (floormod(n, 4), const(4), True),  # n mod 4 is in [0, 3]
    (sym_min(n, 3), const(5), True),
])
def test_prove_different(a, b, different):
    assert prove_different(a, b) is different
    assert not (prove_different(a, b) and prove_equal(a, b))


@pytest.mark.parametrize("text, printed", [
    ("4 * n", "n * 4"),
    ("(n + 1) - 1", "n"),
    ("n * m * 4 - m + 2", "m * n * 4 - m + 2"),
    ("2 - n", "-n + 2"),
    ("(n + 3) floordiv 4", "(n + 3) floordiv 4"),
    ("n mod 4 + ((n + 1) floordiv 2) * 3", "((n + 1) floordiv 2) * 3 + n mod 4"),
    ("min(8, n)", "min(n, 8)"),
    ("max(n, m) + 1", "max(m, n) + 1"),
    ("-(n - 1)", "-n + 1"),
    ("0", "0"),
])
def test_text_canonical_and_reparses(text, printed):
    e = parse(text)
    assert str(e) == printed
    assert parse(str(e)) == e


@pytest.mark.parametrize("text", ["n -", "n + * 2", "min(n)", "floordiv", "(n"])
def test_malformed_text_is_a_parse_error(text):
    from xdsl.utils.exceptions import ParseError

    with pytest.raises(ParseError):
        parse(text)


def test_minus_needs_no_spaces():
    assert parse("n-1") == n - 1
    assert parse("2*n-m") == n * 2 - m


def test_evaluate_matches_python_floor_semantics():
    exprs = [floordiv(n - 7, 3), floormod(n - 7, 3), sym_min(n * 2, m + 3),
             sym_max(n - m, 0), (n + 1) * (m - 2) + floordiv(n * m, 5)]
    refs = [lambda a, b: (a - 7) // 3, lambda a, b: (a - 7) % 3,
            lambda a, b: min(2 * a, b + 3), lambda a, b: max(a - b, 0),
            lambda a, b: (a + 1) * (b - 2) + (a * b) // 5]
    for (a, b), (e, ref) in itertools.product(itertools.product(range(0, 9), range(0, 7)),
                                              zip(exprs, refs)):
        assert e.evaluate({"n": a, "m": b}) == ref(a, b), (str(e), a, b)


def test_simplification_is_sound_on_samples():
    """Each simplified form agrees with the unsimplified arithmetic."""
    cases = [
        (lambda a: (4 * a + 6) // 4, floordiv(n * 4 + 6, 4)),
        (lambda a: (4 * a + 6) % 4, floormod(n * 4 + 6, 4)),
        (lambda a: min(a, a + 1), sym_min(n, n + 1)),
        (lambda a: (a * 6) // 3, floordiv(n * 6, 3)),
        (lambda a: (a + 3) % 1, floormod(n + 3, 1)),
    ]
    for ref, e in cases:
        for a in range(0, 20):
            assert e.evaluate({"n": a}) == ref(a)


def test_substitute_and_free_vars():
    e = n * m + floordiv(k, 2)
    assert e.free_vars() == {"n", "m", "k"}
    s = e.substitute({"n": m + 1, "k": 4})
    assert s == m * m + m + 2
    assert s.free_vars() == {"m"}
    assert (n * 4).as_var() is None and n.as_var() == "n"
    assert const(7).value == 7 and n.value is None


def test_evaluate_unbound_variable_and_division_by_zero():
    with pytest.raises(KeyError, match="'n' has no value"):
        (n + 1).evaluate({})
    with pytest.raises(ZeroDivisionError):
        floordiv(n, 0)
    with pytest.raises(ZeroDivisionError):
        floordiv(n, m).evaluate({"n": 3, "m": 0})


def test_python_operators_build_expressions():
    assert n // 4 == floordiv(n, 4)
    assert n % 4 == floormod(n, 4)
    assert 3 - n == -n + 3
    with pytest.raises(TypeError):
        SymExpr.lift(1.5)
