"""Programme entries can be pinned: arranged by hand, left alone by the planner.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add programme_entry.pinned, false for every existing entry."""
    with op.batch_alter_table("programme_entry") as batch:
        batch.add_column(
            sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    """Drop programme_entry.pinned (a planning hint, not evidence)."""
    with op.batch_alter_table("programme_entry") as batch:
        batch.drop_column("pinned")
