"""Date rules of the station's calendar (issue 27, item 2): a slot skipped or replaced on a
date, the working-day swaps a decree sets (a date aired as another weekday), and the station's
rules by holiday ("no routine bulletins on the first three days of Tết").

One table, `date_rule`: a `key` says what a rule is about (one rule per slot and date, per
swapped date, per holiday rule), so two people adding the same rule at once add one; a
version, as for slots (`WHERE id = :id AND version = :read`). A slot's rules go with it.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision: str | None = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the table of date rules (empty: every slot airs as before)."""
    op.create_table(
        "date_rule",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(80), nullable=False, unique=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("slot_id", sa.Integer, sa.ForeignKey("slot.id", ondelete="CASCADE")),
        sa.Column("on_date", sa.Date),
        sa.Column("start", sa.String(8)),
        sa.Column("minutes", sa.Integer),
        sa.Column("as_day", sa.String(3)),
        sa.Column("holidays", sa.String(8)),
        sa.Column("version", sa.Integer, nullable=False, server_default=sa.text("1")),
    )


def downgrade() -> None:
    """Drop the date rules: every slot airs on its days again."""
    op.drop_table("date_rule")
