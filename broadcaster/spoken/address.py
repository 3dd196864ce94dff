"""Web and e-mail addresses said the way an announcer reads them out.

"https://dichvucong.gov.vn/p/home" is heard as "dịch vụ công chấm gốp chấm vê nờ": the
scheme and the path are left out (nobody types a path from the loudspeaker), the dots are
"chấm", "@" is "a còng". A label that is a known word (`loanwords.tsv`, e.g. "dichvucong")
takes its reading; one made of Vietnamese syllables written without marks ("hungyen",
"luquetsatlo") is said syllable by syllable; anything else is spelled.
"""

from __future__ import annotations

import re

from broadcaster.spoken.lexicon import LETTER_NAMES, loanwords
from broadcaster.spoken.numbers import digit_words

_TAIL = r"[^\s<>\"'()\[\]]*[^\s<>\"'()\[\].,;:!?]"  # a final dot ends the sentence
URL_RE = re.compile(
    rf"(?:https?://|www\.){_TAIL}"
    rf"|(?<![\w.@-])[\w-]+(?:\.[\w-]+)*\.(?:gov|com|net|org|edu|info|vn)\b(?:\.vn)?(?:/{_TAIL})?",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")

# How the common endings are said on Vietnamese radio.
_ENDINGS = {
    "gov": "gốp",
    "vn": "vê nờ",
    "com": "com",
    "net": "nét",
    "org": "o rờ gờ",
    "edu": "e đu",
    "info": "in phô",
    "www": "vê kép vê kép vê kép",
}
_ONSET = r"(?:ngh|ng|gh|gi|kh|nh|ph|qu|th|tr|ch|[bcdghklmnpqrstvx])?"
# A final consonant is taken only when no vowel follows, so "dichvucong" is "dich vu cong".
_SYLLABLE = rf"{_ONSET}(?:[aeiouy]{{1,3}})(?:(?:ng|nh|ch|[cmnpt])(?![aeiou]))?"
_SYLLABLES_RE = re.compile(rf"(?:{_SYLLABLE})+")
_SYLLABLE_RE = re.compile(_SYLLABLE)
_PIECE_RE = re.compile(r"[a-z]+|\d+")


def say_label(label: str) -> str:
    """One part of an address ("hungyen", "gov", "vn24h") in words."""
    lower = label.lower()
    known = loanwords()
    if lower in _ENDINGS:
        return _ENDINGS[lower]
    if lower in known:
        return known[lower]
    words = []
    for piece in _PIECE_RE.findall(lower):
        if piece.isdigit():
            words.append(digit_words(piece))
        elif len(piece) > 1 and _SYLLABLES_RE.fullmatch(piece):
            words.extend(_SYLLABLE_RE.findall(piece))
        else:
            words.extend(LETTER_NAMES.get(c.upper(), c) for c in piece)
    return " ".join(words)


def _host(text: str) -> str:
    return " chấm ".join(say_label(part) for part in text.split(".") if part)


def say_url(url: str) -> str:
    """A web address in words: the host only, dots as "chấm"."""
    host = re.sub(r"^(?:https?://)", "", url, flags=re.IGNORECASE)
    host = re.split(r"[/?#:]", host, maxsplit=1)[0].rstrip(".,;")
    return _host(host)


def say_email(address: str) -> str:
    """An e-mail address in words, "@" as "a còng"."""
    local, _, domain = address.rstrip(".,;").partition("@")
    return f"{_host(local)} a còng {_host(domain)}"
