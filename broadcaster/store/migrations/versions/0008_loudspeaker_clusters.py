"""Loudspeaker clusters: zones, clusters, what was sent to each, and evidence per cluster.

Adds the zone, cluster and dispatch tables; to airing the cluster and the entry key a cluster
reported (one row per pair, ever); to airing_event what the agent said in its report (when,
from its cache or not, its last contact); to slot, script and air_request the zones they target.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcaster.errors import BroadcasterError, Code

revision = "0008"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the tables and columns."""
    op.create_table(
        "zone",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "cluster",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False, unique=True),
        sa.Column("zone_id", sa.Integer(), sa.ForeignKey("zone.id"), nullable=False),
        sa.Column("password_line", sa.String(300), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("online", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("seen_at", sa.DateTime(), nullable=True),
        sa.Column("clock_offset_s", sa.Double(), nullable=True),
        sa.Column("health", sa.Text(), nullable=False, server_default=""),
    )
    op.create_table(
        "dispatch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cluster_id", sa.Integer(), sa.ForeignKey("cluster.id"), nullable=False),
        sa.Column("entry", sa.String(40), nullable=False),
        sa.Column("script_id", sa.Integer(), sa.ForeignKey("script.id"), nullable=False),
        sa.Column("rendering_id", sa.Integer(), sa.ForeignKey("rendering.id"), nullable=True),
        sa.Column("slot_name", sa.String(100), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("retracted_at", sa.DateTime(), nullable=True),
        sa.Column("requested_by", sa.String(100), nullable=True),
        sa.UniqueConstraint("cluster_id", "entry"),
    )
    op.create_index("ix_dispatch_starts_at", "dispatch", ["starts_at"])
    with op.batch_alter_table("airing") as batch:
        batch.add_column(sa.Column("cluster", sa.String(60), nullable=True))
        batch.add_column(sa.Column("cluster_entry", sa.String(40), nullable=True))
        batch.create_unique_constraint("one_row_per_cluster_entry", ["cluster", "cluster_entry"])
    with op.batch_alter_table("airing_event") as batch:
        batch.add_column(sa.Column("reported_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("from_cache", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("last_contact", sa.DateTime(), nullable=True))
    for table in ("slot", "air_request", "script"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("zones", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    """Drop them, unless a cluster's evidence is sealed: that is evidence."""
    airing = sa.table("airing", sa.column("cluster"))
    held = op.get_bind().scalar(
        sa.select(sa.func.count()).select_from(airing).where(airing.c.cluster.is_not(None))
    )
    if held:
        raise BroadcasterError(
            Code.SCHEMA_DOWNGRADE_REFUSED,
            revision="0007",
            detail=f"{held} rows in airing reported by loudspeaker clusters",
        )
    for table in ("script", "air_request", "slot"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("zones")
    with op.batch_alter_table("airing_event") as batch:
        batch.drop_column("last_contact")
        batch.drop_column("from_cache")
        batch.drop_column("reported_at")
    with op.batch_alter_table("airing") as batch:
        batch.drop_constraint("one_row_per_cluster_entry", type_="unique")
        batch.drop_column("cluster_entry")
        batch.drop_column("cluster")
    op.drop_index("ix_dispatch_starts_at", "dispatch")
    op.drop_table("dispatch")
    op.drop_table("cluster")
    op.drop_table("zone")
