"""Helpers shared by the pass tests: run passes on text, compile without optimizations."""

import numpy as np

from xrelax.lowering.runtime import compile_module
from xrelax.context import make_context, parse_text

# every default-pipeline step off: the program runs as written
ALL_OFF = dict(canonicalize=False, fold=False, cse=False, dce=False, fuse=False,
               schedule=False, plan_memory=False)


def apply(text: str, *passes):
    """Parse text and run the passes on it, in order; the result verifies."""
    module = parse_text(text)
    for p in passes:
        p.apply(make_context(), module)
    module.verify()
    return module


def compile_plain(source):
    return compile_module(source, **ALL_OFF)["main"]


def ops_named(module, name: str) -> list:
    return [op for op in module.walk() if op.name == name]


def random_source(seed: int):
    rng = np.random.default_rng(seed)

    def rand(*shape: int) -> np.ndarray:
        return rng.standard_normal(shape).astype(np.float32)

    return rand
