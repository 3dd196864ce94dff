"""Real published notices and bulletins, read as a radio editor would (issue 12).

Each text in `tests/data/real/` is `<name>.txt` (a `# source:` and a `# kind:` header, and
`# batch: N` for texts collected after the first corpus, then the text as published) with
`<name>.tsv` beside it: reviewed expectations, one a line, `check<TAB>written<TAB>spoken`
(and an optional fourth column, `major` or `minor`):

- `say`: the written token must be read as `spoken` (a phrase of the spoken form; a comma
  stands for any pause, so "hai mươi, hai mươi mốt giờ" also checks the pause);
- `omit`: `spoken` must not be heard (letterhead, press bylines);
- every line of the text must end its own sentence (its last spoken words end a sentence
  or a paragraph), except lines named by an `omit` row and lines listed as `join` rows.

A check written with a trailing `?` (`say?`, `end?`) is a known error not solved yet: it is
counted in the rate below and must still fail, so that fixing it means updating the file.

A failed check is a *major* misreading when it gives a listener a wrong or unintelligible fact
(a wrong number, date, time, amount or unit; letters spelled for a known abbreviation; a
heading run into the body; letterhead, recipients, credits or a symbol read aloud): `say` and
`omit` rows are major unless marked `minor`, a line end is major for a text's title or a
heading and minor otherwise. Run this file to print the rates by kind and batch:
`python tests/spoken/test_real_texts.py [--batch N]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from broadcaster.spoken import Normaliser, SpokenText
from broadcaster.spoken.layout import is_heading

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
KINDS = (
    "notice", "reception", "weather", "online", "health", "military", "election",
    "power", "water", "reservoir", "livestock", "crop", "fire", "holiday", "school", "hotline",
    "traffic", "insurance", "tax", "land",
)  # fmt: skip
NORMALISER = Normaliser("north")
_PAUSE_RE = re.compile(r"(?:\s*[,.;:!?…])+\s*")
_SPACE_RE = re.compile(r"\s+")


# The old place of a tone mark in an open syllable ("hoạ", "thuỷ") and the new one ("họa",
# "thủy") sound the same: a check written either way must see both.
_OLD_TONE = dict(zip("àáảãạèéẻẽẹỳýỷỹỵ", "aaaaaeeeeeyyyyy", strict=True))
_NEW_TONE = dict(zip("àáảãạèéẻẽẹỳýỷỹỵ", "òóỏõọòóỏõọùúủũụ", strict=True))
_OLD_TONE_RE = re.compile(r"(?<!q)([ou])([àáảãạèéẻẽẹỳýỷỹỵ])(?!\w)")


def _new_tone(m: re.Match[str]) -> str:
    pair = m.group(1) + m.group(2)
    if pair[0] == "o" and pair[1] in "ỳýỷỹỵ" or pair[0] == "u" and pair[1] not in "ỳýỷỹỵ":
        return pair  # not "oa", "oe" or "uy"
    return _NEW_TONE[pair[1]] + _OLD_TONE[pair[1]]


def _flat(text: str) -> str:
    """Lower case, every pause a comma, single spaces: what a listener can tell apart."""
    text = _OLD_TONE_RE.sub(_new_tone, text.lower())
    text = _PAUSE_RE.sub(" , ", text.replace("-", " "))  # "cô-vít": one word, two syllables
    return _SPACE_RE.sub(" ", text).strip(" ,")


@dataclass(frozen=True)
class Check:
    """One reviewed expectation about one real text."""

    text: str
    kind: str
    written: str
    spoken: str
    known: bool
    major: bool = True

    @property
    def id(self) -> str:
        return f"{self.text}:{self.kind}:{self.written[:30]}"


@dataclass(frozen=True)
class RealText:
    """A published text and where it came from."""

    name: str
    source: str
    kind: str
    body: str
    batch: int = 1

    @property
    def words(self) -> int:
        return len(self.body.split())


def load_texts() -> list[RealText]:
    texts = []
    for path in sorted(REAL.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        size = next(i for i, line in enumerate(lines) if not line.startswith("# "))
        header = dict(line[2:].split(": ", 1) for line in lines[:size])
        body = "\n".join(lines[size:])
        batch = int(header.get("batch", "1"))
        texts.append(RealText(path.stem, header["source"], header["kind"], body, batch))
    return texts


def _checks_for(text: RealText) -> list[Check]:
    rows = []
    tsv = REAL / f"{text.name}.tsv"
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, written, spoken, *severity = line.split("\t")
        major = severity != ["minor"]
        rows.append(Check(text.name, kind.rstrip("?"), written, spoken, kind.endswith("?"), major))
    skip = {r.written for r in rows if r.kind in ("omit", "join")}
    known_ends = {r.written for r in rows if r.kind == "end"}
    checks = [r for r in rows if r.kind in ("say", "omit")]
    first = True
    for raw in text.body.split("\n"):
        line = raw.strip()
        if line and line not in skip and NORMALISER(line).sentences:
            major = first or is_heading(line)
            checks.append(Check(text.name, "end", line, "", line in known_ends, major))
        first = first and not line
    return checks


def passes(check: Check, spoken: SpokenText) -> bool:
    """Whether the spoken form meets one expectation."""
    flat = _flat(" , ".join(spoken.sentences))
    if check.kind == "say":
        return f" {_flat(check.spoken)} " in f" {flat} "
    if check.kind == "omit":
        return f" {_flat(check.spoken)} " not in f" {flat} "
    # A line end: the line's own last spoken words end a sentence of the whole text.
    alone = NORMALISER(check.written).sentences
    # A line ending in a number ("CỔNG THÔNG TIN 1022") may read it otherwise in context (a
    # hotline said digit by digit once the text names it): its last spoken word is compared.
    words = 1 if check.written.rstrip(" .").endswith(tuple("0123456789")) else 3
    tail = " ".join(_flat(alone[-1]).split()[-words:])
    return any(_flat(s).endswith(tail) for s in spoken.sentences)


TEXTS = load_texts()
SPOKEN = {t.name: NORMALISER(t.body) for t in TEXTS}
CHECKS = [c for t in TEXTS for c in _checks_for(t)]


def errors_per_thousand_words(
    batch: int | None = None, kind: str | None = None
) -> tuple[int, int, int, int]:
    """Major errors, all errors (failed checks) and words, over the texts chosen."""
    names = {t.name for t in TEXTS if batch in (None, t.batch) and kind in (None, t.kind)}
    failed = [c for c in CHECKS if c.text in names and not passes(c, SPOKEN[c.text])]
    words = sum(t.words for t in TEXTS if t.name in names)
    return sum(c.major for c in failed), len(failed), words, len(names)


def test_every_text_names_its_source_and_kind() -> None:
    for text in TEXTS:
        assert text.source.startswith("http"), text.name
        assert text.kind in KINDS, text.name
        assert (REAL / f"{text.name}.tsv").exists(), text.name


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_real_text(check: Check) -> None:
    spoken = SPOKEN[check.text]
    if check.known:
        assert not passes(check, spoken), f"solved now: drop the '?' of {check.id}"
    else:
        assert passes(check, spoken), spoken.text


def test_a_check_hears_either_place_of_a_tone_mark() -> None:
    # "(Ảnh minh hoạ)" read aloud must fail an omit check written "ảnh minh họa"
    assert _flat("Ảnh minh hoạ, thuỷ lợi, hoà bình") == _flat("ảnh minh họa, thủy lợi, hòa bình")
    assert _flat("quý, hoàng, của, quả") == "quý , hoàng , của , quả"


def test_error_rate() -> None:
    major, errors, words, _ = errors_per_thousand_words()
    assert 1000 * errors / words <= 10, f"{errors} errors in {words} words"


def report(batch: int | None) -> list[str]:
    """The rates by kind, per 1,000 words: major misreadings and all of them."""
    out = [
        f"{'kind':10} {'texts':>5} {'words':>6} {'major':>5} {'all':>4} {'major/1k':>8} {'all/1k':>7}"
    ]
    for kind in (*KINDS, None):
        major, errors, words, count = errors_per_thousand_words(batch, kind)
        if count:
            per = 1000 / words
            out.append(
                f"{kind or 'TOTAL':10} {count:5} {words:6} {major:5} {errors:4}"
                f" {major * per:8.1f} {errors * per:7.1f}"
            )
    return out


if __name__ == "__main__":
    import sys

    chosen = int(sys.argv[sys.argv.index("--batch") + 1]) if "--batch" in sys.argv else None
    print(f"batch {chosen if chosen is not None else 'all'}, {len(CHECKS)} checks in the corpus")
    print("\n".join(report(chosen)))
