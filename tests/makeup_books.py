"""Books made to provoke every fault of page make-up (tests/test_makeup.py lays them out and measures them).

- long all-caps titles and headings at every level whose lines stack Ẳ Ổ Ỗ Ẫ Ữ over g, p, y, ỵ, ộ;
- figures anchored at every distance from a page end (one article per distance);
- articles that end a few lines into a page (one per number of lines);
- notes, long URLs, number ranges and units at line ends.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PHOTO, write_project

CAPS = "ĐẠI HỘI ĐẢNG BỘ ẲNG ỔN ĐỊNH ỖNG ẪY ỮNG ĐỒNG LÒNG ĐỘT PHÁ QUYẾT LIỆT ỴÊN ỢP ĐỖ"
LOW = "gặp gỡ giúp đỡ quyết liệt ỵ ộp gạy pỵ"
# Sentences of ordinary prose; a paragraph (about six lines in the shipped design) is five of them, each
# paragraph of the book a different five (the parity check aligns texts, which identical paragraphs confuse).
SENTENCES = (
    "Nhiệm kỳ vừa qua, thành phố Lạng Sơn đạt nhiều kết quả trong phát triển kinh tế – xã hội.",
    "Nổi bật là việc thành phố trở thành đô thị loại II.",
    "Để đạt được kết quả đó, thành phố đã nỗ lực triển khai nhiều nhiệm vụ, từ thu hút đầu tư đến mở rộng quy "
    "hoạch, cải cách hành chính, xây dựng nếp sống văn minh đô thị.",
    "Đây là những nhiệm vụ khó khăn, đòi hỏi đội ngũ cán bộ lãnh đạo đổi mới tư duy.",
    "Cán bộ luân chuyển về cơ sở luôn được chọn lựa kỹ, là những đồng chí có trình độ, năng lực, nhiệt huyết.",
    "Việc mở các lớp đào tạo ngay tại địa bàn đã tạo điều kiện chuẩn hóa về trình độ lý luận chính trị.",
    "Ban Thường vụ Thành ủy đã chỉ đạo các cơ quan tham mưu xây dựng kế hoạch đào tạo, bồi dưỡng cán bộ.",
)
_COUNT = [0]


def prose() -> str:
    """The next paragraph of prose: five sentences, a different five each time, numbered."""
    _COUNT[0] += 1
    number = _COUNT[0]
    chosen = [SENTENCES[(number * 3 + step) % len(SENTENCES)] for step in range(5)]
    return f"Đoạn {number}. " + " ".join(chosen)
SHORT = "Trong nhiệm kỳ 2015 – 2020, 26 đồng chí được điều động, luân chuyển về cơ sở."

CONFIG = """\
title: Sách thử dàn trang
authors: [Nhóm biên tập]
publisher: Nhà xuất bản Thử Nghiệm
date: 2024-09-02
language: vi
print:
  trim: 145mm x 205mm
  bleed: 3mm
  marks: true
"""


def _article(title: str, body: str, lead: str = "") -> str:
    head = f"---\ntitle: {title}\n" + (f"lead: {lead}\n" if lead else "") + "---\n\n"
    return head + body + "\n"


def titles() -> str:
    """Headings at every level in capitals stacked over descenders, each long enough for three lines."""
    heading = f"{CAPS} {LOW} {CAPS}"
    body = "\n\n".join(f"{'#' * level} {heading}\n\n{prose()}" for level in range(2, 7))
    return _article(f"{CAPS} {LOW}", body, lead=prose())


def figure_at(paragraphs: int, lines: int) -> str:
    """An article whose figure comes after ``paragraphs`` paragraphs and ``lines`` one-line paragraphs:
    across a series of these, figures fall at every distance from a page's end."""
    text = [prose() for _ in range(paragraphs)] + [SHORT] * lines
    photo = '![Ban tổ chức trao giải cho thí sinh](images/anh.jpg){alt="Ảnh trao giải" credit="Ảnh: Tư liệu"}'
    return _article(f"Ảnh sau {paragraphs} đoạn và {lines} dòng",
                    "\n\n".join([*text, photo, *[prose() for _ in range(4)]]))


def ending(paragraphs: int, lines: int) -> str:
    """An article that ends ``lines`` short paragraphs after ``paragraphs`` long ones."""
    return _article(f"Bài dài {paragraphs} đoạn và {lines} dòng",
                    "\n\n".join([prose() for _ in range(paragraphs)] + [SHORT] * lines))


def balanced() -> str:
    """A title that breaks with one short word alone on its last line (balanced: its lines even)."""
    return _article("Người làm báo ở Lạng Sơn với nghề", "\n\n".join(prose() for _ in range(3)))


def notes_and_links() -> str:
    body = "\n\n".join([
        prose() + " Theo số liệu[^a], tỷ lệ đạt 12,5 % năm 2023 – 2024, tăng 3 km đường và 200.000 đồng mỗi suất.",
        "Xem chi tiết tại <https://baolangson.vn/chu-trong-xay-dung-doi-ngu-can-bo-lanh-dao-quan-ly-cac-cap-"
        "5012345.html> và [trang của Thành ủy](https://thanhuy.langson.gov.vn/tin-tuc/xay-dung-dang/"
        "cong-tac-can-bo-nhiem-ky-2020-2025.html).",
        *[prose() + " Giai đoạn 2010 – 2015 và 2016 – 2020, 2021 – 2025." for _ in range(3)],
        "[^a]: Số liệu của Ban Tổ chức Thành ủy, năm 2024.",
    ])
    return _article("Chú thích, liên kết và khoảng số", body)


def write(root: Path, figures: range = range(4, 20, 2), endings: range = range(0, 6)) -> Path:
    _COUNT[0] = 0  # (the same book every time)
    files: dict[str, str | bytes] = {"publish.yaml": CONFIG, "manuscript/images/anh.jpg": PHOTO,
                                     "manuscript/01-tieu-de.md": titles(),
                                     "manuscript/02-chu-thich.md": notes_and_links(),
                                     "manuscript/90-can-bang.md": balanced()}
    number = 3
    for lines in figures:
        files[f"manuscript/{number:02d}-anh.md"] = figure_at(1, lines)
        number += 1
    for lines in endings:
        files[f"manuscript/{number:02d}-ket.md"] = ending(7, lines)
        number += 1
    return write_project(root, files)
