"""The one way publish runs another program: found on PATH or named, with a timeout, output captured.

A missing program is a :class:`~publish.errors.ToolMissingError` that says how to install it, never a
``FileNotFoundError``; a program that hangs is stopped after ``timeout`` seconds.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from publish import rules
from publish.diagnostics import Location
from publish.errors import ToolMissingError

_PR_SET_PDEATHSIG = 1  # (linux/prctl.h)


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


def find(program: str, install: str, environ: Mapping[str, str] | None = None) -> str:
    """The full path of ``program`` on PATH; ToolMissingError with ``install`` as the hint if absent."""
    path = shutil.which(program, path=(environ or {}).get("PATH")) if environ else shutil.which(program)
    if path is None:
        raise ToolMissingError([rules.TOOL_MISSING(f"'{program}' is not installed or not on PATH",
                                                   Location(program), hint=install)])
    return path


def run(args: Sequence[str], timeout: float, environ: Mapping[str, str] | None = None) -> Finished:
    """Run a program to the end (or ``timeout``); its exit code is returned, not judged. On Linux the
    program dies with publish, however publish ends (a JVM left running by a killed check would go on)."""
    parent = os.getpid()
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout, check=False,
                              env=dict(environ) if environ is not None else None,
                              preexec_fn=(lambda: killed_with(parent)) if sys.platform == "linux" else None)
    except subprocess.TimeoutExpired:
        return Finished(-1, "", f"{args[0]} did not finish within {timeout:g} s and was stopped")
    return Finished(done.returncode, done.stdout, done.stderr)


def killed_with(parent: int) -> bool:
    """Ask the kernel to kill this (forked) process when ``parent`` ends, even by SIGKILL; False where it
    cannot (not Linux). A process whose parent died before the call ends at once: no one would tell it."""
    if sys.platform != "linux":
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent:
        os._exit(1)
    return True
