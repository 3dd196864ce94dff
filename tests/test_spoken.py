"""Spoken form: what the voice will say, with noise removed and abbreviations expanded."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from broadcaster.spoken import normalise

SEED = (
    Path(__file__).resolve().parent / "data" / "ke-hoach-tuyen-truyen-cchc-2024.txt"
)  # the town's 2024 plan


@pytest.mark.parametrize(
    ("text", "spoken"),
    [
        ("Công tác CCHC năm nay.", "Công tác cải cách hành chính năm nay."),
        (
            "UBND thị trấn và HĐND thị trấn.",
            "Ủy ban nhân dân thị trấn và Hội đồng nhân dân thị trấn.",
        ),
        ("Giải quyết TTHC đúng hẹn.", "Giải quyết thủ tục hành chính đúng hẹn."),
        ("Kế hoạch cải cách hành chính (CCHC) năm 2024.", "Kế hoạch cải cách hành chính năm 2024."),
        ("Phát triển KT-XH bền vững.", "Phát triển kinh tế - xã hội bền vững."),
        ("Mã CCHCX không phải viết tắt.", "Mã CCHCX không phải viết tắt."),
        ("Xem tại https://dichvucong.gov.vn/p/home nhé.", "Xem tại nhé."),
        ("Gửi thư về vanphong@yenmy.gov.vn để góp ý.", "Gửi thư về để góp ý."),
        ("Người dân\ncó thể nộp\nhồ sơ trực tuyến.", "Người dân có thể nộp hồ sơ trực tuyến."),
        ("Câu một. Câu hai!", "Câu một.\nCâu hai!"),
        ("Đoạn một.\n\n\n\nĐoạn hai.", "Đoạn một.\n\nĐoạn hai."),
        ("Nội dung.\n- 3 -\nTrang 2\n..........\n____\nTiếp theo.", "Nội dung.\n\nTiếp theo."),
        ("I. MỤC ĐÍCH, YÊU CẦU\n1. Mục đích", "I. MỤC ĐÍCH, YÊU CẦU\n\n1. Mục đích"),
    ],
)
def test_rules(text: str, spoken: str) -> None:
    assert normalise(text).text == spoken


def test_seed_plan_has_no_urls_or_raw_abbreviations() -> None:
    spoken = normalise(SEED.read_text(encoding="utf-8"))
    assert "http" not in spoken.text and "www." not in spoken.text
    for short in ("CCHC", "UBND", "HĐND", "TTHC"):
        assert short not in spoken.text.split()
    assert unicodedata.is_normalized("NFC", spoken.text)
    assert len(spoken.sentences) > 50
