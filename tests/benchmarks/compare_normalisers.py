"""Compare our spoken form with other Vietnamese normalisers on 50 corpus cases.

Run with a Python that has the others installed, from the repository root:
    python -m venv /tmp/cmp && /tmp/cmp/bin/pip install vinorm vietnam-number soe-vinorm
    PYTHONPATH=. /tmp/cmp/bin/python tests/benchmarks/compare_normalisers.py

A case counts as right when the output equals the reviewed expectation after folding
case, punctuation and spaces (the others do not keep our capitals or commas). Prints
the counts; asserts nothing.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from broadcaster.spoken import Normaliser

CASES = Path(__file__).resolve().parents[1] / "data" / "spoken_cases.tsv"


def canon(text: str) -> str:
    """Lower case, words only."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def load_cases(count: int = 50) -> list[tuple[str, str]]:
    """Every fifth northern case, spread over all categories of the corpus."""
    rows = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        dialect, written, spoken = line.split("\t")
        if dialect == "north":
            rows.append((written.replace("\\n", "\n"), spoken.replace("\\n", "\n")))
    return rows[::5][:count]


def others() -> dict[str, object]:
    """The normalisers that import and run here, each as text -> text."""
    found: dict[str, object] = {}
    try:
        from vinorm import TTSnorm

        found["vinorm 2.0.7"] = lambda text: TTSnorm(text)
    except ImportError as exc:
        print(f"vinorm: not available ({exc})")
    try:
        from vietnam_number import n2w

        # Numbers only: replace each run of digits by its words, leave the rest.
        found["vietnam-number 1.0.6 (numbers only)"] = lambda text: re.sub(
            r"\d+", lambda m: " " + n2w(m.group(0)) + " ", text
        )
    except ImportError as exc:
        print(f"vietnam-number: not available ({exc})")
    try:
        from soe_vinorm import normalize_text

        normalize_text("1")  # loads its model: needs the Hugging Face hub
        found["soe-vinorm"] = normalize_text
    except Exception as exc:  # noqa: BLE001 - report whatever stops a third-party tool
        print(f"soe-vinorm: cannot run offline here ({type(exc).__name__})")
    return found


def main() -> int:
    cases = load_cases()
    ours = Normaliser("north")
    tools = {"broadcaster": lambda text: ours(text).text} | others()
    print(f"{len(cases)} cases from {CASES.name}")
    for name, tool in tools.items():
        right, with_digits = 0, 0
        misses = []
        for written, expected in cases:
            got = tool(written)  # type: ignore[operator]
            with_digits += bool(re.search(r"\d", got))
            if canon(got) == canon(expected):
                right += 1
            else:
                misses.append((written, got))
        print(f"{name}: {right}/{len(cases)} right, {with_digits} outputs still contain digits")
        for written, got in misses[:3]:
            print(f"    e.g. {written!r} -> {got.strip()!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
