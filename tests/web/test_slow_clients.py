"""Slow and huge requests cost nothing (issue 23), against a real waitress on loopback with
the options `broadcaster serve` uses: 200 slow connections from one address leave the page
answering, a logged-out 500 MB body is refused at its headers and never written to disk."""

from __future__ import annotations

import pytest
from broadcaster.web import create_app, waitress_options
from broadcaster.web.serving import MAX_BODY

from tests.benchmarks.slow_clients import huge_body, page_seconds, serving, slow_clients
from tests.conftest import FIXED_NOW


@pytest.fixture
def port(station):  # type: ignore[no-untyped-def]
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    with serving(app, waitress_options()) as port:
        yield port
    app.extensions["broadcaster"].engine.dispose()


def test_200_slow_connections_leave_the_page_answering(port: int) -> None:
    with slow_clients(port, 200) as held:
        assert len(held) == 200
        status, seconds = page_seconds(port, timeout=60)  # a deadline, not a measure
    assert status == 200
    print(f"\na page while 200 slow connections are held: {seconds * 1000:.1f} ms")


def test_a_logged_out_500_mb_body_is_refused_before_it_is_spooled(port: int) -> None:
    line, largest = huge_body(port, 500_000_000, send_at_most=MAX_BODY + 20_000_000)
    assert line.endswith("413 Request Entity Too Large"), line
    assert largest <= MAX_BODY, f"a temporary file of {largest} bytes"


def test_pages_with_secrets_and_report_downloads_are_never_stored(station) -> None:  # type: ignore[no-untyped-def]
    from tests.web.test_web_accounts import _login

    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    client = app.test_client()
    assert _login(client, "admin", "test-admin-pass").status_code == 302
    for path in ("/users/", "/password", "/log/report.csv"):
        answer = client.get(path)
        answer.close()
        assert answer.headers.get("Cache-Control") == "no-store", path
    style = client.get("/static/style.css")
    style.close()
    assert "no-store" not in style.headers.get("Cache-Control", "")
    app.extensions["broadcaster"].engine.dispose()
