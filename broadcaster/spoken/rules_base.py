"""What a reading rule is (a named regex and its replacement), what it reads with, how it runs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

Record = Callable[[str, str, str], None]


@dataclass
class Context:
    """What the rules need besides the text."""

    dialect: str
    abbreviations: dict[str, str]
    record: Record | None
    unknown: list[str]
    mong: bool = False  # days 1 to 10 as "mồng một" (Northern) or "mùng một" (Southern)
    defined: dict[str, str] = field(default_factory=dict)  # short forms the text defines


@dataclass(frozen=True)
class Rule:
    """A named regex whose matches `replace` turns into spoken words."""

    name: str
    pattern: re.Pattern[str]
    replace: Callable[[re.Match[str], Context], str]


def words_before(match: re.Match[str], words: int = 1) -> str:
    """The last `words` words before the match in its paragraph, lower-cased."""
    head = match.string[max(0, match.start() - 40) : match.start()].rsplit("\n", 1)[-1]
    # "(ngày 6/2": an opening bracket or quote is not part of the word
    return " ".join(w.lstrip("([“\"'") for w in head.split()[-words:]).lower()


def apply(rule: Rule, text: str, ctx: Context) -> str:
    """Run one rule over `text`, recording each change when asked."""
    record = ctx.record
    if record is None:
        return rule.pattern.sub(lambda m: rule.replace(m, ctx), text)

    def replace(m: re.Match[str]) -> str:
        after = rule.replace(m, ctx)
        if after != m.group(0):
            record(rule.name, m.group(0), after)
        return after

    return rule.pattern.sub(replace, text)
