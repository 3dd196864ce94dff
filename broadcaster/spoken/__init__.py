"""Normalise: a script's text becomes the spoken form, exactly what a trained announcer would say.

The stage, in order:
0. The officer's own readings, "[[COVID-19|cô-vít mười chín]]", are set aside: they win
   over every rule and are put back at the end.
1. Layout (`layout.py`, `address.py`, `furniture.py`, `runon.py`): Unicode NFC, look-alike
   letters folded ("Ð" U+00D0 is "Đ"); web and e-mail addresses said ("dịch vụ công chấm gốp
   chấm vê nờ", "a còng"; a known site by its name, "vi en ếch prét chấm nét"); page
   furniture (page numbers, "Trang 2/5", rules of dots or underscores; a web page's credits,
   site tags, time stamps, buttons, a portal's fields and captions, the site's name, an
   author field and a section over the title, a site's menu and hotline header, photo file
   names, a place label glued to the lead, and the reporter's name under the title or the
   lead and on the last lines) removed (`furniture.py`, `portal.py`); a page whose
   line breaks were lost split again at its title in capitals, at "Căn cứ", "Kính thưa",
   "Thực hiện" and at list items after a colon; a letterhead typed in two columns split;
   a table pasted one cell a line read row by row with its column names (`cells.py`); the letterhead block of an
   administrative document (issuing body, national motto, "Số: …", "V/v", place and
   date, "Kính gửi:") left out unless `letterhead = "read"`; Markdown tables read row by
   row (header row left out, cells apart, a bare number under a ruled header read with its
   column's title and unit); lines rebuilt: a line continues the previous
   one only when that was broken mid-phrase, so titles, headings, salutations,
   datelines, list items and time slots end their own sentence; headings (lines in
   capitals) are read in lower case, except known abbreviations.
2. Reading rules (`rules.py`), per paragraph, in this order: newspaper bylines; list
   markers ("I." → "Phần một.", "1." → "Một,", "a)" and bullets dropped); arrows as
   step boundaries; foreign words and storm names from `loanwords.tsv`; document
   symbols ("193/KH-UBND", "61/2018/NĐ-CP", "42/2013/QH13" → "… của Quốc hội khóa mười
   ba", joint "TTLT-BYT-BQP": the number, the year, and the issuing body unless the
   sentence names it; "Nghị định 200/2025" its number and year, "SN 1959" "sinh năm");
   phone numbers digit by digit ("04.32 818 818", "(+84-28) 38 653 050",
   "1800 1567"), and hotlines, short codes and accounts after "tổng đài", "đường dây nóng",
   "số điện thoại", "tài khoản", "mã" ("tổng đài 1022" is "một không hai hai", and so is
   every 1022 of that text; "số điện thoại 3.8556169" in its groups, a lone digit joined to
   the next); "24/7" all day; quarters; dates (dd/mm/yyyy, dd/mm,
   mm/yyyy, "ngày 26-11", "tháng 7-2021", "ngày 23 – 5 – 2021", with "ngày"/"tháng"
   added only when missing and "mồng" for days 1–10 when on); times (6h30, 17h, 6:30,
   13:27:45, "08 giờ 00 phút" → "tám giờ"; a pause between a date and its time); flood
   alarm levels ("BĐ1-BĐ2"); ranges ("2021-2030" → "… đến …", "ngày 5-6/9"); "cấp 17+"
   a level or more; "thứ 2" → "thứ hai";
   Roman numerals after words such as "khóa", "quý", "phần", "cấp", "vùng", "khóm", "đợt"
   ("cấp IV và V" is "cấp bốn và năm"; two letters or more after any word, "Tổ dân phố
   VII"); a word of capitals and digits read as a code ("IC4", "CT05", "A/H5N1", "P2O5");
   a short form the text defines in brackets read as its full name ("sốt xuất huyết
   (SXH)", `defined.py`);
   rates with "/" ("đồng/ tháng", "%/ngày" "mỗi", "tuần/lần" "một lần", "2 lần/1 tháng"
   "hai lần một tháng", chains and
   nouns between, "5kg/cây/năm", "400 lít nước/ha"), "x" "nhân", "-1 độ"
   "âm"; "ổ/m2", "mật độ ổ trứng/m2" "trên mét vuông"; "từ 12 đến 18-1" a span of days;
   "Văn hóa – Xã hội" one office's name; roads and milestones ("QL1A", "ĐT.741", "Km
   14+500") and a province's power company ("PC Thanh Hóa"); abbreviations from
   `abbreviations.tsv` (whole words, case as written, joined "HĐND&UBND", before a slash
   and a word "BHXH/Bảo hiểm y tế", "(CCHC)" after its own expansion dropped); numbers with thousands dots, decimal commas, units
   (km/h, m/s, °C, mm, ha, m³, đồng) and percentages (`numbers.py`: Northern
   "nghìn/linh" or Southern "ngàn/lẻ"); words in capitals that are valid Vietnamese
   syllables (`syllables.py`) read as words, lower-cased (two or three bare letters only
   beside such a word); other capital letter groups said as a name or spelled with
   Vietnamese letter names, and reported; symbols and quotes; any digit left.
3. Pauses: each paragraph is a list of sentences. The audio stage puts a sentence
   pause between sentences and a longer paragraph pause between paragraphs, so
   headings and list items are heard apart.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from broadcaster.spoken.cells import header_rows
from broadcaster.spoken.defined import defined_abbreviations
from broadcaster.spoken.layout import (
    Record,
    clean_lines,
    join_lines,
    strip_closing,
    strip_letterhead,
    table_rows,
)
from broadcaster.spoken.lexicon import (
    LexiconError,
    builtin_abbreviations,
    load_abbreviations,
    trie_alternation,
)
from broadcaster.spoken.rules import ordered_rules
from broadcaster.spoken.rules_base import Context, Rule, apply

__all__ = ["Change", "LexiconError", "SpokenText", "Normaliser", "normalise"]

DIALECTS = ("north", "south")
LETTERHEAD = ("skip", "read")  # the letterhead block of an administrative document
_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?;:…]) +(?=\S)")
_SPACES_RE = re.compile(r" {2,}")
_SPACE_BEFORE_PUNCT_RE = re.compile(r" +([,.;:!?…])")
_REPEATED_PUNCT_RE = re.compile(r"([,.;:!?])(?: *[,;])+|, *([.;:!?])")
_EDGE_PUNCT_RE = re.compile(r"^[ ,;:]+|[ ,;]+$")
_SAYABLE_MARKS = frozenset(" .,;:!?…-'\n")


def _unsayable(text: str) -> list[str]:
    """Characters no Vietnamese voice can say: not a Latin letter, not punctuation it pauses at."""
    found = []
    for char in set(text):
        if char in _SAYABLE_MARKS:
            continue
        if char.isalpha() and unicodedata.name(char, "").startswith("LATIN"):
            continue
        found.append(char)
    return sorted(found)


@dataclass(frozen=True)
class Change:
    """One replacement a rule made, shown to the officer by `normalize --explain`."""

    rule: str
    before: str
    after: str


@dataclass(frozen=True)
class SpokenText:
    """The words the voice will say, as paragraphs of sentences (pauses go between them)."""

    paragraphs: tuple[tuple[str, ...], ...]
    changes: tuple[Change, ...] = field(default=(), compare=False)
    unknown: tuple[str, ...] = field(default=(), compare=False)
    unsayable: tuple[str, ...] = field(default=(), compare=False)

    @property
    def text(self) -> str:
        """One sentence per line, a blank line between paragraphs, as shown to the officer."""
        return "\n\n".join("\n".join(p) for p in self.paragraphs)

    @property
    def sentences(self) -> tuple[str, ...]:
        """All sentences in reading order."""
        return tuple(s for p in self.paragraphs for s in p)


def _tidy(sentence: str) -> str:
    sentence = _SPACES_RE.sub(" ", sentence).strip()
    sentence = _SPACE_BEFORE_PUNCT_RE.sub(r"\1", sentence)
    sentence = _REPEATED_PUNCT_RE.sub(lambda m: m.group(1) or m.group(2), sentence)
    sentence = _EDGE_PUNCT_RE.sub("", sentence)
    return sentence[:1].upper() + sentence[1:] if sentence else sentence


class Normaliser:
    """Normalises text with one dialect and one abbreviation dictionary (built once, reused)."""

    def __init__(
        self,
        dialect: str = "north",
        abbreviations_file: Path | None = None,
        letterhead: str = "skip",
        mong_days: str = "on",
    ) -> None:
        if dialect not in DIALECTS:
            raise LexiconError(f"Reading '{dialect}' is not one of: {', '.join(DIALECTS)}.")
        if mong_days not in ("on", "off"):
            raise LexiconError(f"mong_days '{mong_days}' is not one of: on, off.")
        if letterhead not in LETTERHEAD:
            raise LexiconError(f"Letterhead '{letterhead}' is not one of: {', '.join(LETTERHEAD)}.")
        self.dialect = dialect
        self.letterhead = letterhead
        self.mong = mong_days == "on"
        self.abbreviations = load_abbreviations(abbreviations_file)
        builtin = builtin_abbreviations()
        town = frozenset(k for k, v in self.abbreviations.items() if builtin.get(k) != v)
        self.rules: list[Rule] = ordered_rules(self.abbreviations, town)
        self._keep_in_headings = re.compile(
            rf"(?<![\w&/-]){trie_alternation(self.abbreviations)}(?![\w&/-])|^[IVXLC]+[./]"
            # "ĐỢT II", "KHÓA XV": a numeral the Roman rule reads; "VI KHUẨN" is a word
            r"|(?<= )(?=[IVX]{2})X{0,3}(?:IX|IV|V?I{0,3})(?![\w])(?!(?<=[VX]I) \w)"
        )

    def _heading_case(self, text: str) -> str:
        """Lower-case a heading in capitals, keeping known abbreviations and a Roman marker."""
        out, last = [], 0
        for match in self._keep_in_headings.finditer(text):
            out.append(text[last : match.start()].lower())
            out.append(match.group(0))
            last = match.end()
        out.append(text[last:].lower())
        return "".join(out)

    def _lines(self, text: str, record: Record | None) -> list[str]:
        """Physical lines with noise out, the letterhead left out unless kept, tables as rows."""
        lines = clean_lines(text, record)
        if self.letterhead == "skip":
            lines = strip_closing(strip_letterhead(lines, record), record)
        return table_rows(header_rows(lines), record)

    def __call__(self, text: str, explain: bool = False) -> SpokenText:
        """Turn a script body into the spoken form."""
        changes: list[Change] = []
        record = (
            (lambda rule, before, after: changes.append(Change(rule, before, after)))
            if explain
            else None
        )
        ctx = Context(self.dialect, self.abbreviations, record, [], self.mong)
        overrides: list[str] = []
        if "[[" in text:
            text = _OVERRIDE_RE.sub(lambda m: _hold(m, overrides, record), text)
        lines = [
            self._heading_case(p.text) if p.heading else p.text
            for p in join_lines(self._lines(text, record))
        ]
        spoken = "\n".join(lines)
        ctx.defined = defined_abbreviations(spoken, self.abbreviations)
        for rule in self.rules:
            spoken = apply(rule, spoken, ctx)
        if overrides:
            spoken = _HELD_RE.sub(lambda m: overrides[ord(m.group(0)) - _HELD], spoken)
        unsayable = _unsayable(spoken)
        if unsayable:
            # Reported to the officer (CLI and web page), then left out of what the voice reads.
            spoken = "".join(" " if c in unsayable else c for c in spoken)
        paragraphs = []
        for line in spoken.split("\n"):
            sentences = tuple(
                s for s in map(_tidy, _SENTENCE_SPLIT_RE.split(line)) if s.strip(" .,;:")
            )
            if sentences:
                paragraphs.append(sentences)
        return SpokenText(
            tuple(paragraphs), tuple(changes), tuple(dict.fromkeys(ctx.unknown)), tuple(unsayable)
        )


# The officer's own reading, "[[COVID-19|cô-vít mười chín]]": it wins over every rule.
_OVERRIDE_RE = re.compile(r"\[\[([^\[\]|\n]+)\|([^\[\]|\n]+)\]\]")
_HELD = 0xF0000  # a private-use character stands in for each override while the rules run
_HELD_RE = re.compile("[\U000f0000-\U000fffff]")


def _hold(match: re.Match[str], overrides: list[str], record: Record | None) -> str:
    written, spoken = match.group(1).strip(), match.group(2).strip()
    if record is not None:
        record("officer's reading", written, spoken)
    overrides.append(spoken)
    return chr(_HELD + len(overrides) - 1)


_default: Normaliser | None = None


def normalise(text: str, explain: bool = False) -> SpokenText:
    """Spoken form with the default settings (Northern reading, built-in dictionary)."""
    global _default
    if _default is None:
        _default = Normaliser()
    return _default(text, explain)
