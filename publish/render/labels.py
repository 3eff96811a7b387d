"""Words the book itself prints (navigation, notes, colophon), in the book's language."""

from __future__ import annotations

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
        "published": "Ngày phát hành",
        "identifier": "Mã định danh",
        "fonts": "Phông chữ",
        "summary": "Ấn phẩm có mục lục điều hướng và tiêu đề có cấu trúc, văn bản chỉnh được cỡ chữ.",
        "summary_alt": " Mọi hình ảnh đều có văn bản thay thế.",
        "summary_no_alt": " Một số hình ảnh chưa có văn bản thay thế.",
        "summary_pages": " Số trang của bản in được đánh dấu trong văn bản.",
        "page_list": "Số trang bản in",
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
    },
}


def labels_for(language: str) -> dict[str, str]:
    return LABELS.get(language.lower().split("-")[0], LABELS["en"])
