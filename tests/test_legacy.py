"""Legacy Vietnamese encodings: real byte sequences (tests/fixtures/legacy/letters.tsv, made by GNU
libc's iconv and an independent VNI converter) read as Windows-1252, detected, named and converted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from publish.text import legacy
from publish.text.legacy import TCVN3, VISCII, VNI, LegacyEncoding, detect, read_as_windows_1252
from tests.helpers import REPO, SEED

FIXTURE = REPO / "tests" / "fixtures" / "legacy" / "letters.tsv"
COLUMNS = {"TCVN3": 1, "VISCII": 2, "VNI": 3}
CARRIER = "Cộng hòa xã hội chủ nghĩa Việt Nam"


def rows() -> list[list[str]]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if not line.startswith("#")]


def spelled(encoding: LegacyEncoding, letter: str) -> bytes | None:
    """The real bytes of ``letter`` in ``encoding``, when the encoding can represent it."""
    row = next(r for r in rows() if r[0] == letter)
    cell = row[COLUMNS[encoding.name]].split()[0]
    if cell == "-":
        return None
    data = bytes.fromhex(cell)
    # TCVN3 (the ABC fonts, TCVN 5712:1993 VN3) has no toned capitals: glibc's TCVN5712-1 is the wider
    # VN1, which puts them at 0x01-0x17, 0x80-0x9F and a few codes VN3 leaves empty.
    if encoding is TCVN3 and letter.isupper() and letter not in "ĂÂÊÔƠƯĐ":
        return None
    return data


def encode(encoding: LegacyEncoding, text: str) -> bytes:
    out = b""
    for ch in text:
        data = spelled(encoding, ch) if ch.lower() in legacy.VIETNAMESE_LETTERS and not ch.isascii() else None
        out += data if data is not None else ch.encode("ascii")
    return out


def letters(encoding: LegacyEncoding) -> list[str]:
    return [row[0] for row in rows() if not row[0].isascii() and spelled(encoding, row[0]) is not None]


def test_fixture_covers_every_vietnamese_vowel_letter() -> None:
    assert len(rows()) == 2 * 73  # a e i o u y with every shape and tone, and đ, in both cases
    assert {row[0] for row in rows()} >= set("ắằẳẵặấầẩẫậếềểễệốồổỗộớờởỡợứừửữựỳýỷỹỵđ")


@pytest.mark.parametrize("encoding", [TCVN3, VNI, VISCII], ids=lambda e: e.name)
def test_every_letter_converts_back(encoding: LegacyEncoding) -> None:
    wrong = {}
    for letter in letters(encoding):
        shown = read_as_windows_1252(spelled(encoding, letter) or b"")
        if encoding.convert(shown) != letter:
            wrong[letter] = (shown, encoding.convert(shown))
    assert wrong == {}
    # what each encoding can represent: TCVN3 the 67 lower-case letters and 7 untoned capitals, the others
    # all 134 (67 letters with a diacritic, đ included, in both cases)
    assert len(letters(encoding)) == {"TCVN3": 67 + 7, "VNI": 134, "VISCII": 134}[encoding.name]


@pytest.mark.parametrize("encoding", [TCVN3, VNI, VISCII], ids=lambda e: e.name)
def test_every_letter_is_detected_in_running_text(encoding: LegacyEncoding) -> None:
    missed = {}
    for letter in letters(encoding):
        word = f"{letter}a" if letter in "đĐ" else f"t{letter}n" if letter.islower() else f"{letter}n"
        line = f"{CARRIER} {word}"
        shown = read_as_windows_1252(encode(encoding, line))
        found = detect(shown)
        if found is None or found.encoding is not encoding or found.apply(shown) != line:
            missed[letter] = (shown, found and (found.encoding.name, found.apply(shown)))
    assert missed == {}


def test_glibc_iconv_agrees_with_the_fixture() -> None:
    """The TCVN3 and VISCII columns are what this machine's iconv produces (the fixture is not stale)."""
    for letter in ("ộ", "ư", "Đ", "ỹ"):
        for name, codec in (("TCVN3", "TCVN5712-1"), ("VISCII", "VISCII")):
            done = subprocess.run(["iconv", "-f", "UTF-8", "-t", codec], input=letter.encode(),
                                  capture_output=True, check=True)
            row = next(r for r in rows() if r[0] == letter)
            assert done.stdout.hex() == row[COLUMNS[name]]


def as_typed_in_tcvn3(paragraph: str) -> str:
    """TCVN3 has no toned capitals: ABC users typed their lower-case codes, drawn as capitals by the
    .VnTimeH fonts. Outside all-capital lines that case is lost for good."""
    return "".join(ch.lower() if not ch.isascii() and ch.isupper() and ch not in "ĂÂÊÔƠƯĐ" else ch
                   for ch in paragraph)


def test_seed_article_in_tcvn3_is_detected_and_fixed() -> None:
    """The whole seed, encoded by iconv as TCVN3 and opened as Windows-1252, becomes the seed again."""
    text = SEED.read_text(encoding="utf-8").replace("\u00d0", "Đ").replace("…", "...").replace("–", "-")
    paragraphs = [" ".join(p.replace("\u00a0", " ").split()) for p in text.split("\n") if p.strip()]
    for paragraph in paragraphs:  # (TCVN3 has no … or –)
        typed = as_typed_in_tcvn3(paragraph)
        data = subprocess.run(["iconv", "-f", "UTF-8", "-t", "TCVN5712-1"], input=typed.encode(),
                              capture_output=True, check=True).stdout
        shown = read_as_windows_1252(data)
        found = detect(shown)
        if shown.isascii():
            continue
        assert found is not None and found.encoding is TCVN3, paragraph
        capitals = paragraph.upper() == paragraph
        assert found.apply(shown) == (paragraph if capitals else typed)


@pytest.mark.parametrize(("shown", "encoding", "expected"), [
    ("Céng hßa x· héi chñ nghÜa ViÖt Nam", "TCVN3", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Céng hßa", "TCVN3", "Cộng hòa"),
    ("CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM", "TCVN3", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "VNI", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("COÄNG HOØA XAÕ HOÄI", "VNI", "CỘNG HÒA XÃ HỘI"),
    ("Cµng hòa xã hµi chü nghîa Vi®t Nam", "VISCII", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
])
def test_known_mojibake(shown: str, encoding: str, expected: str) -> None:
    found = detect(shown)
    assert found is not None and found.encoding.name == encoding
    assert found.apply(shown) == expected


@pytest.mark.parametrize("text", [
    "Cộng hòa xã hội chủ nghĩa Việt Nam",
    "Tôi là người Việt, tôi ở Hà Nội",
    "Bà Hà Thị Thu và ông Lê Văn Tám",
    "Ðể đạt được mục tiêu",  # the seed's look-alike Đ is a letter fix, not an encoding
    "Ich heiße Müller und wohne in Zürich",
    "São Paulo, Ångström, café crème, Straße",
    "Tôi ở på Straße",
    "Nhà máy số 5, đường 1/5, 100% vốn",
    "LSO- Ngày 31/5, Thành ủy Lạng Sơn",
])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert detect(text) is None


def test_a_legacy_file_saved_as_windows_1252_is_read_line_by_line(tmp_path: Path) -> None:
    from publish.proofread import fix

    (tmp_path / "publish.yaml").write_text("title: Thử\n", encoding="utf-8")
    chapter = tmp_path / "manuscript" / "01.md"
    chapter.parent.mkdir()
    chapter.write_bytes("---\ntitle: Bài cũ\n---\n\n".encode() + encode(TCVN3, CARRIER) + b"\n")
    result = fix(tmp_path)
    assert chapter.read_text(encoding="utf-8") == f"---\ntitle: Bài cũ\n---\n\n{CARRIER}\n"
    assert [d.code for d in result.changes] == ["M001", "T009"]
    assert result.changed == ("manuscript/01.md",)
