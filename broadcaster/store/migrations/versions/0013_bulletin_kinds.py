"""Bulletins get a kind (`script.kind`): CCHC, emergency, public notice or other (issue 24).

Only CCHC bulletins count against the propaganda plan, so only they need a plan topic
(`script.topic` may be NULL for the others); the report lists the others in a table of their own. An existing emergency-priority script becomes an emergency, every other one
CCHC. An airing row keeps the kind its script had when the row opened (`airing.kind`); rows
opened before this revision stay NULL and the report goes by their script's priority.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision: str | None = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns; emergency-priority scripts become emergencies, the rest CCHC."""
    with op.batch_alter_table("script") as batch:
        batch.add_column(sa.Column("kind", sa.String(10), nullable=False, server_default="cchc"))
        batch.alter_column("topic", existing_type=sa.String(2), nullable=True)
    op.execute("UPDATE script SET kind = 'emergency' WHERE priority = 'emergency'")
    with op.batch_alter_table("airing") as batch:
        batch.add_column(sa.Column("kind", sa.String(10), nullable=True))


def downgrade() -> None:
    """Drop them (the kind of a notice or an 'other' bulletin is lost; one without a plan
    topic is put under topic a, as before this revision)."""
    with op.batch_alter_table("airing") as batch:
        batch.drop_column("kind")
    op.execute("UPDATE script SET topic = 'a' WHERE topic IS NULL")
    with op.batch_alter_table("script") as batch:
        batch.alter_column("topic", existing_type=sa.String(2), nullable=False)
        batch.drop_column("kind")
