"""Words: abbreviations from the dictionary, foreign words and names (`loanwords.tsv`), words
in capitals read as words, and capital letter groups nobody knows, said or spelled."""

from __future__ import annotations

import re

from broadcaster.spoken.lexicon import LETTER_NAMES, fold, trie_alternation
from broadcaster.spoken.rules_base import Context, Rule
from broadcaster.spoken.syllables import is_syllable

# --- abbreviations ----------------------------------------------------------------------


def abbreviation_rules(abbreviations: dict[str, str]) -> tuple[Rule, Rule, Rule]:
    """An echo rule ('… hành chính (CCHC)' keeps one), joined abbreviations and the expansion."""
    keys = trie_alternation(abbreviations)
    first = "".join(sorted({re.escape(k[0]) for k in abbreviations}))

    inside = re.compile(rf"(?<![\w&/-])(?:{keys})(?![\w&/-])")

    def echo(m: re.Match[str], ctx: Context) -> str:
        full = ctx.abbreviations[m.group("k")]
        head = m.string[max(0, m.start() - len(full) - 12) : m.start()]
        # "Điện lực TP.HCM (EVNHCMC)", "Điện lực TP. Hà Nội (EVNHANOI)": the name is there
        # already when its words are, abbreviations read out and "thành phố" aside
        head = inside.sub(lambda k: ctx.abbreviations[k.group(0)], head)
        # "BHXH/Bảo hiểm y tế (BHYT)": a slash parts words as a space does
        said = fold(head).replace("thanh pho", " ").replace("/", " ").split()
        wanted = fold(full).replace("thanh pho", " ").split()
        return "" if said[-len(wanted) :] == wanted else f", {full},"

    def expand(m: re.Match[str], ctx: Context) -> str:
        glued = re.match(r"[^\W\d_]+", m.string[m.end() :])
        if glued is None:
            return ctx.abbreviations[m.group("k")]
        key = m.group("k")
        if glued.group(0).isupper():  # "TP.HCMC": a code in capitals, read as before
            return ctx.abbreviations.get(key[:-1], key[:-1]) + "."
        return f"{ctx.abbreviations[key]} "  # "TP.Thủ Đức": a name glued to "TP."

    def joined(m: re.Match[str], ctx: Context) -> str:
        whole = m.group(0)
        if whole in ctx.abbreviations:  # "KT-XH", "HIV/AIDS": an entry of its own
            return ctx.abbreviations[whole]
        return f"{ctx.abbreviations[m.group('a')]} và {ctx.abbreviations[m.group('b')]}"

    return (
        Rule("abbreviation echo", re.compile(rf" ?\((?P<k>{keys})\)"), echo),
        Rule(
            "joined abbreviations",
            # "HĐND&UBND", "HĐND-UBND", "UBND/HĐND": each part is in the dictionary
            re.compile(rf"(?=[{first}])(?<![\w&/-])(?P<a>{keys}) ?[&/-] ?(?P<b>{keys})(?![\w&/-])"),
            joined,
        ),
        Rule(
            "abbreviation",
            # "bão/ATNĐ": after a word and a slash too (a code's "/QĐ" was read before), and
            # before one ("BHXH/Bảo hiểm y tế"), not before a code's next part ("BHXH/KHTC")
            re.compile(
                rf"(?=[{first}])(?<![\w&-])(?<![\dA-ZĐ]/)(?P<k>{keys})"
                rf"(?:(?<=\w\w\.)(?=[^\W\d_])|(?![\w&-]|/(?![^\W\d_][^\W\d_A-ZĐ])))"
            ),
            expand,
        ),
    )


def loanword_rule(words: dict[str, str]) -> Rule:
    """Foreign words and names (`loanwords.tsv`) in their Vietnamese reading, any case."""
    first = "".join(sorted({re.escape(c) for k in words for c in (k[0], k[0].upper())}))
    return Rule(
        "loanword",
        re.compile(rf"(?=[{first}])(?<![\w-]){trie_alternation(words)}(?![\w-])", re.IGNORECASE),
        lambda m, ctx: words[m.group(0).lower()],
    )


# --- what is left: capitals no dictionary knows, symbols ---------------------------------------


# Consonant and vowel groups in turn, at least two vowel groups: a name said as a word
# ("ASEAN", "KROSA", "UNESCO"), not letters ("UBND", "CCHC", "HIV").
_SAYABLE_RE = re.compile(r"[^AEIOUY]{0,2}(?:[AEIOUY]{1,2}[^AEIOUY]{1,2}){1,}[AEIOUY]{0,2}")


def _letters(m: re.Match[str], ctx: Context) -> str:
    token = m.group(0)
    ctx.unknown.append(token)  # listed to the officer either way
    vowels = len(re.findall("[AEIOUY]+", token))
    if len(token) >= 4 and vowels >= 2 and _SAYABLE_RE.fullmatch(token):
        return token.capitalize()
    return " ".join(LETTER_NAMES[c] for c in token)


LETTERS = Rule(
    "letter names",
    re.compile(r"(?=[A-ZĐ])(?<![\w])[A-ZĐ]{2,}(?![\w])"),
    _letters,
)

# Capital letters of Vietnamese: A-Z, Đ and the vowels with their marks ("KHẨN", "QUÂN").
_UPPER = "A-ZĐĂÂÊÔƠƯÀÁÃÈÉÌÍÒÓÕÙÚÝĨŨ" + "".join(
    chr(c) for c in range(0x1EA0, 0x1EFA) if chr(c).isupper()
)
_NEIGHBOUR_BEFORE_RE = re.compile(rf"(?<![\w])([{_UPPER}]+) $")
_NEIGHBOUR_AFTER_RE = re.compile(rf" ([{_UPPER}]+)(?![\w])")


def _plainly_vietnamese(word: str) -> bool:
    """A capital word no abbreviation looks like: a syllable with a mark, or of four letters."""
    return word.isupper() and (not word.isascii() or len(word) >= 4) and is_syllable(word)


def _capital_word(m: re.Match[str], ctx: Context) -> str:
    word = m.group(0)
    start = m.start()
    if start and (m.string[start - 1].isalnum() or m.string[start - 1] == "_"):
        return word  # the end of a longer word
    if not word.isupper() or not is_syllable(word):
        return word  # an abbreviation or a name: the letter rule decides
    if word.isascii() and len(word) < 4:
        # "CA", "TIN", "NAM" alone may be letters; beside "VIỆT", "ĐÌNH" they are words
        before = _NEIGHBOUR_BEFORE_RE.search(m.string, max(0, m.start() - 8), m.start())
        after = _NEIGHBOUR_AFTER_RE.match(m.string, m.end())
        if not any(n and _plainly_vietnamese(n.group(1)) for n in (before, after)):
            return word
    return word.lower()


CAPITAL_WORDS = Rule(
    "capitals as words",
    # "THÔNG BÁO KHẨN", "NGHĨA VỤ QUÂN SỰ": valid Vietnamese syllables are read as words
    # (a character set first lets the regex engine skip ahead; the start is checked after)
    re.compile(rf"[{_UPPER}][{_UPPER}]{{1,6}}(?![\w])"),
    _capital_word,
)
