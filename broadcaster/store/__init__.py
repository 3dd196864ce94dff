"""Store: the database of one installation.

`db` declares the tables (SQLAlchemy 2.x, UTC columns); `migrate` upgrades an older database
with the Alembic revisions under `migrations`; `users` holds accounts and their passwords
(argon2id). The caller owns the session."""
