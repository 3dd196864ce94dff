"""Real published notices and bulletins, read as a radio editor would (issue 12).

Each text in `tests/data/real/` is `<name>.txt` (a `# source:` and a `# kind:` header, then
the text as published) with `<name>.tsv` beside it: reviewed expectations, one a line,
`check<TAB>written<TAB>spoken`:

- `say`: the written token must be read as `spoken` (a phrase of the spoken form; a comma
  stands for any pause, so "hai mươi, hai mươi mốt giờ" also checks the pause);
- `omit`: `spoken` must not be heard (letterhead, press bylines);
- every line of the text must end its own sentence (its last spoken words end a sentence
  or a paragraph), except lines named by an `omit` row and lines listed as `join` rows.

A check written with a trailing `?` (`say?`, `end?`) is a known error not solved yet: it is
counted in the rate below and must still fail, so that fixing it means updating the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from broadcaster.spoken import Normaliser, SpokenText

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
KINDS = ("notice", "reception", "weather", "online", "health", "military", "election")
NORMALISER = Normaliser("north")
_PAUSE_RE = re.compile(r"(?:\s*[,.;:!?…])+\s*")
_SPACE_RE = re.compile(r"\s+")


def _flat(text: str) -> str:
    """Lower case, every pause a comma, single spaces: what a listener can tell apart."""
    text = _PAUSE_RE.sub(" , ", text.lower().replace("-", " "))  # "cô-vít": one word, two syllables
    return _SPACE_RE.sub(" ", text).strip(" ,")


@dataclass(frozen=True)
class Check:
    """One reviewed expectation about one real text."""

    text: str
    kind: str
    written: str
    spoken: str
    known: bool

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

    @property
    def words(self) -> int:
        return len(self.body.split())


def load_texts() -> list[RealText]:
    texts = []
    for path in sorted(REAL.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").split("\n")
        header = dict(line[2:].split(": ", 1) for line in lines[:2])
        texts.append(RealText(path.stem, header["source"], header["kind"], "\n".join(lines[2:])))
    return texts


def _checks_for(text: RealText) -> list[Check]:
    rows = []
    tsv = REAL / f"{text.name}.tsv"
    for line in tsv.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, written, spoken = line.split("\t")
        rows.append(Check(text.name, kind.rstrip("?"), written, spoken, kind.endswith("?")))
    skip = {r.written for r in rows if r.kind in ("omit", "join")}
    known_ends = {r.written for r in rows if r.kind == "end"}
    checks = [r for r in rows if r.kind in ("say", "omit")]
    for raw in text.body.split("\n"):
        line = raw.strip()
        if line and line not in skip and NORMALISER(line).sentences:
            checks.append(Check(text.name, "end", line, "", line in known_ends))
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
    tail = " ".join(_flat(alone[-1]).split()[-3:])
    return any(_flat(s).endswith(tail) for s in spoken.sentences)


TEXTS = load_texts()
SPOKEN = {t.name: NORMALISER(t.body) for t in TEXTS}
CHECKS = [c for t in TEXTS for c in _checks_for(t)]


def errors_per_thousand_words() -> tuple[int, int, float]:
    """Errors (failed checks) and words over the whole corpus, and their rate."""
    errors = sum(not passes(c, SPOKEN[c.text]) for c in CHECKS)
    words = sum(t.words for t in TEXTS)
    return errors, words, 1000 * errors / words


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


def test_error_rate() -> None:
    errors, words, rate = errors_per_thousand_words()
    assert rate <= 10, f"{errors} errors in {words} words"


if __name__ == "__main__":
    for kind in KINDS:
        chosen = [t for t in TEXTS if t.kind == kind]
        print(f"{kind:10} {len(chosen):3} texts {sum(t.words for t in chosen):6} words")
    errors, words, rate = errors_per_thousand_words()
    print(
        f"{len(TEXTS)} texts, {words} words, {len(CHECKS)} checks, {errors} errors: {rate:.1f} per 1,000 words"
    )
