"""Ingest: a script file or pasted text becomes a checked `ScriptInput` (Unicode NFC)."""

from __future__ import annotations

import codecs
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from broadcaster.enums import Topic
from broadcaster.errors import BroadcasterError, Code
from broadcaster.intake.letterhead import document_title

MAX_BYTES = 5_000_000  # a script file, text or .docx (5 MB)
MAX_CHARACTERS = 50_000  # a script's text: about an hour of speech, longer than any slot
MAX_TITLE = 300  # the title and file name columns (String(300))
# A .docx is a zip of XML parts: bounded before python-docx unpacks and parses it, so a
# small file cannot unpack to gigabytes (a zip bomb) or expand entities (billion laughs).
DOCX_MAX_UNPACKED = 20_000_000  # all parts together, as unpacked
DOCX_MAX_MEMBER = 10_000_000  # any one part
DOCX_MAX_MEMBERS = 1_000
DOCX_MAX_DEPTH = 100  # element nesting in one XML part (Word's own stays under 30)
# Elements and characters of text in all XML parts together: a 50,000-character bulletin
# in Word, styles and tables included, stays far below; python-docx's tree of a document
# at these limits takes tens of MB, where 1.6 million paragraphs took 560 MB.
DOCX_MAX_ELEMENTS = 300_000
DOCX_MAX_TEXT = 4 * MAX_CHARACTERS
# A Word 97-2003 .doc (and .xls, .ppt): an OLE2 compound file, whatever its name says.
OLE2_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
FIRST_YEAR, LAST_YEAR = 2000, 2999  # the years a date or week may name
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
TOPIC_ALIASES = {"dd": "đ", "đ": "đ"}
# C0 controls other than tab, newline and carriage return (and form feed, which Word emits).
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_LINE_BREAKS_RE = re.compile(r"[\x00-\x1f\x7f]+")


class ScriptRejected(BroadcasterError):
    """A script (or a value given with it) that cannot be taken in or changed as asked."""


@dataclass(frozen=True)
class ScriptInput:
    """A script read and checked, ready to be stored."""

    title: str
    body: str
    topic: Topic | None
    week: str | None
    source_name: str | None
    encoding: str


def clean_topic(raw: str | None) -> Topic:
    """Return the plan topic letter for `raw` (a, b, c, d, đ; 'dd' also means đ)."""
    value = unicodedata.normalize("NFC", (raw or "").strip().lower())
    value = TOPIC_ALIASES.get(value, value)
    if value not in set(Topic):
        raise ScriptRejected(Code.TOPIC_UNKNOWN, topic=raw)
    return Topic(value)


def clean_week(raw: str | None) -> str | None:
    """Return an ISO week like '2024-W10', or None when not given."""
    if raw is None or not str(raw).strip():
        return None
    match = WEEK_RE.match(str(raw).strip().upper())
    try:  # 2024 has no week 53: the calendar decides, not a range
        valid = match is not None and bool(date.fromisocalendar(int(match[1]), int(match[2]), 1))
    except ValueError:
        valid = False
    if not valid or match is None:
        raise ScriptRejected(Code.WEEK_INVALID, week=raw)
    check_year(int(match[1]), raw)
    return match.group(0)


def check_year(year: int, raw: object) -> None:
    """Refuse a date or week outside FIRST_YEAR..LAST_YEAR (far years overflow local time)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ScriptRejected(Code.YEAR_OUT_OF_RANGE, value=raw, first=FIRST_YEAR, last=LAST_YEAR)


def clean_line(text: str) -> str:
    """A title or name as one NFC line: control characters become a space (PostgreSQL
    refuses NUL in text, and a title is one line), cut to its column's MAX_TITLE."""
    line = _LINE_BREAKS_RE.sub(" ", unicodedata.normalize("NFC", text)).strip()
    return line[:MAX_TITLE]


def clean_body(text: str) -> str:
    """Typed script text as stored: NFC, Unix line ends, no control characters but tab and
    form feed (a browser cannot type them; PostgreSQL refuses NUL)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL_RE.sub("", text).strip()


def has_text(text: str) -> bool:
    """Whether a script holds a letter or a digit: only emoji or punctuation gives a voice nothing.

    The one rule every door applies (a file, pasted text, an edit, `broadcaster normalize`)."""
    return any(ch.isalnum() for ch in text)


def check_length(body: str) -> None:
    """Refuse a script text longer than MAX_CHARACTERS."""
    if len(body) > MAX_CHARACTERS:
        raise ScriptRejected(Code.TEXT_TOO_LONG, characters=len(body), limit=MAX_CHARACTERS)


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode script bytes (UTF-8 with or without BOM, UTF-16, CP1258); return text and encoding."""
    if not data.strip():
        raise ScriptRejected(Code.FILE_EMPTY, name=name)
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    elif b"\x00" in data:
        # UTF-16 without a BOM puts a NUL beside every ASCII letter.
        even_nuls = data[0::2].count(0)
        odd_nuls = data[1::2].count(0)
        if odd_nuls > len(data) // 4 and even_nuls == 0:
            candidates = ["utf-16-le"]
        elif even_nuls > len(data) // 4 and odd_nuls == 0:
            candidates = ["utf-16-be"]
        else:
            raise ScriptRejected(Code.FILE_BINARY, name=name)
    else:
        candidates = ["utf-8", "cp1258"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL_RE.search(text):
            raise ScriptRejected(Code.FILE_BINARY, name=name)
        return unicodedata.normalize("NFC", text), encoding
    raise ScriptRejected(Code.FILE_ENCODING, name=name)


def check_docx_package(data: bytes, name: str) -> None:
    """Refuse a .docx that unpacks too large, has too many parts, or XML that is not plain.

    The declared sizes are checked first (Python's zipfile never unpacks more than a part
    declares), then each XML part is unpacked once, counted again, and parsed streaming with
    entities left unexpanded, no network, no DTD allowed (Word never writes one), its nesting
    depth bounded, and the elements and text of all parts counted: a document of 1.6 million
    empty paragraphs (14 kB packed) is refused after DOCX_MAX_ELEMENTS, in flat memory,
    before python-docx builds its tree. Media parts are never unpacked here.
    """
    from lxml import etree

    too_large = ScriptRejected(
        Code.DOCX_TOO_LARGE, name=name, megabytes=DOCX_MAX_UNPACKED // 1_000_000,
        members=DOCX_MAX_MEMBERS,
    )  # fmt: skip
    unreadable = ScriptRejected(Code.DOCX_UNREADABLE, name=name)
    budget = _Budget(name)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            members = package.infolist()
            if len(members) > DOCX_MAX_MEMBERS:
                raise too_large
            declared = [m.file_size for m in members]
            if max(declared, default=0) > DOCX_MAX_MEMBER or sum(declared) > DOCX_MAX_UNPACKED:
                raise too_large
            for member in members:
                if member.filename.endswith((".xml", ".rels")):  # media: declared size only
                    with package.open(member) as stream:
                        budget.scan(stream, too_large, unreadable)
    except (zipfile.BadZipFile, etree.LxmlError, RuntimeError, NotImplementedError, EOFError,
            ValueError) as exc:  # fmt: skip
        # RuntimeError: an encrypted part; NotImplementedError: an unknown compression
        raise unreadable from exc


class _Budget:
    """What the parts of one .docx have used so far: bytes unpacked, elements, characters."""

    def __init__(self, name: str) -> None:
        self.name, self.unpacked, self.elements, self.characters = name, 0, 0, 0

    def scan(
        self, stream: IO[bytes], too_large: ScriptRejected, unreadable: ScriptRejected
    ) -> None:
        """Parse one XML part streaming, counting against the budget; refuse when it is spent."""
        from lxml import etree

        parser = etree.XMLPullParser(
            events=("start", "end"), resolve_entities=False, huge_tree=False,
            no_network=True, load_dtd=False,
        )  # fmt: skip
        depth = 0
        while chunk := stream.read(65_536):
            self.unpacked += len(chunk)
            if self.unpacked > DOCX_MAX_UNPACKED:
                raise too_large
            parser.feed(chunk)
            for event, element in parser.read_events():
                if event == "end":
                    depth -= 1
                    self._count_text(element)
                    continue
                if depth == 0 and element.getroottree().docinfo.internalDTD:
                    raise unreadable  # entity declarations: a DTD has no business here
                depth += 1
                self.elements += 1
                if depth > DOCX_MAX_DEPTH:
                    raise unreadable
                if self.elements > DOCX_MAX_ELEMENTS:
                    raise self._too_complex()
        parser.close()

    def _count_text(self, element: Any) -> None:
        """Count an ended element's text, then drop it and the siblings before it (memory
        stays flat however many paragraphs a part holds)."""
        self.characters += len(element.text or "")
        if self.characters > DOCX_MAX_TEXT:
            raise self._too_complex()
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]

    def _too_complex(self) -> ScriptRejected:
        return ScriptRejected(
            Code.DOCX_TOO_COMPLEX, name=self.name, elements=DOCX_MAX_ELEMENTS,
            characters=DOCX_MAX_TEXT,
        )  # fmt: skip


def _read_docx(data: bytes, name: str) -> str:
    """Text of a Word .docx file in reading order (`word.py`: tables, text boxes, letterhead)."""
    import docx  # python-docx; imported here so the CLI starts fast
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import PackageNotFoundError
    from lxml import etree

    from broadcaster.intake.word import document_lines

    check_docx_package(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, PythonDocxError, zipfile.BadZipFile, etree.LxmlError, KeyError,
            ValueError) as exc:  # fmt: skip
        raise ScriptRejected(Code.DOCX_UNREADABLE, name=name) from exc
    return "\n".join(document_lines(document))


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """Split '---' delimited `key: value` front matter from a Markdown body."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            meta = {}
            for line in lines[1:end]:
                key, sep, value = line.partition(":")
                if sep:
                    meta[key.strip().lower()] = value.strip().strip("\"'")
            return meta, "\n".join(lines[end + 1 :])
    raise ScriptRejected(Code.FRONT_MATTER_OPEN)


def parse_script(
    data: bytes,
    name: str,
    *,
    title: str | None = None,
    topic: str | None = None,
    week: str | None = None,
) -> ScriptInput:
    """Read one script from bytes named `name` (.txt, .md or .docx); options override the file."""
    if len(data) > MAX_BYTES:
        raise ScriptRejected(Code.FILE_TOO_LARGE, name=name, megabytes=MAX_BYTES // 1_000_000)
    suffix = Path(name).suffix.lower()
    if suffix == ".doc" or data.startswith(OLE2_MAGIC):
        raise ScriptRejected(Code.FILE_OLD_WORD, name=name)  # Word 97-2003: save it as .docx
    meta: dict[str, str] = {}
    if suffix == ".docx":
        body, encoding = unicodedata.normalize("NFC", _read_docx(data, name)), "docx"
    elif suffix in (".txt", ".md", ""):
        body, encoding = decode_text(data, name)
        body = body.replace("\r\n", "\n").replace("\r", "\n")
        if suffix == ".md":
            meta, body = _split_front_matter(body)
    else:
        raise ScriptRejected(Code.FILE_TYPE, name=name)
    body = body.strip()
    if not has_text(body):
        raise ScriptRejected(Code.FILE_NO_TEXT, name=name)
    check_length(body)
    chosen_title = (title or meta.get("title") or "").strip() or document_title(body)
    chosen_topic = topic or meta.get("topic")
    return ScriptInput(
        title=clean_line(chosen_title),
        body=body,
        topic=clean_topic(chosen_topic) if chosen_topic else None,  # a CCHC bulletin needs one
        week=clean_week(week or meta.get("week")),
        source_name=clean_line(name),
        encoding=encoding,
    )
