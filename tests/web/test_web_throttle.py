"""Throttling that cannot be turned against a user (issue 23, OWASP's device cookies): a
stranger's guesses never keep the holder out of their own browser, tries for one account are
checked one at a time, the client's address comes from X-Forwarded-For only through a trusted
proxy, and the password-change form is throttled like the login."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from broadcaster.web import create_app
from flask import Flask
from flask.testing import FlaskClient

from broadcaster.config import ConfigError, load_settings
from broadcaster.store import users as users_module
from tests.web.test_web_accounts import PASSWORD, Clock, _login, _token
from tests.web.test_web_accounts import app as app  # noqa: F401  (the fixture)
from tests.web.test_web_accounts import clock as clock  # noqa: F401  (the fixture)

pytestmark = pytest.mark.both_databases


def _known_browser(app: Flask) -> FlaskClient:
    """The leader's own browser: logged in once (so it holds the device cookie), then out."""
    browser = app.test_client()
    assert _login(browser, "chutich", PASSWORD, "127.0.0.1").status_code == 302
    browser.post("/logout", data={"csrf_token": _token(browser, "/")})
    return browser


def test_a_flood_from_the_proxys_address_never_blocks_the_leaders_browser(app: Flask) -> None:
    """Behind Caddy everyone is 127.0.0.1: thirty wrong names, then wrong passwords for the
    leader, from that address; the leader's own browser still logs in."""
    leader = _known_browser(app)
    attacker = app.test_client()
    for n in range(30):
        assert _login(attacker, f"nguoi-{n}", "sai-mat-khau", "127.0.0.1").status_code == 401
    assert _login(attacker, "chutich", "sai-mat-khau", "127.0.0.1").status_code == 429
    assert _login(leader, "chutich", PASSWORD, "127.0.0.1").status_code == 302
    stranger = _login(app.test_client(), "chutich", PASSWORD, "127.0.0.1")
    assert stranger.status_code == 429  # an unknown browser at the flooded address waits


def test_one_wrong_try_each_time_the_delay_ends_never_keeps_the_leader_out(
    app: Flask,
    clock: Clock,  # noqa: F811
) -> None:
    leader = _known_browser(app)
    attacker = app.test_client()
    for n in range(5):
        assert _login(attacker, "chutich", f"sai-{n}", "198.51.100.7").status_code == 401
    for round_ in range(6):
        clock.now += timedelta(seconds=60)  # the delay has just ended: the guesser tries first
        assert _login(attacker, "chutich", f"lai-sai-{round_}", "198.51.100.7").status_code == 401
        assert _login(attacker, "chutich", "lan-nua", "198.51.100.7").status_code == 429
        assert _login(leader, "chutich", PASSWORD, "10.0.0.9").status_code == 302, round_
        leader.post("/logout", data={"csrf_token": _token(leader, "/")})


def test_a_forged_or_anothers_device_cookie_is_a_stranger(app: Flask) -> None:  # noqa: F811
    leader = _known_browser(app)
    cookie = leader.get_cookie("broadcaster_device")
    assert cookie is not None and cookie.http_only
    attacker = app.test_client()
    for n in range(5):
        assert _login(attacker, "chutich", f"sai-{n}", "198.51.100.7").status_code == 401
    forged = app.test_client()
    forged.set_cookie("broadcaster_device", cookie.value[:-3] + "AAA")
    assert _login(forged, "chutich", PASSWORD, "198.51.100.8").status_code == 429
    admin = app.test_client()  # the leader's cookie names the leader, not the admin
    admin.set_cookie("broadcaster_device", cookie.value)
    for n in range(5):
        assert _login(admin, "admin", f"sai-{n}", "198.51.100.9").status_code == 401
    assert _login(admin, "admin", "sai-nua", "198.51.100.9").status_code == 429


def test_tries_sent_together_when_a_delay_ends_check_one_password(
    app: Flask,
    clock: Clock,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    guesser = app.test_client()
    for n in range(5):
        assert _login(guesser, "chutich", f"sai-{n}", "198.51.100.7").status_code == 401
    clock.now += timedelta(seconds=2)
    checked: list[str] = []
    real = users_module.password_matches

    def counting(stored: str, password: str) -> bool:
        checked.append(password)
        return real(stored, password)

    monkeypatch.setattr(users_module, "password_matches", counting)
    clients = [app.test_client() for _ in range(8)]
    tokens = [_token(client, "/login") for client in clients]
    barrier = threading.Barrier(len(clients))
    codes: list[int] = []

    def send(client: FlaskClient, token: str, n: int) -> None:
        barrier.wait()
        form = {"name": "chutich", "password": f"doan-{n}", "csrf_token": token}
        codes.append(client.post("/login", data=form).status_code)

    threads = [
        threading.Thread(target=send, args=(c, t, n))
        for n, (c, t) in enumerate(zip(clients, tokens, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(checked) == 1, checked
    assert sorted(codes) == [401] + [429] * 7


def test_x_forwarded_for_counts_only_from_a_trusted_proxy(station, clock: Clock) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from broadcaster.store.users import create_user

    with station.sessions() as session:
        create_user(session, "chutich", PASSWORD, "leader")
        session.commit()
    plain = create_app(station.settings, {"TESTING": True}, clock=clock)
    client = plain.test_client()

    def through(app: Flask, forwarded: str, name: str, password: str) -> int:
        browser = app.test_client()
        return browser.post(
            "/login",
            data={"name": name, "password": password, "csrf_token": _token(browser, "/login")},
            environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": forwarded},
        ).status_code  # fmt: skip

    for n in range(30):  # a client's own header is not believed: it is 127.0.0.1 all along
        assert through(plain, f"10.9.0.{n}", f"ai-{n}", "sai") == 401
    assert through(plain, "10.9.9.9", "chutich", PASSWORD) == 429
    del client
    plain.extensions["broadcaster"].engine.dispose()
    behind = station.settings.base_dir / "broadcaster.toml"
    behind.write_text('web_trusted_proxies = "127.0.0.1, ::1"\n', encoding="utf-8")
    proxied = create_app(load_settings(station.settings.base_dir, environ={}, overrides={
        "engine": "espeak", "database_url": station.settings.database_url,
    }), {"TESTING": True}, clock=clock)  # fmt: skip
    clock.now += timedelta(minutes=16)
    for n in range(30):  # the proxy appends the real client last; what it prepends is noise
        assert through(proxied, f"1.2.3.{n}, 203.0.113.9", f"ai-{n}", "sai") == 401
    assert through(proxied, "203.0.113.9", "chutich", PASSWORD) == 429
    assert through(proxied, "203.0.113.10", "chutich", PASSWORD) == 302
    proxied.extensions["broadcaster"].engine.dispose()
    behind.write_text('web_trusted_proxies = "caddy"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="web_trusted_proxies"):
        load_settings(station.settings.base_dir, environ={})


def test_the_current_password_on_the_change_form_is_throttled_like_the_login(
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,  # noqa: F811
) -> None:
    browser = app.test_client()
    assert _login(browser, "chutich", PASSWORD).status_code == 302
    checked: list[str] = []
    real = users_module.password_matches
    monkeypatch.setattr(
        users_module, "password_matches", lambda s, p: checked.append(p) or real(s, p)
    )
    from broadcaster.services import accounts as accounts_module

    monkeypatch.setattr(accounts_module, "password_matches", users_module.password_matches)
    answers = []
    for n in range(25):
        form = {"old": f"doan-{n}", "new": "mat-khau-moi-rat-dai", "again": "mat-khau-moi-rat-dai"}
        form["csrf_token"] = _token(browser, "/password")
        answers.append(browser.post("/password", data=form).status_code)
    assert answers[:5] == [400] * 5 and set(answers[5:]) == {429}
    assert len(checked) == 5
