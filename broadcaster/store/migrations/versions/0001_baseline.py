"""Baseline: the schema of commit b75b397, the first release that keeps town data.

Revision ID: 0001
Revises: none
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcaster.store.migrations.guards import refuse_if_sealed

revision = "0001"
down_revision: str | None = None
branch_labels = None
depends_on = None

NOT_FAILED = "outcome != 'failed'"


def upgrade() -> None:
    """Create every table of the baseline schema."""
    op.create_table(
        "daemon_lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("tracked_since", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_problem_at", "problem", ["at"], unique=False)
    op.create_table(
        "script",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=True),
        sa.Column("encoding", sa.String(length=40), nullable=True),
        sa.Column("topic", sa.String(length=2), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=True),
        sa.Column("author", sa.String(length=100), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("priority", sa.String(length=10), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("days", sa.String(length=40), nullable=False),
        sa.Column("start", sa.String(length=8), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("output", sa.String(length=300), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "rendering",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("cache_key", sa.String(length=64), nullable=False),
        sa.Column("engine", sa.String(length=20), nullable=False),
        sa.Column("voice", sa.String(length=40), nullable=False),
        sa.Column("spoken_text", sa.Text(), nullable=False),
        sa.Column("audio_path", sa.String(length=500), nullable=False),
        sa.Column("duration_s", sa.Double(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("loudness_lufs", sa.Double(), nullable=True),
        sa.Column("true_peak_dbtp", sa.Double(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("script_id", "cache_key"),
    )
    op.create_index("ix_rendering_cache_key", "rendering", ["cache_key"], unique=False)
    op.create_table(
        "programme_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slot_name", sa.String(length=100), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("rendering_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["rendering_id"], ["rendering.id"]),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slot_name", "starts_at", "script_id"),
    )
    op.create_index("ix_programme_entry_starts_at", "programme_entry", ["starts_at"], unique=False)
    op.create_table(
        "airing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("programme_entry_id", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("rendering_id", sa.Integer(), nullable=True),
        sa.Column("slot_name", sa.String(length=100), nullable=True),
        sa.Column("audio_sha256", sa.String(length=64), nullable=True),
        sa.Column("duration_s", sa.Double(), nullable=True),
        sa.Column("planned_start", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("output", sa.String(length=300), nullable=True),
        sa.Column("host", sa.String(length=100), nullable=True),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=True),
        sa.Column("row_hash", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["programme_entry_id"], ["programme_entry.id"]),
        sa.ForeignKeyConstraint(["rendering_id"], ["rendering.id"]),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("programme_entry_id", "attempt"),
        sa.UniqueConstraint("seq"),
    )
    op.create_index("ix_airing_planned_start", "airing", ["planned_start"], unique=False)
    # Only a failed attempt (nothing reached the speakers) may be followed by another.
    op.create_index(
        "one_airing_per_entry",
        "airing",
        ["programme_entry_id"],
        unique=True,
        sqlite_where=sa.text(NOT_FAILED),
        postgresql_where=sa.text(NOT_FAILED),
    )
    op.create_table(
        "air_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("emergency", sa.Boolean(), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("airing_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["airing_id"], ["airing.id"]),
        sa.ForeignKeyConstraint(["script_id"], ["script.id"]),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop every table, but only when no airing has been logged."""
    refuse_if_sealed(("airing",), revision="base")
    op.drop_table("air_request")
    op.drop_index("one_airing_per_entry", table_name="airing")
    op.drop_index("ix_airing_planned_start", table_name="airing")
    op.drop_table("airing")
    op.drop_index("ix_programme_entry_starts_at", table_name="programme_entry")
    op.drop_table("programme_entry")
    op.drop_index("ix_rendering_cache_key", table_name="rendering")
    op.drop_table("rendering")
    op.drop_table("user_account")
    op.drop_table("slot")
    op.drop_table("script")
    op.drop_index("ix_problem_at", table_name="problem")
    op.drop_table("problem")
    op.drop_table("daemon_lease")
