"""Is a written word one valid Vietnamese syllable? Onset, rhyme and tone by the orthography.

A syllable is an onset (possibly none), a rhyme (medial, nucleus, coda) and at most one
tone mark. The rhymes are the standard table of written rhymes; the spelling rules are
the ones every primary-school reader knows: "k", "gh", "ngh" before i, e, ê and "c", "g",
"ng" elsewhere; "qu" takes the medial u; "gi" may swallow the rhyme's own i ("gì",
"giêng"); "yê" opens a syllable without onset and "iê" follows one; a stop coda (c, ch,
p, t) takes only the sắc or nặng tone. Used to tell a heading word in capitals
("KHẨN", "NGHĨA", "QUÂN") from an abbreviation or a foreign name ("UBND", "KROSA").
"""

from __future__ import annotations

import functools
import unicodedata

# Combining tone marks after NFD: huyền, sắc, ngã, hỏi, nặng. (Circumflex, breve and
# horn are part of the vowel letter and stay.)
_TONES = {"\u0300": "huyền", "\u0301": "sắc", "\u0303": "ngã", "\u0309": "hỏi", "\u0323": "nặng"}
_STOP_CODAS = ("c", "ch", "p", "t")
_ONSETS = (
    "ngh ch gh gi kh ng nh ph qu th tr b c d đ g h k l m n p r s t v x".split()
)  # longest first where one is the start of another ("ngh" before "ng")

_RHYMES = frozenset(
    """
    a e ê i y o ô ơ u ư ia ua ưa oa oe uê uy uya uơ
    ai ay ây ao au âu eo êu iu oi ôi ơi ui ưi ưu iêu yêu uôi ươi ươu oai oay oao oeo uây uyu
    am an ang anh ac ach ap at ăm ăn ăng ăc ăp ăt âm ân âng âc âp ât
    em en eng ec ep et êm ên ênh êch êp êt im in inh ich ip it
    om on ong oc op ot oong ooc ôm ôn ông ôc ôp ôt ơm ơn ơp ơt
    um un ung uc up ut ưm ưn ưng ưc ưt
    iêm iên iêng iêc iêp iêt yêm yên yêng yêt uôm uôn uông uôc uôt ươm ươn ương ươc ươp ươt
    oam oan oang oanh oac oach oap oat oăm oăn oăng oăc oăt oen oet
    uân uâng uât uênh uêch uynh uych uyt uyên uyêt
    """.split()
)
_FRONT = ("i", "e", "ê", "y")  # "k", "gh", "ngh" before these; "c", "g", "ng" not


def _split_tone(word: str) -> tuple[str, str | None] | None:
    """The word without its tone mark, and the tone; None when it carries two tones."""
    tones = [c for c in unicodedata.normalize("NFD", word) if c in _TONES]
    if len(tones) > 1:
        return None
    bare = "".join(c for c in unicodedata.normalize("NFD", word) if c not in _TONES)
    return unicodedata.normalize("NFC", bare), (_TONES[tones[0]] if tones else None)


def _rhyme_fits(onset: str, rhyme: str) -> bool:
    if onset == "qu":  # "quân", "quyết", "qua": the u is the medial
        return (rhyme in _RHYMES or f"u{rhyme}" in _RHYMES) and not rhyme.startswith(("u", "o"))
    if onset == "gi":  # "gì", "giêng": the i of the rhyme is written once
        return rhyme in _RHYMES or f"i{rhyme}" in _RHYMES
    if rhyme not in _RHYMES:
        return False
    if rhyme.startswith("yê") and onset:
        return False  # "yên" opens a syllable; after an onset it is "iê" ("tiên")
    if rhyme.startswith("y") and not onset and rhyme != "y":
        return rhyme.startswith("yê")
    front = rhyme.startswith(_FRONT)
    if onset in ("k", "gh", "ngh"):
        return front
    if onset == "c":
        return not front
    if onset in ("g", "ng"):
        return not rhyme.startswith(("e", "ê", "y")) and not (onset == "ng" and front)
    return True


@functools.cache
def is_syllable(word: str) -> bool:
    """True when `word` (any case) is one syllable Vietnamese spelling allows."""
    split = _split_tone(word.lower())
    if split is None:
        return False
    bare, tone = split
    if bare.endswith(_STOP_CODAS) and tone not in ("sắc", "nặng"):
        return False
    return any(
        bare.startswith(onset) and len(bare) > len(onset) and _rhyme_fits(onset, bare[len(onset) :])
        for onset in ("", *_ONSETS)
    )
