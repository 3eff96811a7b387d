"""Hostile processes: a build killed at any step of writing dist/, stopped by a signal, run twice at once,
given a dist/ that leads elsewhere or a full disk. dist/ stays the previous set or becomes the new one,
nothing is left behind (no process, no temporary folder, no staging folder), and what a killed build left
is removed by the next one (see tests.hostile for what every case of the table must hold)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.hostile import ARTICLE, OUTPUTS, STEM, UNDER_TEST, Case, Place, append, attack, link, prepare, write

if sys.platform != "linux":
    pytest.skip("reads /proc and kills processes the Linux way", allow_module_level=True)

SETTLE = 5.0  # seconds a stopped build and its workers have to be gone
LEFTOVERS = (".publish.lock", ".dist.publish-new", ".dist.publish-old")
_held: list[int] = []  # lock files this test holds (see hold_lock)


@pytest.fixture(autouse=True)
def release_locks() -> Iterator[None]:
    yield
    while _held:
        os.close(_held.pop())


def hold_lock(path: Path) -> None:
    """Hold ``path``'s lock from this process, as a running build holds its project's."""
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.write(fd, f"{os.getpid()}\n".encode())
    _held.append(fd)


def dead_pid() -> int:
    """The id of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    return int(done.stdout)


def killed_builds_folder(temporary: Path, pid: int, locked: bool = False) -> Path:
    """A temporary folder as a build (process ``pid``) makes it, WeasyPrint's fonts in it."""
    folder = temporary / f"publish-run-{pid}-abc123"
    (folder / "weasyprint-xyz").mkdir(parents=True)
    (folder / "weasyprint-xyz" / "font.ttf").write_bytes(b"\0" * 4096)
    owner = folder / "owner.lock"
    if locked:
        hold_lock(owner)
    else:
        owner.write_text(f"{pid}\n")
    return folder


# The table ----------------------------------------------------------------------------------------------

def _dist_elsewhere(place: Place) -> None:
    elsewhere = place.outside / "site"
    shutil.move(place.root / "dist", elsewhere)
    (elsewhere / f"{STEM}.pdf").write_bytes(b"%PDF- an older edition\n%%EOF\n")  # what a build deletes
    link(place, "dist", elsewhere)


def _dist_inside(place: Place) -> None:
    shutil.move(place.root / "dist", place.root / "public")
    link(place, "dist", "public")


def _stale_output_linked_out(place: Place) -> None:
    (place.outside / "keep.pdf").write_bytes(b"%PDF- not the project's\n%%EOF\n")
    link(place, f"dist/{STEM}.pdf", place.outside / "keep.pdf")


def _killed_build_left(place: Place) -> None:
    staging = place.root / ".dist.publish-new"
    staging.mkdir()
    (staging / f"{STEM}.epub").write_bytes(b"PK half")
    write(place, f"dist/.{STEM}.epub.k3j9x_2a.tmp", b"PK half")  # an older publish's, killed between renames


def _no_leftovers(root: Path) -> None:
    left = [name for name in LEFTOVERS if os.path.lexists(root / name)]
    assert not left, f"left {left}"


def _nothing(root: Path) -> None:
    """(what tests.hostile asserts is all there is to assert)"""


def _still_linked(root: Path) -> None:
    assert (root / "dist").is_symlink() and (root / "public" / OUTPUTS[0]).is_file()


def _outside_kept(root: Path) -> None:
    assert (root.parent / "outside" / "keep.pdf").read_bytes().startswith(b"%PDF- not")


CASES: list[tuple[Case, Callable[[Path], None]]] = [
    (Case("dist linked to a folder outside", _dist_elsewhere, 4, ("B003",), "dist/"), _no_leftovers),
    (Case("dist linked to a folder outside, lint", _dist_elsewhere, 3, ("B003",), "dist/", args=("lint", "{root}")),
     _nothing),
    (Case("dist linked to a folder inside", _dist_inside, 0), _still_linked),
    (Case("a stale output linked to a file outside", _stale_output_linked_out, 0), _outside_kept),
    (Case("what a killed build left beside and in dist/", _killed_build_left, 0), _no_leftovers),
    (Case("the lock of a build that died", lambda p: write(p, ".publish.lock", f"{dead_pid()}\n"), 0), _nothing),
    (Case("the lock file linked to a file outside", lambda p: link(p, ".publish.lock", p.canary), 0), _nothing),
    (Case("another build of the project running", lambda p: hold_lock(p.root / ".publish.lock"), 4, ("B004",),
          ".publish.lock"), _nothing),
    (Case("the temporary folder of a killed build", lambda p: killed_builds_folder(p.temporary, dead_pid()), 0),
     _no_leftovers),
]


@pytest.mark.parametrize(("case", "after"), CASES, ids=[str(case) for case, _ in CASES])
def test_hostile_process(case: Case, after: Callable[[Path], None], tmp_path: Path, sample_dist: Path) -> None:
    attack(case, tmp_path, sample_dist)
    after(tmp_path / "project")


# Running the command --------------------------------------------------------------------------------------

def environment(place: Place) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(UNDER_TEST), "TMPDIR": str(place.temporary),
            "PYTHONDONTWRITEBYTECODE": "1", "NO_COLOR": "1"}


def start(place: Place, *args: str) -> subprocess.Popen[str]:
    """The command, running; its output goes to a file (a pipe would stay open as long as any process
    that inherited it: see :func:`output`)."""
    with (place.root.parent / "output.log").open("w", encoding="utf-8") as log:
        return subprocess.Popen([sys.executable, "-m", "publish", *args], cwd=place.root, env=environment(place),
                                stdout=log, stderr=subprocess.STDOUT, text=True)


def output(place: Place, process: subprocess.Popen[str], seconds: float = 120.0) -> str:
    process.wait(timeout=seconds)
    return (place.root.parent / "output.log").read_text(encoding="utf-8")


def processes_of(root: Path, besides: int = 0) -> list[int]:
    """The live processes (zombies are dead) started on the project at ``root``: by their command line or
    their working folder (a forked worker has its parent's); ``besides`` is not counted."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (os.getpid(), besides):
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            folder = os.readlink(entry / "cwd")
        except OSError:
            continue
        if state != "Z" and (os.fsencode(root) in command or folder == str(root)):
            found.append(int(entry.name))
    return found


def command_of(pid: int) -> bytes:
    """The process's command line (empty once it has ended)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def gone(root: Path, seconds: float = SETTLE, besides: int = 0) -> list[int]:
    """The processes of ``root`` still alive after waiting up to ``seconds`` for them to end."""
    deadline = time.monotonic() + seconds
    while (left := processes_of(root, besides)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def kill_all(root: Path) -> None:
    for pid in processes_of(root):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def laying_out(place: Place, process: subprocess.Popen[str], seconds: float = 60.0) -> None:
    """Wait until the build has forked its workers and WeasyPrint is at work (its fonts are in TMPDIR)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, output(place, process)
        if len(processes_of(place.root)) > 1 and any(place.temporary.rglob("weasyprint-*")):
            return
        time.sleep(0.02)
    raise AssertionError("the build never started laying out")


def killed_when(place: Place, process: subprocess.Popen[str], ready: Callable[[], None]) -> tuple[list[int], list[int]]:
    """Once ``ready()`` returns, SIGKILL the command: the other processes it had, and those still alive a
    few seconds later (all of them are killed in the end, whatever happens)."""
    try:
        ready()
        children = [pid for pid in processes_of(place.root) if pid != process.pid]
        process.kill()
        process.wait(30)
        return children, gone(place.root)
    finally:
        kill_all(place.root)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (dot files and subfolders too), by relative path."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


# Signals ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["TERM", "INT"])
def test_a_signal_ends_the_whole_build_promptly(signum: int, code: int, tmp_path: Path, sample_dist: Path) -> None:
    place = prepare(tmp_path, sample_dist)
    before = tree(place.root / "dist")
    process = start(place, "build", str(place.root))
    try:
        laying_out(place, process)
        os.kill(process.pid, signum)
        sent = time.monotonic()
        said = output(place, process, 30)
        took = time.monotonic() - sent
        left = gone(place.root)
    finally:
        kill_all(place.root)
    name = signal.Signals(signum).name
    assert process.returncode == code, said
    assert f"stopped by {name}" in said and "dist/ was left as it was" in said and "Traceback" not in said
    assert took < SETTLE, f"took {took:.1f} s to stop"
    assert not left, f"processes left: {left}"
    assert not list(place.temporary.iterdir()), f"left {list(place.temporary.rglob('*'))}"
    assert tree(place.root / "dist") == before
    _no_leftovers(place.root)


def test_a_killed_builds_workers_die_with_it_and_the_next_build_cleans_up(tmp_path: Path,
                                                                           sample_dist: Path) -> None:
    place = prepare(tmp_path, sample_dist)
    article = (place.root / ARTICLE).read_text(encoding="utf-8")
    for number in range(2, 9):  # (workers busy for seconds: an old build's would still be running)
        write(place, f"manuscript/{number:02d}-more.md", article)
    process = start(place, "build", str(place.root))
    workers, left = killed_when(place, process, lambda: laying_out(place, process))
    assert workers and not left, f"workers {workers}, still running {left}"
    assert any(place.temporary.iterdir())  # (WeasyPrint's fonts, left by a process that could not clean up)

    for number in range(2, 9):
        (place.root / f"manuscript/{number:02d}-more.md").unlink()
    done = start(place, "build", str(place.root))
    said = output(place, done)
    assert done.returncode == 0, said
    assert not list(place.temporary.iterdir()), f"left {list(place.temporary.rglob('*'))}"
    assert sorted(tree(place.root / "dist")) == sorted(OUTPUTS)
    _no_leftovers(place.root)


STUCK = """
import hashlib
from publish import stopping
with stopping.stoppable():
    print("stuck", flush=True)
    hashlib.pbkdf2_hmac("sha256", b"p", b"s", 10**9)  # C code, no bytecode for minutes: no handler runs
"""


def test_a_build_stuck_in_c_code_is_ended_by_force(tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-c", STUCK], env={**os.environ, "PYTHONPATH": str(UNDER_TEST)},
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline() == "stuck\n"
        time.sleep(0.5)  # (inside the C call by now: a signal before it would be handled the usual way)
        process.send_signal(signal.SIGTERM)
        sent = time.monotonic()
        output = process.communicate(timeout=30)[0]
    finally:
        process.kill()
    assert process.returncode == 143, output
    assert time.monotonic() - sent < SETTLE and "ended by force" in output


def test_only_the_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    dead = killed_builds_folder(temporary, dead_pid())
    live = killed_builds_folder(temporary, os.getpid() + 1, locked=True)  # (its lock is held: it is alive)
    unknown = temporary / "publish-run-77-nolock"
    unknown.mkdir()
    weasyprint = temporary / "weasyprint-notours"
    weasyprint.mkdir()
    done = subprocess.run([sys.executable, "-m", "publish", "--version"], cwd=tmp_path, env={
        **os.environ, "PYTHONPATH": str(UNDER_TEST), "TMPDIR": str(temporary)}, capture_output=True, check=False)
    assert done.returncode == 0
    assert not dead.exists()
    assert live.exists() and unknown.exists() and weasyprint.exists()


# Killed while writing dist/ -----------------------------------------------------------------------------------

# A fork server: imports publish once, then for each line "MODE N" read on stdin runs the command given on
# its command line in a forked process (its output in run-<k>.log beside the project) and prints its exit
# code. An audit hook counts the steps of writing dist/ (a file opened for writing, a folder made, a
# rename or exchange, a link, a removal, under dist/ or beside it) and at step N kills the process (kill)
# or makes the disk full (enospc: os.fsync of a file there fails); "none 0" runs the command as it is.
DRIVER = """
import errno, os, signal, sys
root, args = sys.argv[1], sys.argv[2:]
watched = (os.path.join(root, "dist"), os.path.join(root, ".dist"))
STEPS = {"os.mkdir", "os.rename", "os.link", "os.symlink", "os.remove", "os.rmdir", "shutil.rmtree",
         "ctypes.call_function"}
import publish.pipeline
from publish import cli
mode, limit, count, parent = "none", 0, 0, 0

def paths(values):
    for value in values:
        if isinstance(value, (tuple, list)):
            yield from paths(value)
        elif isinstance(value, (str, bytes, os.PathLike)):
            yield os.fsdecode(value)

def writes(values):
    how, flags = values[1], values[2]
    return (isinstance(how, str) and any(c in how for c in "wax+")) or (
        isinstance(flags, int) and flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT))

def step():
    global count
    count += 1
    return count == limit

def hook(event, values):
    if mode == "kill" and os.getpid() == parent and (event in STEPS or event == "open" and writes(values)):
        if any(path.startswith(watched) for path in paths(values)) and step():
            os.kill(parent, signal.SIGKILL)

real_fsync = os.fsync
def fsync(fd):
    if mode == "enospc" and os.getpid() == parent and os.readlink(f"/proc/self/fd/{fd}").startswith(watched):
        if step():
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    real_fsync(fd)

for number, line in enumerate(sys.stdin):
    pid = os.fork()
    if pid == 0:
        mode, limit = line.split()[0], int(line.split()[1])
        parent = os.getpid()
        log = os.open(os.path.join(os.path.dirname(root), f"run-{number}.log"), os.O_WRONLY | os.O_CREAT, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        sys.addaudithook(hook)
        os.fsync = fsync
        sys.argv = ["publish", *args]
        cli.run()
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class Server:
    """The fork server running ``publish ARGS`` on ``place``'s project (see DRIVER)."""

    def __init__(self, place: Place, *args: str) -> None:
        self.place, self.runs = place, 0
        self.process = subprocess.Popen([sys.executable, "-c", DRIVER, str(place.root), *args], cwd=place.root,
                                        env=environment(place), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)

    def run(self, mode: str = "none", limit: int = 0) -> tuple[int, str]:
        """The exit code of one run and its output."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{mode} {limit}\n")
        self.process.stdin.flush()
        code = int(self.process.stdout.readline())
        self.runs += 1
        return code, (self.place.root.parent / f"run-{self.runs - 1}.log").read_text(encoding="utf-8")

    def workers_left(self) -> list[int]:
        return [pid for pid in processes_of(self.place.root) if pid != self.process.pid]

    def close(self) -> None:
        self.process.communicate(timeout=30)


def changed_sample(tmp_path: Path, sample_dist: Path) -> tuple[Place, dict[str, bytes]]:
    """The sample with a paragraph more (every output changes) and a file of the user's in dist/."""
    place = prepare(tmp_path, sample_dist)
    append(place, ARTICLE, "\nMột đoạn văn mới, để mọi tệp đều thay đổi.\n")
    write(place, "dist/ghi-chu.txt", "a file of the user's, kept\n")
    return place, tree(place.root / "dist")


def test_a_build_killed_at_any_step_of_writing_leaves_dist_whole(tmp_path: Path, sample_dist: Path) -> None:
    place, before = changed_sample(tmp_path, sample_dist)
    saved = tmp_path / "before"
    shutil.copytree(place.root / "dist", saved)
    seen: list[dict[str, bytes]] = []
    new: dict[str, bytes] | None = None
    left: dict[int, list[str]] = {}  # what the next build did not clean (or made differently), by step
    server = Server(place, "build", str(place.root))
    try:
        for step in range(1, 30):
            code, said = server.run("kill", step)
            if code == 0:
                break
            assert code == -signal.SIGKILL, said
            seen.append(tree(place.root / "dist"))
            assert not gone(place.root, besides=server.process.pid)
            code, said = server.run()  # the next build
            assert code == 0, said
            new = new or tree(place.root / "dist")
            if tree(place.root / "dist") != new:
                left.setdefault(step, []).extend(sorted(set(tree(place.root / "dist")) ^ set(new)))
            remains = [*place.temporary.iterdir(), *(place.root / name for name in LEFTOVERS)]
            left.setdefault(step, []).extend(path.name for path in remains if os.path.lexists(path))
            shutil.rmtree(place.root / "dist")
            shutil.copytree(saved, place.root / "dist")
            for path in remains:
                shutil.rmtree(path, ignore_errors=True)
    finally:
        server.close()
    assert new is not None and new != before and sorted(new) == sorted([*OUTPUTS, "ghi-chu.txt"])
    mixed = {step: {name: "old" if before.get(name) == data else "new" if new.get(name) == data else "other"
                    for name, data in state.items()}
             for step, state in enumerate(seen, 1) if state not in (before, new)}
    left = {step: names for step, names in left.items() if names}
    assert not mixed and not left, f"killed at a step, dist/ held a mixture: {mixed}; the next build left {left}"
    assert before in seen and new in seen  # (the kills fell on both sides of the switch)


def test_a_full_disk_leaves_dist_as_it_was(tmp_path: Path, sample_dist: Path) -> None:
    place, before = changed_sample(tmp_path, sample_dist)
    server = Server(place, "build", str(place.root))
    try:
        code, output = server.run("enospc", 2)
    finally:
        server.close()
    assert code == 4 and "[B001]" in output and "No space left on device" in output, output
    assert "Traceback" not in output
    assert tree(place.root / "dist") == before
    assert not list(place.temporary.iterdir())
    _no_leftovers(place.root)


def test_a_killed_check_leaves_no_validator_running(tmp_path: Path, sample_dist: Path) -> None:
    """EPUBCheck's JVM dies with publish check, even when check is killed (SIGKILL runs nothing)."""
    place = prepare(tmp_path, sample_dist)
    process = start(place, "check", str(place.root / "dist" / OUTPUTS[0]))

    java: list[int] = []

    def validating() -> None:  # (EPUBCheck's JVM has started)
        deadline = time.monotonic() + 60
        while not java:
            assert process.poll() is None and time.monotonic() < deadline, output(place, process)
            java.extend(pid for pid in processes_of(place.root) if b"epubcheck.jar" in command_of(pid))
            time.sleep(0.02)

    _, left = killed_when(place, process, validating)
    assert not left, f"EPUBCheck {java}, still running {left}"
