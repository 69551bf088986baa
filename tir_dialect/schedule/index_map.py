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

from xrelax.tir.symbolic import Call, SymExpr, Var, floordiv, floormod, prove_equal


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


# ---- shapes, inverses, composition ----------------------------------------------------

def image_shape(imap: IndexMap, dims: Sequence[SymExpr]) -> list[SymExpr]:
    """The shape of the new layout: one more than the largest value each new
    index takes while the old indices range over `dims`. Raises IndexMapError
    when an index cannot be bounded or can be negative."""
    from xrelax.tir.schedule.index import interval

    if len(dims) != len(imap.params):
        raise IndexMapError(f"the index map takes {len(imap.params)} indices, the tensor has "
                            f"rank {len(dims)}")
    for e in imap.exprs:
        extra = e.free_vars() - set(imap.params)
        if extra:
            raise IndexMapError(f"the index map uses '{sorted(extra)[0]}', which is not one of "
                                "its parameters")
    ranges = {p: (SymExpr.const(0), d - 1) for p, d in zip(imap.params, dims)}
    shape = []
    dim_of = dict(zip(imap.params, dims))
    for e in imap.exprs:
        name = _var_of(e)
        if name is not None:  # a dim carried over keeps its own form
            shape.append(dim_of[name])
            continue
        rng = interval(e, ranges)
        if rng is None or rng[0].bounds()[0] < 0:
            raise IndexMapError(f"cannot bound the index {e} of the new layout (or it can be "
                                "negative)")
        shape.append(extent_of(rng[1]))
    return shape


def extent_of(hi: SymExpr) -> SymExpr:
    """hi + 1, written `(a + c) floordiv c` rather than `(a floordiv c) + 1`."""
    const = SymExpr({m: c for m, c in hi.terms if not m})
    rest = hi - const
    if len(rest.terms) == 1:
        mono, coeff = rest.terms[0]
        atom = mono[0] if len(mono) == 1 else None
        if coeff == 1 and isinstance(atom, Call) and atom.kind == "floordiv" \
                and atom.args[1].is_const():
            c = atom.args[1].value or 1
            return floordiv(atom.args[0] + c * ((const.value or 0) + 1), c)
    return hi + 1


def _var_of(e: SymExpr) -> str | None:
    if len(e.terms) == 1:
        mono, coeff = e.terms[0]
        if coeff == 1 and len(mono) == 1 and isinstance(mono[0], Var):
            return mono[0].name
    return None


def _divmod_of(e: SymExpr) -> tuple[str, str, int] | None:
    """('floordiv' | 'mod', variable, constant divisor) for `d floordiv k` / `d mod k`."""
    if len(e.terms) == 1:
        mono, coeff = e.terms[0]
        if coeff == 1 and len(mono) == 1 and isinstance(mono[0], Call):
            call = mono[0]
            name, k = _var_of(call.args[0]), call.args[1].value
            if call.kind in ("floordiv", "mod") and name is not None and k is not None and k > 0:
                return call.kind, name, k
    return None


def _merge_of(e: SymExpr, params: dict[str, SymExpr]) -> list[tuple[str, SymExpr]] | None:
    """[(variable, stride)], most significant first, for a row-major merge
    `d0 * (D1 * D2) + d1 * D2 + d2` of parameters (strides may be symbolic);
    None for anything else."""
    parts: list[tuple[str, SymExpr]] = []
    for mono, coeff in e.terms:
        names = [a.name for a in mono if isinstance(a, Var) and a.name in params]
        if len(names) != 1 or any(isinstance(a, Call) for a in mono):
            return None
        rest = tuple(a for a in mono if not (isinstance(a, Var) and a.name == names[0]))
        parts.append((names[0], SymExpr({rest: coeff})))
    if len(parts) < 2:
        return None
    # the least significant has stride 1; each stride is the next one times its dim
    order: list[tuple[str, SymExpr]] = []
    stride = SymExpr.const(1)
    pool = list(parts)
    while pool:
        hit = next((p for p in pool if prove_equal(p[1], stride)), None)
        if hit is None:
            return None
        pool.remove(hit)
        order.append(hit)
        stride = stride * params[hit[0]]
    return order[::-1]


@dataclass(frozen=True)
class Inverse:
    """The old indices as functions of the new ones (`exprs`, parameters
    `params`), and the conditions `(index, bound)` under which a new index is
    the image of an old one (none when the map fills its whole new shape)."""

    params: tuple[str, ...]
    exprs: tuple[SymExpr, ...]
    bounds: tuple[tuple[SymExpr, SymExpr], ...]

    def as_map(self) -> IndexMap:
        return IndexMap(self.params, self.exprs)


def inverse(imap: IndexMap, dims: Sequence[SymExpr]) -> Inverse:
    """The inverse of a layout map made of permutations, splits
    (`d floordiv k`, `d mod k`), row-major merges (`d0 * D1 + d1`), and
    constant (unit) indices, over old dims `dims`; IndexMapError for others."""
    new_shape = image_shape(imap, dims)
    params = tuple(f"i{k}" for k in range(len(imap.exprs)))
    j = [SymExpr.var(p) for p in params]
    dim_of = dict(zip(imap.params, dims))
    found: dict[str, SymExpr] = {}
    splits: dict[str, dict[str, tuple[int, int]]] = {}
    bounds: list[tuple[SymExpr, SymExpr]] = []

    def recover(name: str, value: SymExpr) -> None:
        if name in found:
            raise IndexMapError(f"the index map uses '{name}' more than once")
        found[name] = value

    for r, e in enumerate(imap.exprs):
        if e.is_const():
            continue
        name = _var_of(e)
        if name is not None:
            recover(name, j[r])
            continue
        dm = _divmod_of(e)
        if dm is not None:
            kind, name, k = dm
            splits.setdefault(name, {})[kind] = (r, k)
            continue
        merged = _merge_of(e, dim_of)
        if merged is None:
            raise IndexMapError(f"cannot invert the index {e}: xrelax inverts permutations, "
                                "splits (d floordiv k, d mod k) and row-major merges")
        for k, (name, stride) in enumerate(merged):
            q = floordiv(j[r], stride) if not prove_equal(stride, SymExpr.const(1)) else j[r]
            recover(name, q if k == 0 else floormod(q, dim_of[name]))
    for name, parts in splits.items():
        if set(parts) != {"floordiv", "mod"} or parts["floordiv"][1] != parts["mod"][1]:
            raise IndexMapError(f"cannot invert the index map: '{name}' needs both "
                                f"{name} floordiv k and {name} mod k with the same k")
        (r_hi, k), (r_lo, _) = parts["floordiv"], parts["mod"]
        recover(name, j[r_hi] * k + j[r_lo])
        if not prove_equal(new_shape[r_hi] * k, dim_of[name]):
            bounds.append((found[name], dim_of[name]))
    missing = [p for p in imap.params if p not in found]
    if missing:
        raise IndexMapError(f"the index map drops the index '{missing[0]}', so it has no inverse")
    return Inverse(params, tuple(found[p] for p in imap.params), tuple(bounds))


def simplify(e: SymExpr, ranges: dict[str, tuple[SymExpr, SymExpr]]) -> SymExpr:
    """`e` with divisions by constants resolved where the ranges allow:
    `(a * k + b) floordiv k` -> `a` and `(a * k + b) mod k` -> `b` when
    0 <= b < k, and `(x floordiv k) * k + x mod k` -> `x`."""
    from xrelax.tir.schedule.index import interval

    total = SymExpr.const(0)
    for mono, coeff in e.terms:
        term = SymExpr.const(coeff)
        for atom in mono:
            term = term * _simplify_atom(atom, ranges, interval)
        total = total + term
    return _recombine(total)


def _simplify_atom(atom: Var | Call, ranges, interval) -> SymExpr:
    if isinstance(atom, Var):
        return SymExpr.var(atom.name)
    a, b = (simplify(x, ranges) for x in atom.args)
    k = b.value
    if atom.kind in ("floordiv", "mod") and k is not None and k > 0:
        q = SymExpr({m: c // k for m, c in a.terms if c % k == 0 and m})
        r = a - q * k
        rng = interval(r, ranges)
        if rng is not None and rng[0].bounds()[0] >= 0 and rng[1].bounds()[1] < k:
            return q if atom.kind == "floordiv" else r
    return floordiv(a, b) if atom.kind == "floordiv" else (
        floormod(a, b) if atom.kind == "mod" else SymExpr({(Call(atom.kind, (a, b)),): 1}))


def _recombine(e: SymExpr) -> SymExpr:
    for mono, coeff in e.terms:
        if len(mono) != 1 or not isinstance(mono[0], Call) or mono[0].kind != "mod":
            continue
        x, kk = mono[0].args
        k = kk.value
        if k is None:
            continue
        div = SymExpr({(Call("floordiv", (x, kk)),): 1})
        if dict(e.terms).get(div.terms[0][0]) == coeff * k:
            return _recombine(e - div * (coeff * k) - SymExpr({mono: coeff}) + x * coeff)
    return e


def composes_to_identity(first: IndexMap, second: IndexMap, dims: Sequence[SymExpr]) -> bool:
    """second(first(i)) == i for every index i of a tensor of shape `dims`."""
    if len(second.params) != len(first.exprs) or len(second.exprs) != len(first.params):
        return False
    ranges = {p: (SymExpr.const(0), d - 1) for p, d in zip(first.params, dims)}
    out = second(list(first.exprs))
    return all(prove_equal(simplify(e, ranges), SymExpr.var(p))
               for e, p in zip(out, first.params))


def permutation_map(perm: Sequence[int]) -> IndexMap:
    """New dim k is old dim perm[k]."""
    params = tuple(f"d{i}" for i in range(len(perm)))
    return IndexMap(params, tuple(SymExpr.var(params[p]) for p in perm))


def as_permutation(imap: IndexMap) -> list[int] | None:
    names = [_var_of(e) for e in imap.exprs]
    if None in names or sorted(names) != sorted(imap.params):  # type: ignore[type-var]
        return None
    return [imap.params.index(n) for n in names]  # type: ignore[arg-type]
