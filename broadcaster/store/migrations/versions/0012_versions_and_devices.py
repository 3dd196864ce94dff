"""Scripts get a version number (`script.version`), the compare-and-set of every change.

Every write of a script row says `WHERE id = :id AND version = :read` and adds one, so an
approval cannot land on words that changed after the leader's page was read, and no two
changes of one bulletin interleave (issue 23). Existing scripts start at 1.

A login try also records the known device it came from (`login_attempt.device`, the id in
its signed device cookie), so a known device is throttled on its own tries only.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns: version 1 for every existing script, no device for past tries."""
    with op.batch_alter_table("script") as batch:
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    with op.batch_alter_table("login_attempt") as batch:
        batch.add_column(sa.Column("device", sa.String(32), nullable=True))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("login_attempt") as batch:
        batch.drop_column("device")
    with op.batch_alter_table("script") as batch:
        batch.drop_column("version")
