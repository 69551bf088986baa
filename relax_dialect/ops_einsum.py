"""`relax.einsum`: numpy's einsum over the operands (Einstein summation).

`subscripts` names the dims of each operand with letters ("ij,jk->ik");
letters missing from the output are summed over; a letter repeated within one
operand takes its diagonal. "..." stands for the remaining dims of an operand;
those broadcast together (numpy rules) and come first in an implicit output.
Without "->" the output is the letters that occur once, in alphabetical order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from xdsl.ir import Attribute
from xdsl.irdl import irdl_op_definition, prop_def, result_def, var_operand_def

from xrelax.relax.op_base import TensorOp, TypeInferenceError, known_shape, tensor_operand
from xrelax.relax.ops_elementwise import broadcast_dims
from xrelax.relax.ops_linalg import require_dtype
from xrelax.relax.ops_manip import result_dims
from xrelax.relax.types import TensorType
from xrelax.tir import compute as te
from xrelax.tir.symbolic import SymExpr, prove_different, prove_equal

ELLIPSIS = "."  # "..." is parsed to this one character


def parse_subscripts(text: Any, ranks: Sequence[int], op_name: str) -> tuple[list[str], str, int]:
    """(each operand's letters, the output letters, the number of ellipsis dims);
    an ellipsis becomes ELLIPSIS, expanded later per operand."""
    if not isinstance(text, str):
        raise TypeInferenceError(f"{op_name}: subscripts must be a string, got {text!r}")
    text = text.replace(" ", "").replace("...", ELLIPSIS)
    lhs, arrow, rhs = text.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != len(ranks):
        raise TypeInferenceError(f"{op_name}: the subscripts name {len(inputs)} operands, "
                                 f"got {len(ranks)}")
    ell = 0
    for spec, rank in zip(inputs, ranks):
        if any(not (ch.isalpha() or ch == ELLIPSIS) for ch in spec) or spec.count(ELLIPSIS) > 1:
            raise TypeInferenceError(f"{op_name}: bad subscripts '{spec}'")
        letters = len(spec) - spec.count(ELLIPSIS)
        if letters > rank or (ELLIPSIS not in spec and letters != rank):
            raise TypeInferenceError(f"{op_name}: the subscripts '{spec}' do not fit an operand "
                                     f"of rank {rank}")
        if ELLIPSIS in spec:
            ell = max(ell, rank - letters)
    if not arrow:
        counts: dict[str, int] = {}
        for ch in lhs.replace(",", "").replace(ELLIPSIS, ""):
            counts[ch] = counts.get(ch, 0) + 1
        rhs = (ELLIPSIS if ell or ELLIPSIS in lhs else "") + "".join(
            sorted(c for c, n in counts.items() if n == 1))
    if any(not (ch.isalpha() or ch == ELLIPSIS) for ch in rhs) or len(set(rhs)) != len(rhs):
        raise TypeInferenceError(f"{op_name}: bad output subscripts '{rhs}'")
    for ch in rhs:
        if ch != ELLIPSIS and ch not in lhs:
            raise TypeInferenceError(f"{op_name}: the output letter '{ch}' names no input dim")
    return inputs, rhs, ell


def _expand(spec: str, rank: int, ell: int) -> list[str]:
    """The operand's dims as labels: letters, and "0", "1", ... for ellipsis dims
    (numbered from the right, so they broadcast like numpy)."""
    if ELLIPSIS not in spec:
        return list(spec)
    here = rank - (len(spec) - 1)
    before, after = spec.split(ELLIPSIS)
    return [*before, *(str(ell - here + j) for j in range(here)), *after]


@irdl_op_definition
class EinsumOp(TensorOp):
    """numpy.einsum(subscripts, *operands) (see the module docstring); the
    operands share one numeric dtype, the result's."""

    name = "relax.einsum"
    operands_ = var_operand_def(TensorType)
    subscripts = prop_def(Attribute)
    result = result_def(TensorType)
    DEFAULTS: ClassVar[dict[str, Any]] = {}

    @classmethod
    def plan(cls, types: Sequence[TensorType], subscripts: Any
             ) -> tuple[list[list[str]], list[str], dict[str, SymExpr]]:
        dims = [known_shape(t, cls.name, f"operand #{k}") for k, t in enumerate(types)]
        inputs, rhs, ell = parse_subscripts(subscripts, [len(d) for d in dims], cls.name)
        labels = [_expand(spec, len(d), ell) for spec, d in zip(inputs, dims)]
        sizes: dict[str, SymExpr] = {}
        ell_dims: dict[str, list[SymExpr]] = {}
        for lab, d in zip(labels, dims):
            for name, size in zip(lab, d):
                if name.isdigit():
                    ell_dims.setdefault(name, []).append(size)
                elif name not in sizes or sizes[name] == 1:
                    sizes[name] = size
                elif size != 1 and not prove_equal(sizes[name], size):
                    why = "differs" if prove_different(sizes[name], size) else "is not provably equal"
                    raise TypeInferenceError(f"{cls.name}: the dim '{name}' is {size} in one "
                                             f"operand and {sizes[name]} in another ({why})")
        for name, ds in ell_dims.items():
            sizes[name] = broadcast_dims([[d] for d in ds], cls.name)[0]
        out = []
        for ch in rhs:
            out += [str(j) for j in range(ell)] if ch == ELLIPSIS else [ch]
        return labels, out, sizes

    @classmethod
    def infer(cls, types: Sequence[Attribute], props: dict[str, Any]) -> Attribute:
        if not types:
            raise TypeInferenceError(f"{cls.name}: needs at least one operand")
        ts = [tensor_operand(t, cls.name, f"operand #{k}") for k, t in enumerate(types)]
        for t in ts[1:]:
            if t.dtype != ts[0].dtype:
                raise TypeInferenceError(f"{cls.name}: the operands have different dtypes")
        require_dtype(ts[0].dtype, cls.name, "numeric")
        if "subscripts" not in props:
            raise TypeInferenceError(f"{cls.name}: the property 'subscripts' is required")
        _, out, sizes = cls.plan(ts, props["subscripts"])
        return TensorType([sizes[n] for n in out], ts[0].dtype)

    def legalize(self, inputs: Sequence[te.Tensor]) -> te.Tensor:
        types = [o.type for o in self.operands]
        labels, out, sizes = self.plan(types, self.prop("subscripts"))  # type: ignore[arg-type]
        summed = sorted({n for lab in labels for n in lab} - set(out))
        axes = {n: te.reduce_axis(sizes[n], f"r_{n}") for n in summed}

        def element(*i: Any) -> Any:
            env = {**dict(zip(out, i)), **axes}
            value = None
            for x, lab in zip(inputs, labels):
                idx = tuple(SymExpr.const(0) if d == 1 and sizes[n] != 1 else env[n]
                            for n, d in zip(lab, x.shape))
                term = x[idx] if idx else x[()]
                value = term if value is None else value * term
            return te.sum(value, axis=list(axes.values())) if axes else value

        return te.compute(result_dims(self), element, name="T_einsum")


EINSUM_OPS: list[type[TensorOp]] = [EinsumOp]
