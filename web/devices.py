"""Known devices and the client's address, for the throttled secret checks (see
broadcaster.services.throttle).

A successful login gives the browser a signed device cookie for that account (OWASP's "device
cookie"): its later tries for the account skip the account's delay and the address limit, so
a guesser elsewhere can never keep the holder out of their own browser. The address is the
socket's, or the one a trusted proxy (`web_trusted_proxies`) names in X-Forwarded-For.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from .db import station, station_clock

DEVICE_COOKIE = "broadcaster_device"
DEVICE_DAYS = 180  # a browser not used to log in for half a year is a stranger again
MAX_DEVICES = 8  # accounts remembered by one browser (a shared office PC)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key or "", salt="broadcaster.known-device")


def _remembered() -> list[tuple[str, str, float]]:
    """The (name, device id, issued at) pairs the browser's cookie carries, if it is ours."""
    raw = request.cookies.get(DEVICE_COOKIE, "")
    try:
        pairs = _serializer().loads(raw) if raw else []
    except BadSignature:
        return []
    found = []
    for pair in pairs if isinstance(pairs, list) else []:
        if isinstance(pair, list) and len(pair) == 3:
            name, device, issued = pair
            if isinstance(name, str) and isinstance(device, str) and isinstance(issued, float):
                found.append((name, device, issued))
    return found


def known_device(name: str) -> str | None:
    """The id of this browser as a known device of account `name`, or None."""
    now = station_clock()().timestamp()
    for remembered, device, issued in _remembered():
        if remembered == name.strip() and 0 <= now - issued < DEVICE_DAYS * 86400:
            return device
    return None


def remember_device(response: Response, name: str) -> None:
    """After a successful login: make this browser a known device of `name` (a new id)."""
    kept = [list(pair) for pair in _remembered() if pair[0] != name][-(MAX_DEVICES - 1) :]
    kept.append([name, secrets.token_hex(16), float(station_clock()().timestamp())])
    response.set_cookie(
        DEVICE_COOKIE, _serializer().dumps(kept), max_age=DEVICE_DAYS * 86400, httponly=True,
        samesite="Lax", secure=station().settings.web_secure_cookie == "on",
    )  # fmt: skip


def client_address() -> str:
    """Who is asking: the socket's address, unless that is a trusted proxy; then the nearest
    address in X-Forwarded-For that is not one (a client can prepend anything, so the list is
    read from the right)."""
    trusted: frozenset[str] = current_app.extensions["broadcaster.proxies"]
    address = request.remote_addr or "?"
    hops = [h.strip() for h in request.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    while address in trusted and hops:
        address = hops.pop()
    return address[:64]
