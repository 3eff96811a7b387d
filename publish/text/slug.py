"""File-name slugs and ASCII folding for Vietnamese titles."""

from __future__ import annotations

import re
import unicodedata

# Letters that have no ASCII decomposition: Unicode does not decompose Đ to D.
_FOLD = str.maketrans({"Đ": "D", "đ": "d", "Ð": "D", "ð": "d", "Ɖ": "D", "ɖ": "d", "Ø": "O", "ø": "o"})


def fold_ascii(text: str) -> str:
    """'Chú trọng Đảng bộ' -> 'Chu trong Dang bo'."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).encode("ascii", "ignore").decode()


def slugify(text: str, max_length: int = 80) -> str:
    """A lowercase ASCII slug cut at a word boundary; never empty."""
    words = re.findall(r"[a-z0-9]+", fold_ascii(text).lower())
    slug = ""
    for word in words:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug or (words[0][:max_length] if words else "book")
