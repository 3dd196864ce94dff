"""Airing events: every state change of an airing is its own link in the chain.

Adds the airing_event table (seal format 3: a `started` event when the row opens, then
its outcome), the rest of the listener's snapshot on the airing row (author, approval
time, voice, requester) and the requester of an air-now request. Rows sealed under
formats 1 and 2 keep their own links and verify as they were; nothing is re-hashed.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcaster.store.migrations.guards import refuse_if_sealed_format

revision = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None

SNAPSHOT_COLUMNS = (
    ("author", sa.String(100)),
    ("approved_at", sa.DateTime()),
    ("voice", sa.String(80)),
    ("requested_by", sa.String(100)),
)


def upgrade() -> None:
    """Create airing_event; add the snapshot columns and air_request.requested_by."""
    op.create_table(
        "airing_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("seal_format", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("airing_id", sa.Integer(), sa.ForeignKey("airing.id"), nullable=False),
    )
    op.create_index("ix_airing_event_airing_id", "airing_event", ["airing_id"])
    with op.batch_alter_table("airing") as batch:
        for name, kind in SNAPSHOT_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    with op.batch_alter_table("air_request") as batch:
        batch.add_column(sa.Column("requested_by", sa.String(100), nullable=True))


def downgrade() -> None:
    """Drop them, unless an airing was sealed as events (format 3): that is evidence."""
    refuse_if_sealed_format(3, "0003")
    with op.batch_alter_table("air_request") as batch:
        batch.drop_column("requested_by")
    with op.batch_alter_table("airing") as batch:
        for name, _ in reversed(SNAPSHOT_COLUMNS):
            batch.drop_column(name)
    op.drop_index("ix_airing_event_airing_id", "airing_event")
    op.drop_table("airing_event")
