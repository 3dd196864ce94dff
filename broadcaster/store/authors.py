"""Authors as people read them: the demo's sample bulletins say they are samples. Light (no
ORM, no password hashing), so the report's figures and `broadcaster status` can use it."""

from __future__ import annotations

# The author of the sample bulletins `init --demo` adds. It is no account and no account may
# take it (nor "system", nor the "cli:" names the command line acts as): a log row or a report
# that names it is a sample, not the town's propaganda.
DEMO_AUTHOR = "demo"


def author_vi(name: str | None) -> str:
    """An author as the web page and the Office's files show it; the samples say they are."""
    if name == DEMO_AUTHOR:
        return "demo (bản tin mẫu, không phải bản tin thật)"
    return name or ""


def author_en(name: str | None) -> str:
    """An author as the CLI shows it."""
    return "demo (a sample bulletin from init --demo)" if name == DEMO_AUTHOR else name or ""
