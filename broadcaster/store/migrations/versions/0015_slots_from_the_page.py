"""Slots from the page: the slot table becomes the source of the slots (issue 27).

Until this revision `init` and each start of the daemon copied `schedules/*.toml` into the slot
table. From here on the table is the source: leaders and admins change it on the page and with
`broadcaster slots`, and the running daemon follows it without a restart. A slot gets a kind
(`bulletins`; a relay comes later), a one-off date instead of weekdays (`on_date`, local; its
`days` is then empty), a paused flag and a version (every change says
`WHERE id = :id AND version = :read` and adds one).

The upgrade imports the station's `schedules/*.toml` one last time (when the caller names the
folder and it holds any): the slots of the files replace the rows, by name, so ids stay put and
the result is what a restart of the old daemon would have installed. Bad files refuse the whole
upgrade, and nothing changes. Later changes of the files do nothing until `slots import`.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context, op

revision = "0015"
down_revision: str | None = "0014"
branch_labels = None
depends_on = None

SLOT = sa.table(
    "slot",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("days", sa.String),
    sa.column("start", sa.String),
    sa.column("minutes", sa.Integer),
    sa.column("output", sa.String),
    sa.column("zones", sa.Text),
    sa.column("on_date", sa.Date),
    sa.column("kind", sa.String),
    sa.column("paused", sa.Boolean),
)


def _import_schedules() -> None:
    """The slots of the station's schedule files replace the rows (nothing when it has none).

    The caller hands in `slot_files`, a function giving the files' slots as rows (the store
    reads no slot files itself); it refuses bad files, and so the whole upgrade."""
    slot_files = context.config.attributes.get("slot_files")
    found = slot_files() if callable(slot_files) else []
    if not found:
        return
    bind = op.get_bind()
    for values in found:
        updated = bind.execute(
            sa.update(SLOT).where(SLOT.c.name == values["name"]).values(**values)
        )
        if not updated.rowcount:
            bind.execute(sa.insert(SLOT).values(**values))
    bind.execute(sa.delete(SLOT).where(SLOT.c.name.not_in([values["name"] for values in found])))


def upgrade() -> None:
    """Add the columns (existing slots: bulletins, weekly, running, version 1); import the files."""
    with op.batch_alter_table("slot") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(12), nullable=False, server_default="bulletins")
        )
        batch.add_column(sa.Column("on_date", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("paused", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
    _import_schedules()


def downgrade() -> None:
    """Drop them. A one-off slot cannot be written without weekdays: it is deleted; a paused one
    airs again (the older daemon installs the files at its start anyway)."""
    op.execute(sa.delete(SLOT).where(SLOT.c.on_date.is_not(None)))
    with op.batch_alter_table("slot") as batch:
        batch.drop_column("version")
        batch.drop_column("paused")
        batch.drop_column("on_date")
        batch.drop_column("kind")
