"""`Schedule`: TVM's schedule primitives over the tir kernels of a module.

```python
sch = Schedule(module)                      # works on a copy; sch.mod is the result
C = sch.get_block("C")                      # func_name="matmul" when names repeat
i, j, k = sch.get_loops(C)
io, ii = sch.split(i, [None, 4])            # None: inferred; symbolic extents get a guard
sch.reorder(io, j, ii)
sch.parallel(io)
print(sch.trace)                            # the primitives applied, replayable
```

Loops and blocks are named by handles (`LoopRV`, `BlockRV`, TVM's random
variables); a primitive that replaces a loop (split, fuse) invalidates the
handles to it. A refused primitive raises `ScheduleError` (a CompileError
naming the block or loop and the reason) and leaves the module unchanged.
Every primitive is recorded in `sch.trace`, which replays on a fresh copy
(`trace.apply(module)`) and prints as `sched` dialect IR (`trace.as_ir()`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from xdsl.dialects.builtin import ModuleOp
from xdsl.ir import Attribute, Operation

from xrelax.diagnostics import CompileError, verify_module
from xrelax.tir import ops as tir
from xrelax.tir.schedule import blocks as blk
from xrelax.tir.schedule import buffers as buf
from xrelax.tir.schedule import compute_at as cat
from xrelax.tir.schedule import inline
from xrelax.tir.schedule import loops as lps
from xrelax.tir.schedule import reduction as red
from xrelax.tir.schedule.nest import ScheduleError, describe, kernel_of, loops_of
from xrelax.tir.schedule.options import to_attribute
from xrelax.tir.schedule.trace import Instruction, Trace


@dataclass(frozen=True)
class BlockRV:
    """A handle to a block of the schedule's module."""

    id: int

    def __repr__(self) -> str:
        return f"b{self.id}"


@dataclass(frozen=True)
class LoopRV:
    """A handle to a loop of the schedule's module."""

    id: int

    def __repr__(self) -> str:
        return f"l{self.id}"


Handle = BlockRV | LoopRV


def _primitive(fn: Callable) -> Callable:
    """Record a successful call in the trace and check that the module verifies."""
    name = fn.__name__

    def wrapper(self: Schedule, *args: Any, **kwargs: Any) -> Any:
        result = fn(self, *args, **kwargs)
        self._after(name)
        outputs = result if isinstance(result, list) else [] if result is None else [result]
        frozen = tuple(list(a) if isinstance(a, list) else a for a in args)  # a copy
        self.trace.append(Instruction(name, frozen, dict(kwargs), outputs))
        return result

    wrapper.__name__ = name
    wrapper.__doc__ = fn.__doc__
    wrapper.__wrapped__ = fn  # type: ignore[attr-defined]
    return wrapper


class Schedule:
    """A schedule over the tir kernels of `module` (a ModuleOp or one tir.func).

    With `copy=True` (the default) the schedule works on a copy: `sch.mod`."""

    def __init__(self, module: ModuleOp | tir.FuncOp, copy: bool = True):
        if isinstance(module, tir.FuncOp):
            module = ModuleOp([module.clone()])
        elif copy:
            module = module.clone()
        self.mod: ModuleOp = module
        self.trace = Trace(Schedule)
        self._ops: dict[int, Operation] = {}
        self._dead: dict[int, str] = {}

    # ---- handles -------------------------------------------------------------------
    def _rv(self, op: Operation) -> Handle:
        for key, known in self._ops.items():
            if known is op:
                return BlockRV(key) if isinstance(op, tir.BlockOp) else LoopRV(key)
        key = len(self._ops) + len(self._dead)
        self._ops[key] = op
        return BlockRV(key) if isinstance(op, tir.BlockOp) else LoopRV(key)

    def get(self, rv: Handle) -> Operation:
        """The op a handle refers to."""
        if not isinstance(rv, (BlockRV, LoopRV)):
            raise ScheduleError(f"expected a block or loop handle, got {rv!r}")
        if rv.id in self._dead:
            raise ScheduleError(f"handle {rv!r} no longer refers to anything: {self._dead[rv.id]}")
        if rv.id not in self._ops:
            raise ScheduleError(f"handle {rv!r} does not belong to this schedule")
        return self._ops[rv.id]

    def _loop(self, rv: Handle, primitive: str) -> tir.ForOp:
        op = self.get(rv)
        if not isinstance(op, tir.ForOp):
            raise ScheduleError(f"{primitive}: expected a loop, got {describe(op)}")
        return op

    def _block(self, rv: Handle, primitive: str) -> tir.BlockOp:
        op = self.get(rv)
        if not isinstance(op, tir.BlockOp):
            raise ScheduleError(f"{primitive}: expected a block, got {describe(op)}")
        return op

    def _after(self, primitive: str) -> None:
        for key, op in list(self._ops.items()):
            if not self.mod.is_ancestor(op):
                del self._ops[key]
                self._dead[key] = f"{primitive} replaced it"
        try:
            verify_module(self.mod)
        except CompileError as err:  # a bug in the primitive, not in the input
            raise AssertionError(f"{primitive} produced IR that does not verify: {err}") from None

    def kernels(self) -> list[tir.FuncOp]:
        return [op for op in self.mod.body.block.ops if isinstance(op, tir.FuncOp)]

    # ---- lookup --------------------------------------------------------------------
    @_primitive
    def get_block(self, name: str, func_name: str | None = None) -> BlockRV:
        """The block called `name` (in kernel `func_name`, needed when several
        kernels have a block of that name)."""
        kernels = self.kernels()
        if func_name is not None:
            kernels = [k for k in kernels if k.sym_name.data == func_name]
            if not kernels:
                raise ScheduleError(f"get_block: no tir.func @{func_name} in the module")
        found = [b for k in kernels for b in k.walk()
                 if isinstance(b, tir.BlockOp) and b.block_name.data == name]
        if not found:
            where = f"@{func_name}" if func_name else "the module"
            known = sorted({b.block_name.data for k in kernels for b in k.walk()
                            if isinstance(b, tir.BlockOp)})
            raise ScheduleError(f'get_block: no block "{name}" in {where} (blocks: '
                                f"{', '.join(known) or 'none'})")
        if len(found) > 1:
            places = ", ".join(sorted({f"@{kernel_of(b).sym_name.data}" for b in found}))
            raise ScheduleError(f'get_block: {len(found)} blocks are named "{name}" (in '
                                f"{places}); pass func_name")
        return self._rv(found[0])  # type: ignore[return-value]

    @_primitive
    def get_loops(self, block: BlockRV) -> list[LoopRV]:
        """The loops around `block`, outermost first."""
        return [self._rv(lp) for lp in loops_of(self._block(block, "get_loops"))]  # type: ignore[misc]

    # ---- loops ---------------------------------------------------------------------
    @_primitive
    def split(self, loop: LoopRV, factors: Sequence[int | None], tail: str = "guard",
              ) -> list[LoopRV]:
        """Split a loop into nested loops of the given extents (one may be None:
        inferred). See `loops.split` for the tail options."""
        return [self._rv(lp) for lp in  # type: ignore[misc]
                lps.split(self._loop(loop, "split"), list(factors), tail)]

    @_primitive
    def fuse(self, *loops: LoopRV) -> LoopRV:
        """Fuse consecutive nested loops into one."""
        return self._rv(lps.fuse([self._loop(lp, "fuse") for lp in loops]))  # type: ignore[return-value]

    @_primitive
    def reorder(self, *loops: LoopRV) -> None:
        """Reorder loops of one perfect nest into the given order."""
        lps.reorder([self._loop(lp, "reorder") for lp in loops])

    @_primitive
    def parallel(self, loop: LoopRV) -> None:
        """Run the iterations of a loop on several threads."""
        lps.set_kind(self._loop(loop, "parallel"), "parallel")

    @_primitive
    def vectorize(self, loop: LoopRV) -> None:
        """Run the iterations of a loop as vector lanes."""
        lps.set_kind(self._loop(loop, "vectorize"), "vectorized")

    @_primitive
    def unroll(self, loop: LoopRV) -> None:
        """Unroll a loop."""
        lps.set_kind(self._loop(loop, "unroll"), "unrolled")

    @_primitive
    def annotate(self, target: Handle, key: str, value: Any) -> None:
        """Attach a pragma `key = value` to a loop or block (an attribute)."""
        lps.annotate(self.get(target), key, to_attr(value, "annotate"))

    @_primitive
    def unannotate(self, target: Handle, key: str) -> None:
        """Remove the pragma `key` from a loop or block."""
        lps.unannotate(self.get(target), key)

    # ---- blocks --------------------------------------------------------------------
    @_primitive
    def compute_at(self, block: BlockRV, loop: LoopRV) -> None:
        """Move a producer under a loop of its consumers, computing there what
        they read in one iteration."""
        cat.compute_at(self._block(block, "compute_at"), self._loop(loop, "compute_at"))

    @_primitive
    def reverse_compute_at(self, block: BlockRV, loop: LoopRV) -> None:
        """Move a consumer under a loop of its producer, consuming there what
        the producer wrote in one iteration."""
        cat.reverse_compute_at(self._block(block, "reverse_compute_at"),
                               self._loop(loop, "reverse_compute_at"))

    @_primitive
    def compute_inline(self, block: BlockRV) -> None:
        """Inline an element-wise producer into its consumers."""
        inline.compute_inline(self._block(block, "compute_inline"))

    @_primitive
    def reverse_compute_inline(self, block: BlockRV) -> None:
        """Inline an element-wise consumer into its producer."""
        inline.reverse_compute_inline(self._block(block, "reverse_compute_inline"))

    @_primitive
    def decompose_reduction(self, block: BlockRV, loop: LoopRV) -> BlockRV:
        """Move the init of a reduction into a block of its own before `loop`."""
        return self._rv(blk.decompose_reduction(  # type: ignore[return-value]
            self._block(block, "decompose_reduction"), self._loop(loop, "decompose_reduction")))

    # ---- buffers -------------------------------------------------------------------
    @_primitive
    def cache_read(self, block: BlockRV, read_buffer_index: int,
                   storage_scope: str = "local") -> BlockRV:
        """Read the block's `read_buffer_index`-th input through a local copy."""
        return self._rv(buf.cache_read(self._block(block, "cache_read"),  # type: ignore[return-value]
                                       read_buffer_index, storage_scope))

    @_primitive
    def cache_write(self, block: BlockRV, write_buffer_index: int,
                    storage_scope: str = "local") -> BlockRV:
        """Write the block's output into a local buffer, copied out after."""
        return self._rv(buf.cache_write(self._block(block, "cache_write"),  # type: ignore[return-value]
                                        write_buffer_index, storage_scope))

    @_primitive
    def transform_layout(self, block: BlockRV, buffer: tuple[str, int] | str,
                         index_map: Any, pad_value: float | int | None = None) -> None:
        """Store a buffer in another layout: element `idx` moves to `index_map(idx)`."""
        buf.transform_layout(self._block(block, "transform_layout"), buffer,
                             buf.as_index_map(index_map), pad_value)

    # ---- reductions and tiles ------------------------------------------------------
    @_primitive
    def rfactor(self, loop: LoopRV, factor_axis: int = 0) -> BlockRV:
        """Reduce along `loop` into partial results first (a new buffer with
        one more dimension), then reduce those."""
        return self._rv(red.rfactor(self._loop(loop, "rfactor"), factor_axis))  # type: ignore[return-value]

    @_primitive
    def blockize(self, loop: LoopRV) -> BlockRV:
        """Wrap the loop nest at `loop` into a block of its own."""
        return self._rv(red.blockize(self._loop(loop, "blockize")))  # type: ignore[return-value]

    @_primitive
    def tensorize(self, loop: LoopRV, intrin: str) -> None:
        """Implement the nest at `loop` by the registered micro-kernel `intrin`."""
        red.tensorize(self._loop(loop, "tensorize"), intrin)


def to_attr(value: Any, primitive: str) -> Attribute:
    """An annotation value as an attribute: a scalar or an attribute only."""
    if isinstance(value, (Attribute, bool, int, float, str)):
        return to_attribute(value)
    raise ScheduleError(f"{primitive}: cannot store {value!r} as an annotation "
                        "(use a bool, int, float, str or an attribute)")
