"""The script list's counts are kept a few seconds: a write through the page is counted at once,
a write elsewhere (the command line, another process) once the seconds have passed."""

from __future__ import annotations

import re

import pytest
from broadcaster.web import create_app
from broadcaster.web import script_list as list_page
from flask.testing import FlaskClient

from broadcaster.intake.parse import parse_script
from broadcaster.services import scripts as service
from broadcaster.services.context import Context
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW

pytestmark = pytest.mark.both_databases


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    made = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield made
    made.extensions["broadcaster"].engine.dispose()


@pytest.fixture
def seconds(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The counts' clock, moved by hand."""
    now = [1000.0]
    monkeypatch.setattr(list_page.counts, "clock", lambda: now[0])
    return now


def token(client: FlaskClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).text)
    assert found
    return found.group(1)


def login(app) -> tuple[FlaskClient, str]:  # type: ignore[no-untyped-def]
    """The admin's browser, and the form token of its session."""
    client = app.test_client()
    form = {"name": "admin", "password": ADMIN_PASSWORD, "csrf_token": token(client, "/login")}
    assert client.post("/login", data=form).status_code == 302
    return client, token(client, "/")


def elsewhere(station, title: str) -> None:  # type: ignore[no-untyped-def]
    """A script added as the command line adds one: not through this web process."""
    ctx = Context(station.settings, station.sessions(), lambda: FIXED_NOW, actor="admin")
    item = parse_script(f"{title}: nội dung.".encode(), "a.txt", title=title, topic="a")
    service.add_scripts(ctx, [item], "admin")
    ctx.session.close()


def said(client: FlaskClient, **query: str) -> str:
    found = re.search(r"(Có|Tìm thấy) (\d+) bản tin", client.get("/", query_string=query).text)
    assert found
    return found.group(2)


def test_a_script_added_elsewhere_is_counted_once_the_seconds_pass(app, station, seconds) -> None:  # type: ignore[no-untyped-def]
    elsewhere(station, "Lịch tiếp dân")
    client, _ = login(app)
    assert said(client) == "1" and said(client, q="tiep dan") == "1"
    elsewhere(station, "Lịch tiếp dân tháng sau")
    seconds[0] += list_page.COUNT_SECONDS  # still kept
    assert said(client) == "1" and said(client, q="tiep dan") == "1"
    seconds[0] += 1
    assert said(client) == "2" and said(client, q="tiep dan") == "2"


def test_a_script_added_through_the_page_is_counted_at_once(app, station, seconds) -> None:  # type: ignore[no-untyped-def]
    elsewhere(station, "Lịch tiếp dân")
    client, token = login(app)
    assert said(client, q="tiep dan") == "1"
    form = {"body": "Lịch tiếp dân tháng sau.", "title": "Lịch tiếp dân tháng sau",
            "topic": "a", "priority": "normal", "csrf_token": token}  # fmt: skip
    assert client.post("/scripts", data=form).status_code in (302, 303)
    assert said(client, q="tiep dan") == "2" and said(client) == "2"
