"""The lease carries a fencing epoch and the player's process group; airings record the epoch.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

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


def downgrade() -> None:
    """Drop the three columns; the epoch is not part of the sealed content of an airing."""
    with op.batch_alter_table("airing") as batch:
        batch.drop_column("epoch")
    with op.batch_alter_table("daemon_lease") as batch:
        batch.drop_column("player_pgid")
        batch.drop_column("epoch")
