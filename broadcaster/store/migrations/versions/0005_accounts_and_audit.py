"""Accounts and the audit trail.

Adds to script why a leader returned it and who; to user_account whether it is disabled, whether its password must be changed at
the next login, a session version (a new one ends every session of the account) and
when it was made; the login_attempt table (throttling survives a restart); and the
audit_event table, a hash chain of every action that changed something.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcaster.store.migrations.guards import refuse_if_sealed

revision = "0005"
down_revision: str | None = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the account columns and the two tables."""
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch.add_column(
            sa.Column("session_version", sa.Integer(), nullable=False, server_default=sa.text("1"))
        )
        batch.add_column(sa.Column("added_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("script") as batch:
        batch.add_column(sa.Column("return_note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("returned_by", sa.String(100), nullable=True))
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
    )
    for column in ("at", "name", "address"):
        op.create_index(f"ix_login_attempt_{column}", "login_attempt", [column])
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("seq", sa.Integer(), nullable=False, unique=True),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("event_hash", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("before_hash", sa.String(64), nullable=True),
        sa.Column("after_hash", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])


def downgrade() -> None:
    """Drop them, unless the audit trail holds events: that is evidence."""
    refuse_if_sealed(("audit_event",), "0004")
    op.drop_index("ix_audit_event_at", "audit_event")
    op.drop_table("audit_event")
    for column in ("address", "name", "at"):
        op.drop_index(f"ix_login_attempt_{column}", "login_attempt")
    op.drop_table("login_attempt")
    with op.batch_alter_table("script") as batch:
        batch.drop_column("returned_by")
        batch.drop_column("return_note")
    with op.batch_alter_table("user_account") as batch:
        for column in ("added_at", "session_version", "must_change_password", "disabled"):
            batch.drop_column(column)
