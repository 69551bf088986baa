"""The test session compiles through a compile cache of its own, in a temporary
directory that the tests' subprocesses inherit (XRELAX_CACHE_DIR): the suite
neither reads nor fills the user's cache, and still runs with the cache on."""

import atexit
import os
import shutil
import tempfile

_CACHE_DIR = tempfile.mkdtemp(prefix="xrelax-test-cache-")
os.environ["XRELAX_CACHE_DIR"] = _CACHE_DIR
os.environ.pop("XRELAX_CACHE", None)
atexit.register(shutil.rmtree, _CACHE_DIR, ignore_errors=True)
