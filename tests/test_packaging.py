"""The installed package: one `xrelax` namespace, versions on the command line."""

import subprocess
import sys
from pathlib import Path

import xrelax

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_version_is_the_distribution_version():
    from importlib.metadata import version
    assert xrelax.__version__ == version("xrelax")


def test_cli_versions():
    for tool in ("relax-opt", "relax-run"):
        out = subprocess.run([str(BIN / tool), "--version"], capture_output=True, text=True,
                             timeout=120)
        assert out.returncode == 0, out.stderr
        assert xrelax.__version__ in out.stdout, out.stdout


def test_subpackages_live_under_xrelax(tmp_path):
    # from a folder outside the checkout, every subpackage resolves through the namespace
    code = ("import xrelax.relax.types, xrelax.tir.ops, xrelax.passes.default_pipeline, "
            "xrelax.lowering.runtime, xrelax.tools.relax_opt, xrelax.benchmarks.common; "
            "print(xrelax.relax.types.__name__)")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "xrelax.relax.types"


def test_no_bare_top_level_imports_in_the_tree():
    bare = ("relax_dialect", "tir_dialect", "passes", "lowering", "tools", "benchmarks")
    offenders = []
    for path in ROOT.rglob("*.py"):
        if ".venv" in path.parts:
            continue
        for line in path.read_text().splitlines():
            s = line.strip()
            if any(s.startswith((f"from {b}.", f"from {b} ", f"import {b}")) for b in bare):
                offenders.append(f"{path.relative_to(ROOT)}: {s}")
    assert not offenders, offenders


def test_every_source_package_is_installed():
    """A folder with an __init__.py under a mapped folder must be listed in
    pyproject.toml, or a non-editable install leaves it out."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    folder_of = {v: k for k, v in config["package-dir"].items()}
    missing = []
    for folder, name in folder_of.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            pkg = ".".join([name, *rel.parts]) if rel.parts else name
            if pkg not in listed:
                missing.append(pkg)
    assert not missing, f"add to [tool.setuptools] packages: {missing}"
