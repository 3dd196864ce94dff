"""Scripts get a search column: title and body folded (lower case, no diacritics, đ → d).

The web list searches it with LIKE, so "thong bao" finds "thông báo" the same way on
SQLite and PostgreSQL. Existing scripts are filled here; the service layer keeps it up to
date on every add and edit.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    """The rule of broadcaster.services.scripts.fold as it was at this revision (a copy, so
    this revision fills the column the same way whatever the code becomes)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def upgrade() -> None:
    """Add script.search_text and fill it for every existing script."""
    with op.batch_alter_table("script") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), nullable=False, server_default=""))
    bind = op.get_bind()
    script = sa.table(
        "script", sa.column("id"), sa.column("title"), sa.column("body"), sa.column("search_text")
    )
    found = bind.execute(sa.select(script.c.id, script.c.title, script.c.body)).all()
    for script_id, title, body in found:
        bind.execute(
            script.update()
            .where(script.c.id == script_id)
            .values(search_text=_fold(f"{title}\n{body}"))
        )


def downgrade() -> None:
    """Drop script.search_text (derived from the words, not evidence)."""
    with op.batch_alter_table("script") as batch:
        batch.drop_column("search_text")
