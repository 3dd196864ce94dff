"""Indexes the web pages need at a province's size (issue 25): the script list's filters and
its author and week choices read an index instead of every script (on SQLite, a column after
the body costs a walk through the body's pages), and the status page finds the station's
last finished airing at the end of an index instead of sorting every airing.

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
}


def upgrade() -> None:
    """Add the indexes."""
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    """Drop them (an index holds no evidence)."""
    for name, (table, _columns) in INDEXES.items():
        op.drop_index(name, table)
