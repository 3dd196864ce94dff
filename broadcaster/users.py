"""Users of the web page: create them and check their passwords."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from broadcaster.db import User
from broadcaster.enums import Role
from broadcaster.errors import BroadcasterError, Code


class UserError(BroadcasterError):
    """A user that cannot be created as asked."""


def new_password() -> str:
    """A random password that is easy to read aloud and type (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def create_user(session: Session, name: str, password: str, role: str) -> User:
    """Add a user; names are unique."""
    name = name.strip()
    if not name:
        raise UserError(Code.USER_NAME_MISSING)
    if role not in set(Role):
        raise UserError(Code.USER_ROLE_UNKNOWN, role=role, roles=", ".join(Role))
    if len(password) < 8:
        raise UserError(Code.USER_PASSWORD_SHORT)
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise UserError(Code.USER_EXISTS, name=name)
    user = User(name=name, password_hash=generate_password_hash(password), role=Role(role))
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, name: str, password: str) -> User | None:
    """The user if the name and password match, else None."""
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None or not check_password_hash(user.password_hash, password):
        return None
    return user
