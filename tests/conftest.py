"""Shared fixtures: the sample built once, a three-article book built once, EPUBCheck run once per book.

Every test runs in an environment of its own: a PATH that holds only the programs the tests run (Java
for EPUBCheck, iconv), so that a tool installed on the machine (Ace, say) changes nothing, and a temporary folder
of its own, so that what other processes leave in the system's (WeasyPrint's fonts) is not counted.
"""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import publish
from tests.helpers import REPO, epubcheck

# The environment builds and checks are given; its PATH is the tests' own folder of programs (see tools).
ENV = {"PATH": ""}
TOOLS = ("java", "iconv")  # EPUBCheck; glibc's converter, which the legacy-encoding fixture is checked against


@pytest.fixture(scope="session", autouse=True)
def tools(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of links to the programs the tests may run, and nothing else: the tests' PATH."""
    folder = tmp_path_factory.mktemp("bin")
    for name in TOOLS:
        found = shutil.which(name)
        if found:
            (folder / name).symlink_to(found)
    ENV["PATH"] = str(folder)
    return folder


@pytest.fixture(autouse=True)
def own_environment(tools: Path, tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """This test's PATH and temporary folder (subprocesses and CliRunner inherit both)."""
    temporary = tmp_path_factory.mktemp("tmp")
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    yield temporary


def copy_sample(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "publish.yaml", target / "publish.yaml")
    shutil.copytree(REPO / "manuscript", target / "manuscript")
    return target


def write_project(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


PHOTO = (REPO / "manuscript" / "images" / "trao-giai-placeholder.jpg").read_bytes()

BOOK = {
    "publish.yaml": """
        title: Tuyển tập Lạng Sơn
        subtitle: Ba bài viết thử nghiệm
        authors: [Nhóm biên tập]
        publisher: Báo Lạng Sơn
        date: 2024-03-15
        language: vi
        print:
          trim: A5
          bleed: 3mm
          marks: true
        """,
    "manuscript/01-mot.md": """
        ---
        title: Bài thứ nhất về đô thị
        date: 2024-03-11
        place: Thành phố Lạng Sơn
        byline: AN NHIÊN
        lead: Phần mở đầu **đậm** của bài thứ nhất.
        ---

        ![Chú thích ảnh thứ nhất](images/anh.jpg){alt="Mô tả ảnh thứ nhất" credit="Ảnh: An Nhiên"}

        ## Mục một

        Đoạn văn có *nhấn mạnh*, **chữ đậm**, `mã` và [liên kết](https://baolangson.vn).[^ghi]

        > Trích dẫn của một cán bộ phường.

        - Ý thứ nhất
        - Ý thứ hai

        1. Bước một
        2. Bước hai

        [^ghi]: Ghi chú cuối bài, có *nghiêng*.
        """,
    "manuscript/02-hai.md": """
        ---
        title: Bài thứ hai có bảng số liệu
        date: 2024-03-12
        ---

        ## Số liệu

        | Năm | Số lớp | Học viên |
        |:----|------:|--------:|
        | 2019 | 2 | 120 |
        | 2020 | 3 | 185 |

        ### Nhận xét

        Bảng trên cho thấy số học viên tăng đều.
        """,
    "manuscript/03-ba.md": """
        ---
        title: Bài thứ ba với hai ảnh
        ---

        Đoạn mở đầu của bài thứ ba.

        ![Ảnh đầu tiên của bài ba](images/anh.jpg){alt="Ảnh thứ hai, mô tả khác"}

        Đoạn giữa hai ảnh.

        ![Ảnh cuối của bài ba](images/anh.jpg){alt="Ảnh thứ ba" credit="Ảnh: Tư liệu"}

        Đoạn kết.
        """,
    "manuscript/images/anh.jpg": PHOTO,
}


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> publish.BuildResult:
    root = copy_sample(tmp_path_factory.mktemp("sample"))
    return publish.build(root, environ=ENV)


@pytest.fixture(scope="session")
def book(tmp_path_factory: pytest.TempPathFactory) -> publish.BuildResult:
    root = write_project(tmp_path_factory.mktemp("book"), BOOK)
    return publish.build(root, environ=ENV)


@pytest.fixture(scope="session")
def epubcheck_reports(
    sample: publish.BuildResult, book: publish.BuildResult, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict]:
    """EPUBCheck starts a JVM per run (seconds each): run it once per book, both at the same time."""
    folder = tmp_path_factory.mktemp("epubcheck")
    jobs = {"sample": sample.outputs[0], "book": book.outputs[0]}
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(epubcheck, path, folder / f"{name}.json") for name, path in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


@pytest.fixture(scope="session")
def sample_dist(sample: publish.BuildResult) -> Path:
    """The sample's dist/ folder after a real build (copied into every hostile project, see tests.hostile)."""
    return sample.outputs[0].parent
