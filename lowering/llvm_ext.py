"""llvm-dialect ops that xDSL 0.74 restricts to scalars, widened to vectors.

`llvm.fcmp` and `llvm.select` are scalar-only in xDSL's definitions, while
LLVM (and llvmlite, and xDSL's LLVM IR backend, which matches these ops by
class) take vectors: `fcmp <16 x float>` gives `<16 x i1>`, and `select`
takes a `<16 x i1>` condition. `VectorFCmpOp` and `VectorSelectOp` are the
same ops (subclasses, same names and text) with those types allowed, so
vector code can compare and select lane by lane. Use them for scalars too.
"""

from __future__ import annotations

from typing import ClassVar

from xdsl.dialects import llvm
from xdsl.dialects.builtin import I1, AnyFloatConstr, IntegerAttr, VectorType, i1, i64
from xdsl.ir import Attribute, Operation, SSAValue
from xdsl.irdl import (
    AnyAttr,
    ParsePropInAttrDict,
    VarConstraint,
    irdl_op_definition,
    operand_def,
    prop_def,
    result_def,
    traits_def,
)
from xdsl.traits import Pure


def _bool_type(t: Attribute) -> Attribute:
    return VectorType(i1, t.get_shape()) if isinstance(t, VectorType) else i1


@irdl_op_definition
class VectorFCmpOp(llvm.FCmpOp):
    """`llvm.fcmp` on floats or vectors of floats (result i1 or vector<N x i1>)."""

    name = "llvm.fcmp"

    T: ClassVar = VarConstraint("T", AnyFloatConstr | VectorType.constr(AnyFloatConstr))
    lhs = operand_def(T)
    rhs = operand_def(T)
    res = result_def(I1 | VectorType[I1])
    predicate = prop_def(IntegerAttr[i64])
    fastmathFlags = prop_def(llvm.FastMathAttr, default_value=llvm.FastMathAttr(None))
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, lhs: SSAValue, rhs: SSAValue, predicate: str | IntegerAttr):
        if isinstance(predicate, str):
            predicate = IntegerAttr(llvm.FCmpPredicateFlag(predicate).to_int(), i64)
        Operation.__init__(self, operands=[lhs, rhs], result_types=[_bool_type(lhs.type)],
                           properties={"predicate": predicate})

    def verify_(self) -> None:
        """Only this op's constraints (not the scalar ones of llvm.FCmpOp)."""


@irdl_op_definition
class VectorSelectOp(llvm.SelectOp):
    """`llvm.select` with an i1 or a vector<N x i1> condition."""

    name = "llvm.select"

    T: ClassVar = VarConstraint("T", AnyAttr())
    cond = operand_def(I1 | VectorType[I1])
    lhs = operand_def(T)
    rhs = operand_def(T)
    res = result_def(T)
    assembly_format = None  # printed and parsed by llvm.SelectOp's format
    fastmathFlags = prop_def(llvm.FastMathAttr, default_value=llvm.FastMathAttr(None))
    traits = traits_def(Pure())
    irdl_options = (ParsePropInAttrDict(),)

    def __init__(self, cond: SSAValue, lhs: SSAValue, rhs: SSAValue):
        Operation.__init__(self, operands=[cond, lhs, rhs], result_types=[lhs.type])

    def verify_(self) -> None:
        """Only this op's constraints (not the scalar ones of llvm.SelectOp)."""
