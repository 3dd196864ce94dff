"""The script list and the log page at size: search with or without diacritics, filters, pages.

Real Flask app over a real database, on SQLite and (when a server is given) PostgreSQL.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient

from broadcaster.bench.report import seed_airings
from broadcaster.enums import Outcome, Topic
from broadcaster.intake.parse import parse_script
from broadcaster.services import scripts as service
from broadcaster.services.context import Context
from broadcaster.store.db import Airing
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW, LEADER, REPO

PASSWORD = "mat-khau-thu-nghiem"
REAL = sorted((REPO / "tests" / "data" / "real").glob("*.txt"))

# A controlled set: what each search must find is known exactly.
BULLETINS = {
    "tiep-dan": ("Thông báo lịch tiếp công dân", "UBND xã thông báo lịch tiếp công dân tháng 3."),
    "dinh-danh": ("Hướng dẫn làm định danh", "Bà con ĐĂNG KÝ tài khoản định danh tại nhà văn hóa."),
    "bao": ("Bão số 3", "Bão đổ bộ, bà con chằng chống nhà cửa."),
    "dang-kiem": ("Đăng kiểm xe máy", "Lịch đăng kiểm xe tại trạm số 2."),
    "ho-so": ("Kết quả năm", "100% hồ sơ được giải quyết đúng hạn."),
}


@pytest.fixture
def app(station):  # type: ignore[no-untyped-def]
    with station.sessions() as session:
        create_user(session, "vhxh", PASSWORD, "officer")
        create_user(session, "vhxh2", PASSWORD, "officer")
        session.commit()
    made = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    yield made
    made.extensions["broadcaster"].engine.dispose()


def context(station, actor: str = "vhxh") -> Context:  # type: ignore[no-untyped-def]
    return Context(station.settings, station.sessions(), lambda: FIXED_NOW, actor=actor)


def add(
    station, items: dict[str, tuple[str, str]], author: str = "vhxh", **kw: str
) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Add scripts through the service layer; return their ids by key."""
    ctx = context(station, author)
    parsed = [
        parse_script(body.encode(), f"{key}.txt", title=title, topic=kw.get("topic", "c"),
                     week=kw.get("week"))
        for key, (title, body) in items.items()
    ]  # fmt: skip
    added = service.add_scripts(ctx, parsed, author)
    ids = {key: script.id for key, script in zip(items, added, strict=True)}
    ctx.session.close()
    return ids


def client_for(app, name: str = "vhxh") -> FlaskClient:  # type: ignore[no-untyped-def]
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    form = {"name": name, "password": PASSWORD, "csrf_token": match.group(1)}
    assert client.post("/login", data=form).status_code == 302
    return client


def listed(client: FlaskClient, **query: str) -> list[int]:
    """The script ids the list shows for this query, in order."""
    response = client.get("/", query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [int(i) for i in re.findall(r'<td data-label="Số">(\d+)</td>', response.text)]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Thông báo", "thong bao"),
        ("ĐĂNG KÝ", "dang ky"),
        ("đường Đồng Khởi", "duong dong khoi"),
        ("Quý  IV\n năm", "quy iv nam"),
        ("Thông báo", "thong bao"),  # decomposed (NFD) input, as some keyboards type it
        ("Nguyễn Thị Ánh Tuyết", "nguyen thi anh tuyet"),
    ],
)
def test_fold_drops_diacritics_case_and_maps_dd_to_d(text: str, folded: str) -> None:
    assert service.fold(text) == folded


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("thong bao", {"tiep-dan"}),
        ("THÔNG BÁO", {"tiep-dan"}),
        ("dang ky", {"dinh-danh"}),  # đ is d; not "đăng kiểm"
        ("đăng ký", {"dinh-danh"}),
        ("dang", {"dinh-danh", "dang-kiem"}),
        ("bao", {"tiep-dan", "bao"}),
        ("nha cua", {"bao"}),
        ("ba con bao", set()),  # the words as one phrase, not each anywhere
        ("so 3", {"bao"}),  # the title is searched too
        ("%", {"ho-so"}),  # LIKE's wildcards are plain characters
        ("_", set()),
        ("   ", {"tiep-dan", "dinh-danh", "bao", "dang-kiem", "ho-so"}),
    ],
)
def test_search_finds_title_and_body_with_or_without_diacritics(
    app, station, query: str, expected: set[str]
) -> None:  # type: ignore[no-untyped-def]
    ids = add(station, BULLETINS)
    found = set(listed(client_for(app), q=query))
    assert found == {ids[key] for key in expected}


def listed_all(client: FlaskClient, **query: str) -> set[int]:
    """Every script id the list shows for this query, page after page (100 to a page)."""
    found: set[int] = set()
    for page in range(1, 100):
        shown = listed(client, page=str(page), **query)
        if not shown:
            return found
        found.update(shown)
    raise AssertionError("more than 99 pages")


def test_search_over_real_bulletins_finds_every_one_that_says_it(app, station) -> None:  # type: ignore[no-untyped-def]
    items = {}
    for path in REAL:
        text = path.read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        items[path.stem] = (path.stem, body)
    ids = add(station, items)
    client = client_for(app)
    for typed, written in (("dang ky", "đăng ký"), ("thong bao", "thông báo")):
        says_it = {ids[key] for key, (_, body) in items.items() if written in body.lower()}
        assert says_it, written  # the real texts hold both phrases
        found = listed_all(client, q=typed)  # the corpus holds more than a page of each
        assert says_it <= found, typed
        # the rest differ only in marks or case the officer did not type (e.g. "Thông Báo")
        for script_id in found - says_it:
            key = next(k for k, i in ids.items() if i == script_id)
            assert typed in service.fold(items[key][1])


def test_an_edit_updates_what_the_search_finds(app, station) -> None:  # type: ignore[no-untyped-def]
    ids = add(station, BULLETINS)
    ctx = context(station, "vhxh2")
    service.edit_script(ctx, ids["bao"], "Xe buýt mới chạy tuyến Đồng Hới.", "Tuyến xe buýt")
    ctx.session.close()
    client = client_for(app)
    assert listed(client, q="xe buyt moi") == [ids["bao"]]
    assert listed(client, q="dong hoi") == [ids["bao"]]
    assert listed(client, q="chang chong") == []
    html = client.get("/", query_string={"q": "xe buyt"}).text
    # who wrote it, who changed it last and when (dd/mm/yyyy)
    assert '<td data-label="Người soạn">vhxh<br><span class="meta">11/03/2024</span>' in html
    assert '<td data-label="Sửa lần cuối">vhxh2<br><span class="meta">11/03/2024</span>' in html


def test_filters_by_status_topic_author_and_week(app, station) -> None:  # type: ignore[no-untyped-def]
    mine = add(station, {"a": ("Tin A", "Nội dung A."), "b": ("Tin B", "Nội dung B.")})
    theirs = add(station, {"c": ("Tin C", "Nội dung C.")}, author="vhxh2", topic="đ")
    weekly = add(station, {"d": ("Tin D", "Nội dung D.")}, week="2024-W11")
    other_week = add(station, {"e": ("Tin E", "Nội dung E.")}, week="2024-W12")
    ctx = context(station, LEADER)
    service.approve_script(ctx, mine["b"], LEADER)
    ctx.session.close()
    client = client_for(app)
    assert listed(client, status="approved") == [mine["b"]]
    assert listed(client, topic="đ") == [theirs["c"]]
    assert listed(client, author="vhxh2") == [theirs["c"]]
    # a week's list holds the scripts for it and those for every week
    assert set(listed(client, week="2024-W11")) == {mine["a"], mine["b"], theirs["c"], weekly["d"]}
    assert listed(client, week="2024-W12", q="tin e") == [other_week["e"]]
    assert listed(client, status="draft", author="vhxh") == [
        other_week["e"],
        weekly["d"],
        mine["a"],
    ]
    html = client.get("/", query_string={"status": "approved"}).text
    assert f'<td data-label="Người duyệt">{LEADER}<br>' in html
    assert "Tuần 11 (11/03 – 17/03/2024)" in client.get("/").text  # the week filter's choices


def test_the_list_is_paged_and_pages_keep_the_filters(app, station) -> None:  # type: ignore[no-untyped-def]
    add(station, {f"t{n}": (f"Thông báo số {n}", f"Nội dung thông báo {n}.") for n in range(250)})
    add(station, {"x": ("Khác", "Không liên quan.")})
    client = client_for(app)
    first = listed(client, q="thong bao")
    assert len(first) == service.PAGE_SIZE <= 200
    html = client.get("/", query_string={"q": "thong bao"}).text
    assert "Tìm thấy 250 bản tin, trang 1 / 3." in html
    assert 'href="/?page=2&amp;q=thong+bao"' in html
    third = listed(client, q="thong bao", page="3")
    assert len(third) == 50
    assert set(first).isdisjoint(third)
    assert listed(client, q="thong bao", page="4") == []  # past the end: an empty page


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"page": "0"}, "Số trang “0” không hợp lệ"),
        ({"page": "abc"}, "Số trang “abc” không hợp lệ"),
        ({"page": "99999999999999999999999"}, "không hợp lệ"),
        ({"page": "٣"}, "không hợp lệ"),
        ({"status": "xong"}, "Trạng thái “xong” không có"),
        ({"topic": "z"}, "Chủ đề “z” không có"),
        ({"week": "2024-W99"}, "Tuần không hợp lệ"),
        ({"week": "9999-W01"}, "nằm ngoài khoảng năm"),
    ],
)
def test_bad_list_addresses_get_a_vietnamese_400(app, query: dict[str, str], says: str) -> None:  # type: ignore[no-untyped-def]
    response = client_for(app).get("/", query_string=query)
    assert response.status_code == 400
    assert says in response.text and 'lang="vi"' in response.text


def test_the_log_is_paged_and_keeps_its_filters_and_csv_link(app, station) -> None:  # type: ignore[no-untyped-def]
    (script_id,) = add(station, {"a": ("Tin A", "Nội dung A.")}).values()
    with station.sessions() as session:
        for n in range(450):
            session.add(
                Airing(
                    script_id=script_id, slot_name="Sáng", outcome=Outcome.MISSED,
                    planned_start=FIXED_NOW - timedelta(hours=n), error="máy tắt",
                )
            )  # fmt: skip
        session.commit()
    client = client_for(app)
    query = {"from": "2024-01-01", "to": "2024-03-31", "outcome": "missed"}
    html = client.get("/log/", query_string=query).text
    assert html.count('<td data-label="Số">') == 200
    assert "450 lượt phát, trang 1 / 3" in html
    assert re.search(
        r'href="/log/\?page=2&amp;after=\d+&amp;from=2024-01-01&amp;to=2024-03-31&amp;outcome=missed"',
        html,
    )
    assert "/log/report.csv?from=2024-01-01&amp;to=2024-03-31" in html
    last = client.get("/log/", query_string=query | {"page": "3"}).text
    assert last.count('<td data-label="Số">') == 50
    assert 'value="01/01/2024"' in html and 'value="31/03/2024"' in html  # dd/mm/yyyy boxes
    assert client.get("/log/", query_string={"page": "-1"}).status_code == 400
    aired = client.get("/log/", query_string=query | {"outcome": "aired"}).text
    assert "Không có lượt phát nào" in aired and '<td data-label="Số">' not in aired
    everything = query | {"outcome": ""}
    assert "450 lượt phát" in client.get("/log/", query_string=everything).text
    with station.sessions() as session:  # two sealed airings: the chain head moves
        seed_airings(session, date(2024, 3, 12), 1, 2, station.settings.tz)
    assert "452 lượt phát" in client.get("/log/", query_string=everything).text  # counted again


def test_topics_of_the_form_and_filter_are_the_plan_topics(app) -> None:  # type: ignore[no-untyped-def]
    html = client_for(app).get("/").text
    for topic in Topic:
        assert f'<option value="{topic.value}"' in html


def test_every_input_has_a_label(app, station) -> None:  # type: ignore[no-untyped-def]
    """Each visible input, select and textarea sits in a <label> or names itself (aria-label)."""
    add(station, BULLETINS)
    client = client_for(app)
    admin = app.test_client()
    from tests.conftest import ADMIN_PASSWORD

    html = admin.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert token
    form = {"name": "admin", "password": ADMIN_PASSWORD, "csrf_token": token.group(1)}
    admin.post("/login", data=form)
    pages = {
        path: client.get(path).text
        for path in ("/", "/scripts/1", "/programme/", "/log/", "/status/")
    }
    pages["/users/"] = admin.get("/users/").text
    pages["/password"] = client.get("/password").text
    pages["/login"] = app.test_client().get("/login").text
    for path, html in pages.items():
        assert "<form" in html, path
        unlabelled = _unlabelled_fields(html)
        assert unlabelled == [], (path, unlabelled)


def _unlabelled_fields(html: str) -> list[str]:
    from html.parser import HTMLParser

    class Fields(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open_labels = 0
            self.bad: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            named = dict(attrs)
            if tag == "label":
                self.open_labels += 1
            elif tag in ("input", "select", "textarea") and named.get("type") != "hidden":
                if not self.open_labels and not named.get("aria-label"):
                    self.bad.append(f"{tag} {named.get('name')}")

        def handle_endtag(self, tag: str) -> None:
            if tag == "label":
                self.open_labels -= 1

    parser = Fields()
    parser.feed(html)
    return parser.bad


@pytest.mark.parametrize("name", ["q", "author"])
def test_control_characters_in_a_search_are_dropped_not_a_500(app, station, name: str) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL refuses a NUL in a query; the page drops control characters first."""
    ids = add(station, BULLETINS)
    found = listed(
        client_for(app), **{name: "v\x00hx\x1fh" if name == "author" else "bão số\x00 3"}
    )
    assert found == ([ids["bao"]] if name == "q" else sorted(ids.values(), reverse=True))
