"""Relay slots (tiếp sóng): a slot of kind `relay` airs an upper-level station's stream (issue 27).

The slot gets the stream's address (`stream_url`, kept whole: the daemon needs its credentials
to connect; logs, the audit trail, the evidence and the pages show it without them) and the
programme file that fills the rest of the slot when the stream is lost (`fallback`). An airing
row may be a relay's: it has no script (`script_id` NULL) and keeps the relay's receipt, sealed
with its outcome: the address without credentials, the seconds received and the gaps.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision: str | None = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the columns; existing slots and airings are unchanged (bulletins, with a script)."""
    with op.batch_alter_table("slot") as batch:
        batch.add_column(sa.Column("stream_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("fallback", sa.String(300), nullable=True))
    with op.batch_alter_table("airing") as batch:
        batch.alter_column("script_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("relay_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("received_s", sa.Double(), nullable=True))
        batch.add_column(sa.Column("gaps", sa.Text(), nullable=True))


def downgrade() -> None:
    """Drop them. Relay slots cannot air in the older release: they are deleted; relay airings
    (no script) cannot be kept in its airing table: they are deleted with their events, which
    breaks the chain there, so a downgrade past a relay's airing is for a station without any."""
    op.execute(sa.text("DELETE FROM slot WHERE kind = 'relay'"))
    op.execute(
        sa.text(
            "DELETE FROM airing_event WHERE airing_id IN "
            "(SELECT id FROM airing WHERE script_id IS NULL)"
        )
    )
    op.execute(sa.text("DELETE FROM airing WHERE script_id IS NULL"))
    with op.batch_alter_table("airing") as batch:
        batch.drop_column("gaps")
        batch.drop_column("received_s")
        batch.drop_column("relay_url")
        batch.alter_column("script_id", existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table("slot") as batch:
        batch.drop_column("fallback")
        batch.drop_column("stream_url")
