"""Same inputs, same bytes: no clock, no randomness, no absolute paths in the outputs."""

from __future__ import annotations

import time
from pathlib import Path

import publish
from tests.conftest import ENV, copy_sample


def test_two_builds_in_different_folders_are_byte_identical(
    sample: publish.BuildResult, tmp_path: Path
) -> None:
    """Every format (EPUB, the PDF/X-4 press PDF, the tagged screen PDF), built seconds apart."""
    time.sleep(1.1)  # a clock read anywhere would now give another second
    again = publish.build(copy_sample(tmp_path / "elsewhere" / "copy"), environ=ENV, force=True)
    assert [p.name.split(".", 1)[1] for p in again.outputs] == ["epub", "print.pdf", "screen.pdf"]
    for first, second in zip(sample.outputs, again.outputs, strict=True):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes(), first.name


def test_source_date_epoch_sets_the_modified_date(tmp_path: Path) -> None:
    import zipfile

    result = publish.build(copy_sample(tmp_path), environ={**ENV, "SOURCE_DATE_EPOCH": "1700000000"})
    with zipfile.ZipFile(result.outputs[0]) as book:
        assert b"2023-11-14T22:13:20Z" in book.read("EPUB/content.opf")
        infos = book.infolist()
    assert infos[0].filename == "mimetype" and infos[0].compress_type == zipfile.ZIP_STORED
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
