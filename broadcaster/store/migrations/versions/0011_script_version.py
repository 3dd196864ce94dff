"""Scripts get a version number (`script.version`), the compare-and-set of every change.

Every write of a script row says `WHERE id = :id AND version = :read` and adds one, so an
approval cannot land on words that changed after the leader's page was read, and no two
changes of one bulletin interleave (issue 23). Existing scripts start at 1.

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
    """Add the column, 1 for every existing script."""
    with op.batch_alter_table("script") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    """Drop it."""
    with op.batch_alter_table("script") as batch:
        batch.drop_column("version")
