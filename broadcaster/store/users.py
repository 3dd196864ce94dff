"""Accounts: who may log in, with which role, and their passwords.

Passwords are hashed with argon2id (argon2-cffi; time cost 2, 19 MiB, one lane: the
OWASP minimum, about 20 ms here). Hashes of earlier releases (werkzeug's scrypt) still
verify and are replaced with argon2id at the next login. A password has at least 10
characters, is not the account's name, and is not on the shipped list of common
passwords (`assets/common-passwords.txt`, Vietnamese favourites included).
"""

from __future__ import annotations

import secrets
import unicodedata
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from broadcaster.enums import Role
from broadcaster.errors import BroadcasterError, Code
from broadcaster.store.authors import DEMO_AUTHOR as DEMO_AUTHOR
from broadcaster.store.authors import author_en as author_en
from broadcaster.store.authors import author_vi as author_vi
from broadcaster.store.db import User

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 100
_RESERVED = {DEMO_AUTHOR, "system"}


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """The argon2id hasher, loaded by the first password checked or set (not by `status`)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


class UserError(BroadcasterError):
    """An account action that cannot be done as asked."""


def new_password() -> str:
    """A random password that is easy to read aloud and type (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def _plain(text: str) -> str:
    """Lower case without diacritics, spaces or punctuation: how the common list is compared."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c))


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords nobody may use."""
    text = resources.files("broadcaster.assets").joinpath("common-passwords.txt").read_text("utf-8")
    return frozenset(
        _plain(line) for line in text.splitlines() if line and not line.startswith("#")
    )


def check_password(password: str, name: str) -> None:
    """Refuse a password that is short, the account's name, or a common one."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(Code.USER_PASSWORD_SHORT, minimum=MIN_PASSWORD_LENGTH)
    plain = _plain(password)
    if plain == _plain(name) or _plain(name) in plain and len(plain) - len(_plain(name)) < 4:
        raise UserError(Code.USER_PASSWORD_IS_NAME)
    if plain in common_passwords() or len(set(plain)) <= 2:
        raise UserError(Code.USER_PASSWORD_COMMON)


def hash_password(password: str) -> str:
    """The argon2id hash to store."""
    return hasher().hash(password)


@lru_cache(maxsize=1)
def _decoy() -> str:
    """A hash to check unknown names against, so they take as long as known ones."""
    return hasher().hash(secrets.token_urlsafe(16))


def password_matches(stored: str, password: str) -> bool:
    """Whether `password` matches a stored hash (argon2id, or werkzeug's from earlier releases)."""
    if not stored.startswith("$argon2"):
        from werkzeug.security import check_password_hash  # only for hashes of old releases

        return check_password_hash(stored, password)
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def clean_name(name: str) -> str:
    """An account name as stored, or USER_NAME_MISSING / USER_NAME_TOO_LONG."""
    name = unicodedata.normalize("NFC", name).strip()
    if not name or any(unicodedata.category(c).startswith("C") for c in name):
        raise UserError(Code.USER_NAME_MISSING)
    if len(name) > MAX_NAME_LENGTH:
        raise UserError(Code.USER_NAME_TOO_LONG, maximum=MAX_NAME_LENGTH)
    return name


def clean_role(role: str) -> Role:
    """The role named by `role`, or USER_ROLE_UNKNOWN."""
    value = role.strip().lower()
    if value not in set(Role):
        raise UserError(Code.USER_ROLE_UNKNOWN, role=role, roles=", ".join(Role))
    return Role(value)


def find_user(session: Session, name: str) -> User:
    """The account called `name`, or USER_NOT_FOUND."""
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None:
        raise UserError(Code.USER_NOT_FOUND, name=name)
    return user


def create_user(
    session: Session,
    name: str,
    password: str,
    role: str,
    *,
    must_change: bool = False,
    now: datetime | None = None,
) -> User:
    """Add an account; names are unique. `must_change` for a password someone else chose."""
    name = clean_name(name)
    if name.casefold() in _RESERVED or name.casefold().startswith("cli:"):
        raise UserError(Code.USER_NAME_RESERVED, name=name)
    chosen = clean_role(role)
    check_password(password, name)
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise UserError(Code.USER_EXISTS, name=name)
    user = User(
        name=name, password_hash=hash_password(password), role=chosen,
        must_change_password=must_change, added_at=now,
    )  # fmt: skip
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The account if the name and password match and it is enabled, else None.

    An unknown name is checked against a decoy hash, so it answers in the same time as a
    known one. An old (werkzeug) hash is replaced by argon2id on success (the caller commits).
    """
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None:
        password_matches(_decoy(), password)
        return None
    if not password_matches(user.password_hash, password) or user.disabled:
        return None
    if not user.password_hash.startswith("$argon2") or hasher().check_needs_rehash(
        user.password_hash
    ):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, password: str, *, must_change: bool) -> None:
    """Give an account a new password; every session it had ends."""
    check_password(password, user.name)
    user.password_hash = hash_password(password)
    user.must_change_password = must_change
    user.session_version += 1


def lock_admins(session: Session) -> int:
    """How many enabled admin accounts there are, counted under a lock held until the caller's
    transaction ends, so two admins disabling (or demoting) each other at once cannot both see
    "there is another one": the second waits for the first and counts again.

    PostgreSQL: a row lock on every enabled admin account, taken in id order (two callers never
    deadlock). SQLite: the database's one write lock (`BEGIN IMMEDIATE`), taken before the count.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not getattr(driver, "in_transaction", True):
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return active_admins(session)
    locked = session.scalars(
        select(User.id)
        .where(User.role == Role.ADMIN, User.disabled.is_(False))
        .order_by(User.id)
        .with_for_update()
    )
    return len(list(locked))


def active_admins(session: Session) -> int:
    """How many enabled admin accounts there are."""
    return (
        session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.disabled.is_(False))
        )
        or 0
    )
