"""An attacker's project, run through the real command, and what must hold whatever it does.

A :class:`Case` changes a copy of the sample project (its ``dist/`` already holds a real build) and runs
``publish`` on it in a process of its own, with a time limit. :func:`attack` then asserts what issue 14
asks of every hostile input:

- the exit code expected, never 70 (internal error) and never a Python traceback;
- the diagnostic codes expected, at the location expected;
- no byte of the canary (a file beside the project, the stand-in for ``/etc/passwd``) in any file the
  command wrote in ``dist/`` or the cache, EPUB entries unzipped and PDF streams decoded (what a case
  planted there and the command left alone is not counted), and the canary itself unchanged;
- ``dist/`` byte-identical to before when the command failed, or holding exactly the new set of outputs
  when it succeeded;
- no new file in the temporary folder, and none in the project but the outputs and the cache.

The command runs the package found at ``$PUBLISH_UNDER_TEST`` (a checkout's root) when it is set, this
checkout's otherwise: the same table measures an older commit ("held before").
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf

from tests.conftest import copy_sample
from tests.helpers import REPO

UNDER_TEST = Path(os.environ.get("PUBLISH_UNDER_TEST", REPO))
CANARY = b"CANARY-5f3a9c-root:x:0:0:root:/root:/bin/bash"
STEM = "chu-trong-xay-dung-doi-ngu-can-bo-lanh-dao-quan-ly-cac-cap"  # the sample's slug
OUTPUTS = (f"{STEM}.epub", f"{STEM}.print.pdf", f"{STEM}.screen.pdf")
EXIT_INTERNAL = 70


@dataclass(frozen=True)
class Place:
    """Where a case runs: the project, the canary outside it, and the temporary folder of the run."""

    root: Path
    canary: Path
    outside: Path  # a folder beside the project (the canary is in it)
    temporary: Path
    built: Path  # the built sample the project is a copy of (its cache is in built/.publish-cache)


@dataclass(frozen=True)
class Case:
    """One hostile input. ``arrange`` changes the project (it may also write ``place.outside``); ``args``
    are the command's, with ``{root}`` for the project's path; ``where`` is a text the output must hold
    (``styles/epub.css:3``)."""

    name: str
    arrange: Callable[[Place], None]
    exit: int
    codes: tuple[str, ...] = ()
    where: str | None = None
    args: tuple[str, ...] = ("build", "{root}")
    timeout: float = 60.0
    environ: dict[str, str] = field(default_factory=dict)
    outputs: tuple[str, ...] = OUTPUTS  # what dist/ holds after a build that succeeds

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Outcome:
    exit: int
    output: str  # stdout and stderr
    seconds: float


def write(place: Place, name: str, content: str | bytes) -> Path:
    """``content`` into the project's file ``name`` (folders made as needed)."""
    path = place.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def link(place: Place, name: str, target: Path | str) -> Path:
    """The project's file ``name`` as a symbolic link to ``target``."""
    path = place.root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists() or path.is_symlink():
        path.unlink()
    path.symlink_to(target)
    return path


def append(place: Place, name: str, content: str) -> None:
    path = place.root / name
    path.write_text(path.read_text(encoding="utf-8") + content, encoding="utf-8")


ARTICLE = "manuscript/01-chu-trong-xay-dung-doi-ngu-can-bo.md"


def prepare(tmp_path: Path, built: Path) -> Place:
    """A copy of the sample with ``built``'s outputs in its dist/, a canary beside it, a temporary folder."""
    root = copy_sample(tmp_path / "project")
    shutil.copytree(built, root / "dist")
    outside = tmp_path / "outside"
    outside.mkdir()
    canary = outside / "canary.txt"
    canary.write_bytes(CANARY + b"\n")
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    return Place(root, canary, outside, temporary, built.parent)


def run(place: Place, case: Case) -> Outcome:
    environ = {**os.environ, "PYTHONPATH": str(UNDER_TEST), "TMPDIR": str(place.temporary),
               "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1", **case.environ}
    args = [arg.format(root=place.root) for arg in case.args]
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "publish", *args], cwd=place.root, env=environ,
                              capture_output=True, text=True, timeout=case.timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(f"{case.name}: still running after {case.timeout:g} s") from exc
    return Outcome(done.returncode, done.stdout + done.stderr, time.perf_counter() - started)


def attack(case: Case, tmp_path: Path, built: Path) -> Outcome:
    """Run ``case`` on a fresh copy of the sample and assert every guarantee (see the module's text)."""
    place = prepare(tmp_path, built)
    case.arrange(place)
    before = snapshot(place.root / "dist")
    planted = {path: path.read_bytes() for path in written(place.root)}
    outcome = run(place, case)
    said = f"{case.name}: exit {outcome.exit}\n{outcome.output}"
    assert outcome.exit == case.exit, said
    assert outcome.exit != EXIT_INTERNAL and "Traceback" not in outcome.output, said
    for code in case.codes:
        assert f"[{code}]" in outcome.output, said
    if case.where is not None:
        assert case.where in outcome.output, said
    leaked = [str(path) for path in written(place.root)
              if planted.get(path) != path.read_bytes() and CANARY in everything_in(path)]
    assert not leaked, f"{case.name}: the canary is in {leaked}"
    assert place.canary.read_bytes() == CANARY + b"\n", f"{case.name}: the canary was written to"
    after = snapshot(place.root / "dist")
    if outcome.exit != 0 or "build" not in case.args:
        assert after == before, f"{case.name}: dist/ changed by a command that failed or did not build"
    else:
        assert sorted(after) == sorted(case.outputs), f"{case.name}: dist/ holds {sorted(after)}"
        assert all(complete(place.root / "dist" / name, data) for name, data in after.items()), case.name
    assert not list(place.temporary.iterdir()), f"{case.name}: left {list(place.temporary.iterdir())}"
    strays = [p for p in place.root.rglob("*") if p.is_file() and not p.is_symlink() and p.stat().st_mtime > 0
              and _new(p, place.root)]
    assert not strays, f"{case.name}: left {strays}"
    return outcome


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file()}


def written(root: Path) -> Iterator[Path]:
    """Every file a command may have written: dist/ and the cache (symlinks not followed)."""
    for folder in (root / "dist", root / ".publish-cache"):
        if folder.is_dir() and not folder.is_symlink():
            yield from (p for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def everything_in(path: Path) -> bytes:
    """The file's bytes, with the members of a ZIP and the decoded streams of a PDF after them."""
    data = path.read_bytes()
    parts = [data]
    if data.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                parts += [archive.read(name) for name in archive.namelist()]
        except (zipfile.BadZipFile, OSError, NotImplementedError):
            pass
    elif data.startswith(b"%PDF"):
        try:
            with pikepdf.open(path) as pdf:
                for obj in pdf.objects:
                    if isinstance(obj, pikepdf.Stream):
                        try:
                            parts.append(obj.read_bytes())
                        except pikepdf.PdfError:
                            parts.append(obj.read_raw_bytes())
        except pikepdf.PdfError:
            pass
    else:
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(data))
    return b"\0".join(parts)


def complete(path: Path, data: bytes) -> bool:
    """A whole output: an EPUB whose archive reads, a PDF that ends with its trailer."""
    if path.suffix == ".epub":
        try:
            with zipfile.ZipFile(path) as archive:
                return archive.testzip() is None and "mimetype" in archive.namelist()
        except zipfile.BadZipFile:
            return False
    return data.startswith(b"%PDF") and b"%%EOF" in data[-1024:]


_SAMPLE_FILES = {"publish.yaml"}


def _new(path: Path, root: Path) -> bool:
    """A file no command should leave: anything outside dist/'s outputs, the cache and the sources."""
    relative = path.relative_to(root)
    top = relative.parts[0]
    if top in ("dist",):
        return path.name not in OUTPUTS
    if top in (".publish-cache", "manuscript", "styles", "fonts", "images") or str(relative) in _SAMPLE_FILES:
        return path.name.endswith(".tmp") or path.name.startswith(".~")
    return False


# The peak resident memory of a command, measured by a small parent that runs nothing else: a child forked
# from pytest itself would count pytest's memory too (Linux keeps the peak across fork and exec). The
# command may not reserve more than 2 GiB, so that a runaway fails fast instead of taking the machine's memory.
_PROBE = """
import resource, subprocess, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, done.returncode)
print(done.stdout + done.stderr)
"""


def peak_memory(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, int, str]:
    """Run ``publish ARGS`` (the package under test); its peak resident memory in KB, exit code and output."""
    environ = {**os.environ, "PYTHONPATH": str(UNDER_TEST), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", _PROBE, sys.executable, "-m", "publish", *args], cwd=cwd,
                          env=environ, capture_output=True, text=True, timeout=timeout, check=True)
    first, _, output = done.stdout.partition("\n")
    peak, code = first.split()
    return int(peak), int(code), output
