"""The airing log's pages, read by key: every row once across the pages, through rows planned
for the same moment, either way, with a filter, by a kept link to a page number, and with a
row sealed between two clicks. Real Flask app over a real database (SQLite and PostgreSQL).
"""

from __future__ import annotations

import html as markup
import random
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient

from broadcaster.bench.report import seed_airings
from broadcaster.enums import Outcome
from broadcaster.intake.parse import parse_script
from broadcaster.services import scripts as service
from broadcaster.services.context import Context
from broadcaster.store.db import Airing
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW

pytestmark = pytest.mark.both_databases

MARCH = {"from": "2024-03-01", "to": "2024-03-31"}
# 530 rows over seven moments: each page boundary falls among rows planned for one moment.
MOMENTS = [datetime(2024, 3, 10, 1, 0, tzinfo=timezone.utc) + timedelta(hours=n) for n in range(7)]
ROWS = 530


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    made = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield made
    made.extensions["broadcaster"].engine.dispose()


@pytest.fixture
def planned(station) -> list[tuple[datetime, int, Outcome]]:  # type: ignore[no-untyped-def]
    """ROWS airings at MOMENTS, added in a shuffled order (ids do not follow the times); every
    third is missed. Their (planned time, id, outcome) in the log's order."""
    ctx = Context(station.settings, station.sessions(), lambda: FIXED_NOW, actor="admin")
    item = parse_script("Nội dung bản tin.".encode(), "a.txt", title="Tin A", topic="a")
    (script,) = service.add_scripts(ctx, [item], "admin")
    ctx.session.close()
    times = [MOMENTS[n % len(MOMENTS)] for n in range(ROWS)]
    random.Random(25).shuffle(times)
    with station.sessions() as session:
        rows = [
            Airing(script_id=script.id, slot_name="Sáng", planned_start=at,
                   outcome=Outcome.MISSED if n % 3 == 0 else Outcome.AIRED)
            for n, at in enumerate(times)
        ]  # fmt: skip
        session.add_all(rows)
        session.commit()
        return sorted((row.planned_start, row.id, row.outcome) for row in rows)


def login(app) -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    form = {"name": "admin", "password": ADMIN_PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=form).status_code == 302
    return client


def shown(html: str) -> list[int]:
    """The ids of the rows a page of the log shows, in order."""
    return [int(found) for found in re.findall(r'<td data-label="Số">(\d+)</td>', html)]


def link(html: str, rel: str) -> str | None:
    """The address of the page's "next" or "prev" button (None: there is none)."""
    found = re.search(rf'href="([^"]+)" rel="{rel}"', html)
    return markup.unescape(found.group(1)) if found else None


def walk(client: FlaskClient, first: str, rel: str) -> list[tuple[str, list[int]]]:
    """Follow the `rel` buttons from `first` to the end: each page's 'trang N / M' and rows."""
    pages, address = [], first
    while address is not None:
        page = client.get(address)
        assert page.status_code == 200, page.text
        label = re.search(r"trang (\d+ / \d+)", page.text)
        pages.append((label.group(1) if label else "", shown(page.text)))
        address = link(page.text, rel)
    return pages


def test_next_buttons_show_every_row_once_in_order_through_rows_of_one_moment(
    app, planned: list[tuple[datetime, int, Outcome]]
) -> None:  # type: ignore[no-untyped-def]
    pages = walk(login(app), "/log/?from=2024-03-01&to=2024-03-31", "next")
    assert [label for label, _ in pages] == ["1 / 3", "2 / 3", "3 / 3"]
    assert [len(ids) for _, ids in pages] == [200, 200, 130]
    assert [i for _, ids in pages for i in ids] == [id_ for _, id_, _ in planned]


def test_previous_buttons_walk_back_the_same_pages(
    app, planned: list[tuple[datetime, int, Outcome]]
) -> None:  # type: ignore[no-untyped-def]
    client = login(app)
    forward = walk(client, "/log/?from=2024-03-01&to=2024-03-31", "next")
    backward = walk(client, "/log/?from=2024-03-01&to=2024-03-31&page=3", "prev")
    assert backward == forward[::-1]


@pytest.mark.parametrize("outcome", ["", "missed", "aired"])
def test_a_page_asked_by_its_number_is_the_page_the_buttons_reach(
    app, planned: list[tuple[datetime, int, Outcome]], outcome: str
) -> None:  # type: ignore[no-untyped-def]
    client = login(app)
    query = {**MARCH, "outcome": outcome}
    expected = [id_ for _, id_, kind in planned if outcome in ("", kind)]
    walked = walk(client, "/log/?" + "&".join(f"{k}={v}" for k, v in query.items()), "next")
    assert [i for _, ids in walked for i in ids] == expected
    for number, (label, ids) in enumerate(walked, start=1):
        page = client.get("/log/", query_string=query | {"page": str(number)}).text
        assert shown(page) == ids and f"trang {label}" in page if label else shown(page) == ids


def test_a_page_past_the_last_says_so_and_links_the_last(
    app, planned: list[tuple[datetime, int, Outcome]]
) -> None:  # type: ignore[no-untyped-def]
    page = login(app).get("/log/", query_string=MARCH | {"page": "9"})
    assert page.status_code == 200
    assert "Không có trang 9: với điều kiện này nhật ký chỉ có 3 trang." in page.text
    assert 'href="/log/?page=3&amp;from=2024-03-01' in page.text
    assert shown(page.text) == [] and link(page.text, "next") is None


def test_after_the_last_row_the_page_is_empty_and_offers_no_next(
    app, planned: list[tuple[datetime, int, Outcome]]
) -> None:  # type: ignore[no-untyped-def]
    last = planned[-1][1]
    page = login(app).get("/log/", query_string=MARCH | {"page": "4", "after": str(last)})
    assert shown(page.text) == [] and "Trang này không có lượt phát nào." in page.text
    assert link(page.text, "next") is None


def test_a_row_sealed_between_two_clicks_is_neither_repeated_nor_skips_one(
    app, station, planned: list[tuple[datetime, int, Outcome]]
) -> None:  # type: ignore[no-untyped-def]
    client = login(app)
    first = client.get("/log/", query_string=MARCH).text
    assert "530 lượt phát" in first
    with station.sessions() as session:  # a sealed airing planned before every row shown
        seed_airings(session, date(2024, 3, 2), 1, 1, station.settings.tz)
    after = link(first, "next")
    assert after is not None
    second = client.get(after).text
    assert shown(second) == [id_ for _, id_, _ in planned[200:400]]
    assert "531 lượt phát" in second  # the chain head moved: counted again


@pytest.mark.parametrize("query", [{"after": "abc"}, {"before": "-1"}, {"after": "9" * 30}])
def test_a_mangled_page_address_is_a_vietnamese_400(app, query: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = login(app).get("/log/", query_string=MARCH | query)
    assert page.status_code == 400
    assert "không hợp lệ: hãy dùng các nút chuyển trang" in page.text


def test_a_link_to_a_row_that_is_not_there_falls_back_to_the_page_number(
    app, planned: list[tuple[datetime, int, Outcome]]
) -> None:  # type: ignore[no-untyped-def]
    client = login(app)
    by_number = client.get("/log/", query_string=MARCH | {"page": "2"}).text
    unknown = client.get("/log/", query_string=MARCH | {"page": "2", "after": "999999"}).text
    assert shown(unknown) == shown(by_number) == [id_ for _, id_, _ in planned[200:400]]
