"""Frontends: import models from other formats as relax modules.

`from_onnx(model_or_path, ...)` (see `onnx_importer.py`) imports an ONNX model.
"""

from xrelax.relax.frontend.onnx_importer import from_onnx, onnx_weights
from xrelax.relax.frontend.onnx_registry import OnnxImportError

__all__ = ["OnnxImportError", "from_onnx", "onnx_weights"]
