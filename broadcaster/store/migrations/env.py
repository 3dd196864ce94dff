"""Alembic's environment: runs the revisions on the connection `broadcaster.store.migrate` hands in."""

from __future__ import annotations

from alembic import context

from broadcaster.store.db import Base
from broadcaster.store.migrations import FOREIGN_TABLES


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave out tables that belong to other programs when comparing schemas."""
    return not (type_ == "table" and name in FOREIGN_TABLES)


connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot alter most things in place; batch mode copies the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    include_name=include_name,
)
# The caller has begun the transaction; every revision and the version stamp commit together.
with context.begin_transaction():
    context.run_migrations()
