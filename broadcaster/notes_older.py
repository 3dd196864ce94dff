"""Notes from before notes had codes: the English sentences older releases kept in an airing
row, put into Vietnamese for the web page and the Office's files (`broadcaster.notes` keeps
the notes written since)."""

from __future__ import annotations

import re

# The sentences older releases kept in an airing row, before notes had codes.
OLDER_VI = [
    (re.compile(pattern), words)
    for pattern, words in (
        (
            r"Not aired in the slot (.+) at (.+?): no daemon was airing at the slot's time "
            r"\(this one started at (.+)\)\.",
            "Không phát trong khung giờ {} lúc {}: lúc đó chương trình phát tự động không chạy "
            "(chỉ chạy từ {}).",
        ),
        (
            r"Not aired in the slot (.+) at (.+?): the slot was cut off before its turn .*",
            "Không phát trong khung giờ {} lúc {}: khung giờ bị ngắt trước lượt bản tin này.",
        ),
        (
            r"Not aired in the slot (.+) at (.+?): the slot did not start within (\d+) minutes.*",
            "Không phát trong khung giờ {} lúc {}: khung giờ không bắt đầu được trong vòng {} phút.",
        ),
        (
            r"The daemon stopped during this airing\.",
            "Chương trình phát tự động được tắt khi đang phát bản tin này.",
        ),
        (
            r"The daemon stopped before this bulletin reached the speakers\.",
            "Chương trình phát tự động ngừng trước khi bản tin ra loa.",
        ),
        (
            r"Aired while the database did not answer; the entry was aired again\.",
            ("Đã phát khi cơ sở dữ liệu không trả lời; mục này cũng đã được phát ở một lượt khác."),
        ),
        (
            r"The player command exited with code (-?\d+)\.?.*",
            "Lệnh phát âm thanh báo lỗi (mã {}). Báo kỹ thuật viên.",
        ),
        (
            r"The daemon was not running at the slot's time\.",
            "Lúc đó chương trình phát tự động không chạy.",
        ),
        (r"An emergency bulletin interrupted it\.", "Dừng để phát bản tin khẩn."),
    )
]


def older_vietnamese(stored: str) -> str:
    """An older release's sentence in Vietnamese; a text in Vietnamese already as it is; any
    other as it is, after a word saying it is an older English note."""
    for pattern, words in OLDER_VI:
        if matched := pattern.fullmatch(stored.strip()):
            return words.format(*matched.groups())
    tokens = stored.split()
    if sum(1 for token in tokens if _VIETNAMESE.search(token)) * 3 >= len(tokens):
        return stored  # written in Vietnamese already (a third of its words have its letters)
    return f"Ghi chú của phiên bản cũ (tiếng Anh): {stored}"


# A letter only Vietnamese writes (a vowel with a tone or hat, or đ): the text is Vietnamese.
_VIETNAMESE = re.compile(
    r"[àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ]", re.I
)
