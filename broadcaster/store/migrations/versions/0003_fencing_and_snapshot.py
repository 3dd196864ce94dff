"""Fencing and the listener's snapshot.

The lease carries a fencing epoch and the player's process group; each airing records
the epoch it aired under and a snapshot of what was heard (title, topic, text sha256,
approver), sealed under seal format 2. Rows sealed before keep format 1 and verify as
they were.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcaster.store.migrations.guards import refuse_if_sealed_format

revision = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add daemon_lease.epoch (1 for the holder of today), daemon_lease.player_pgid, airing.epoch."""
    with op.batch_alter_table("daemon_lease") as batch:
        batch.add_column(
            sa.Column("epoch", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch.add_column(sa.Column("player_pgid", sa.Integer(), nullable=True))
    with op.batch_alter_table("airing") as batch:
        batch.add_column(sa.Column("epoch", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("title", sa.String(300), nullable=True))
        batch.add_column(sa.Column("topic", sa.String(2), nullable=True))
        batch.add_column(sa.Column("text_sha256", sa.String(64), nullable=True))
        batch.add_column(sa.Column("approved_by", sa.String(100), nullable=True))
        batch.add_column(sa.Column("seal_format", sa.Integer(), nullable=True))


def downgrade() -> None:
    """Drop the columns, unless a row was sealed with them (format 2): that is evidence."""
    refuse_if_sealed_format(2, "0002")
    with op.batch_alter_table("airing") as batch:
        for column in ("seal_format", "approved_by", "text_sha256", "topic", "title", "epoch"):
            batch.drop_column(column)
    with op.batch_alter_table("daemon_lease") as batch:
        batch.drop_column("player_pgid")
        batch.drop_column("epoch")
