"""Store: the database of one installation.

`db` declares the tables (SQLAlchemy 2.x) with the column types of `columns` (enums by value,
UTC moments); `engine` opens the database and hands out sessions; `migrate` upgrades an older
database with the Alembic revisions under `migrations`; `users` holds accounts and their
passwords (argon2id). The caller owns the session."""
