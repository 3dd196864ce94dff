"""The schema's one partial index, declared on the `airing` table when this module is imported.

Apart from `tables` because its dialect options (a `WHERE` for SQLite and for PostgreSQL) load
both dialects' modules, about 50 ms that a reading command (`broadcaster status`) does not
need. `store.db` (every writer, the migrations' check) and `engine.create_schema` import it."""

from __future__ import annotations

from sqlalchemy import Index, text

from broadcaster.store.tables import airing

# The database itself refuses a second airing of one programme entry: only a `failed` attempt
# (nothing reached the speakers) may be followed by another.
one_airing_per_entry = Index(
    "one_airing_per_entry",
    airing.c.programme_entry_id,
    unique=True,
    sqlite_where=text("outcome != 'failed'"),
    postgresql_where=text("outcome != 'failed'"),
)
