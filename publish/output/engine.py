"""WeasyPrint, loaded once per process without the library search that costs every build 0.12 s.

WeasyPrint opens Pango, HarfBuzz and fontconfig through cffi, trying several names for each library
(``libpango-1.0-0``, ``pango-1.0``, ... ``libpango-1.0.so.0``). For every name that is not a file, cffi
asks :func:`ctypes.util.find_library`, which on Linux runs ``ldconfig``, ``gcc`` and ``ld``: 54
processes on a machine without the optional libraries, a third of WeasyPrint's import time. Every list
also holds the versioned soname, which the dynamic loader finds by itself (``LD_LIBRARY_PATH``,
``ld.so.cache``), so on Linux the search is answered "not found" while WeasyPrint loads. If that ever
leaves a library unloaded, the import is retried with the real search.
"""

from __future__ import annotations

import ctypes.util
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def _sonames_only() -> Iterator[None]:
    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = search


def load() -> None:
    """Import ``weasyprint`` (once); then ``from weasyprint import ...`` costs nothing."""
    if "weasyprint" in sys.modules:
        return
    if sys.platform == "linux":
        try:
            with _sonames_only():
                import weasyprint
            return
        except OSError:
            for name in [name for name in sys.modules if name == "weasyprint" or name.startswith("weasyprint.")]:
                del sys.modules[name]
    import weasyprint  # noqa: F401
