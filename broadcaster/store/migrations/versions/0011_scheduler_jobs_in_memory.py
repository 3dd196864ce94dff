"""The daemon keeps its scheduler's jobs in memory, made again from the slots at each start,
so no slot waits on the database (a PostgreSQL outage at a slot's start stopped it airing).
APScheduler's table of stored jobs (`apscheduler_jobs`) is dropped; a slot missed while the
daemon was down still airs late within the grace time, through settling. No table of ours
changes.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop APScheduler's stored jobs, if the daemon ever ran here."""
    if "apscheduler_jobs" in sa.inspect(op.get_bind()).get_table_names():
        op.drop_table("apscheduler_jobs")


def downgrade() -> None:
    """Nothing to restore: an older daemon creates the table and its jobs at its start."""
