"""The relax dialect: graph-level functions over tensors with symbolic shapes.

The ops are defined by family and gathered here, in the `Relax` dialect;
every op class is re-exported, so `from xrelax.relax import ops as rx;
rx.CallTIROp` works. Within the package, imports run one way:

    types -> syntax (text helpers) -> value_ops -> verify (call vs kernel)
      -> call_ops -> func_ops -> memory_ops, op_base -> ops_* -> op_library -> ops

- `func_ops.py`: `relax.func`, `relax.return`, `relax.call`, `relax.dataflow`,
  `relax.output`, the purity rules and the function-level rules;
- `call_ops.py`: `relax.call_tir`, `relax.call_dps_packed`, `relax.call_packed`;
- `value_ops.py`: casts, shapes, constants, tuples, `relax.if`;
- `memory_ops.py`: explicit memory (made by `call-tir-rewrite`, `static-plan-memory`);
- `op_library.py`: the high-level operators (matmul, softmax, ...) of the `ops_*.py`
  families, with their type inference.

```mlir
relax.func @main(%x: !relax.tensor<[n], f32>) -> !relax.tensor<[n], f32> {
  %out = relax.dataflow {
    %y = relax.call_tir @exp(%x) : !relax.tensor<[n], f32>
    relax.output %y : !relax.tensor<[n], f32>
  }
  relax.return %out : !relax.tensor<[n], f32>
}
```
"""

from __future__ import annotations

from xdsl.ir import Dialect, Operation

from xrelax.relax.call_ops import CallDPSPackedOp, CallPackedOp, CallTIROp
from xrelax.relax.func_ops import (
    CallOp,
    DataflowOp,
    FuncOp,
    OutputOp,
    ReturnOp,
    is_pure_function,
    is_pure_relax_op,
)
from xrelax.relax.memory_ops import MEMORY_OPS
from xrelax.relax.op_library import HIGH_LEVEL_OPS
from xrelax.relax.types import ObjectType, PrimType, ShapeType, TensorType, TupleType
from xrelax.relax.value_ops import (
    ConstantOp,
    GetItemOp,
    IfOp,
    MatchCastOp,
    PrimValueOp,
    ShapeOfOp,
    ShapeOp,
    TupleOp,
    YieldOp,
    shape_of_type,
)

__all__ = [
    "CallDPSPackedOp", "CallOp", "CallPackedOp", "CallTIROp", "ConstantOp", "DataflowOp",
    "FuncOp", "GetItemOp", "IfOp", "MatchCastOp", "OutputOp", "PrimValueOp", "Relax",
    "ReturnOp", "STRUCTURAL_OPS", "ShapeOfOp", "ShapeOp", "TupleOp", "YieldOp",
    "is_pure_function", "is_pure_relax_op", "shape_of_type",
]

STRUCTURAL_OPS: list[type[Operation]] = [
    FuncOp, ReturnOp, DataflowOp, OutputOp, MatchCastOp, ShapeOfOp, ShapeOp, PrimValueOp,
    ConstantOp, TupleOp, GetItemOp, CallTIROp, CallDPSPackedOp, CallPackedOp, CallOp, IfOp,
    YieldOp,
]

Relax = Dialect(
    "relax",
    STRUCTURAL_OPS + MEMORY_OPS + HIGH_LEVEL_OPS,
    [TensorType, ShapeType, TupleType, ObjectType, PrimType],
)
