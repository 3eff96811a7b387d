"""Locks a process holds while it lives: one build per project, and a temporary folder of its own.

**The project's lock** (``.publish.lock`` in the project) is held by a build from before it touches
dist/ until it ends: a second build of the same project is refused (B004) rather than left to trample
the first one's staging folder. **The temporary folder** (``publish-run-<pid>-…`` in the system's
temporary folder) holds every temporary file of a command, WeasyPrint's fonts included (it is
:data:`tempfile.tempdir` while the command runs), and is removed when the command ends.

Both are files locked with ``flock`` (``msvcrt.locking`` on Windows), which the system releases when the
process and its forked workers are gone, however they ended, and both hold the owner's process id: a
lock left by a killed build never blocks the next one, and the next command removes the temporary
folders whose lock is free and whose process no longer exists (:func:`sweep`), never a live one's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path

from publish import rules, stopping
from publish.diagnostics import Location
from publish.errors import WriteError

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

PROJECT_LOCK = ".publish.lock"
TEMPORARY_PREFIX = "publish-run-"
OWNER = "owner.lock"  # in each temporary folder


def _try_lock(fd: int) -> bool:
    """Lock ``fd`` for this process (and its forked workers) unless another process holds it."""
    try:
        if sys.platform == "win32":
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # (BlockingIOError where flock refuses)
        return False
    return True


def _open(path: Path) -> int:
    """The lock file at ``path``, made if missing; a link planted there is removed, never followed."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(path, flags, 0o644)
    except OSError:
        if not path.is_symlink():
            raise
    path.unlink()
    return os.open(path, flags, 0o644)


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, f"{os.getpid()}\n".encode())


def _pid_in(fd: int) -> int | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


def _alive(pid: int) -> bool:
    if sys.platform == "win32":  # (os.kill(pid, 0) would send Ctrl-C there; the lock alone decides)
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


@contextlib.contextmanager
def project_lock(root: Path) -> Iterator[None]:
    """Hold the lock of the project at ``root``: :class:`WriteError` B004 when another build holds it. (A
    folder that does not exist has nothing to protect: the build says it has no publish.yaml.)"""
    if not root.is_dir():
        yield
        return
    path = root / PROJECT_LOCK
    where = Location(PROJECT_LOCK)
    try:
        fd = _acquire(path, where)
    except OSError as exc:
        raise WriteError([rules.WRITE_FAILED(f"cannot make the lock file {PROJECT_LOCK}: {exc.strerror or exc}",
                                             where)]) from exc
    try:
        yield
    finally:
        with contextlib.suppress(OSError):  # (removed while still held: see _acquire)
            path.unlink()
        os.close(fd)


def _acquire(path: Path, where: Location, attempts: int = 5) -> int:
    for attempt in range(attempts):
        fd = _open(path)
        if not _try_lock(fd):
            owner = _pid_in(fd)
            os.close(fd)
            raise WriteError([rules.BUILD_RUNNING(
                f"another build of this project is running (process {owner or 'unknown'})", where)])
        with contextlib.suppress(OSError):
            if attempt == attempts - 1 or os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False)):
                _write_pid(fd)
                return fd
        os.close(fd)  # the build that held it removed the file as it ended: lock the new one
    raise OSError(f"{PROJECT_LOCK} keeps changing")


@contextlib.contextmanager
def temporary_folder() -> Iterator[Path | None]:
    """A temporary folder of this process's own, as :data:`tempfile.tempdir`, removed at the end; the
    folders of killed commands are removed first (:func:`sweep`). None when none can be made (the
    system's temporary folder is then used as it is)."""
    base = Path(tempfile.gettempdir())
    sweep(base)
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"{TEMPORARY_PREFIX}{os.getpid()}-", dir=base))
    except OSError:
        yield None
        return
    try:
        fd = os.open(folder / OWNER, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        yield None
        return
    _try_lock(fd)  # (a new file: nobody else holds it)
    _write_pid(fd)  # (only once it is locked: a folder whose lock is free and names a pid is abandoned)
    saved, tempfile.tempdir = tempfile.tempdir, str(folder)
    stopping.at_deadline(partial(shutil.rmtree, folder, True))
    try:
        yield folder
    finally:
        tempfile.tempdir = saved
        shutil.rmtree(folder, ignore_errors=True)
        os.close(fd)


def sweep(base: Path) -> None:
    """Remove the temporary folders in ``base`` that a lock file names as belonging to a process that no
    longer exists: those of killed commands. A folder without that lock file is not publish's."""
    try:
        entries = list(os.scandir(base))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(TEMPORARY_PREFIX) and _abandoned(entry):
            shutil.rmtree(entry.path, ignore_errors=True)


def _abandoned(entry: os.DirEntry[str]) -> bool:
    try:
        if not entry.is_dir(follow_symlinks=False) or (
                hasattr(os, "getuid") and entry.stat(follow_symlinks=False).st_uid != os.getuid()):
            return False
        fd = os.open(Path(entry.path) / OWNER, os.O_RDWR | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False
    try:
        if not _try_lock(fd):
            return False
        owner = _pid_in(fd)
        return owner is not None and not _alive(owner)
    finally:
        os.close(fd)
