"""Imports run one way: every module's imports (top-level, inside functions,
under TYPE_CHECKING) may reach only its own layer or the layers below, and
no chain of imports leads back to where it started.

Layers, bottom to top (a module belongs to the longest prefix that names it):

    base      xrelax (the version), xrelax.diagnostics, xrelax.xdsl_overrides,
              xrelax.tir.symbolic (symbolic expressions)
    tir       xrelax.tir
    relax     xrelax.relax, xrelax.context (the dialects in one xDSL context)
    passes    xrelax.passes
    lowering  xrelax.lowering (conversions to the standard dialects and LLVM)
    driver    xrelax.lowering.jit, xrelax.lowering.runtime (compile_module,
              Executable), xrelax.lowering.{cache,saved,signature} (the compile
              cache, saved executables, signatures), xrelax.pipeline (the
              passes bound to the JIT)
    frontend  xrelax.relax.frontend (ONNX import: builds relax and registers the
              packed functions that its IR calls at run time)
    tools     xrelax.tools (relax-opt, relax-run, the registry of passes that
              xdsl-opt loads), xrelax.benchmarks

Imports under `if TYPE_CHECKING:` never run: they count for the direction
(a type from a higher layer is an upward dependency) but not for cycles
(classes of one layer may name each other in annotations).
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("xrelax", "xrelax.diagnostics", "xrelax.xdsl_overrides", "xrelax.tir.symbolic")),
    ("tir", ("xrelax.tir",)),
    ("relax", ("xrelax.relax", "xrelax.context")),
    ("passes", ("xrelax.passes",)),
    ("lowering", ("xrelax.lowering",)),
    ("driver", ("xrelax.lowering.jit", "xrelax.lowering.runtime", "xrelax.lowering.cache",
                "xrelax.lowering.saved", "xrelax.lowering.signature", "xrelax.pipeline")),
    ("frontend", ("xrelax.relax.frontend",)),
    ("tools", ("xrelax.tools", "xrelax.benchmarks")),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}
PACKAGES = ("xrelax", "xrelax.tir", "xrelax.relax", "xrelax.passes", "xrelax.lowering",
            "xrelax.tools", "xrelax.benchmarks")


def layer_of(module: str) -> str:
    best, layer = "", "tools"
    for name, prefixes in LAYERS:
        for p in prefixes:
            matches = module == p or (module.startswith(p + ".") and p != "xrelax")
            if matches and len(p) > len(best):
                best, layer = p, name
    if not best:
        raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")
    return layer


def source_modules() -> dict[str, Path]:
    """Every module of the installed namespace, by name, found through the
    package folders (the source folders map into xrelax, see pyproject.toml)."""
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations, package
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if package == "xrelax" and len(parts) > 1:
                continue  # the subfolders of xrelax/ (none today) are not subpackages
            name = ".".join((package, *parts)).removesuffix(".__init__")
            modules[name] = path
    return modules


def _type_checking_only(tree: ast.AST) -> set[int]:
    """ids of the import statements inside `if TYPE_CHECKING:` blocks."""
    guarded: set[int] = set()
    for node in ast.walk(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and (
                (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
                or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")):
            for stmt in node.body:
                guarded |= {id(n) for n in ast.walk(stmt)}
    return guarded


def imports_of(name: str, source: str, known: set[str],
               is_package: bool) -> list[tuple[str, int, bool]]:
    """(imported xrelax module, line, under TYPE_CHECKING) for every import
    statement anywhere in the module, relative ones resolved; `from a import b`
    names module a.b when that is a module, else a."""
    tree = ast.parse(source)
    guarded = _type_checking_only(tree)
    found: list[tuple[str, int, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno, id(node) in guarded) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name if is_package else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.append((full if full in known else base, node.lineno, id(node) in guarded))
    return [i for i in found if i[0] == "xrelax" or i[0].startswith("xrelax.")]


def import_graph(modules: dict[str, Path], extra: dict[str, str] | None = None):
    sources = {name: path.read_text() for name, path in modules.items()}
    sources.update(extra or {})
    known = set(sources)
    return {name: imports_of(name, text, known, name in PACKAGES or
                             (name in modules and modules[name].name == "__init__.py"))
            for name, text in sources.items()}


def upward_imports(graph) -> list[str]:
    bad = []
    for module, imported in graph.items():
        for target, line, _ in imported:
            if RANK[layer_of(target)] > RANK[layer_of(module)]:
                bad.append(f"{module} (line {line}, layer {layer_of(module)}) imports "
                           f"{target} (layer {layer_of(target)})")
    return bad


def import_cycles(graph) -> list[list[str]]:
    """The groups of modules that import each other (strongly connected
    components of more than one module, Tarjan's algorithm), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target, _, type_only in graph.get(module, []):
            if target not in graph or type_only:
                continue
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return sorted(groups)


@pytest.fixture(scope="module")
def graph():
    return import_graph(source_modules())


def test_every_module_is_in_a_layer(graph):
    for module in graph:
        layer_of(module)


def test_no_upward_imports(graph):
    bad = upward_imports(graph)
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_no_import_cycles(graph):
    cycles = import_cycles(graph)
    assert not cycles, "modules that import each other:\n" + "\n".join(map(str, cycles))


def test_package_inits_import_nothing_of_xrelax(graph):
    # importing xrelax.tir.symbolic runs xrelax/__init__ and xrelax.tir's
    # __init__: they must not pull in anything above the base layer
    assert {p: graph[p] for p in PACKAGES if graph.get(p)} == {}


def test_the_checks_catch_an_upward_import_and_a_cycle():
    # synthetic modules next to the real ones: the symbolic expressions (base)
    # reaching up into the driver, and two passes importing each other lazily
    modules = source_modules()
    extra = {
        "xrelax.tir.symbolic": modules["xrelax.tir.symbolic"].read_text()
        + "\ndef _evaluate():\n    from xrelax.lowering.runtime import compile_module\n",
        "xrelax.passes.synthetic_a": "from xrelax.passes.synthetic_b import B\n",
        "xrelax.passes.synthetic_b": "def f():\n    from xrelax.passes import synthetic_a\n",
    }
    graph = import_graph(modules, extra)
    bad = upward_imports(graph)
    assert any(b.startswith("xrelax.tir.symbolic (line") and
               b.endswith("imports xrelax.lowering.runtime (layer driver)") for b in bad), bad
    assert ["xrelax.passes.synthetic_a", "xrelax.passes.synthetic_b"] in import_cycles(graph)
