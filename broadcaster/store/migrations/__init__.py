"""Alembic revisions of the Broadcaster schema; run in code by `broadcaster.store.migrate`, no alembic.ini."""

# APScheduler's job store keeps its table in our database; it is not ours to create or drop.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})
