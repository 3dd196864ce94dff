"""Alembic revisions of the Broadcaster schema; run in code by `broadcaster.store.migrate`, no alembic.ini."""

import re
from functools import lru_cache
from pathlib import Path

# APScheduler's table of stored jobs, from before migration 0011 (an older daemon creates it
# again after a downgrade): not one of ours.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})


@lru_cache(maxsize=1)
def revisions_in_order() -> list[str]:
    """Every revision, oldest first, read from each file's `revision` and `down_revision` lines
    (no Alembic: checking a schema must stay light; tests/store/test_migrations.py holds it equal
    to Alembic's own chain)."""
    found: dict[str | None, str] = {}
    for path in (Path(__file__).parent / "versions").glob("[0-9]*.py"):
        text = path.read_text(encoding="utf-8")
        revision = re.search(r'^revision = "([^"]+)"', text, re.M)
        down = re.search(r'^down_revision: str \| None = (?:"([^"]+)"|None)', text, re.M)
        if revision is None or down is None:
            raise RuntimeError(f"{path.name} does not say its revision and the one before it")
        found[down.group(1)] = revision.group(1)
    chain, at = [], found.get(None)
    while at is not None:
        chain.append(at)
        at = found.get(at)
    return chain
