"""Atomic output: every file of a build is written beside its target, then all are moved in place.

A build that fails at any point before the final rename leaves the previous ``dist/`` untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from publish import rules
from publish.diagnostics import Location
from publish.errors import WriteError


def write_atomically(outputs: Mapping[Path, bytes], describe: Mapping[Path, str]) -> None:
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in outputs.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(temp_name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temp_name, 0o644)
        for temp, target in staged:
            os.replace(temp, target)
    except OSError as exc:
        for temp, _ in staged:
            with contextlib.suppress(OSError):
                temp.unlink()
        where = Location(describe.get(staged[-1][1], "dist/") if staged else "dist/")
        raise WriteError([rules.WRITE_FAILED(f"cannot write {where.path}: {exc.strerror or exc}", where)]) from exc
