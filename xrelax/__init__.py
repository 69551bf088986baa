"""xrelax: TVM's Relax and TIR re-created as xDSL dialects.

The source folders of the checkout are subpackages of this namespace
(see pyproject.toml): `xrelax.tir` (tir_dialect/), `xrelax.relax`
(relax_dialect/), `xrelax.passes`, `xrelax.lowering`, `xrelax.tools`,
`xrelax.benchmarks`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("xrelax")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"
