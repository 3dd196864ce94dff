"""Word letterheads in the shapes offices use (issue 26 item 4): a two-column table, paragraphs,
text boxes. The title is the document's own title, never the issuer; the dateline and the
recipients are never read; a Word 97-2003 .doc is refused with a sentence that says what to do."""

from __future__ import annotations

import io
from typing import Callable

import docx
import pytest
from docx.document import Document
from docx.oxml import parse_xml

from broadcaster.errors import Code, english
from broadcaster.intake.letterhead import document_title
from broadcaster.intake.parse import ScriptRejected, parse_script
from broadcaster.spoken import normalise
from web.messages import vietnamese

ISSUER = ["ỦY BAN NHÂN DÂN", "XÃ AN BÌNH", "________"]
MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "______________"]
NUMBER = "Số: 125/TB-UBND"
DATELINE = "An Bình, ngày 02 tháng 12 năm 2026"
TITLE = ["THÔNG BÁO", "Về việc tạm ngừng cung cấp điện để bảo dưỡng lưới điện"]
BODY = [
    "Ủy ban nhân dân xã An Bình thông báo đến toàn thể Nhân dân trên địa bàn xã.",
    "Điện lực huyện sẽ tạm ngừng cung cấp điện từ 7 giờ đến 17 giờ ngày 05/12/2026.",
    "Đề nghị Nhân dân chủ động sắp xếp công việc.",
]
RECIPIENTS = ["Nơi nhận:", "- Như trên;", "- Thường trực Đảng ủy;", "- Lưu: VT."]
SIGNATURE = ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "(Đã ký)", "Nguyễn Văn An"]


def _cell(cell, lines: list[str]) -> None:  # type: ignore[no-untyped-def]
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def _table_letterhead(document: Document) -> None:
    table = document.add_table(rows=2, cols=2)
    _cell(table.cell(0, 0), ISSUER)
    _cell(table.cell(0, 1), MOTTO)
    _cell(table.cell(1, 0), [NUMBER])
    _cell(table.cell(1, 1), [DATELINE])


def _paragraph_letterhead(document: Document) -> None:
    for line in [*ISSUER[:2], NUMBER, *MOTTO[:2], DATELINE]:
        document.add_paragraph(line)


_WPS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _text_box(lines: list[str]) -> str:
    """A run holding a text box as Word writes it: DrawingML, and the same box as VML."""
    paragraphs = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in lines)
    content = f"<w:txbxContent>{paragraphs}</w:txbxContent>"
    return (
        f'<w:r {_WPS}><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp>'
        f"<wps:txbx>{content}</wps:txbx></wps:wsp></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox>{content}</v:textbox></v:shape></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r>"
    )


def _text_box_letterhead(document: Document) -> None:
    anchor = document.add_paragraph()
    anchor._p.append(parse_xml(_text_box([*ISSUER[:2], NUMBER])))
    anchor._p.append(parse_xml(_text_box(MOTTO[:2])))
    document.add_paragraph(DATELINE)


def _letter(letterhead: Callable[[Document], None], signature_table: bool = True) -> bytes:
    document = docx.Document()
    letterhead(document)
    for line in [*TITLE, *BODY]:
        document.add_paragraph(line)
    if signature_table:
        table = document.add_table(rows=1, cols=2)
        _cell(table.cell(0, 0), RECIPIENTS)
        _cell(table.cell(0, 1), SIGNATURE)
    else:
        for line in [*SIGNATURE, *RECIPIENTS]:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


SHAPES = {
    "two-column table": _table_letterhead,
    "paragraphs": _paragraph_letterhead,
    "text boxes": _text_box_letterhead,
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize(
    "signature_table", [True, False], ids=["signature-table", "signature-lines"]
)
def test_a_letterhead_is_recognised_in_every_shape(shape: str, signature_table: bool) -> None:
    item = parse_script(_letter(SHAPES[shape], signature_table), "thong-bao.docx", topic="c")
    assert item.title == " ".join(TITLE)
    spoken = normalise(item.body)
    assert spoken.sentences[0] == "Thông báo"
    assert spoken.sentences[1].startswith("Về việc tạm ngừng")
    said = spoken.text.lower()
    for never in ("cộng hòa", "độc lập", "số một trăm", "ngày mồng hai tháng mười hai",
                  "như trên", "lưu", "thường trực đảng ủy", "đã ký"):  # fmt: skip
        assert never not in said, (never, spoken.text)
    assert "ngày mồng năm tháng mười hai năm hai nghìn không trăm hai mươi sáu" in said
    assert "nguyễn văn an" in said  # the signature itself is the office speaking


def test_the_letterhead_table_becomes_lines_the_officer_can_read() -> None:
    item = parse_script(_letter(_table_letterhead), "thong-bao.docx", topic="c")
    assert "|" not in item.body
    assert item.body.split("\n")[:3] == ISSUER


def test_an_ordinary_table_stays_a_table() -> None:
    document = docx.Document()
    document.add_paragraph("Lịch cắt điện")
    table = document.add_table(rows=2, cols=2)
    _cell(table.cell(0, 0), ["Thời gian"])
    _cell(table.cell(0, 1), ["Khu vực"])
    _cell(table.cell(1, 0), ["7h-17h ngày 05/12/2026"])
    _cell(table.cell(1, 1), ["Thôn Đông"])
    buffer = io.BytesIO()
    document.save(buffer)
    item = parse_script(buffer.getvalue(), "lich.docx", topic="c")
    assert "| Thời gian | Khu vực |" in item.body


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("\n".join([*ISSUER, *MOTTO, NUMBER, DATELINE, *TITLE, *BODY]), " ".join(TITLE)),
        # no motto: the issuer over the title is still not the title
        ("UBND XÃ AN BÌNH\nKẾ HOẠCH\nTổ chức Tết trồng cây\nNội dung.", "KẾ HOẠCH"),
        (
            "UBND XÃ AN BÌNH\nTHÔNG BÁO\nLỊCH CẮT ĐIỆN THÁNG 12\nNội dung.",
            "THÔNG BÁO LỊCH CẮT ĐIỆN THÁNG 12",
        ),  # fmt: skip
        ("Bản tin cải cách hành chính\nNội dung.", "Bản tin cải cách hành chính"),
        ("# Tiêu đề\nNội dung.", "Tiêu đề"),
    ],
)
def test_the_title_is_the_documents_own(body: str, title: str) -> None:
    assert document_title(body) == title


OLE2 = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)


@pytest.mark.parametrize("name", ["thong-bao.doc", "thong-bao.DOC", "doi-ten.docx"])
def test_a_word_97_file_is_refused_with_what_to_do(name: str) -> None:
    with pytest.raises(ScriptRejected) as refused:
        parse_script(OLE2, name, topic="c")
    error = refused.value
    assert error.code == Code.FILE_OLD_WORD
    assert "Save it as .docx and add it again" in english(error.code, error.data)
    assert "Lưu lại dưới dạng .docx rồi tải lên" in vietnamese(error)
