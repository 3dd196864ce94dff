"""Store: the database of one installation.

`tables` declares the schema as Core tables with the column types of `columns` (enums by
value, UTC moments), and `db` maps the ORM records onto them; `engine` opens the database and
hands out sessions; `migrate` upgrades an older database with the Alembic revisions under
`migrations`; `users` holds accounts and their passwords (argon2id). The caller owns the
session."""
