"""How publish stops when it is told to: SIGTERM (a CI runner's timeout) or SIGINT (Ctrl-C), at once and
cleanly.

Under :func:`stoppable` (the command line's :func:`publish.cli.run`) the signal becomes :class:`Stopped`, a
``SystemExit`` raised where the main thread is, so that every ``finally`` runs: forked workers are
terminated (:mod:`publish.output.parallel`), the temporary folder is removed (:mod:`publish.lock`) and
dist/ is left as it was. A step that must not be cut in two (dist/'s switch, :mod:`publish.output.files`)
runs :func:`held`: the signal waits until it ends.

Python runs signal handlers only between bytecodes, so a main thread stuck in C code (a long regular
expression, a font subset) would not hear it. The signal also wakes a watcher thread (Python writes its
number to :func:`signal.set_wakeup_fd` as it arrives); if the process has not ended :data:`GRACE` seconds
later, the watcher runs the last-resort clean-ups (:func:`at_deadline`: kill the workers, remove the
temporary folder) and ends the process with the signal's exit code, 128 + its number.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

GRACE = 3.0  # seconds between the signal and the watcher's hard stop
SIGNALS = (signal.SIGTERM, signal.SIGINT)
_DONE = b"\0"  # written to the watcher's pipe when the process ends on its own


class Stopped(SystemExit):
    """The process was told to stop; ``code`` is 128 + the signal's number (143 for SIGTERM, 130 for
    SIGINT). ``outcome`` says what became of dist/ when it is not 'left as it was'."""

    def __init__(self, signum: int, outcome: str | None = None) -> None:
        super().__init__(128 + signum)
        self.signum = signum
        self.name = signal.Signals(signum).name
        self.outcome = outcome
        self.reported = False  # (the command that caught it has said so)


@dataclass
class _State:
    holding: int = 0
    pending: int | None = None  # a signal that came while held
    raised: bool = False  # Stopped was raised once: further signals only wait for the end
    finished: threading.Event | None = None


_state = _State()
_last_resort: list[Callable[[], None]] = []


def at_deadline(cleanup: Callable[[], None]) -> None:
    """Run ``cleanup`` if the process has to be ended by force (the last registered runs first)."""
    _last_resort.append(cleanup)


def _handle(signum: int, frame: FrameType | None) -> None:
    if _state.raised or _state.holding:
        _state.pending = _state.pending or signum
        return
    _state.raised = True
    raise Stopped(signum)


@contextmanager
def held(outcome: str) -> Iterator[None]:
    """A step that must not be cut in two: a signal that comes during it is raised when it ends, with
    ``outcome`` (what the step did) as :attr:`Stopped.outcome`."""
    _state.holding += 1
    try:
        yield
    finally:
        _state.holding -= 1
    if not _state.holding and _state.pending is not None and not _state.raised:
        _state.raised = True
        raise Stopped(_state.pending, outcome)


def finishing() -> None:
    """From here on a signal no longer interrupts: the process is ending (its clean-ups run); the watcher
    still ends it after :data:`GRACE` seconds."""
    _state.raised = True


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGTERM and SIGINT raise :class:`Stopped` in the main thread, with a watcher as the last resort."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _state.pending, _state.raised = None, False
    reader, writer = os.pipe()
    os.set_blocking(writer, False)
    saved = {number: signal.signal(number, _handle) for number in SIGNALS}
    saved_fd = signal.set_wakeup_fd(writer, warn_on_full_buffer=False)
    _state.finished = threading.Event()
    threading.Thread(target=_watch, args=(reader, _state.finished), name="publish-stop", daemon=True).start()
    try:
        yield
    finally:
        _state.finished.set()
        signal.set_wakeup_fd(saved_fd)
        for number, handler in saved.items():
            signal.signal(number, handler)
        with contextlib.suppress(OSError):  # (the watcher may have ended already)
            os.write(writer, _DONE)
        os.close(writer)


def _watch(reader: int, finished: threading.Event) -> None:
    try:
        while True:
            data = os.read(reader, 1)
            if not data or data == _DONE:
                return
            if data[0] in SIGNALS:
                break
        if finished.wait(GRACE):
            return
        signum = data[0]
        for cleanup in reversed(_last_resort):
            with contextlib.suppress(Exception):  # (the next clean-up still runs; the process ends anyway)
                cleanup()
        name = signal.Signals(signum).name
        os.write(2, f"stopped by {name}: the build did not end within {GRACE:g} s and was ended by force\n"
                 .encode())
        os._exit(128 + signum)
    finally:
        os.close(reader)
