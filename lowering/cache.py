"""The compile cache: executables on disk, found again by what was compiled.

`compile_module` looks a compile up here before it runs any pass, and stores
what it compiled; entries are saved executables (lowering/saved.py).

**The key** is computed from what goes in, not from the module after the
pipeline: the pipeline (fold-constant above all) is most of the compile time,
so a key that needs its output cannot make a warm compile fast. It hashes
- the input: the text exactly as given and the file name (which the error
  messages carry), or for a `ModuleOp` every op with its operands, results,
  block arguments (types, name hints), properties, attributes (printed),
  location and regions, each dense constant and each `dense_resource` blob
  replaced by the SHA-256 of its data (so the weights are in the key; they
  are hashed on all cores);
- every option: `opt_level`, `profile` and all of default-pipeline's
  options, defaults filled in (so `fuse=True` and no option are one key);
- the compiler and the machine, as a saved file records them
  (`saved.build_info`): xrelax's version and a digest of its source files
  (every module that takes part in compiling: not the ONNX frontend, the
  tools or the benchmarks), the versions of xdsl, llvmlite (and its LLVM) and
  numpy, the CPU name, triple and feature string from llvmlite; and the
  `Target` that the schedules plan for (`XRELAX_TARGET`, the core count).
Two compiles with one key run the same passes with the same code on the same
input, so they produce the same code. The source digest is taken when the
driver is imported; a process whose source files changed since then (an
editor at work while a notebook runs) stores nothing, since its code in memory
may match neither digest. Python functions registered into the
compiler (`register_legalization`, `register_microkernel`) are code that no key
can see: while there are any, compile_module compiles without the cache.

**The directory** is `$XRELAX_CACHE_DIR`, else the user's cache directory
(`$XDG_CACHE_HOME/xrelax`, `~/.cache/xrelax`; `~/Library/Caches/xrelax` on
macOS); `XRELAX_CACHE=0` turns the cache off. An entry is written to a
temporary file in the same directory and renamed into place (`os.replace`), so
concurrent processes see a whole entry or none. An entry that fails its
checksum (truncated, corrupted) or cannot be read is deleted and compiled again,
silently. Once the directory holds more than `XRELAX_CACHE_SIZE` bytes
(default 4 GiB), the least recently used entries are deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from xdsl.dialects.builtin import DenseIntOrFPElementsAttr, DenseResourceAttr, ModuleOp
from xdsl.ir import Attribute, Block, Operation, SSAValue, TypeAttribute
from xdsl.printer import Printer

from xrelax.lowering.saved import (
    ExecutableFileError,
    build_info,
    read_file,
    source_changed,
    write_file,
)

DEFAULT_CACHE_SIZE = 4 << 30


@dataclass
class CacheStats:
    """What the cache did in this process (tests read it)."""

    hits: int = 0
    misses: int = 0
    stores: int = 0
    corrupt: int = 0  # entries that failed their checks and were compiled again
    write_errors: int = 0
    stale_source: int = 0  # not stored: the compiler's source changed since it was imported


STATS = CacheStats()
T = TypeVar("T")


# ---- the key -----------------------------------------------------------------------

def resource_hex(name: str) -> str | None:
    """The data of a dense_resource blob as the module's text held it ("0x...")."""
    from xdsl.dialect_interfaces.op_asm import OpAsmDialectInterface
    from xdsl.dialects.builtin import Builtin

    blobs = Builtin.get_interface(OpAsmDialectInterface)
    return blobs.lookup(name) if blobs else None


class _KeyPrinter(Printer):
    """Attributes as text, dense constants as digests of their data; each
    distinct type is printed once (types repeat a lot)."""

    def __init__(self, digests: dict[int, str]) -> None:
        super().__init__(stream=io.StringIO(), print_generic_format=True, print_debuginfo=True)
        self.texts: dict[Attribute, str] = {}
        self.digests = digests  # of dense data, by id of the attribute

    def text(self, attribute: Attribute | None) -> str:
        if attribute is None:
            return ""
        if not isinstance(attribute, TypeAttribute):  # 0.0 == -0.0: values are not memoized
            return self._attribute_text(attribute)
        text = self.texts.get(attribute)
        if text is None:
            text = self.texts[attribute] = self._attribute_text(attribute)
        return text

    def print_attribute(self, attribute: Attribute) -> None:  # for the attributes inside
        self.print_string(self.text(attribute))

    def _attribute_text(self, attribute: Attribute) -> str:
        if isinstance(attribute, DenseIntOrFPElementsAttr):
            digest = self.digests.get(id(attribute)) or _sha256(attribute.data.data)
            return f"dense_digest<{digest}> : {self.text(attribute.get_type())}"
        if isinstance(attribute, DenseResourceAttr):
            data = resource_hex(attribute.resource_handle.data) or ""
            return f"dense_resource_digest<{_sha256(data.encode())}> : {self.text(attribute.type)}"
        outer, self.stream = self.stream, io.StringIO()
        try:
            Printer.print_attribute(self, attribute)
            return self.stream.getvalue()  # type: ignore[union-attr]
        finally:
            self.stream = outer


def _module_record(module: ModuleOp, printer: _KeyPrinter) -> list[Any]:
    """Everything about the ops, nested as JSON lists: names, operands (values
    numbered), results and block arguments with types and name hints (the
    parameter names), properties, attributes, locations (in the error
    messages), successors, regions."""
    values: dict[SSAValue, int] = {}
    blocks: dict[Block, int] = {}
    text = printer.text

    def value(v: SSAValue) -> list[Any]:
        return [values.setdefault(v, len(values)), text(v.type), v.name_hint]

    def record(op: Operation) -> list[Any]:
        return [op.name, [values.setdefault(v, len(values)) for v in op.operands],
                [value(r) for r in op.results],
                sorted((k, text(v)) for k, v in op.properties.items()),
                sorted((k, text(v)) for k, v in op.attributes.items()),
                text(op.location), [blocks.setdefault(b, len(blocks)) for b in op.successors],
                [[[blocks.setdefault(b, len(blocks)), [value(a) for a in b.args],
                   [record(o) for o in b.ops]] for b in region.blocks] for region in op.regions]]

    return record(module)


def source_digest(source: str | ModuleOp) -> str:
    """What the key takes from the input (see the module docstring)."""
    if isinstance(source, str):
        return "text:" + hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    record = _module_record(source, _KeyPrinter(_dense_digests(source)))
    return "module:" + _sha256(json.dumps(record).encode("utf-8", "surrogatepass"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dense_digests(module: ModuleOp) -> dict[int, str]:
    """The digests of the dense constants of the ops' properties and attributes,
    on all cores (the weights of a model: hashlib lets go of the GIL)."""
    dense = {id(a): a for op in module.walk()
             for a in (*op.properties.values(), *op.attributes.values())
             if isinstance(a, DenseIntOrFPElementsAttr)}
    if sum(len(a.data.data) for a in dense.values()) < 1 << 20:
        return {}
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        digests = pool.map(lambda a: _sha256(a.data.data), dense.values())
        return dict(zip(dense, digests))


def compile_key(source: str | ModuleOp, filename: str, options: dict[str, Any]) -> str:
    """The cache key of a compile (see the module docstring)."""
    from xrelax.tir.target import host_target

    info = build_info()
    what = {"build": info, "target": repr(host_target()), "filename": filename,
            "options": options, "source": source_digest(source)}
    return hashlib.sha256(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()


# ---- the cache directory -----------------------------------------------------------

def extended_by_user_code() -> str | None:
    """Why the compile depends on Python code registered in this process, which
    no key can see (custom legalizations, micro-kernels): then compile_module
    does not use the cache. None when it does not."""
    from xrelax.passes.legalize_ops import custom_legalizations
    from xrelax.tir import register_tile
    from xrelax.tir.microkernel import microkernel_check, microkernels

    if custom_legalizations():
        return f"custom legalizations of {', '.join(custom_legalizations())}"
    if microkernels() != [register_tile.NAME] or \
            microkernel_check(register_tile.NAME) is not register_tile.check:
        return "micro-kernels registered in Python"
    return None


def default_cache_dir() -> Path:
    if os.environ.get("XRELAX_CACHE_DIR"):
        return Path(os.environ["XRELAX_CACHE_DIR"])
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "xrelax"
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "xrelax" / "Cache"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xrelax"


def cache_enabled() -> bool:
    return os.environ.get("XRELAX_CACHE", "1").strip().lower() not in ("0", "off", "false", "no")


class CompileCache:
    """Entries named by their key in one directory (see the module docstring)."""

    def __init__(self, directory: str | Path | None = None, max_bytes: int | None = None):
        self.directory = Path(directory) if directory is not None else default_cache_dir()
        if max_bytes is None:
            limit = os.environ.get("XRELAX_CACHE_SIZE", "")
            max_bytes = int(limit) if limit.isdigit() else DEFAULT_CACHE_SIZE
        self.max_bytes = max_bytes

    def path_of(self, key: str) -> Path:
        return self.directory / f"{key}.xrx"

    def load(self, key: str, open_entry: Callable[[dict[str, Any], list[memoryview], Path], T],
             ) -> T | None:
        """open_entry(header, blobs, path) of the entry, or None: missing, or
        unusable (corrupt, or open_entry raised ExecutableFileError), and then
        deleted."""
        path = self.path_of(key)
        try:
            if not path.is_file():  # also when the directory cannot be read
                raise FileNotFoundError(path)
            header, blobs = read_file(path, mapped=True)
            if header.get("key") != key:
                raise ExecutableFileError(f"{path}: the entry holds another key")
            found = open_entry(header, blobs, path)
        except FileNotFoundError:
            STATS.misses += 1
            return None
        except ExecutableFileError:
            STATS.corrupt += 1
            STATS.misses += 1
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # the most recently used
        STATS.hits += 1
        return found

    def store(self, key: str, header: dict[str, Any], blobs: list[Any]) -> bool:
        """Write an entry; False when the directory cannot be written (the
        compile goes on without the cache) or the compiler's source files
        changed since this process imported them."""
        if source_changed():  # edited while this process ran: its code is not the files'
            STATS.stale_source += 1
            return False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            write_file(self.path_of(key), {**header, "key": key}, blobs)
        except OSError:
            STATS.write_errors += 1
            return False
        STATS.stores += 1
        self.evict()
        return True

    def evict(self) -> None:
        """Delete the least recently used entries while the directory holds more
        than max_bytes (and temporary files that a killed process left)."""
        entries = []
        try:
            with os.scandir(self.directory) as it:
                for e in it:
                    try:
                        st = e.stat()
                    except OSError:
                        continue
                    if e.name.startswith(".tmp-"):
                        if st.st_mtime < time.time() - 3600:
                            with contextlib.suppress(OSError):
                                os.unlink(e.path)
                    elif e.name.endswith(".xrx"):
                        entries.append((st.st_mtime, st.st_size, e.path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):  # another process may be evicting too
                os.unlink(path)
            total -= size
