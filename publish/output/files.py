"""Writing dist/: a build's outputs appear together, or not at all.

:func:`switch` writes every output into a staging folder beside dist/ (``.dist.publish-new``), links
there what else dist/ holds (other files stay, hard-linked; this book's stale outputs do not), and
exchanges the two folders in one step (Linux ``renameat2(RENAME_EXCHANGE)``; where the system has no
exchange, dist/ is renamed aside first: for a moment there is no dist/, never a mixed one); the old
folder is then removed. Whenever a build fails or is killed, a reader of dist/ sees the previous set or
the new one, and the paths users know (``dist/<slug>.epub``…) stay real files. What a killed build left
beside dist/ is removed by the next one (:func:`clean_leftovers`, under the project's lock,
:mod:`publish.lock`). A dist/ that is a mount point cannot be renamed: its files are replaced one by one.

:func:`dist_folder` refuses a dist/ that leads outside the project (B003) before anything is written.
:func:`write_atomically` replaces files one by one (``publish fix``'s sources).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

from publish import rules, stopping
from publish.diagnostics import Location
from publish.errors import WriteError

DIST = "dist"
WHERE = Location("dist/")
# Temporary files of an output replaced in place (a mount point, or a build of an older publish):
# '.<name>.<8 random characters>.tmp', as tempfile.mkstemp makes them.
_IN_PLACE_LEFTOVER = re.compile(r"\..+\.(epub|pdf)\.[a-z0-9_]{8}\.tmp")


def dist_folder(root: Path) -> Path:
    """The real folder the project's ``dist`` stands for: itself, or where a link inside the project
    leads; :class:`WriteError` B003 when it leads outside (or to the project itself), B001 when it is
    not a folder. Nothing is written or deleted before this answers."""
    dist = root / DIST
    if dist.is_symlink():
        target = Path(os.path.realpath(dist))
        if target.is_symlink() or not target.is_relative_to(root) or root.is_relative_to(target):
            raise WriteError([rules.DIST_OUTSIDE(f"dist/ is a link to {target}, which is not a folder inside "
                                                 "the project: the build would write and delete files there",
                                                 WHERE)])
        dist = target
    if os.path.lexists(dist) and not dist.is_dir():
        raise WriteError([rules.WRITE_FAILED("dist is a file, not a folder", WHERE)])
    return dist


def _beside(folder: Path, role: str) -> Path:
    return folder.parent / f".{folder.name}.publish-{role}"


def clean_leftovers(folder: Path) -> None:
    """Remove what a killed build left beside ``folder`` (its staging folder: new outputs not yet in place
    or old ones not yet removed), and put dist/ back from beside it if the build was killed between the
    two renames of a system without an exchange. Only under the project's lock."""
    aside = _beside(folder, "old")
    try:
        if not os.path.lexists(folder) and aside.is_dir() and not aside.is_symlink():
            os.rename(aside, folder)
        for leftover in (_beside(folder, "new"), aside):
            _remove(leftover)
    except OSError as exc:
        raise WriteError([rules.WRITE_FAILED(f"cannot remove what a killed build left beside dist/: "
                                             f"{exc.strerror or exc}", WHERE)]) from exc


def switch(folder: Path, outputs: Mapping[str, bytes], stale: Callable[[str], bool]) -> list[str]:
    """Put ``outputs`` (file name: bytes) in ``folder`` together, keeping what else it holds except the
    names ``stale`` accepts, which are returned (this book's outputs this build did not make)."""
    staging = _beside(folder, "new")
    writing = ""
    try:
        _make_folder(staging, like=folder)
        for writing, data in outputs.items():
            _write(staging / writing, data)
        writing = ""
        removed = _carry_over(folder, staging, set(outputs), stale)
        _sync(staging)
        with stopping.held("dist/ holds the new outputs"):
            old = _put_in_place(staging, folder)
    except _MountPoint:
        _replace_one_by_one(folder, outputs, removed)
        return removed
    except OSError as exc:
        with contextlib.suppress(OSError):
            _remove(staging)
        where = Location(f"dist/{writing}") if writing else WHERE
        raise WriteError([rules.WRITE_FAILED(f"cannot write {where.path}: {exc.strerror or exc}", where)]) from exc
    with contextlib.suppress(OSError):  # (what is left is removed by the next build)
        _sync(folder.parent)
        if old is not None:
            _remove(old)
    return removed


class _MountPoint(Exception):
    """dist/ is a mount point: it cannot be renamed."""


def _make_folder(path: Path, like: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkdir(path)
    with contextlib.suppress(OSError):
        os.chmod(path, stat.S_IMODE(os.stat(like, follow_symlinks=False).st_mode))


def _write(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fchmod(handle.fileno(), 0o644)
        os.fsync(handle.fileno())


def _carry_over(folder: Path, staging: Path, replaced: set[str], stale: Callable[[str], bool]) -> list[str]:
    """Link into ``staging`` what ``folder`` holds besides the outputs replaced, the stale ones (returned)
    and the temporary files of an earlier build."""
    removed: list[str] = []
    if not folder.is_dir():
        return removed
    for entry in sorted(os.scandir(folder), key=lambda entry: entry.name):
        if entry.name in replaced or _IN_PLACE_LEFTOVER.fullmatch(entry.name):
            continue
        if not entry.is_dir(follow_symlinks=False) and stale(entry.name):
            removed.append(entry.name)  # (a link is dropped, never what it leads to)
            continue
        source, target = Path(entry.path), staging / entry.name
        if entry.is_symlink():
            os.symlink(os.readlink(source), target)
        elif entry.is_dir(follow_symlinks=False):
            shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
        else:
            _link_or_copy(source, target)
    return removed


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    try:
        os.link(source, target, follow_symlinks=False)
    except OSError:
        shutil.copy2(source, target, follow_symlinks=False)


def _put_in_place(staging: Path, folder: Path) -> Path | None:
    """``staging`` becomes ``folder`` in one step; returns where the old folder now is (to remove), if there
    was one. :class:`_MountPoint` when ``folder`` cannot be renamed."""
    if not os.path.lexists(folder):
        os.rename(staging, folder)
        return None
    if os.path.ismount(folder):
        raise _MountPoint()
    try:
        if _exchange(staging, folder):
            return staging
        aside = _beside(folder, "old")
        os.rename(folder, aside)
        os.rename(staging, folder)
        return aside
    except OSError as exc:
        if exc.errno in (errno.EBUSY, errno.EXDEV):  # a bind mount that ismount does not see
            raise _MountPoint() from exc
        raise


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step; False where the system cannot (no renameat2, a file system without it)."""
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_cwd, exchange = -100, 2  # AT_FDCWD, RENAME_EXCHANGE
    if renameat2(at_cwd, os.fsencode(first), at_cwd, os.fsencode(second), exchange) == 0:
        return True
    number = ctypes.get_errno()
    if number in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(number, os.strerror(number), str(second))


def _replace_one_by_one(folder: Path, outputs: Mapping[str, bytes], removed: list[str]) -> None:
    write_atomically({folder / name: data for name, data in outputs.items()},
                     {folder / name: f"dist/{name}" for name in outputs})
    try:
        for name in removed:
            (folder / name).unlink()
        for leftover in folder.iterdir():
            if _IN_PLACE_LEFTOVER.fullmatch(leftover.name):
                leftover.unlink()
    except OSError as exc:
        raise WriteError([rules.WRITE_FAILED(f"cannot remove a stale file from dist/: {exc.strerror or exc}",
                                             WHERE)]) from exc
    finally:
        _remove(_beside(folder, "new"))


def _sync(folder: Path) -> None:
    """Make the folder's entries durable (where the system allows opening a folder)."""
    if sys.platform == "win32":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)


def write_atomically(outputs: Mapping[Path, bytes], describe: Mapping[Path, str]) -> None:
    """Each file written beside its target, then renamed over it (one by one: the files are independent)."""
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
