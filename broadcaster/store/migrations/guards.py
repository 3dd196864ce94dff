"""Checks that revisions call before they destroy anything a person may need as evidence."""

from __future__ import annotations

from alembic import op
from sqlalchemy import column, func, select, table

from broadcaster.errors import BroadcasterError, Code

# Tables whose rows are sealed evidence (the hash-chained airing log).
SEALED_TABLES = ("airing", "audit_event")


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


def refuse_if_sealed_format(seal_format: int, revision: str) -> None:
    """Refuse a downgrade to `revision` if any airing was sealed under `seal_format` or later.

    Dropping the columns such rows were hashed over would make their evidence unverifiable.
    """
    bind = op.get_bind()
    airing = table("airing", column("seal_format"))
    count = bind.scalar(
        select(func.count()).select_from(airing).where(airing.c.seal_format >= seal_format)
    )
    if count:
        raise BroadcasterError(
            Code.SCHEMA_DOWNGRADE_REFUSED,
            revision=revision,
            detail=f"{count} airing rows sealed with seal format {seal_format}",
        )
