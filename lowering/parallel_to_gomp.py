"""scf.parallel -> multi-threaded execution with libgomp.

The outermost dimension of each outermost `scf.parallel` is split across
threads; its body (with the remaining dimensions as serial `scf.for` loops)
is outlined into `func.func private @<parent>_parallel<k>(%data: !llvm.ptr)`.
The values the body uses from outside (and the loop bounds) are stored into a
stack struct whose address is `data`, and the parent calls

    GOMP_parallel(@outlined, data, 0 /* default thread count */, 0)

Each thread loads the captured values and runs iterations
[tid * chunk, min(n, (tid + 1) * chunk)) with chunk = ceil(n / nthreads),
tid = omp_get_thread_num(), nthreads = omp_get_num_threads().
`scf.parallel` nested inside another becomes serial `scf.for` loops.
Reductions (`init` values) are not supported.
"""

from xdsl.context import Context
from xdsl.dialects import arith, builtin, func, llvm, scf
from xdsl.dialects.builtin import IndexType, IntegerAttr, i32, i64
from xdsl.ir import Block, Operation, Region, SSAValue
from xdsl.rewriter import InsertPoint, Rewriter

from xrelax.lowering.externs import Externs
from xrelax.lowering.llvm_types import PTR, LoweringError, convert_type, extract, insert


def _captured(par: scf.ParallelOp) -> list[SSAValue]:
    """Values defined outside `par` and used inside it, then its bounds, without repeats."""
    seen: dict[SSAValue, None] = {}
    for op in par.body.walk():
        for v in op.operands:
            owner = v.owner if isinstance(v.owner, Operation) else v.owner.parent_op()
            if owner is None or not par.is_ancestor(owner):
                seen.setdefault(v, None)
    for v in (*par.lowerBound, *par.upperBound, *par.step):
        seen.setdefault(v, None)
    return list(seen)


def _move_body_into(par: scf.ParallelOp, ivs: list[SSAValue], target: Block) -> None:
    """Move par's body ops (minus scf.reduce) to the end of `target`, using `ivs`."""
    body = par.body.block
    for arg, iv in zip(body.args, ivs):
        arg.replace_all_uses_with(iv)
    term = body.last_op
    if isinstance(term, scf.ReduceOp):
        if term.operands:
            raise LoweringError("scf.parallel with reductions is not supported")
        term.detach()
        term.erase()
    for op in list(body.ops):
        op.detach()
        target.add_op(op)


def _loops(lbs, ubs, steps) -> tuple[list[Operation], list[SSAValue], Block | None]:
    """A serial scf.for nest over the given bounds.

    Returns the outermost loop (as a list, empty if there are no bounds), the
    induction variables, and the innermost body block, which the caller fills
    and terminates with scf.yield.
    """
    ivs: list[SSAValue] = []
    outer: list[Operation] = []
    parent: Block | None = None
    for lb, ub, step in zip(lbs, ubs, steps):
        blk = Block(arg_types=[IndexType()])
        loop = scf.ForOp(lb, ub, step, [], Region(blk))
        ivs.append(blk.args[0])
        if parent is None:
            outer.append(loop)
        else:
            parent.add_ops([loop, scf.YieldOp()])
        parent = blk
    return outer, ivs, parent


class ParallelToGomp:
    """Outline every outermost scf.parallel of a module (see module docstring)."""

    def __init__(self, externs: Externs) -> None:
        self.externs = externs
        self.counter = 0

    def apply(self, ctx: Context, module: builtin.ModuleOp) -> None:
        pars = [op for op in module.walk() if isinstance(op, scf.ParallelOp)]
        for par in pars:
            if par.initVals:
                raise LoweringError("scf.parallel with reductions is not supported")
        outermost = [p for p in pars if not any(q is not p and q.is_ancestor(p) for q in pars)]
        for par in pars:
            if par not in outermost:
                self._serialize(par)
        for par in outermost:
            self._outline(par)

    def _serialize(self, par: scf.ParallelOp) -> None:
        """Replace a nested scf.parallel by serial scf.for loops."""
        outer, ivs, leaf = _loops(par.lowerBound, par.upperBound, par.step)
        assert leaf is not None
        _move_body_into(par, ivs, leaf)
        leaf.add_op(scf.YieldOp())
        Rewriter.replace_op(par, outer, [])

    def _outline(self, par: scf.ParallelOp) -> None:
        parent_func = par.parent_op()
        while parent_func is not None and not isinstance(parent_func, func.FuncOp):
            parent_func = parent_func.parent_op()
        if parent_func is None:
            raise LoweringError("scf.parallel outside a func.func")
        captured = _captured(par)
        struct_t = llvm.LLVMStructType.from_type_list([convert_type(v.type) for v in captured])
        name = f"{parent_func.sym_name.data}_parallel{self.counter}"
        self.counter += 1
        outlined = self._outlined_func(name, par, captured, struct_t)
        Rewriter.insert_op(outlined, InsertPoint.after(parent_func))
        # The stack slot lives in the entry block, so a parallel loop inside a
        # serial loop does not grow the stack at each iteration.
        one = llvm.ConstantOp(IntegerAttr(1, i64), i64)
        data = llvm.AllocaOp(one, struct_t, 8)
        Rewriter.insert_op([one, data], InsertPoint.at_start(parent_func.body.blocks[0]))
        Rewriter.replace_op(par, self._launch(name, captured, struct_t, data, par), [])

    def _launch(self, name: str, captured: list[SSAValue], struct_t, data,
                par: scf.ParallelOp) -> list[Operation]:
        """Ops that store `captured` into the stack slot `data` and call GOMP_parallel
        (with one thread when the loop has fewer than two iterations: then libgomp
        runs the body in the calling thread without waking the team)."""
        # Build the struct as a value and store it whole: llvmlite mistypes
        # GEPs into struct fields, and LLVM splits the store anyway.
        ops: list[Operation] = [llvm.UndefOp(struct_t)]
        for i, v in enumerate(captured):
            ops.append(insert(ops[-1].results[0], v, i))
        ops.append(llvm.StoreOp(ops[-1].results[0], data))
        fn = llvm.AddressOfOp(name, PTR)
        zero = llvm.ConstantOp(IntegerAttr(0, i32), i32)
        trip = arith.SubiOp(par.upperBound[0], par.lowerBound[0])
        two = arith.ConstantOp(IntegerAttr(2, IndexType()))
        several = arith.CmpiOp(trip, two, "sge")
        all_threads = arith.ConstantOp(IntegerAttr(0, i32))
        one_thread = arith.ConstantOp(IntegerAttr(1, i32))
        threads = arith.SelectOp(several, all_threads, one_thread)
        self.externs.declare("GOMP_parallel", [PTR, PTR, i32, i32], None)
        call = llvm.CallOp("GOMP_parallel", fn, data, threads, zero)
        return ops + [fn, zero, trip, two, several, all_threads, one_thread, threads, call]

    def _outlined_func(self, name, par: scf.ParallelOp, captured, struct_t) -> func.FuncOp:
        """func.func private @name(%data: !llvm.ptr): this thread's share of the loop."""
        entry = Block(arg_types=[PTR])
        whole = llvm.LoadOp(entry.args[0], struct_t)
        entry.add_op(whole)
        loaded: dict[SSAValue, SSAValue] = {}
        for i, v in enumerate(captured):
            if isinstance(v.owner, (arith.ConstantOp, llvm.ConstantOp)):
                # rematerialize constants: LLVM must see constant steps and bounds
                # to vectorize and unroll the body
                const = v.owner.clone()
                entry.add_op(const)
                loaded[v] = const.results[0]
                continue
            field = extract(whole.results[0], i, typ=v.type)  # original type: retyped at the end
            entry.add_op(field)
            loaded[v] = field.results[0]
        begin, end = self._thread_range(entry, par, loaded)
        # iv0 = lb0 + k * step0 for k in this thread's [begin, end)
        k_block = Block(arg_types=[IndexType()])
        scaled = arith.MuliOp(k_block.args[0], loaded[par.step[0]])
        iv0 = arith.AddiOp(loaded[par.lowerBound[0]], scaled)
        k_block.add_ops([scaled, iv0])
        rest = [
            [loaded[b[d]] for d in range(1, len(par.lowerBound))]
            for b in (par.lowerBound, par.upperBound, par.step)
        ]
        outer, ivs, leaf = _loops(*rest)
        k_block.add_ops(outer)
        body = leaf if leaf is not None else k_block
        _move_body_into(par, [iv0.result, *ivs], body)
        body.add_op(scf.YieldOp())
        if outer:
            k_block.add_op(scf.YieldOp())
        one = arith.ConstantOp(IntegerAttr(1, IndexType()))
        loop = scf.ForOp(begin, end, one, [], Region(k_block))
        entry.add_ops([one, loop, func.ReturnOp()])
        outlined = func.FuncOp(name, ((PTR,), ()), Region(entry), visibility="private")
        for old, new in loaded.items():  # the body reads captured values from the struct
            old.replace_uses_with_if(new, lambda use: outlined.is_ancestor(use.operation))
        return outlined

    def _thread_range(self, entry: Block, par: scf.ParallelOp, loaded) -> tuple[SSAValue, SSAValue]:
        """[begin, end) of this thread's share of the iteration count n of dim 0."""
        lb, ub, step = (loaded[b[0]] for b in (par.lowerBound, par.upperBound, par.step))
        for fn in ("omp_get_thread_num", "omp_get_num_threads"):
            self.externs.declare(fn, [], i32)
        tid32 = llvm.CallOp("omp_get_thread_num", return_type=i32)
        nth32 = llvm.CallOp("omp_get_num_threads", return_type=i32)
        tid = arith.IndexCastOp(tid32, IndexType())
        nth = arith.IndexCastOp(nth32, IndexType())
        zero = arith.ConstantOp(IntegerAttr(0, IndexType()))
        span = arith.SubiOp(ub, lb)
        n_raw = arith.CeilDivSIOp(span, step)
        n = arith.MaxSIOp(n_raw, zero)
        chunk = arith.CeilDivSIOp(n, nth)
        start = arith.MuliOp(tid, chunk)
        begin = arith.MinSIOp(start, n)
        stop = arith.AddiOp(begin, chunk)
        end = arith.MinSIOp(stop, n)
        ops = [tid32, nth32, tid, nth, zero, span, n_raw, n, chunk, start, begin, stop, end]
        entry.add_ops(ops)
        return begin.result, end.result
