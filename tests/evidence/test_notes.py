"""Failed airings read honestly: a note is a code and its data, worded by whoever reads it.

The web page and the Office's report files say it in Vietnamese, the CLI in English; a row
from before notes keeps its sentence; a note with missing data still reads (no crash).
"""

from __future__ import annotations

import io
import json
import re
import string
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from broadcaster import notes
from broadcaster.daemon.process import Daemon
from broadcaster.evidence.verify import verify
from broadcaster.notes import ENGLISH, Note, NoteCode, note
from broadcaster.notes_vietnamese import VIETNAMESE
from broadcaster.onair.command_output import CommandOutput, HookedOutput
from broadcaster.onair.outputs import FileOutput
from broadcaster.programme.slots import parse_slots
from broadcaster.services import reports
from broadcaster.store.db import Airing, Problem
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered, run_cli
from tests.onair.test_reliability import Clock, daemon_for
from tests.web.test_web import PASSWORD, login, page
from tests.web.test_web import app as app  # noqa: F401  (the fixture)

MORNING = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")
BULLETIN = "Thông báo của Ủy ban nhân dân thị trấn về dịch vụ công trực tuyến. Xin cảm ơn."
ENGLISH_WORDS = ("command", "exited", "daemon", "slot", "could not", "missing", "played")


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("code", list(NoteCode))
def test_every_note_has_a_vietnamese_and_an_english_sentence_with_the_same_data(
    code: NoteCode,
) -> None:
    # The page names no audio file (its row names the bulletin and its time): issue 24.
    assert fields(ENGLISH[code]) - {"file"} == fields(VIETNAMESE[code])
    vietnamese = re.sub(r"\{\w*\}", "", VIETNAMESE[code]).lower()
    # Vietnamese, not an English sentence copied over (names in the data may be English).
    assert not any(word in vietnamese for word in ENGLISH_WORDS), VIETNAMESE[code]
    assert any(letter in vietnamese for letter in "ăâđêôơưáàảãạéèóòúùíì")


def test_a_stored_note_is_stable_json_that_reads_back_the_same() -> None:
    made = Note(NoteCode.AFTER_HOOK_FAILED, cause=note(NoteCode.HOOK_EXIT, hook="after",
                command="relay off", exit_code=2))  # fmt: skip
    stored = made.stored()
    assert json.loads(stored)["cause"]["exit_code"] == 2
    assert notes.parse(stored) == made and notes.code_of(stored) == "after_hook_failed"
    assert notes.english(stored) == (
        "The after command 'relay off' exited with code 2. The bulletin itself played; "
        "check the amplifier."
    )
    assert notes.vietnamese(stored).startswith("Lệnh bật/tắt thiết bị (after) “relay off” báo lỗi")
    assert "Bản tin vẫn đã phát" in notes.vietnamese(stored)


@pytest.mark.parametrize(
    "stored",
    [
        "Not aired in the slot Sáng at 09:00 11/03/2024: the daemon was stopped during the slot.",
        "{not json at all",
        '{"note": "a_code_from_the_future", "x": 1}',
        "[1, 2]",
    ],
)
def test_a_sentence_from_before_notes_or_an_unknown_note_is_shown_as_it_is(stored: str) -> None:
    """The CLI shows it as it is; the page says it is an older English note."""
    assert notes.parse(stored) is None
    assert notes.english(stored) == stored
    assert notes.vietnamese(stored) == f"Ghi chú của phiên bản cũ (tiếng Anh): {stored}"
    assert notes.code_of(stored) == ""


def test_a_note_missing_its_data_still_reads() -> None:
    """A row edited by hand (or by a future version) must not take the log page down."""
    assert notes.vietnamese('{"note": "player_exit"}').startswith("Lệnh phát âm thanh báo lỗi")
    assert notes.english(None) == notes.vietnamese("") == ""


def test_a_failed_airing_reads_in_vietnamese_on_the_page_and_in_the_report_and_in_english_in_the_cli(
    station, app, project: Path
) -> None:  # type: ignore[no-untyped-def]
    approved_rendered(station, FIXED_NOW, BULLETIN)
    Daemon(
        station.settings, station.sessions, MORNING, CommandOutput("false"),
        clock=lambda: FIXED_NOW, sleep=lambda _s: None,
    ).air_slot("Sáng")  # fmt: skip
    with station.sessions() as session:
        stored = session.scalars(select(Airing.error)).all()
        assert len(stored) == 3 and all(notes.code_of(s) == "player_exit" for s in stored)
        assert verify(session, station.settings.var_path / "ledger").ok  # sealed as stored

    client = app.test_client()
    login(client, "vanphong", PASSWORD)
    log = page(client.get("/log/?from=2024-03-01&to=2024-03-31"))
    assert log.count("Lệnh phát âm thanh báo lỗi (mã 1). Báo kỹ thuật viên.") == 3
    assert "exited with code" not in log and "player_exit" not in log
    report = client.get("/log/report.csv?from=2024-03-01&to=2024-03-31").data.decode("utf-8-sig")
    assert report.count("Lệnh phát âm thanh báo lỗi (mã 1)") == 3 and "exited" not in report

    cli = run_cli(project, station.settings.database_url, "log", "--json")
    rows = json.loads(cli.stdout)
    assert [r["error"] for r in rows] == ["The player command exited with code 1."] * 3
    assert {r["error_code"] for r in rows} == {"player_exit"}
    status = run_cli(project, station.settings.database_url, "status").stdout
    assert "(The player command exited with code 1.)" in status and "{" not in status


def test_missed_bulletins_and_daemon_problems_read_in_vietnamese_on_the_status_page(
    station, app, project: Path
) -> None:  # type: ignore[no-untyped-def]
    script_id = approved_rendered(station, FIXED_NOW, BULLETIN)
    clock = Clock(FIXED_NOW - timedelta(hours=1))  # 08:00: the daemon starts tracking
    daemon = daemon_for(station, MORNING, clock=clock)
    daemon.lease.acquire()
    daemon.render_ahead()  # plans the 09:00 slot
    clock.now = FIXED_NOW + timedelta(minutes=11)  # the slot never started within its 10 minutes
    daemon.settle()
    with station.sessions() as session:
        (missed,) = session.scalars(select(Airing)).all()
        assert missed.outcome == "missed" and missed.script_id == script_id
        session.add(
            Problem(
                at=clock.now,
                message=note(
                    NoteCode.AIR_NOW_NOT_READY, request_id=4, script_id=script_id
                ).stored(),
            )
        )
        session.commit()
    client = app.test_client()
    login(client, "vanphong", PASSWORD)
    status = page(client.get("/status/"))
    assert "Không phát trong khung giờ Sáng lúc 09:00 11/03/2024" in status
    assert "khung giờ không bắt đầu được trong vòng 10 phút" in status
    assert f"Yêu cầu phát ngay số 4 không thực hiện được: bản tin số {script_id}" in status
    assert "Not aired" not in status and "Air-now request" not in status
    cli = run_cli(project, station.settings.database_url, "status").stdout
    assert "Not aired in the slot Sáng at 09:00 11/03/2024" in cli
    assert f"Air-now request 4: script {script_id} is not approved with audio." in cli


def test_a_failing_after_command_keeps_the_bulletin_aired_with_a_note_the_office_can_read(
    station, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    approved_rendered(station, FIXED_NOW, BULLETIN)
    drop = tmp_path / "aired"
    drop.mkdir()
    output = HookedOutput(FileOutput(drop), None, "false")
    Daemon(
        station.settings, station.sessions, MORNING, output,
        clock=lambda: FIXED_NOW,
    ).air_slot("Sáng")  # fmt: skip
    with station.sessions() as session:
        from broadcaster.services.context import Context

        ctx = Context(station.settings, session, lambda: FIXED_NOW)
        (row,) = reports.airing_log(ctx, None)
        march = reports.period(ctx, "2024-03-01", "2024-03-31")
        made = reports.office_report(ctx, march)
        workbook = reports.office_report(ctx, march, "xlsx").body
        listed = json.loads(reports.office_report(ctx, march, "json").body)["rows"]
    assert row.outcome == "aired"
    assert notes.english(row.error).startswith("The after command 'false' exited with code 1.")
    assert "Bản tin vẫn đã phát; hãy kiểm tra bộ khuếch đại." in made.body.decode("utf-8-sig")
    cells = [
        str(cell.value)
        for sheet in openpyxl.load_workbook(io.BytesIO(workbook), read_only=True).worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None
    ]
    assert any("Bản tin vẫn đã phát; hãy kiểm tra bộ khuếch đại." in c for c in cells)
    assert not any("exited with code" in c or '"note"' in c for c in cells)
    assert listed[0]["error_code"] == "after_hook_failed"
    assert listed[0]["error_vi"].endswith("Bản tin vẫn đã phát; hãy kiểm tra bộ khuếch đại.")


@pytest.mark.parametrize(
    ("older", "vietnamese"),
    [
        (
            "Not aired in the slot Sáng at 06:00 11/03/2024: no daemon was airing at the slot's "
            "time (this one started at 07:10 11/03/2024).",
            "Không phát trong khung giờ Sáng lúc 06:00 11/03/2024: lúc đó chương trình phát tự "
            "động không chạy (chỉ chạy từ 07:10 11/03/2024).",
        ),
        (
            "Not aired in the slot Chiều at 17:00 11/03/2024: the slot did not start within 15 "
            "minutes of its time.",
            "Không phát trong khung giờ Chiều lúc 17:00 11/03/2024: khung giờ không bắt đầu được "
            "trong vòng 15 phút.",
        ),
        ("The daemon stopped during this airing.", VIETNAMESE[NoteCode.DAEMON_STOPPED]),
        (
            "The player command exited with code 2. aplay: no device",
            "Lệnh phát âm thanh báo lỗi (mã 2). Báo kỹ thuật viên.",
        ),
        (
            "Something a release wrote once.",
            "Ghi chú của phiên bản cũ (tiếng Anh): Something a release wrote once.",
        ),
    ],
)
def test_an_older_release_s_sentence_is_put_into_vietnamese(older: str, vietnamese: str) -> None:
    """Rows written before notes had codes (issue 24: the log page showed them in English);
    the CLI keeps them as they are."""
    assert notes.vietnamese(older) == vietnamese
    assert notes.english(older) == older


def test_the_page_names_no_audio_file_by_its_hash() -> None:
    """A technician's detail may hold the audio file's path, named by its sha256 (issue 24:
    the log showed raw hashes); the page says "tệp âm thanh", the CLI keeps the path."""
    sha = "5ebbc3a934e14953ca6495e8d0149a8fb586d264535a363864dc57bb74ab60aa"
    why = note(
        NoteCode.SOUND_CARD_FAILED, file=f"{sha}.mp3", detail=f"cannot open '/srv/audio/{sha}.mp3'"
    )
    assert sha not in why.vietnamese() and "cannot open tệp âm thanh" in why.vietnamese()
    assert f"/srv/audio/{sha}.mp3" in why.english()
    missing = note(NoteCode.AUDIO_MISSING, file=f"/srv/audio/{sha}.mp3")
    assert missing.vietnamese() == "Không tìm thấy tệp âm thanh của bản tin."


def test_a_note_written_in_vietnamese_is_shown_as_it_is() -> None:
    """Only an English sentence is marked as an older release's note (the page said "(tiếng
    Anh)" before a Vietnamese text)."""
    written = "Chương trình phát tự động không chạy vào giờ phát."
    assert notes.vietnamese(written) == written
