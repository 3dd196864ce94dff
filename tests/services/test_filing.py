"""Filing a bulletin: its kind, and a plan topic for CCHC bulletins only (issue 24).

A storm warning or a power-cut notice is not part of the CCHC propaganda plan, so nobody has
to pick a plan topic for it (the report counted storms under topic a when every bulletin
needed one); the kind can be corrected later without withdrawing an approved bulletin; the
Office's files say the kind and the voice in words; the MP3 names the station and the kind.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import openpyxl
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from broadcaster.cli import main
from broadcaster.enums import Kind, Status, Topic
from broadcaster.services.station import Station
from broadcaster.store.db import AuditEvent, Script
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services
from tests.reports.test_kinds import _kinds_station, _seal_kinds
from tests.reports.test_report import report
from tests.web.test_web import app, login, token

__all__ = ["app"]  # the web tests' app: the real Flask app with an officer and a leader


def _client(app: Flask, name: str) -> FlaskClient:
    client = app.test_client()
    login(client, name)
    return client


def _add(client: FlaskClient, body: str, **form: str) -> str:
    data = {"body": body, "csrf_token": token(client, "/")} | form
    page = client.post("/scripts", data=data, follow_redirects=True).text
    assert client.application.extensions["broadcaster.renders"].wait()
    return page


def _scripts(station: Station) -> list[tuple[Kind, Topic | None]]:
    with station.sessions() as session:
        return [(s.kind, s.topic) for s in session.scalars(select(Script).order_by(Script.id))]


def test_only_a_cchc_bulletin_needs_a_plan_topic(app: Flask, station: Station) -> None:
    client = _client(app, "vhxh")
    page = _add(client, "Bão số 3 đang vào đất liền.", kind="emergency", title="Bão số 3")
    assert "Đã thêm bản tin số 1" in page
    page = _add(client, "Cắt điện thôn Đông.", kind="notice", topic="c", title="Cắt điện")
    assert "Đã thêm bản tin số 2" in page
    refused = _add(client, "Cải cách hành chính.", kind="cchc", title="CCHC")
    assert "Bản tin tuyên truyền CCHC cần chọn chủ đề theo kế hoạch" in refused
    # A notice keeps no plan topic, even one chosen by mistake: the plan never counts it.
    assert _scripts(station) == [(Kind.EMERGENCY, None), (Kind.NOTICE, None)]
    script_page = client.get("/scripts/1").text
    assert "Không tính vào kế hoạch tuyên truyền CCHC" in script_page and "None" not in script_page
    assert ">–</td>" in client.get("/").text  # the list shows no topic, not "None"


def test_the_command_line_files_a_notice_without_a_topic(project: Path, runner: CliRunner) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(main, ["init"]).exit_code == 0
    (project / "cat-dien.txt").write_text("Cắt điện thôn Đông từ 7 giờ.", encoding="utf-8")
    added = runner.invoke(main, ["scripts", "add", "cat-dien.txt", "--kind", "notice"])
    assert added.exit_code == 0, added.output
    assert "(notice, outside the plan, utf-8)" in added.output
    shown = json.loads(runner.invoke(main, ["scripts", "show", "1", "--json"]).output)
    assert (shown["kind"], shown["topic"]) == ("notice", None)
    listed = runner.invoke(main, ["scripts", "list"])
    assert listed.exit_code == 0 and " -  " in listed.output, listed.output
    refused = runner.invoke(main, ["scripts", "add", "cat-dien.txt", "--kind", "cchc"])
    assert refused.exit_code == 1 and "without a plan topic" in refused.output
    assert "Traceback" not in refused.output


def test_a_new_kind_keeps_the_approval_and_is_audited(app: Flask, station: Station) -> None:
    script_id = add_draft(station, FIXED_NOW, "Thông báo lịch tiếp dân.", topic="c")
    leader = _client(app, "chutich")
    seen = re.search(
        r'name="seen" value="([0-9a-f]{64})"', leader.get(f"/scripts/{script_id}").text
    )
    assert seen
    form = {"csrf_token": token(leader, f"/scripts/{script_id}"), "seen": seen.group(1)}
    assert leader.post(f"/scripts/{script_id}/approve", data=form).status_code in (302, 303)
    officer = _client(app, "vhxh")
    html = officer.get(f"/scripts/{script_id}").text
    seen = re.search(r'name="seen" value="([0-9a-f]{64})"', html)
    assert seen
    edit = {
        "csrf_token": token(officer, f"/scripts/{script_id}"), "seen": seen.group(1),
        "title": _title(station, script_id), "body": "Thông báo lịch tiếp dân.",
        "kind": "notice", "topic": "c",
    }  # fmt: skip
    assert officer.post(f"/scripts/{script_id}/edit", data=edit).status_code in (302, 303)
    with station.sessions() as session:
        script = session.get_one(Script, script_id)
        assert (script.kind, script.topic, script.status) == (Kind.NOTICE, None, Status.APPROVED)
        actions = session.scalars(select(AuditEvent.action)).all()
        assert "script.kind" in actions and "script.edit" not in actions
    # Back to CCHC needs a topic: refused with one sentence, nothing changed.
    edit |= {"kind": "cchc", "topic": "", "csrf_token": token(officer, f"/scripts/{script_id}")}
    refused = officer.post(f"/scripts/{script_id}/edit", data=edit, follow_redirects=True).text
    assert "cần chọn chủ đề theo kế hoạch" in refused
    assert _scripts(station) == [(Kind.NOTICE, None)]


def _title(station: Station, script_id: int) -> str:
    with station.sessions() as session:
        return session.get_one(Script, script_id).title


def test_the_office_s_files_say_the_kind_and_the_voice_in_words(
    station: Station, tmp_path: Path
) -> None:
    """The evidence rows of the XLSX and the CSV: "Khẩn cấp, thiên tai" where a CCHC row has its
    topic letter, and "giọng máy dự phòng (ngoại tuyến)" for the offline voice, not "espeak:vi"."""
    _kinds_station(station)
    _seal_kinds(station)
    path = tmp_path / "r.xlsx"
    path.write_bytes(report(station, "xlsx"))
    log = openpyxl.load_workbook(path)["Nhật ký phát"]
    rows = list(log.iter_rows(values_only=True))
    heads = list(rows[0])
    filed = {row[heads.index("Chủ đề hoặc loại")] for row in rows[1:]}
    assert filed == {"a", "Khẩn cấp, thiên tai", "Thông báo"}
    voices = {row[heads.index("Giọng đọc")] for row in rows[1:]}
    assert voices == {"giọng máy dự phòng (ngoại tuyến)"}
    body = report(station, "csv").decode("utf-8-sig")
    assert ";Khẩn cấp, thiên tai;" in body and "espeak" not in body


def test_the_mp3_names_the_station_and_the_kind(station: Station) -> None:
    """Before `init --town` names the commune the MP3 says "Đài truyền thanh cơ sở", never a
    bare "Đài truyền thanh " with a blank name."""
    from mutagen.easyid3 import EasyID3
    from mutagen.id3 import ID3

    from broadcaster.sound.render import make_engines, render_script

    settings = dataclasses.replace(station.settings, town="")
    with services(station, FIXED_NOW) as ctx:
        (script,) = _notice(ctx)
        engines = make_engines("espeak", settings)
        result = render_script(ctx.session, script, engines, settings, FIXED_NOW)
        ctx.session.commit()
    tags = EasyID3(result.audio_path)
    assert tags["artist"] == ["Đài truyền thanh cơ sở"]
    assert tags["album"] == ["Thông báo"]
    assert [frame.text[0] for frame in ID3(result.audio_path).getall("TXXX:comment")] == [
        "Thông báo"
    ]


def _notice(ctx):  # type: ignore[no-untyped-def]
    from broadcaster.services import scripts

    item = scripts.parse_script("Cắt điện thôn Đông.".encode(), "t.txt")
    return scripts.add_scripts(ctx, [item], "test", kind=Kind.NOTICE)
