"""Throttling every check of a secret (the login, the change of one's own password), so that it
slows a guesser and can never be turned against the account holder.

After the OWASP authentication cheat sheet ("device cookies"): a browser that logged in to an
account before carries a signed device cookie for it (the web page issues it; here it is only
an id). Such a *known device* is exempt from the account's growing delay and from the limit
per address: thirty wrong tries from one address, or one wrong try each time the delay ends,
keep nobody out of their own browser. Its own wrong tries slow down that device alone. An
*unknown device* meets both limits: a growing delay per account after FREE_FAILURES wrong
tries since the last success from an unknown device (2 s, 4 s, ... up to MAX_DELAY, never a lock-out) and
ADDRESS_FAILURES wrong tries per address per WINDOW.

Tries are serialised per account: a try is claimed (recorded as failed until the secret proves
right) under a lock on the account's name, in one transaction with the check of the delay, so
eight tries sent together when a delay ends check one password, not four.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select, text
from sqlalchemy.orm import Session

from broadcaster.errors import Code
from broadcaster.services.context import Context
from broadcaster.store.db import LoginAttempt
from broadcaster.store.users import MAX_NAME_LENGTH, UserError

WINDOW = timedelta(minutes=15)
FREE_FAILURES = 5
MAX_DELAY_SECONDS = 60
ADDRESS_FAILURES = 30
KEEP_ATTEMPTS = timedelta(days=1)
# The PostgreSQL advisory-lock space of the per-account lock (any fixed number).
ACCOUNT_LOCK_SPACE = 0x6C6F67


@dataclass(frozen=True)
class Attempt:
    """Who tries: the account's name, the client's address, and the id of the known device
    (a valid device cookie for this account) or None."""

    name: str
    address: str
    device: str | None = None


def _lock_account(session: Session, name: str) -> None:
    """Hold a lock on this account's tries until the transaction ends: a PostgreSQL advisory
    lock on the name, or SQLite's one write lock (BEGIN IMMEDIATE)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, hashtext(:name))"),
            {"space": ACCOUNT_LOCK_SPACE, "name": name},
        )
        return
    driver = connection.connection.driver_connection
    if driver is not None and not getattr(driver, "in_transaction", True):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _failures(ctx: Context, since: datetime, *where: ColumnElement[bool]) -> list[datetime]:
    return list(
        ctx.session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.at >= since, LoginAttempt.ok.is_(False), *where)
            .order_by(LoginAttempt.at)
        )
    )


def _since_success(ctx: Context, *where: ColumnElement[bool]) -> datetime:
    """The start of the window, or the last success of these tries if it is later (the
    holder's success in their own browser says nothing of a stranger's guesses)."""
    last = ctx.session.scalar(select(func.max(LoginAttempt.at)).where(LoginAttempt.ok, *where))
    start = ctx.now() - WINDOW
    return max(start, last) if last is not None else start


def _wait(failures: list[datetime], now: datetime) -> None:
    """LOGIN_SLOWED while the growing delay after these failures has not passed."""
    if len(failures) < FREE_FAILURES:
        return
    delay = min(MAX_DELAY_SECONDS, 2 ** (len(failures) - FREE_FAILURES + 1))
    ready = failures[-1] + timedelta(seconds=delay)
    if now < ready:
        raise UserError(Code.LOGIN_SLOWED, seconds=math.ceil((ready - now).total_seconds()))


def claim(ctx: Context, attempt: Attempt) -> LoginAttempt:
    """Let one secret be checked now, or refuse before it is checked (LOGIN_ADDRESS_BLOCKED,
    LOGIN_SLOWED); the try is kept as failed until `settle` says otherwise, and committed."""
    name, address, now = attempt.name.strip()[:MAX_NAME_LENGTH], attempt.address[:64], ctx.now()
    _lock_account(ctx.session, name)
    if attempt.device is None:
        unknown = LoginAttempt.device.is_(None)
        from_address = _failures(ctx, now - WINDOW, LoginAttempt.address == address, unknown)
        if len(from_address) >= ADDRESS_FAILURES:
            wait = from_address[0] + WINDOW - now
            ctx.session.rollback()
            raise UserError(
                Code.LOGIN_ADDRESS_BLOCKED, minutes=max(1, math.ceil(wait.total_seconds() / 60))
            )
        mine: tuple[ColumnElement[bool], ...] = (LoginAttempt.name == name, unknown)
    else:
        mine = (LoginAttempt.name == name, LoginAttempt.device == attempt.device[:32])
    try:
        _wait(_failures(ctx, _since_success(ctx, *mine), *mine), now)
    except UserError:
        ctx.session.rollback()
        raise
    row = LoginAttempt(at=now, name=name, address=address, device=attempt.device, ok=False)
    ctx.session.add(row)
    # tries older than a day count for nothing: the table stays small
    ctx.session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - KEEP_ATTEMPTS))
    ctx.session.commit()
    return row


def settle(ctx: Context, row: LoginAttempt, ok: bool) -> None:
    """Say whether the claimed try's secret was right (a failure stays as it was)."""
    if ok:
        row.ok = True
        ctx.session.commit()
