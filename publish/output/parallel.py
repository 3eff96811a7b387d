"""Work done in a forked process while the rest is done here.

WeasyPrint lays out on one core; a book's press PDF and screen PDF do not depend on each other, and the
EPUB needs only the press layout's page numbers, so on a machine with more than one core the screen PDF
(from the start), the EPUB (once the press layout has fixed the page numbers) and the check of the text
the stylesheets generate (:mod:`publish.output.coverage`) are made in child processes: forked, so they start with
everything already loaded and need nothing pickled but their result. Where ``fork`` is not safe (macOS,
Windows) or there is one core, the work simply runs when its result is asked for.

A worker never outlives the build: it dies with its parent however the parent ends (on Linux the kernel
kills it, ``PR_SET_PDEATHSIG``; elsewhere a thread watches the parent), is stopped when its result is no
longer wanted (:meth:`Later.cancel`: SIGTERM, then SIGKILL if it has not ended within :data:`GRACE`
seconds), and is killed if a signal has to end the build by force (:mod:`publish.stopping`).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from publish import errors, stopping
from publish.diagnostics import Diagnostic
from publish.process import killed_with

T = TypeVar("T")
GRACE = 2.0  # seconds a cancelled worker has to end on SIGTERM before it is killed
_workers: set[Any] = set()  # the workers alive (multiprocessing processes)


class Later(Generic[T]):
    """Work begun elsewhere: :meth:`result` waits for what it returns, :meth:`cancel` stops it."""

    def __init__(self, result: Callable[[], T], cancel: Callable[[], None] = lambda: None) -> None:
        self.result = result
        self.cancel = cancel


def can_fork() -> bool:
    """Whether work can go to a forked process: on Linux with more than one core, and not from a process
    forked already (a daemon may not have children: its work runs where it is asked for)."""
    return sys.platform == "linux" and (os.cpu_count() or 1) > 1 and not multiprocessing.current_process().daemon


def start(work: Callable[[], T], notes: list[Diagnostic]) -> Later[T]:
    """Begin ``work``; the returned function waits for its result (and adds its diagnostics to ``notes``)."""
    if not can_fork():
        return Later(work)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    before = len(notes)
    process = context.Process(target=_child, args=(work, sender, notes, before, os.getpid()), daemon=True)
    # Objects that exist at the fork stay out of the child's garbage collection: a collection would
    # touch every one of them and copy the parent's whole heap (a 600-page layout is 300 MB).
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()
    _workers.add(process)
    sender.close()

    outcome: list[tuple[bool, Any]] = []  # (asked twice, the answer is the same: the pipe holds it once)

    def receive() -> T:
        try:
            kind, payload, found = receiver.recv()
        except EOFError:
            kind, payload, found = "crash", f"the worker process died (exit {process.exitcode})", []
        process.join()
        _workers.discard(process)
        notes.extend(found)
        if kind == "ok":
            return cast(T, payload)
        if kind == "error":
            name, diagnostics = payload
            raise getattr(errors, name)(diagnostics)
        raise RuntimeError(f"in the worker process: {payload}")

    def result() -> T:
        if not outcome:
            try:
                outcome.append((True, receive()))
            except Exception as exc:
                outcome.append((False, exc))
        done, value = outcome[0]
        if not done:
            raise value
        return cast(T, value)

    def cancel() -> None:
        if process.is_alive():
            process.terminate()
            process.join(GRACE)
            if process.is_alive():  # (stuck in C code, where a Python signal handler cannot run)
                process.kill()
        process.join()
        _workers.discard(process)

    return Later(result, cancel)


def kill_workers() -> None:
    """Kill every worker at once (the build is being ended by force)."""
    for process in list(_workers):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            os.kill(process.pid, signal.SIGKILL)


stopping.at_deadline(kill_workers)


def die_with_parent(parent: int) -> None:
    """End this forked process when ``parent`` ends, however it ends (even by SIGKILL, which runs nothing)."""
    if killed_with(parent):
        return
    threading.Thread(target=_watch_parent, args=(parent,), name="publish-parent", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _stop(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)


def _child(work: Callable[[], Any], sender: Any, notes: list[Diagnostic], before: int, parent: int) -> None:
    die_with_parent(parent)
    # Stopped by :meth:`Later.cancel`, the process still runs its exit handlers (multiprocessing runs
    # them on SystemExit): a layout's temporary font folder is removed (see pdf._remove_at_exit). Ctrl-C
    # reaches the whole process group: the parent alone decides, and stops its workers.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.set_wakeup_fd(-1)  # (the parent's watcher listens there: publish.stopping)
    try:
        data = work()
        sender.send(("ok", data, notes[before:]))
    except SystemExit:
        raise
    except errors.PublishError as exc:
        sender.send(("error", (type(exc).__name__, list(exc.diagnostics)), notes[before:]))
    except BaseException as exc:  # a bug: the parent reports it as an internal error
        sender.send(("crash", "".join(traceback.format_exception_only(type(exc), exc)).strip(), []))
    finally:
        sender.close()
