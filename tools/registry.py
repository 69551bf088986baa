"""The one list of dialects and passes that `relax-opt` and the Python API know.

Add a pass here (name -> factory returning the pass class) and it is
available as `relax-opt -p NAME`.
"""

from collections.abc import Callable

from xdsl.ir import Dialect
from xdsl.passes import ModulePass


def our_dialects() -> dict[str, Callable[[], Dialect]]:
    def relax():
        from relax_dialect.ops import Relax

        return Relax

    def tir():
        from tir_dialect.ops import Tir

        return Tir

    return {"relax": relax, "tir": tir}


def our_passes() -> dict[str, Callable[[], type[ModulePass]]]:
    passes: dict[str, Callable[[], type[ModulePass]]] = {}
    return passes
