"""The reading rules, in the order they run over each paragraph. Each is a regex and a function.

Order matters: a phone number must be read before its dashes look like a range,
a document symbol before its letters look like abbreviations, dates before the
plain numbers inside them, and the catch-all rules for digits and capitals last.
The rules run over the whole text at once, one paragraph per line (fast: one
pass per rule). Patterns match single spaces only (layout has already folded
white space), so no rule reaches across a paragraph.

The rules live by family: `rules_marks` (list markers, bylines, footnotes, symbols,
punctuation), `rules_codes` (document symbols, phone numbers), `rules_dates` (dates, quarters,
times), `rules_quantities` (numbers, units, ranges, ordinals, Roman numerals), `rules_words`
(abbreviations, loanwords, capitals), `rules_places` (road numbers, milestones, power companies); `rules_base` says what a rule is and runs one.
"""

from __future__ import annotations

from broadcaster.spoken.defined import DEFINED
from broadcaster.spoken.lexicon import loanwords
from broadcaster.spoken.rules_base import Rule
from broadcaster.spoken.rules_codes import (
    BIRTH_YEAR,
    CODE,
    CODE_NUMBER,
    DIALLED,
    DOCUMENT,
    LAW_NUMBER,
    PHONE,
)
from broadcaster.spoken.rules_dates import (
    DASHED_DAY_MONTH,
    DATE_RANGE,
    DAY_IN_WORDS,
    DAY_MONTH,
    DAY_RANGE,
    DAY_SPAN,
    DOTTED_DAY_RANGE,
    FULL_DATE,
    HOUR_RANGE,
    MONTH_RANGE,
    MONTH_YEAR,
    QUARTER,
    ROUND_THE_CLOCK,
    SPACED_DATE,
    TIME,
    TIME_COLON,
    TIME_SPAN,
    ZERO_MINUTES,
)
from broadcaster.spoken.rules_marks import (
    BYLINE,
    FOOTNOTE,
    GLUED_MARKER,
    GLUED_SENTENCE,
    MARKER,
    NAME_DASH,
    NAME_PAIR,
    PUNCTUATION,
    STAR,
    STEP,
    SYMBOLS,
    TIME_ZONE,
)
from broadcaster.spoken.rules_places import MILESTONE, POWER_COMPANY, ROAD
from broadcaster.spoken.rules_quantities import (
    ALARM,
    BELOW_ZERO,
    COMMA_LIST,
    COORDINATE,
    DEGREES_C,
    LEFTOVER_DIGITS,
    NUMBER,
    NUMBER_LIST,
    OR_MORE,
    ORDINAL,
    PER,
    PER_ONE,
    RANGE,
    RATIO,
    ROMAN,
    SCALED_UNIT,
    TIMES,
    UNIT_RANGE,
)
from broadcaster.spoken.rules_words import (
    CAPITAL_WORDS,
    LETTERS,
    abbreviation_rules,
    loanword_rule,
)


def ordered_rules(abbreviations: dict[str, str], town: frozenset[str] = frozenset()) -> list[Rule]:
    """Every rule in the order it must run; a word in the town's own file (`town`, its keys)
    is read as the town says, not as `loanwords.tsv` does."""
    foreign = {k: v for k, v in loanwords().items() if k not in {t.lower() for t in town}}
    echo, joined, expand = abbreviation_rules(abbreviations)
    return [
        BYLINE, GLUED_MARKER, MARKER, GLUED_SENTENCE, FOOTNOTE, STEP, TIME_ZONE, loanword_rule(foreign), DOCUMENT, LAW_NUMBER, BIRTH_YEAR, PHONE, DIALLED, ROAD, MILESTONE, CODE_NUMBER, ROUND_THE_CLOCK, QUARTER, SPACED_DATE,
        COMMA_LIST, COORDINATE, BELOW_ZERO, UNIT_RANGE, DAY_SPAN, DAY_RANGE, DOTTED_DAY_RANGE, DATE_RANGE, MONTH_RANGE, FULL_DATE, HOUR_RANGE, TIME_SPAN, TIME, TIME_COLON, ZERO_MINUTES, DASHED_DAY_MONTH, DAY_IN_WORDS,
        MONTH_YEAR,
        ALARM, DEGREES_C, SCALED_UNIT, TIMES, NUMBER_LIST, RANGE, DAY_MONTH, RATIO, PER_ONE, PER, ORDINAL, ROMAN, DEFINED, POWER_COMPANY, echo, joined, expand, CODE, OR_MORE, NUMBER, STAR,
        CAPITAL_WORDS, LETTERS,
        NAME_PAIR, NAME_DASH, SYMBOLS, PUNCTUATION, LEFTOVER_DIGITS,
    ]  # fmt: skip
