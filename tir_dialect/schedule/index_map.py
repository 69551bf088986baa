"""Index maps for `transform_layout`: `(n, c, h, w) -> (n, c floordiv 16, h, w, c mod 16)`.

In Python an index map is a function of the old indices returning the new
ones (`lambda n, c, h, w: (n, c // 16, h, w, c % 16)`); in IR it is an
`affine_map<(d0, d1, d2, d3) -> (d0, d1 floordiv 16, d2, d3, d1 mod 16)>`.
Both become an `IndexMap`: parameter names and one symbolic expression per
new dimension.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xdsl.dialects.builtin import AffineMapAttr
from xdsl.ir.affine import (
    AffineBinaryOpExpr,
    AffineBinaryOpKind,
    AffineConstantExpr,
    AffineDimExpr,
    AffineExpr,
    AffineMap,
)

from xrelax.tir.symbolic import Call, SymExpr, Var, floordiv, floormod


class IndexMapError(ValueError):
    """The index map cannot be used (not affine, wrong arity, ...)."""


@dataclass(frozen=True)
class IndexMap:
    params: tuple[str, ...]
    exprs: tuple[SymExpr, ...]

    @staticmethod
    def of(fn: Callable | IndexMap | AffineMap | AffineMapAttr) -> IndexMap:
        if isinstance(fn, IndexMap):
            return fn
        if isinstance(fn, AffineMapAttr):
            fn = fn.data
        if isinstance(fn, AffineMap):
            return IndexMap.from_affine_map(fn)
        if not callable(fn):
            raise IndexMapError(f"an index map is a function of the indices, not {fn!r}")
        params = tuple(inspect.signature(fn).parameters)
        out = fn(*(SymExpr.var(p) for p in params))
        if not isinstance(out, (tuple, list)):
            out = (out,)
        try:
            exprs = tuple(SymExpr.lift(e) for e in out)
        except TypeError as err:
            raise IndexMapError(f"the index map returned {out!r}: {err}") from None
        return IndexMap(params, exprs)

    def __call__(self, indices: Sequence[SymExpr]) -> list[SymExpr]:
        if len(indices) != len(self.params):
            raise IndexMapError(f"the index map takes {len(self.params)} indices, the buffer "
                                f"has {len(indices)}")
        mapping = dict(zip(self.params, indices))
        return [e.substitute(mapping) for e in self.exprs]

    def __str__(self) -> str:
        return f"({', '.join(self.params)}) -> ({', '.join(map(str, self.exprs))})"

    # ---- affine maps -----------------------------------------------------------------
    @staticmethod
    def from_affine_map(amap: AffineMap) -> IndexMap:
        if amap.num_symbols:
            raise IndexMapError("the index map must not have symbols")
        params = tuple(f"d{i}" for i in range(amap.num_dims))
        return IndexMap(params, tuple(_from_affine(e, params) for e in amap.results))

    def to_affine_map(self) -> AffineMap:
        dims = {p: AffineExpr.dimension(i) for i, p in enumerate(self.params)}
        return AffineMap(len(self.params), 0, tuple(_to_affine(e, dims) for e in self.exprs))


def _from_affine(e: AffineExpr, params: tuple[str, ...]) -> SymExpr:
    if isinstance(e, AffineDimExpr):
        return SymExpr.var(params[e.position])
    if isinstance(e, AffineConstantExpr):
        return SymExpr.const(e.value)
    if isinstance(e, AffineBinaryOpExpr):
        a, b = _from_affine(e.lhs, params), _from_affine(e.rhs, params)
        kind = e.kind
        if kind == AffineBinaryOpKind.Add:
            return a + b
        if kind == AffineBinaryOpKind.Mul:
            return a * b
        if kind == AffineBinaryOpKind.FloorDiv:
            return floordiv(a, b)
        if kind == AffineBinaryOpKind.Mod:
            return floormod(a, b)
        if kind == AffineBinaryOpKind.CeilDiv:
            return floordiv(a + b - 1, b)
    raise IndexMapError(f"unsupported affine expression {e}")


def _to_affine(e: SymExpr, dims: dict[str, AffineExpr]) -> AffineExpr:
    total: AffineExpr = AffineExpr.constant(0)
    first = True
    for mono, coeff in e.terms:
        term: AffineExpr = AffineExpr.constant(coeff)
        for atom in mono:
            term = term * _atom_to_affine(atom, dims)  # type: ignore[operator]
        total = term if first else total + term  # type: ignore[operator]
        first = False
    return total


def _atom_to_affine(atom: Var | Call, dims: dict[str, AffineExpr]) -> AffineExpr:
    if isinstance(atom, Var):
        if atom.name not in dims:
            raise IndexMapError(f"the index map uses '{atom.name}', which is not one of its "
                                f"parameters ({', '.join(dims)})")
        return dims[atom.name]
    a, b = (_to_affine(x, dims) for x in atom.args)
    if atom.kind == "floordiv":
        return a // b  # type: ignore[operator]
    if atom.kind == "mod":
        return a % b  # type: ignore[operator]
    raise IndexMapError(f"{atom.kind} is not affine")
