"""Words the book itself prints (navigation, notes, colophon), in the book's language."""

from __future__ import annotations

import re

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "toc": "Mục lục",
        "landmarks": "Điểm mốc",
        "cover": "Bìa",
        "cover_alt": "Bìa sách: {title}",
        "titlepage": "Trang tên sách",
        "colophon": "Thông tin xuất bản",
        "notes": "Chú thích",
        "back": "Quay lại chỗ đọc",
        "start": "Bắt đầu đọc",
        "publisher": "Nhà xuất bản",
        # "Phát hành ngày 2 tháng 9 năm 2024": a Vietnamese colophon puts the date in words inside a phrase
        # ("In xong và nộp lưu chiểu tháng 9 năm 2024"); "Ngày phát hành: ngày 2 …" would say "ngày" twice,
        # and "02/09/2024" reads like a form field.
        "published": "Phát hành",
        "identifier": "Mã định danh",
        "fonts": "Phông chữ",
        "summary": "Ấn phẩm có mục lục điều hướng và tiêu đề có cấu trúc, văn bản chỉnh được cỡ chữ.",
        "summary_alt": " Mọi hình ảnh đều có văn bản thay thế.",
        "summary_no_alt": " Một số hình ảnh chưa có văn bản thay thế.",
        "summary_pages": " Số trang của bản in được đánh dấu trong văn bản.",
        "page_list": "Số trang bản in",
        "page": "trang",
    },
    "en": {
        "toc": "Contents",
        "landmarks": "Landmarks",
        "cover": "Cover",
        "cover_alt": "Cover: {title}",
        "titlepage": "Title page",
        "colophon": "Colophon",
        "notes": "Notes",
        "back": "Back to the text",
        "start": "Start reading",
        "publisher": "Publisher",
        "published": "Published",
        "identifier": "Identifier",
        "fonts": "Typefaces",
        "summary": "The publication has a navigable table of contents and structured headings; text can be resized.",
        "summary_alt": " Every image has a text alternative.",
        "summary_no_alt": " Some images have no text alternative.",
        "summary_pages": " The page numbers of the print edition are marked in the text.",
        "page_list": "Print page numbers",
        "page": "page",
    },
}


def labels_for(language: str) -> dict[str, str]:
    return LABELS.get(language.lower().split("-")[0], LABELS["en"])


# Words a publisher's name may begin with; the colophon does not print the label before them again.
PUBLISHER_WORDS = ("nhà xuất bản", "nxb", "publisher", "publishing house")
_STANDARD_ID = re.compile(r"(?:urn:)?(isbn|issn|doi)[:\s]\s*(\S.*)", re.IGNORECASE)
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def publisher_line(publisher: str, language: str) -> str:
    """'Nhà xuất bản: Báo Lạng Sơn'; a name that already says what it is ('Nhà xuất bản Kim Đồng',
    'NXB Trẻ', in any case) is printed alone."""
    label = labels_for(language)["publisher"]
    folded = publisher.casefold()
    if any(re.match(rf"{re.escape(word)}(?!\w)", folded) for word in (label.casefold(), *PUBLISHER_WORDS)):
        return publisher
    return f"{label}: {publisher}"


def identifier_line(identifier: str, language: str) -> str:
    """The identifier as the colophon prints it: 'ISBN 978-604-…' for ``urn:isbn:978-604-…`` (ISSN and
    DOI alike), the label and the value for another identifier the author gave, and nothing for a UUID:
    publish derives one when none is given, and it names the file for reading systems, not the book
    for readers."""
    value = identifier.strip()
    if not value or _UUID.search(value):
        return ""
    standard = _STANDARD_ID.fullmatch(value)
    if standard is not None:
        return f"{standard.group(1).upper()} {standard.group(2)}"
    return f"{labels_for(language)['identifier']}: {value}"
