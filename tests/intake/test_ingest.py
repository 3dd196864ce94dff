"""Ingest: every encoding a town office produces comes in as NFC text; bad files are refused."""

from __future__ import annotations

import codecs
import io
import unicodedata

import docx
import pytest

from broadcaster.intake.parse import ScriptRejected, clean_topic, clean_week, parse_script
from broadcaster.spoken import normalise


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed base letters (â, ơ, đ) plus combining tone marks."""
    out = []
    for char in unicodedata.normalize("NFD", text):
        if not unicodedata.combining(char):
            out.append([char, []])
            continue
        base, marks = out[-1]
        joined = unicodedata.normalize("NFC", base + char)
        if len(joined) == 1 and joined.encode("cp1258", "ignore"):
            out[-1][0] = joined
        else:
            marks.append(char)
    return "".join(base + "".join(marks) for base, marks in out).encode("cp1258")


TEXT = "Thông báo về cải cách hành chính: Ủy ban nhân dân thị trấn tiếp nhận hồ sơ trực tuyến."


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        # Windows' Vietnamese code page writes tone marks as combining characters.
        (to_cp1258(TEXT), "cp1258"),
        (unicodedata.normalize("NFD", TEXT).encode("utf-8"), "utf-8"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16-bom",
        "utf16be-bom",
        "utf16le-nobom",
        "utf16be-nobom",
        "cp1258",
        "utf8-nfd",
    ],
)
def test_text_encodings_become_nfc(data: bytes, encoding: str) -> None:
    item = parse_script(data, "ban-tin.txt", topic="c")
    assert item.body == TEXT
    assert unicodedata.is_normalized("NFC", item.body)
    assert item.encoding == encoding
    assert item.title == TEXT


def test_markdown_front_matter_sets_title_topic_week() -> None:
    data = (
        "---\ntitle: Một cửa\ntopic: dd\nweek: 2024-w10\n---\n# Tiêu đề\nNội dung bản tin.".encode()
    )
    item = parse_script(data, "a.md")
    assert (item.title, item.topic, item.week) == ("Một cửa", "đ", "2024-W10")
    assert item.body == "# Tiêu đề\nNội dung bản tin."


def test_options_override_front_matter() -> None:
    data = "---\ntitle: Cũ\ntopic: a\n---\nNội dung.".encode()
    item = parse_script(data, "a.md", title="Mới", topic="b", week="2024-W11")
    assert (item.title, item.topic, item.week) == ("Mới", "b", "2024-W11")


def test_docx_paragraphs_are_read() -> None:
    document = docx.Document()
    document.add_paragraph("Bản tin cải cách hành chính")
    document.add_paragraph("Người dân có thể nộp hồ sơ trực tuyến.")
    buffer = io.BytesIO()
    document.save(buffer)
    item = parse_script(buffer.getvalue(), "ban-tin.docx", topic="c")
    assert item.body == "Bản tin cải cách hành chính\nNgười dân có thể nộp hồ sơ trực tuyến."
    assert item.encoding == "docx"
    assert item.title == "Bản tin cải cách hành chính"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.txt", "is empty"),
        (b"   \n\n  ", "a.txt", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "a.txt", "binary"),
        (b"abc\x01\x02\x03def", "a.txt", "binary"),
        (b"Th\x81ng b\x8d\x90", "a.txt", "encoding"),
        (b"PK\x03\x04 not really a zip", "a.docx", "Word"),
        ("Nội dung".encode(), "a.pdf", "only .txt, .md and .docx"),
        ("---\ntitle: x\nNội dung".encode(), "a.md", "never closed"),
        ("---\ntitle: x\n---\n   ".encode(), "a.md", "has no text"),
    ],
)
def test_bad_files_are_refused_with_a_sentence(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ScriptRejected, match=message) as info:
        parse_script(data, name, topic="a")
    assert str(info.value).endswith(".")


def test_a_file_without_a_topic_reads_and_a_cchc_bulletin_without_one_is_refused() -> None:
    """Only a CCHC bulletin needs a plan topic (issue 24): the file reads; filing it as CCHC
    is refused, as an emergency or a notice it keeps no topic."""
    from broadcaster.enums import Kind
    from broadcaster.services.filing import plan_topic

    item = parse_script("Nội dung.".encode(), "a.txt")
    assert item.topic is None
    with pytest.raises(ScriptRejected, match="a.txt is a CCHC bulletin without a plan topic"):
        plan_topic(Kind.CCHC, item.topic, "a.txt")
    assert plan_topic(Kind.NOTICE, None, "a.txt") is None


@pytest.mark.parametrize("raw", ["e", "1", "aa", ""])
def test_unknown_topics_are_refused(raw: str) -> None:
    with pytest.raises(ScriptRejected, match="not one of the plan's topics"):
        clean_topic(raw)


@pytest.mark.parametrize("raw", ["2024-10", "2024-W54", "W10", "2024-W1"])
def test_bad_weeks_are_refused(raw: str) -> None:
    with pytest.raises(ScriptRejected, match="ISO week"):
        clean_week(raw)


def test_topic_accepts_decomposed_and_capital_d_stroke() -> None:
    assert clean_topic(unicodedata.normalize("NFD", "Đ")) == "đ"
    assert clean_topic("DD") == "đ"


def test_docx_tables_become_markdown_rows_in_reading_order() -> None:
    document = docx.Document()
    document.add_paragraph("Lịch tiếp công dân")
    table = document.add_table(rows=3, cols=3)
    values = [
        ("Tháng", "Người tiếp", "Chức vụ"),
        ("Tháng 7", "Nguyễn Văn A", "Chủ tịch"),
        ("Tháng 8", "Trần Văn B", "Phó Chủ tịch"),
    ]
    for row, texts in zip(table.rows, values, strict=True):
        for cell, text in zip(row.cells, texts, strict=True):
            cell.text = text
    merged = document.add_table(rows=1, cols=2)
    merged.cell(0, 0).merge(merged.cell(0, 1)).text = "Ghi chú chung"
    document.add_paragraph("Trân trọng thông báo.")
    buffer = io.BytesIO()
    document.save(buffer)
    item = parse_script(buffer.getvalue(), "lich.docx", topic="c")
    assert item.body == (
        "Lịch tiếp công dân\n"
        "| Tháng | Người tiếp | Chức vụ |\n| --- | --- | --- |\n"
        "| Tháng 7 | Nguyễn Văn A | Chủ tịch |\n| Tháng 8 | Trần Văn B | Phó Chủ tịch |\n"
        "| Ghi chú chung |\nTrân trọng thông báo."
    )
    spoken = normalise(item.body).text
    assert "Tháng bảy, Nguyễn Văn A, Chủ tịch.\n\nTháng tám, Trần Văn B, Phó Chủ tịch." in spoken
    assert "Người tiếp" not in spoken
