"""Account use cases: add, list, change role, reset or change a password, disable.

Every change is recorded in the audit trail (who, when, which account, a fingerprint
of its role and state before and after). A reset gives a generated password, shown
once, that must be changed at the next login; a reset, a change and a disabling end
every session the account had. The last enabled admin cannot be disabled or demoted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from broadcaster.enums import Role
from broadcaster.errors import Code
from broadcaster.evidence import audit
from broadcaster.services import throttle
from broadcaster.services.context import Context
from broadcaster.store.db import User
from broadcaster.store.users import (
    MAX_NAME_LENGTH,
    UserError,
    authenticate,
    clean_role,
    create_user,
    find_user,
    lock_admins,
    new_password,
    password_matches,
    set_password,
)
from broadcaster.store.users import author_vi as author_vi


@dataclass(frozen=True)
class Issued:
    """An account and the generated password to hand over once (None if the user chose one)."""

    user: User
    password: str | None


def user_by_id(ctx: Context, user_id: int) -> User | None:
    """The account a login session names, if it still exists."""
    return ctx.session.get(User, user_id)


def _state(user: User) -> str:
    return audit.fingerprint(user.name, user.role, user.disabled, user.password_hash)


def _record(ctx: Context, action: str, user: User, before: str | None) -> None:
    audit.record(
        ctx.session, ctx.now(), ctx.actor, action, f"user:{user.name}", before, _state(user)
    )


def add_user(ctx: Context, name: str, role: str, password: str | None = None) -> Issued:
    """Add an account; without a password, generate one that must be changed at first login."""
    generated = new_password() if password is None else None
    user = create_user(
        ctx.session, name, password or generated or "", role,
        must_change=generated is not None, now=ctx.now(),
    )  # fmt: skip
    _record(ctx, "user.add", user, None)
    ctx.session.commit()
    return Issued(user, generated)


def list_users(ctx: Context) -> list[User]:
    """Every account, by name."""
    return list(ctx.session.scalars(select(User).order_by(User.name)))


def _keep_an_admin(ctx: Context, name: str) -> User:
    """The account `name`, read under the admins' lock; refused (USER_LAST_ADMIN) when it is
    the last enabled admin. The lock holds until the caller commits, so the rule holds when two
    admins disable or demote each other at the same moment."""
    enabled_admins = lock_admins(ctx.session)
    user = find_user(ctx.session, name)
    ctx.session.refresh(user)  # as it is now, under the lock, not as an earlier read saw it
    if user.role == Role.ADMIN and not user.disabled and enabled_admins <= 1:
        raise UserError(Code.USER_LAST_ADMIN, name=user.name)
    return user


def set_role(ctx: Context, name: str, role: str) -> User:
    """Give an account another role."""
    chosen = clean_role(role)
    user = _keep_an_admin(ctx, name) if chosen != Role.ADMIN else find_user(ctx.session, name)
    before = _state(user)
    user.role = chosen
    _record(ctx, "user.role", user, before)
    ctx.session.commit()
    return user


def reset_password(ctx: Context, name: str) -> Issued:
    """A new generated password, to be changed at the next login; the account's sessions end."""
    user = find_user(ctx.session, name)
    before = _state(user)
    password = new_password()
    set_password(user, password, must_change=True)
    _record(ctx, "user.reset_password", user, before)
    ctx.session.commit()
    return Issued(user, password)


def change_password(
    ctx: Context, user: User, old: str, new: str, address: str, device: str | None = None
) -> User:
    """The account holder's own change: the old password must match (a check throttled like
    the login's); other sessions end."""
    tried = throttle.claim(ctx, throttle.Attempt(user.name, address, device))
    if not password_matches(user.password_hash, old):
        raise UserError(Code.USER_PASSWORD_WRONG)
    throttle.settle(ctx, tried, True)
    if new == old:
        raise UserError(Code.USER_PASSWORD_SAME)
    before = _state(user)
    set_password(user, new, must_change=False)
    _record(ctx, "user.change_password", user, before)
    ctx.session.commit()
    return user


def disable_user(ctx: Context, name: str) -> User:
    """Stop an account from logging in and end its sessions (its name stays in the evidence)."""
    user = _keep_an_admin(ctx, name)
    before = _state(user)
    user.disabled = True
    user.session_version += 1
    _record(ctx, "user.disable", user, before)
    ctx.session.commit()
    return user


def enable_user(ctx: Context, name: str) -> User:
    """Let a disabled account log in again."""
    user = find_user(ctx.session, name)
    before = _state(user)
    user.disabled = False
    _record(ctx, "user.enable", user, before)
    ctx.session.commit()
    return user


def login(ctx: Context, name: str, password: str, address: str, device: str | None = None) -> User:
    """Check a login, throttled (services.throttle: per account for unknown devices, per
    known device, per address for unknown devices); every try is kept.

    Raises LOGIN_ADDRESS_BLOCKED or LOGIN_SLOWED (the password is not even checked) or
    LOGIN_FAILED (wrong name or password, or a disabled account: the same answer).
    """
    tried = throttle.claim(ctx, throttle.Attempt(name, address, device))
    user = authenticate(ctx.session, name.strip()[:MAX_NAME_LENGTH], password)
    if user is None:
        raise UserError(Code.LOGIN_FAILED)
    throttle.settle(ctx, tried, True)  # with a rehashed password, if authenticate made one
    return user


def end_sessions(ctx: Context, user: User) -> None:
    """Log an account out everywhere (its session version changes)."""
    user.session_version += 1
    ctx.session.commit()
