"""The daemon moved to `broadcaster.daemon.process`: the slot jobs APScheduler keeps in our
database name their function by module path (`broadcaster.daemon:air_slot_job`), so they are
rewritten to the new path. Left as they were, APScheduler could not restore them and would
drop them, and a slot missed while the daemon was down would no longer air late within its
grace time. No table or column changes.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import pickle

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels = None
depends_on = None

JOBS = sa.table(
    "apscheduler_jobs", sa.column("id", sa.Unicode), sa.column("job_state", sa.LargeBinary)
)
OLD, NEW = "broadcaster.daemon:", "broadcaster.daemon.process:"


def _rewrite(old: str, new: str) -> None:
    connection = op.get_bind()
    inspector = sa.inspect(connection)
    if "apscheduler_jobs" not in inspector.get_table_names():
        return  # the daemon never ran on this database
    if {"id", "job_state"} - {c["name"] for c in inspector.get_columns("apscheduler_jobs")}:
        return  # not APScheduler's table: not ours to touch
    for job_id, blob in connection.execute(sa.select(JOBS.c.id, JOBS.c.job_state)).all():
        # APScheduler's own job state: a dict of plain values and its trigger classes.
        try:
            state = pickle.loads(blob)
        except (pickle.UnpicklingError, ImportError, AttributeError, EOFError, ValueError):
            continue  # a state APScheduler cannot read either: it drops that job itself
        func = state.get("func") if isinstance(state, dict) else None
        if not isinstance(func, str) or not func.startswith(old):
            continue
        state["func"] = new + func.removeprefix(old)
        connection.execute(
            sa.update(JOBS)
            .where(JOBS.c.id == job_id)
            .values(job_state=pickle.dumps(state, pickle.HIGHEST_PROTOCOL))
        )


def upgrade() -> None:
    """Point the stored jobs at the daemon's new module."""
    _rewrite(OLD, NEW)


def downgrade() -> None:
    """Point them back."""
    _rewrite(NEW, OLD)
