"""The service layer's promises: every refusal has words in both languages, reads never write,
and the daemon's slots are the ones shown (with a warning when the files on disk differ)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from broadcaster.web import create_app
from broadcaster.web.messages import VIETNAMESE
from click.testing import CliRunner

from broadcaster.cli import main
from broadcaster.errors import Code
from broadcaster.errors_english import ENGLISH
from tests.conftest import ADMIN_PASSWORD, FIXED_NOW, db_snapshot
from tests.helpers import approved_rendered, services


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", list(Code))
def test_every_code_has_an_english_and_a_vietnamese_sentence_with_the_same_data(code: Code) -> None:
    assert code in ENGLISH and code in VIETNAMESE
    assert _fields(VIETNAMESE[code]) <= _fields(ENGLISH[code])
    assert ENGLISH[code].rstrip().endswith((".", "}")) and VIETNAMESE[code].strip()


def test_reading_pages_and_status_changes_nothing(station, project: Path) -> None:  # type: ignore[no-untyped-def]
    approved_rendered(station, FIXED_NOW, "Thông báo lịch tiếp công dân. Xin cảm ơn.")
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"name": "admin", "password": ADMIN_PASSWORD, "csrf_token": csrf})
    before = db_snapshot(station.settings.db_url)
    for path in (
        "/", "/scripts/1", "/scripts/1/audio.mp3", "/programme/", "/programme/?week=2024-W12",
        "/status/", "/log/", "/log/report.csv", "/scripts/999",
    ):  # fmt: skip
        response = client.get(path)
        response.close()
        assert response.status_code in (200, 404), path
    runner = CliRunner(env={"BROADCASTER_ENGINE": "espeak"})
    for args in (["status"], ["status", "--json"], ["scripts", "list"], ["log"], ["log", "verify"]):
        assert runner.invoke(main, args).exit_code == 0, args
    assert db_snapshot(station.settings.db_url) == before
    app.extensions["broadcaster"].engine.dispose()


def test_status_says_when_the_slot_files_differ_from_the_database(station, project: Path) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.services.health import check_health

    runner = CliRunner(env={"BROADCASTER_ENGINE": "espeak"})
    assert "slots import" not in runner.invoke(main, ["status"]).output
    with services(station, FIXED_NOW) as ctx:
        assert check_health(ctx.settings, ctx.session, ctx.now()).slots_changed is None
    (project / "schedules" / "town.toml").write_text(
        '[[slot]]\nname = "Trưa"\nstart = "11:00"\nminutes = 15\n', encoding="utf-8"
    )
    shown = runner.invoke(main, ["status"]).output
    assert "differ from the slots in the database, which are the ones used" in shown
    assert "'broadcaster slots import' makes the files' slots the station's" in shown
    assert "Sáng" in shown and "Trưa" not in shown  # what airs is what the daemon installed
    (project / "schedules" / "town.toml").write_text("[[slot]]\nname = 5\n", encoding="utf-8")
    assert "schedule files have an error" in runner.invoke(main, ["status"]).output
