"""Word lists kept as data files: abbreviations, document issuers, letter names, units."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

from broadcaster.errors import Code, DetailError

HERE = Path(__file__).parent

LETTER_NAMES = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "F": "ép", "G": "giê",
    "H": "hát", "I": "i", "J": "gi", "K": "ca", "L": "lờ", "M": "mờ", "N": "nờ", "O": "o",
    "P": "pê", "Q": "quy", "R": "rờ", "S": "ét", "T": "tê", "U": "u", "V": "vê", "W": "vê kép",
    "X": "ích", "Y": "i dài", "Z": "dét",
}  # fmt: skip

UNITS = {
    "km2": "ki lô mét vuông", "km²": "ki lô mét vuông", "m2": "mét vuông", "m²": "mét vuông",
    "m3": "mét khối", "m³": "mét khối", "km/h": "ki lô mét một giờ", "km": "ki lô mét",
    "km/giờ": "ki lô mét một giờ", "m/s": "mét một giây", "°C": "độ xê", "oC": "độ xê",
    "ha": "héc ta", "kg": "ki lô gam", "cm": "xăng ti mét", "mm": "mi li mét", "m": "mét",
    "tấn": "tấn", "CV": "mã lực", "VNĐ": "đồng", "VND": "đồng", "đ": "đồng", "%": "phần trăm",
    # rates an announcer reads with "trên" (issue 26: reservoir and crop notices)
    "m3/s": "mét khối trên giây", "m³/s": "mét khối trên giây", "kg/ha": "ki lô gam trên héc ta",
    "tấn/ha": "tấn trên héc ta", "con/m2": "con trên mét vuông", "con/m²": "con trên mét vuông",
    "lít/ha": "lít trên héc ta", "g/ha": "gam trên héc ta",
    # power lines and stations (batch 9: "trạm 110kV Thiệu Yên")
    "kV": "ki lô vôn", "kW": "ki lô oát", "kWh": "ki lô oát giờ", "MW": "mê ga oát",
}  # fmt: skip


class LexiconError(DetailError):
    """A word-list file with a line we cannot read."""

    code = Code.LEXICON


def parse_tsv(text: str, source: str) -> dict[str, str]:
    """`KEY<TAB>spoken form[<TAB>source address]` lines; '#' starts a comment line."""
    entries = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, tab, rest = line.partition("\t")
        value = rest.split("\t")[0]  # a third column, where the form is written in full
        if not tab or not key.strip() or not value.strip():
            raise LexiconError(f"{source}, line {number}: expected ABBREVIATION<TAB>spoken form.")
        entries[unicodedata.normalize("NFC", key.strip())] = unicodedata.normalize(
            "NFC", value.strip()
        )
    return entries


_GROUPED_RE = re.compile(r"[A-ZĐ]+(?:[,&-][A-ZĐ]+)+")


def separator_variants(key: str) -> list[str]:
    """How the press writes one grouped short form: 'GD&ĐT', 'GD-ĐT', 'GD - ĐT', 'GDĐT',
    'GD và ĐT'; 'LĐ-TB&XH' and 'LĐ&TB&XH'; 'EVNNPC' and 'EVN NPC'."""
    if key.startswith("EVN") and key[3:].isupper() and len(key) > 4:
        return [f"EVN {key[3:]}"]
    if not _GROUPED_RE.fullmatch(key):
        return []
    groups = re.split(r"[,&-]", key)
    joins = [
        ["&"] * (len(groups) - 1), ["-"] * (len(groups) - 1), [""] * (len(groups) - 1),
        [" & "] * (len(groups) - 1), [" - "] * (len(groups) - 1),
        ["-"] * (len(groups) - 2) + ["&"], ["-"] * (len(groups) - 2) + [" & "],
    ]  # fmt: skip
    if len(groups) == 2:
        joins.append([" và "])
    out = []
    for seps in joins:
        out.append(groups[0] + "".join(s + g for s, g in zip(seps, groups[1:], strict=True)))
    return [v for v in dict.fromkeys(out) if v != key]


@functools.cache
def builtin_abbreviations() -> dict[str, str]:
    """The reviewed dictionary shipped with Broadcaster, each grouped form in its variants."""
    path = HERE / "abbreviations.tsv"
    entries = parse_tsv(path.read_text(encoding="utf-8"), path.name)
    variants = {v: spoken for k, spoken in entries.items() for v in separator_variants(k)}
    return {**{v: s for v, s in variants.items() if v not in entries}, **entries}


@functools.cache
def loanwords() -> dict[str, str]:
    """Foreign words and names with their Vietnamese readings, keyed in lower case."""
    path = HERE / "loanwords.tsv"
    return {k.lower(): v for k, v in parse_tsv(path.read_text(encoding="utf-8"), path.name).items()}


@functools.cache
def issuers() -> dict[str, str]:
    """Issuing bodies as they appear in document symbols."""
    path = HERE / "issuers.tsv"
    return parse_tsv(path.read_text(encoding="utf-8"), path.name)


def load_abbreviations(extra_file: Path | None) -> dict[str, str]:
    """The built-in dictionary plus (overriding) a town's own file, if given."""
    merged = dict(builtin_abbreviations())
    if extra_file is not None:
        try:
            text = extra_file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise LexiconError(
                f"Cannot read the abbreviations file {extra_file}: {exc.strerror}."
            ) from exc
        merged.update(parse_tsv(text, extra_file.name))
    return merged


def alternation(keys: Iterable[str]) -> str:
    """A regex alternation of literal keys, longest first so 'CBCCVC' wins over 'CBCC'."""
    return "|".join(re.escape(k) for k in sorted(keys, key=lambda k: (-len(k), k)))


_Trie = dict[str, "_Trie"]


def trie_alternation(keys: Iterable[str]) -> str:
    """A regex matching exactly the literal keys, factored by shared prefixes.

    Python's regex engine tries an alternation branch by branch at every position; with
    the branches folded into a tree ("co(?:vid(?:-19)?)") it follows one path, several
    times faster on a dictionary of a hundred words."""
    trie: _Trie = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: _Trie) -> str:
        branches = [re.escape(c) + build(node[c]) for c in sorted(node) if c]
        if not branches:
            return ""
        if len(branches) == 1 and "" not in node:
            return branches[0]
        return "(?:" + "|".join(branches) + ")" + ("?" if "" in node else "")

    return build(trie)


def fold(text: str) -> str:
    """Lower case without diacritics, for comparing 'Uỷ ban' with 'Ủy ban'."""
    stripped = "".join(
        c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c)
    )
    return stripped.replace("đ", "d")
