"""An index on airing (outcome, planned_start): the log page filtered by outcome ("không phát
được" for a year) reads only the rows it shows instead of every row of the period.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_airing_outcome_planned_start", "airing", ["outcome", "planned_start"])


def downgrade() -> None:
    """Drop it (an index holds no evidence)."""
    op.drop_index("ix_airing_outcome_planned_start", "airing")
