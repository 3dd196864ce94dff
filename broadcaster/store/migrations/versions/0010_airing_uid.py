"""An identity for every airing before its first sample (`airing.uid`).

The on-air note, the journal and the row all carry it, so the daemon after a crash matches
the note to its row even when the row was journaled (no id yet) while the database was down:
a bulletin that began to sound is never taken for one that did not, and never replayed.
Older rows keep NULL (they were closed long ago).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the column."""
    with op.batch_alter_table("airing") as batch:
        batch.add_column(sa.Column("uid", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("airing") as batch:
        batch.drop_column("uid")
