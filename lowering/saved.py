"""Saved executables (`.xrx`): the file format, what a file was built for,
and the executable's contents as plain data.

`Executable.save(path)` writes one, `load_executable(path)` reads it back
(lowering/runtime.py), and the compile cache stores its entries in the same
format (lowering/cache.py).

**The file**: `MAGIC`, the header length (8 bytes, little-endian), the header
(JSON), padding, the blobs (the object code, then the constants), each at a
multiple of 64 bytes from the end of the header, at the offsets that the header
lists with their length and SHA-256, and the SHA-256 of everything before the
blobs (32 bytes, at the end). No pickle: nothing in a file is run by Python,
types are parsed as IR text. The object code is machine code, though: load
only executables you trust, as you would a shared library. (The blobs have
digests of their own so that they are checked on all cores at once: a
ResNet-50 file holds 100 MB of weights.)

**The header**: the format number; what built it: xrelax's version and the
digest of the compiler's source (`compiler_fingerprint`, for information),
the versions of xdsl, llvmlite, LLVM and numpy, the CPU (name, triple,
feature string from llvmlite); the compile options; per relax function its
signature (relax types as text), parameter names, run-time error messages,
constants (blob, dtype, shape), memory plan (symbolic expressions as text) and
profiled kernels; the packed-call sites its code calls (function name, types).
A file of another format, xrelax version, library version, CPU or CPU
features is refused (`check_compatible`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import mmap
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xrelax import __version__
from xrelax.diagnostics import CompileError

MAGIC = b"XRELAX\x00X"
# The version of the file format and of the calling convention between the
# runtime and the generated code (the pack of slots of lowering/packing.py and
# func_to_llvm.packed_wrapper, the packed-call entry, the profile counters):
# bump it when either changes, since a saved file is only checked against it,
# the xrelax version and the machine (the compile cache also keys on the
# compiler's source, see compiler_fingerprint).
FORMAT = 2
ALIGN = 64
DIGEST = 32  # bytes of SHA-256 at the end of a file


class ExecutableFileError(CompileError):
    """A saved executable cannot be used: unreadable, corrupt, or built for
    another machine or another xrelax."""


# ---- the file ------------------------------------------------------------------------

def _padded(n: int) -> int:
    return -(-n // ALIGN) * ALIGN


def write_file(path: str | Path, header: dict[str, Any], blobs: list[Any]) -> None:
    """Write header and blobs (bytes-like, numpy arrays too) to `path`
    atomically: a temporary file in the same directory, then os.replace."""
    path = Path(path)
    # (an empty array's view cannot be cast: it has a zero in its shape)
    views = [memoryview(b).cast("B") if memoryview(b).nbytes else memoryview(b"")
             for b in blobs]
    start = 0
    layout = []
    for v, digest in zip(views, _digests(views)):
        layout.append([start, v.nbytes, digest])
        start = _padded(start + v.nbytes)
    meta = json.dumps({**header, "blobs": layout}, sort_keys=True).encode()
    head = MAGIC + len(meta).to_bytes(8, "little") + meta
    head += b"\0" * (_padded(len(head)) - len(head))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".xrx")
    try:
        with os.fdopen(fd, "wb") as f:
            for chunk in _chunks(head, views, layout):
                f.write(chunk)
            f.write(hashlib.sha256(head).digest())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _digests(views: list[memoryview]) -> list[str]:
    """The SHA-256 of each blob, on all cores (hashlib lets go of the GIL)."""
    if sum(v.nbytes for v in views) < 1 << 20:
        return [hashlib.sha256(v).hexdigest() for v in views]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        return list(pool.map(lambda v: hashlib.sha256(v).hexdigest(), views))


def _chunks(head: bytes, views: list[memoryview], layout: list[list[Any]]):
    yield head
    at = 0
    for v, (offset, size, _) in zip(views, layout):
        if offset > at:
            yield b"\0" * (offset - at)
        yield v
        at = offset + size


def read_file(path: str | Path, mapped: bool = False,
              ) -> tuple[dict[str, Any], list[memoryview]]:
    """The header and the blobs (read-only views of the file's bytes).
    ExecutableFileError when the file cannot be read, is not ours, or is
    corrupt; FileNotFoundError is let through for the cache. `mapped`: map the
    file instead of reading it (the cache's entries, which are only ever
    replaced, never changed in place: a mapped file that another program
    truncates would crash this process)."""
    try:
        with open(path, "rb") as f:
            if mapped and os.fstat(f.fileno()).st_size > 0:
                data: Any = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            else:
                data = f.read()
    except FileNotFoundError:
        raise
    except OSError as err:
        raise ExecutableFileError(f"{path}: error: cannot read the executable: "
                                  f"{err.strerror or err}") from None
    whole = memoryview(data)
    if data[:len(MAGIC)] != MAGIC:
        raise ExecutableFileError(f"{path}: error: not an xrelax executable (saved with "
                                  "Executable.save or relax-run --save)")
    corrupt = ExecutableFileError(f"{path}: error: the executable is corrupt or truncated "
                                  "(its checksum does not match); save it again")
    start = len(MAGIC) + 8
    size = int.from_bytes(data[len(MAGIC):start], "little")
    body = _padded(start + size)
    if len(data) < body + DIGEST:
        raise corrupt
    try:
        header = json.loads(bytes(whole[start:start + size]))
    except ValueError:
        raise corrupt from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        found = header.get("format") if isinstance(header, dict) else None
        raise ExecutableFileError(f"{path}: error: the executable has file format {found}; "
                                  f"this xrelax reads format {FORMAT}: save it again")
    if hashlib.sha256(whole[:body]).digest() != data[-DIGEST:]:
        raise corrupt
    blobs, digests = [], []
    try:
        for offset, length, digest in header["blobs"]:
            if not (0 <= offset and 0 <= length and body + offset + length <= len(data) - DIGEST):
                raise ValueError("a blob lies outside the file")
            blobs.append(whole[body + offset:body + offset + length])
            digests.append(digest)
    except (ValueError, TypeError, KeyError) as err:
        raise ExecutableFileError(f"{path}: error: the executable's header is malformed "
                                  f"({err})") from None
    if _digests(blobs) != digests:
        raise corrupt
    return header, blobs


# ---- what a file was built for -------------------------------------------------------

def _package_folders() -> list[tuple[str, Path, bool]]:
    """(name, folder, recursive) of the packages whose source makes the code."""
    import importlib.util

    folders = []
    for package, recursive in (("xrelax", False), ("xrelax.tir", True), ("xrelax.relax", True),
                               ("xrelax.passes", True), ("xrelax.lowering", True)):
        spec = importlib.util.find_spec(package)
        assert spec is not None and spec.submodule_search_locations
        folders.append((package, Path(next(iter(spec.submodule_search_locations))), recursive))
    return folders


def _source_digest() -> str:
    digest = hashlib.sha256()
    for package, folder, recursive in _package_folders():
        files = sorted(folder.rglob("*.py") if recursive else folder.glob("*.py"))
        for path in files:
            rel = path.relative_to(folder).as_posix()
            if package == "xrelax.relax" and rel.startswith("frontend/"):
                continue
            digest.update(f"{package}/{rel}\0".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


# Taken when the driver is imported: the source that this process's compiler
# was (most likely) loaded from.
_AT_IMPORT = _source_digest()


def compiler_fingerprint() -> str:
    """A digest of the compiler's source as it was when this process imported
    the driver: any change to a module that takes part in compiling changes
    it. The ONNX frontend makes the input and is not part of it."""
    return _AT_IMPORT


def source_changed() -> bool:
    """Whether the compiler's source files changed since this process read
    them: the code in memory may then match no source on disk, and what it
    compiles must not be stored under either digest."""
    return _source_digest() != _AT_IMPORT


@functools.cache
def build_info() -> dict[str, Any]:
    """The compiler and machine a file is built by and for (in every header)."""
    import llvmlite
    import llvmlite.binding as llvm
    import numpy
    from importlib.metadata import version

    llvm.initialize_native_target()
    return {
        "format": FORMAT,
        "xrelax": __version__,
        "compiler": compiler_fingerprint(),
        "deps": {"xdsl": version("xdsl"), "llvmlite": llvmlite.__version__,
                 "llvm": ".".join(map(str, llvm.llvm_version_info)),
                 "numpy": numpy.__version__},
        "cpu": {"name": llvm.get_host_cpu_name(), "triple": llvm.get_process_triple(),
                "features": llvm.get_host_cpu_features().flatten()},
    }


def check_compatible(header: dict[str, Any], path: str | Path) -> None:
    """ExecutableFileError unless the file was built by this xrelax for this CPU."""
    here = build_info()
    there = header.get("cpu") or {}
    if header.get("xrelax") != here["xrelax"]:
        raise ExecutableFileError(f"{path}: error: the executable was built by xrelax "
                                  f"{header.get('xrelax')}; this is xrelax {here['xrelax']}: "
                                  "compile it again with this xrelax")
    if there.get("name") != here["cpu"]["name"] or there.get("triple") != here["cpu"]["triple"]:
        raise ExecutableFileError(f"{path}: error: the executable was built for CPU "
                                  f"{there.get('name')} ({there.get('triple')}); this machine "
                                  f"is {here['cpu']['name']} ({here['cpu']['triple']}): compile "
                                  "it again here")
    if there.get("features") != here["cpu"]["features"]:
        theirs = set(str(there.get("features", "")).split(","))
        ours = set(here["cpu"]["features"].split(","))
        differ = sorted(f for f in ours ^ theirs if f.startswith("+"))
        shown = ", ".join(differ[:6]) + (", ..." if len(differ) > 6 else "")
        raise ExecutableFileError(f"{path}: error: the executable was built for CPU "
                                  f"{there.get('name')} with other features (differing: "
                                  f"{shown or 'the feature string'}): compile it again here")
    if header.get("deps") != here["deps"]:
        raise ExecutableFileError(f"{path}: error: the executable was built with "
                                  f"{_deps(header.get('deps'))}; this xrelax runs with "
                                  f"{_deps(here['deps'])}: compile it again with these")


def _deps(deps: Any) -> str:
    if not isinstance(deps, dict):
        return "unknown libraries"
    return ", ".join(f"{k} {v}" for k, v in sorted(deps.items()))




# ---- the contents ----------------------------------------------------------------------

@dataclass
class SavedFunction:
    """What the runtime needs of one relax function besides its code."""

    name: str
    signature: Any  # the relax FunctionType
    param_names: list[str]
    errors: list[str]
    constants: list[np.ndarray]
    memory: dict[str, Any]  # SymExpr by plan name
    profile: tuple[list[str], list[bool]] | None  # kernels, flops known


@dataclass
class SavedExecutable:
    object_code: bytes
    functions: list[SavedFunction]
    sites: list[int]  # the packed-call sites the code calls, registered in this process
    options: dict[str, Any]


def encode(saved: SavedExecutable) -> tuple[dict[str, Any], list[Any]]:
    """The header and the blobs of a file."""
    from xrelax.lowering.packed_calls import SITES

    blobs: list[Any] = [saved.object_code]
    functions = {}
    for f in saved.functions:
        constants = []
        for a in f.constants:
            constants.append({"blob": len(blobs), "dtype": a.dtype.str, "shape": list(a.shape)})
            blobs.append(np.ascontiguousarray(a).reshape(-1).view(np.uint8))  # (bf16 too)
        functions[f.name] = {
            "signature": str(f.signature), "params": f.param_names, "errors": f.errors,
            "constants": constants, "memory": {k: str(e) for k, e in f.memory.items()},
            "profile": None if f.profile is None else {"kernels": f.profile[0],
                                                       "flops_known": f.profile[1]}}
    sites = []
    for site in saved.sites:
        d = SITES[site]
        sites.append({"id": site, "function": d.func_name, "dps": d.dps, "where": d.where,
                      "args": [str(t) for t in d.arg_types],
                      "outs": [str(t) for t in d.out_types]})
    header = {**build_info(), "options": saved.options, "functions": functions, "sites": sites}
    return header, blobs


def decode(header: dict[str, Any], blobs: list[memoryview], path: str | Path) -> SavedExecutable:
    """The contents of a file that read_file accepted (ExecutableFileError if
    malformed). Registers its packed-call sites: a CompileError, as when
    compiling, for a packed function that this process has not registered."""
    from xdsl.dialects.builtin import FunctionType
    from xdsl.parser import Parser

    from xrelax.context import make_context
    from xrelax.tir.symbolic import parse_sym_expr

    ctx = make_context()

    def malformed(why: str) -> ExecutableFileError:
        return ExecutableFileError(f"{path}: error: the executable's header is malformed ({why})")

    def parse_type(text: str) -> Any:
        try:
            return Parser(ctx, text).parse_type()
        except Exception as err:  # noqa: BLE001 - any failure means a wrong header
            raise malformed(f"cannot parse the type {text!r}: {err}") from None

    try:
        functions = []
        for name, d in header["functions"].items():
            sig = parse_type(d["signature"])
            if not isinstance(sig, FunctionType):
                raise ValueError(f"the signature of {name} is not a function type")
            prof = d["profile"]
            functions.append(SavedFunction(
                str(name), sig, [str(p) for p in d["params"]], [str(e) for e in d["errors"]],
                [_constant(blobs, c) for c in d["constants"]],
                {str(k): parse_sym_expr(Parser(ctx, str(e))) for k, e in d["memory"].items()},
                None if prof is None else ([str(k) for k in prof["kernels"]],
                                           [bool(k) for k in prof["flops_known"]])))
        sites = [(int(d["id"]), d) for d in header["sites"]]
        for _, d in sites:
            _check_registered(str(d["function"]), bool(d["dps"]), str(d["where"]))
        _register_sites(sites, parse_type)
        return SavedExecutable(bytes(blobs[0]), functions, [i for i, _ in sites],
                               dict(header.get("options") or {}))
    except (KeyError, TypeError, ValueError, IndexError, AttributeError) as err:
        raise malformed(f"{type(err).__name__}: {err}") from None


def _saved_dtypes() -> dict[str, np.dtype]:
    from xrelax.relax.builder import NUMPY_DTYPES

    return {np.dtype(name).str: np.dtype(name) for name in NUMPY_DTYPES}


def _constant(blobs: list[memoryview], c: dict[str, Any]) -> np.ndarray:
    """A constant: a read-only view of the file's bytes."""
    dtypes = _saved_dtypes()
    if c["dtype"] not in dtypes:
        raise ValueError(f"constant dtype {c['dtype']!r}")
    a = np.frombuffer(blobs[c["blob"]], dtypes[c["dtype"]])
    return a.reshape([int(n) for n in c["shape"]])


def _check_registered(name: str, dps: bool, where: str) -> None:
    from xrelax.lowering.packed_calls import registered_packed

    if name not in registered_packed():
        op = "relax.call_dps_packed" if dps else "relax.call_packed"
        raise CompileError(f"{where + ': ' if where else ''}error: {op}: no function is "
                           f"registered under the name \"{name}\" (register it with "
                           "xrelax.lowering.packed_calls.register_packed)")


def _register_sites(sites: list[tuple[int, dict[str, Any]]], parse_type: Any) -> None:
    """Make the sites known to this process's packed-call entry (an id names
    the same site in every process: packed_calls.site_id)."""
    from xrelax.lowering.packed_calls import SITES, Site

    for site, d in sites:
        if site not in SITES:
            SITES[site] = Site(str(d["function"]), bool(d["dps"]),
                               [parse_type(t) for t in d["args"]],
                               [parse_type(t) for t in d["outs"]], str(d["where"]))
