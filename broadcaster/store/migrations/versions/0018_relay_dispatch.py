"""Relays at the clusters (issue 27): a dispatch row may be a relay slot's occurrence sent to a
cluster, played from the station's Icecast mount. It has no script and no audio file
(`script_id` and `sha256` NULL) and keeps the upper station's address without credentials
(`relay_url`), which the cluster's evidence rows name as the station's own relay rows do.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision: str | None = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Loosen the two columns and add the address; existing rows (bulletins) are unchanged."""
    with op.batch_alter_table("dispatch") as batch:
        batch.alter_column("script_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("sha256", existing_type=sa.String(64), nullable=True)
        batch.add_column(sa.Column("relay_url", sa.Text(), nullable=True))


def downgrade() -> None:
    """Relay dispatch rows cannot be kept by the older release: they are deleted (the clusters'
    evidence rows of relays stay, as 0017's relay rows do until its own downgrade)."""
    op.execute(sa.text("DELETE FROM dispatch WHERE script_id IS NULL"))
    with op.batch_alter_table("dispatch") as batch:
        batch.drop_column("relay_url")
        batch.alter_column("sha256", existing_type=sa.String(64), nullable=False)
        batch.alter_column("script_id", existing_type=sa.Integer(), nullable=False)
