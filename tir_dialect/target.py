"""What the code generator may assume about the CPU it compiles for.

Schedules read vector widths and register counts from a `Target` instead of
guessing: the same kernel gets 16-lane tiles on an AVX-512 machine, 8-lane
tiles on AVX2, and 4-lane tiles elsewhere, and is correct on each.
`host_target()` asks llvmlite for the host CPU's features.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """A CPU as the schedules see it.

    `vector_bits`: width of the widest vector register (512, 256, 128);
    `vector_registers`: how many of them (32 for AVX-512, 16 for AVX2/SSE);
    `has_fma`: fused multiply-add instructions; `cores`: threads to plan for.
    """

    name: str = "generic"
    vector_bits: int = 128
    vector_registers: int = 16
    has_fma: bool = False
    cores: int = 1

    def lanes(self, itemsize: int) -> int:
        """Elements of `itemsize` bytes in one vector register."""
        return max(1, self.vector_bits // (8 * itemsize))


AVX512 = Target("avx512", 512, 32, True, 2)
AVX2 = Target("avx2", 256, 16, True, 2)
SSE = Target("sse", 128, 16, False, 2)


def target_from_features(features: dict[str, bool], cpu: str = "", cores: int = 1) -> Target:
    """The Target for an llvmlite feature map (`get_host_cpu_features()`)."""
    if features.get("avx512f"):
        return Target(cpu or "avx512", 512, 32, bool(features.get("fma", True)), cores)
    if features.get("avx2") or features.get("avx"):
        return Target(cpu or "avx2", 256, 16, bool(features.get("fma")), cores)
    if features.get("neon") or features.get("sse2") or features.get("sse4.2"):
        return Target(cpu or "sse", 128, 16 if not features.get("neon") else 32,
                      bool(features.get("neon")), cores)
    return Target(cpu or "generic", 128, 16, False, cores)


KNOWN = {t.name: t for t in (AVX512, AVX2, SSE)}


def target_named(name: str) -> Target:
    """`host` or one of the known targets (with the host's core count)."""
    if name == "host":
        return host_target()
    if name not in KNOWN:
        raise ValueError(f"unknown target '{name}' (known: host, {', '.join(KNOWN)})")
    t = KNOWN[name]
    return Target(t.name, t.vector_bits, t.vector_registers, t.has_fma, host_target().cores)


@functools.cache
def host_target() -> Target:
    """The machine this process runs on (`XRELAX_TARGET=avx2|avx512|sse` overrides it,
    for testing the code paths of another CPU; the code must still run here)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    forced = os.environ.get("XRELAX_TARGET")
    if forced in KNOWN:
        t = KNOWN[forced]
        return Target(t.name, t.vector_bits, t.vector_registers, t.has_fma, cores or 1)
    import llvmlite.binding as llvm

    llvm.initialize_native_target()
    feats = dict(llvm.get_host_cpu_features().items())
    return target_from_features(feats, llvm.get_host_cpu_name(), cores or 1)
