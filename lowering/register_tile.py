"""Code generation for the `register_tile` micro-kernel (called by
convert-tir-to-std for a `tir.for` annotated `tir.tensorize = "register_tile"`;
which nests match is decided in `xrelax.tir.register_tile`).

    acc[r][c] = splat(init) or vector.load C[idx(r), lane0 + c*V]   for each row r, chunk c
    scf.for %k1 iter_args(acc...) { ... scf.for %kn iter_args(acc...) {
        for each row r (unrolled): acc[r][c] = body(acc[r][c], loads) per chunk c
    }}
    vector.store acc[r][c] -> C[idx(r), lane0 + c*V]

The NR lanes are split into chunks of V = the host's vector width (the last
chunk may be narrower); `arith.mulf` feeding one `arith.addf` becomes
`vector.fma`. The accumulators are loop-carried SSA values, so LLVM keeps
them in registers. A load is classified as in `vectorize`: all indices
invariant in the lanes -> one scalar load broadcast to the chunk (shared by
the rows when it does not depend on the row); last index `lane + invariant`
-> one vector load per chunk; the accumulator `C[idx]` itself -> the register.
Anything else (a lane index used in other arithmetic, a read of C at another
index, an op without a vector form) is not a match: the nest is then lowered
as ordinary loops, which computes the same result.
"""

from __future__ import annotations

from dataclasses import dataclass

from xdsl.dialects import arith, memref, scf, vector
from xdsl.dialects.builtin import IndexType, IntegerAttr, VectorType
from xdsl.ir import Block, Operation, Region, SSAValue

from xrelax.lowering.vectorize import ELEMENTWISE
from xrelax.tir import ops as tir
from xrelax.tir.register_tile import ATTR, NAME, NoMatch, TilePlan, match  # noqa: F401 (tir_to_std reads NAME here)
from xrelax.tir.target import host_target
from xrelax.tir.types import itemsize

# ---- code generation -------------------------------------------------------------------

@dataclass
class _Scalar:
    value: SSAValue


@dataclass
class _Lane:  # an index equal to `lane + invariant`: lane 0's value per chunk
    per_chunk: list[SSAValue]


@dataclass
class _Vec:
    per_chunk: list[SSAValue]


_Kind = _Scalar | _Lane | _Vec


class _Evaluator:
    """Emits the block's computation for one row at a time into `dst`."""

    def __init__(self, low, plan: TilePlan, dst: Block, chunks: list[tuple[int, int]],
                 reduce_map: dict[SSAValue, SSAValue], accs: list[list[SSAValue]] | None):
        self.low, self.plan, self.dst, self.chunks = low, plan, dst, chunks
        self.reduce_map, self.accs = reduce_map, accs
        self.memo: dict[tuple[SSAValue, int | None], _Kind] = {}
        self.row_dep: dict[SSAValue, bool] = {}
        self.bindings = dict(zip(plan.block.iter_vars, plan.block.bindings))
        for epilogue in plan.epilogues:
            self.bindings.update(zip(epilogue.iter_vars, epilogue.bindings))
        self.splats: dict[tuple[SSAValue, int], SSAValue] = {}

    def emit(self, op: Operation) -> Operation:
        self.dst.add_op(op)
        return op

    def resolve(self, v: SSAValue) -> SSAValue:
        """An iteration variable stands for its binding."""
        while v in self.bindings:
            v = self.bindings[v]
        return v

    def index(self, n: int) -> SSAValue:
        return self.emit(arith.ConstantOp(IntegerAttr(n, IndexType()))).results[0]

    def depends_on_row(self, v: SSAValue) -> bool:
        if v in self.row_dep:
            return self.row_dep[v]
        if v is self.plan.rows.induction_var:
            dep = True
        elif v in self.bindings:
            dep = self.depends_on_row(self.bindings[v])
        elif isinstance(v.owner, Operation) and v.owner in self.plan.inside:
            op = v.owner
            dep = (isinstance(op, tir.LoadOp) and op.buffer is self.plan.store.buffer) or any(
                self.depends_on_row(o) for o in op.operands)
        else:
            dep = False
        self.row_dep[v] = dep
        return dep

    def value(self, v: SSAValue, row: int) -> _Kind:
        key = (v, row if self.depends_on_row(v) else None)
        if key not in self.memo:
            self.memo[key] = self._compute(v, row)
        return self.memo[key]

    def _compute(self, v: SSAValue, row: int) -> _Kind:
        plan = self.plan
        if v in self.bindings:
            return self.value(self.bindings[v], row)
        if v is plan.rows.induction_var:
            return _Scalar(self.index(row))
        if v is plan.lanes.induction_var:
            return _Lane([self.index(off) for off, _ in self.chunks])
        if v in self.reduce_map:
            return _Scalar(self.reduce_map[v])
        op = v.owner
        if not isinstance(op, Operation) or op not in plan.inside:
            return _Scalar(self.low.v(v))  # defined outside the tile: already lowered
        if isinstance(op, tir.LoadOp):
            return self._load(op, row)
        return self._arith(op, row)

    def _load(self, op: tir.LoadOp, row: int) -> _Kind:
        plan = self.plan
        if op.buffer is plan.store.buffer:
            if (self.accs is None or [self.resolve(i) for i in op.indices]
                    != [self.resolve(i) for i in plan.store.indices]):
                raise NoMatch("the output is read at another index than it is written")
            return _Vec(self.accs[row])
        idx = [self.value(i, row) for i in op.indices]
        buf = self.low.v(op.buffer)
        if all(isinstance(i, _Scalar) for i in idx):
            load = self.emit(memref.LoadOp.get(buf, [i.value for i in idx]))  # type: ignore[union-attr]
            return _Scalar(load.results[0])
        *head, last = idx
        if not isinstance(last, _Lane) or not all(isinstance(i, _Scalar) for i in head):
            raise NoMatch(f"a load of {op.buffer.name_hint or 'a buffer'} is neither "
                          "invariant in the lanes nor contiguous along them")
        out = []
        for (_, width), lane0 in zip(self.chunks, last.per_chunk):
            vt = VectorType(op.result.type, [width])
            out.append(self.emit(vector.LoadOp(buf, [i.value for i in head] + [lane0],  # type: ignore[union-attr]
                                               vt)).results[0])
        return _Vec(out)

    def splat(self, scalar: SSAValue, width: int) -> SSAValue:
        key = (scalar, width)
        if key not in self.splats:
            vt = VectorType(scalar.type, [width])
            self.splats[key] = self.emit(vector.BroadcastOp(scalar, vt)).results[0]
        return self.splats[key]

    def _arith(self, op: Operation, row: int) -> _Kind:
        if isinstance(op, arith.AddfOp):
            fused = self._fma(op, row)
            if fused is not None:
                return fused
        kinds = [self.value(o, row) for o in op.operands]
        if isinstance(op, tir.ExprOp):  # no operands: the kernel's symbolic values
            self.low.lower_op(op, self.dst)
            return _Scalar(self.low.v(op.results[0]))
        if all(isinstance(k, _Scalar) for k in kinds):
            # a private operand map: the caller's value map must stay as it was,
            # in case the tile does not match and is lowered as plain loops
            operands = {o: k.value for o, k in zip(op.operands, kinds)}  # type: ignore[union-attr]
            return _Scalar(self.emit(op.clone(operands)).results[0])
        if isinstance(op, (arith.AddiOp, arith.SubiOp)) and isinstance(kinds[1], _Scalar) \
                and isinstance(kinds[0], _Lane):
            lane = kinds[0]
            cls = type(op)
            return _Lane([self.emit(cls(x, kinds[1].value)).results[0] for x in lane.per_chunk])
        if isinstance(op, arith.AddiOp) and isinstance(kinds[0], _Scalar) \
                and isinstance(kinds[1], _Lane):
            return _Lane([self.emit(arith.AddiOp(kinds[0].value, x)).results[0]
                          for x in kinds[1].per_chunk])
        if any(isinstance(k, _Lane) for k in kinds) or len(op.results) != 1:
            raise NoMatch(f"{op.name} on a lane index")
        if type(op) not in ELEMENTWISE and not isinstance(op, arith.SelectOp):
            raise NoMatch(f"{op.name} has no vector form")
        out = []
        for c, (_, width) in enumerate(self.chunks):
            operands = []
            for i, k in enumerate(kinds):
                if isinstance(k, _Vec):
                    operands.append(k.per_chunk[c])
                elif isinstance(op, arith.SelectOp) and i == 0:
                    operands.append(k.value)  # type: ignore[union-attr]  # one condition for all lanes
                else:
                    operands.append(self.splat(k.value, width))  # type: ignore[union-attr]
            new = type(op).create(operands=operands,
                                  result_types=[VectorType(op.results[0].type, [width])],
                                  properties=dict(op.properties), attributes=dict(op.attributes))
            out.append(self.emit(new).results[0])
        return _Vec(out)

    def _fma(self, add: arith.AddfOp, row: int) -> _Kind | None:
        """a * b + c (either order) with a single-use multiply -> vector.fma."""
        for mul_side in (0, 1):
            mul = add.operands[mul_side].owner
            if not (isinstance(mul, arith.MulfOp) and mul in self.plan.inside
                    and mul.result.has_one_use()):
                continue
            a, b = (self.value(o, row) for o in mul.operands)
            c = self.value(add.operands[1 - mul_side], row)
            kinds = (a, b, c)
            if any(isinstance(k, _Lane) for k in kinds) or all(isinstance(k, _Scalar) for k in kinds):
                return None
            out = []
            for ch, (_, width) in enumerate(self.chunks):
                ops = [k.per_chunk[ch] if isinstance(k, _Vec) else self.splat(k.value, width)  # type: ignore[union-attr]
                       for k in kinds]
                out.append(self.emit(vector.FMAOp(ops[0], ops[1], ops[2])).results[0])
            return _Vec(out)
        return None


def _chunks(nr: int, lanes: int) -> list[tuple[int, int]]:
    out, off = [], 0
    while off < nr:
        width = min(lanes, nr - off)
        out.append((off, width))
        off += width
    return out


def lower_register_tile(low, rows: tir.ForOp, dst: Block) -> bool:
    """Emit the micro-kernel for the nest at `rows` into `dst`; False (nothing
    emitted) when the nest does not match."""
    try:
        plan = match(rows)
    except NoMatch:
        return False
    chunks = _chunks(plan.nr, host_target().lanes(itemsize(plan.store.value.type)))
    staging = Block()  # everything is emitted here first, moved to `dst` on success
    try:
        _emit(low, plan, chunks, staging)
    except NoMatch:
        return False
    for op in list(staging.ops):
        op.detach()
        dst.add_op(op)
    return True


def _emit(low, plan: TilePlan, chunks: list[tuple[int, int]], dst: Block) -> None:
    # the output index of every row, outside the reduction (it reads no reduce variable)
    starts = {lp.induction_var: low.sym.value(lp.lower.data) for lp in plan.reduce_loops}
    pre = _Evaluator(low, plan, dst, chunks, starts, None)
    store_idx: list[tuple[list[SSAValue], list[SSAValue]]] = []
    for r in range(plan.mr):
        *head, last = [pre.value(i, r) for i in plan.store.indices]
        if not isinstance(last, _Lane) or not all(isinstance(i, _Scalar) for i in head):
            raise NoMatch("the output must be written contiguously along the lanes")
        store_idx.append(([i.value for i in head], last.per_chunk))  # type: ignore[union-attr]
    _check_output_index_is_reduction_free(plan)
    out_buf = low.v(plan.store.buffer)
    dtype = plan.store.value.type
    accs: list[list[SSAValue]] = []
    for r in range(plan.mr):
        head, lane0 = store_idx[r]
        row = []
        for (_, width), l0 in zip(chunks, lane0):
            vt = VectorType(dtype, [width])
            if plan.init_value is not None:
                c = pre.emit(plan.init_value.clone()).results[0]
                row.append(pre.emit(vector.BroadcastOp(c, vt)).results[0])
            else:
                row.append(pre.emit(vector.LoadOp(out_buf, head + [l0], vt)).results[0])
        accs.append(row)
    flat = [a for row in accs for a in row]
    final = _reduction_nest(low, plan, chunks, dst, flat, 0, {})
    n = len(chunks)
    if _output_is_read_outside_tiles(plan):
        for r in range(plan.mr):
            head, lane0 = store_idx[r]
            for c, l0 in enumerate(lane0):
                dst.add_op(vector.StoreOp(final[r * n + c], out_buf, head + [l0]))
    if plan.epilogues:  # run on the registers, then stored where the epilogue writes
        ev = _Evaluator(low, plan, dst, chunks, {}, [final[r * n:(r + 1) * n]
                                                      for r in range(plan.mr)])
        for epilogue in plan.epilogues:
            e_store = next(op for op in epilogue.body.block.ops if isinstance(op, tir.StoreOp))
            buf = low.v(e_store.buffer)
            for r in range(plan.mr):
                value = ev.value(e_store.value, r)
                *head, last = [ev.value(i, r) for i in e_store.indices]
                if not isinstance(value, _Vec) or not isinstance(last, _Lane) or not all(
                        isinstance(i, _Scalar) for i in head):
                    raise NoMatch("the epilogue does not write along the lanes")
                for c, l0 in enumerate(last.per_chunk):
                    dst.add_op(vector.StoreOp(value.per_chunk[c], buf,
                                              [i.value for i in head] + [l0]))  # type: ignore[union-attr]


def _output_is_read_outside_tiles(plan: TilePlan) -> bool:
    """False when the output is a local buffer that only register tiles read
    (their epilogues take the values from the registers): no store needed."""
    if not plan.epilogues or not isinstance(plan.store.buffer.owner, tir.AllocBufferOp):
        return True
    for use in plan.store.buffer.uses:
        op = use.operation
        if isinstance(op, tir.StoreOp):
            continue
        parent = op.parent_op()
        while parent is not None and not (isinstance(parent, tir.ForOp)
                                          and ATTR in parent.attributes):
            parent = parent.parent_op()
        if parent is None:
            return True
    return False


def _check_output_index_is_reduction_free(plan: TilePlan) -> None:
    reduce_ivs = {lp.induction_var for lp in plan.reduce_loops}
    bindings = dict(zip(plan.block.iter_vars, plan.block.bindings))
    seen: set[SSAValue] = set()

    def visit(v: SSAValue) -> None:
        if v in seen:
            return
        seen.add(v)
        if v in reduce_ivs:
            raise NoMatch("the output index depends on a reduction loop")
        if v in bindings:
            visit(bindings[v])
        elif isinstance(v.owner, Operation) and v.owner in plan.inside:
            for o in v.owner.operands:
                visit(o)

    for i in plan.store.indices:
        visit(i)


def _reduction_nest(low, plan: TilePlan, chunks, dst: Block, accs: list[SSAValue],
                    level: int, reduce_map: dict[SSAValue, SSAValue]) -> list[SSAValue]:
    if level == len(plan.reduce_loops):
        n = len(chunks)
        rows = [accs[r * n:(r + 1) * n] for r in range(plan.mr)]
        ev = _Evaluator(low, plan, dst, chunks, reduce_map, rows)
        new: list[SSAValue] = []
        for r in range(plan.mr):
            kind = ev.value(plan.store.value, r)
            if not isinstance(kind, _Vec):
                raise NoMatch("the stored value does not vary along the lanes")
            new += kind.per_chunk
        return new
    loop = plan.reduce_loops[level]
    body = Block(arg_types=[IndexType()] + [a.type for a in accs])
    body.args[0].name_hint = loop.induction_var.name_hint
    inner = _reduction_nest(low, plan, chunks, body, list(body.args[1:]), level + 1,
                            {**reduce_map, loop.induction_var: body.args[0]})
    body.add_op(scf.YieldOp(*inner))
    lb, ub = low.sym.value(loop.lower.data), low.sym.value(loop.upper.data)
    for_op = scf.ForOp(lb, ub, low.sym.const(1), accs, Region(body))
    dst.add_op(for_op)
    return list(for_op.results)
