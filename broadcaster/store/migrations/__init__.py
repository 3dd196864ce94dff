"""Alembic revisions of the Broadcaster schema; run in code by `broadcaster.store.migrate`, no alembic.ini."""

# APScheduler's table of stored jobs, from before migration 0011 (an older daemon creates it
# again after a downgrade): not one of ours.
FOREIGN_TABLES = frozenset({"apscheduler_jobs"})
