"""Indexes the web pages need at a province's size (issue 25): the script list's filters and
its author and week choices read an index instead of every script (on SQLite, a column after
the body costs a walk through the body's pages), the status page finds the station's last
finished airing at the end of an index instead of sorting every airing, and the airing log's
indexes end with the id, as its order (planned_start, id) does.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision: str | None = "0013"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_script_status_topic": ("script", ["status", "topic"]),
    "ix_script_topic": ("script", ["topic"]),
    "ix_script_author": ("script", ["author"]),
    "ix_script_week": ("script", ["week"]),
    "ix_airing_cluster_outcome_id": ("airing", ["cluster", "outcome", "id"]),
    "ix_airing_planned_start_id": ("airing", ["planned_start", "id"]),
    "ix_airing_outcome_planned_start_id": ("airing", ["outcome", "planned_start", "id"]),
}
# Replaced by the two last above: the log's order is (planned_start, id), and on PostgreSQL an
# index without the id made a page's first key a walk through the rows, not the index alone.
REPLACED = {
    "ix_airing_planned_start": ("airing", ["planned_start"]),
    "ix_airing_outcome_planned_start": ("airing", ["outcome", "planned_start"]),
}


def upgrade() -> None:
    """Add the indexes; drop the two the log's now replace."""
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)
    for name, (table, _columns) in REPLACED.items():
        op.drop_index(name, table)


def downgrade() -> None:
    """Put the replaced indexes back and drop the new ones (an index holds no evidence)."""
    for name, (table, columns) in REPLACED.items():
        op.create_index(name, table, columns)
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table)
