"""Checks that revisions call before they destroy anything a person may need as evidence."""

from __future__ import annotations

from alembic import op
from sqlalchemy import func, select, table

from broadcaster.errors import BroadcasterError, Code

# Tables whose rows are sealed evidence (the hash-chained airing log).
SEALED_TABLES = ("airing",)


def refuse_if_sealed(tables: tuple[str, ...], revision: str) -> None:
    """Refuse a downgrade to `revision` if any of `tables` holds sealed evidence rows."""
    bind = op.get_bind()
    held = []
    for name in tables:
        if name not in SEALED_TABLES:
            continue
        count = bind.scalar(select(func.count()).select_from(table(name)))
        if count:
            held.append(f"{count} rows in {name}")
    if held:
        raise BroadcasterError(
            Code.SCHEMA_DOWNGRADE_REFUSED, revision=revision, detail=", ".join(held)
        )
