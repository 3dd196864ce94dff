"""The command line: each stage by name; a mistake gets one sentence, exit 1, and changes nothing."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from broadcaster.cli import main
from tests.conftest import ADMIN_PASSWORD, db_snapshot

DB_URL = "sqlite:///var/broadcaster.db"


def ok(runner: CliRunner, *args: str, input: str | None = None) -> str:  # noqa: A002
    result = runner.invoke(main, list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def refused(runner: CliRunner, *args: str) -> str:
    """Run a command that must fail cleanly; return its one-line message."""
    result = runner.invoke(main, list(args))
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    return result.output.strip()


@pytest.fixture
def initialised(runner: CliRunner, project: Path) -> CliRunner:
    ok(runner, "init", "--admin-password", ADMIN_PASSWORD)
    ok(runner, "users", "add", "Chủ tịch", "--role", "leader")
    return runner


def test_init_is_safe_to_repeat_and_prints_a_generated_password(
    runner: CliRunner, project: Path
) -> None:
    out = ok(runner, "init")
    assert "password '" in out and "Created the database" in out
    again = ok(runner, "init")
    assert "already exists" in again and "password" not in again
    assert (project / "var" / "broadcaster.db").exists()


def test_init_writes_default_slots_when_the_folder_is_missing(
    runner: CliRunner, project: Path
) -> None:
    import shutil

    shutil.rmtree(project / "schedules")
    out = ok(runner, "init")
    assert "Wrote default slots" in out
    assert "06:00" in (project / "schedules" / "town.toml").read_text(encoding="utf-8")


def test_commands_before_init_say_what_to_do(runner: CliRunner) -> None:
    message = refused(runner, "scripts", "list")
    assert (
        message
        == f"Error: There is no Broadcaster database at sqlite:///{Path.cwd() / 'var' / 'broadcaster.db'}; run 'broadcaster init' first."
    )


def test_add_list_show_approve_render_plan(initialised: CliRunner, project: Path) -> None:
    runner = initialised
    out = ok(runner, "scripts", "add", "scripts_vi/03-dich-vu-cong-truc-tuyen.md", "--json")
    added = json.loads(out)
    assert (
        added[0]["topic"] == "c"
        and added[0]["status"] == "draft"
        and added[0]["encoding"] == "utf-8"
    )
    script_id = str(added[0]["id"])
    assert "Hướng dẫn nộp hồ sơ" in ok(runner, "scripts", "list")
    assert "Bộ phận Một cửa" in ok(runner, "scripts", "show", script_id)
    plan = json.loads(ok(runner, "plan", "--week", "2030-W10", "--json"))
    assert all(not o["items"] for o in plan["occurrences"])  # drafts never air
    assert "approved by Chủ tịch" in ok(runner, "scripts", "approve", script_id, "--by", "Chủ tịch")
    rendered = json.loads(ok(runner, "render", "--all", "--json"))
    assert rendered[0]["engine"] == "espeak" and not rendered[0]["cached"]
    assert "cached" in ok(runner, "render", script_id)
    plan = json.loads(ok(runner, "plan", "--week", "2030-W10", "--json"))
    assert len(plan["occurrences"]) == 14
    assert all(o["items"][0]["script_id"] == int(script_id) for o in plan["occurrences"])


def test_normalize_prints_the_spoken_form(runner: CliRunner, project: Path) -> None:
    out = ok(runner, "normalize", "-", input="UBND thị trấn thông báo về CCHC.\nXem https://x.vn")
    first, second = out.strip().split("\n\n")
    assert first == "Ủy ban nhân dân thị trấn thông báo về cải cách hành chính."
    assert second.startswith("Xem ") and "chấm" in second  # the address is said, not dropped
    (project / "a.txt").write_bytes("TTHC".encode("utf-16"))
    assert ok(runner, "normalize", "a.txt").strip() == "Thủ tục hành chính"
    explained = runner.invoke(
        main, ["normalize", "--explain", "-"], input="Họp lúc 6h30 về dự án ABC."
    )
    assert explained.exit_code == 0
    assert "Họp lúc sáu giờ ba mươi phút về dự án a bê xê." in explained.output
    assert "time: '6h30' -> 'sáu giờ ba mươi phút'" in explained.output
    assert "Spelled letter by letter (not in the dictionary): ABC." in explained.output


def test_reading_and_abbreviations_come_from_the_config(runner: CliRunner, project: Path) -> None:
    (project / "viet-tat.tsv").write_text("TTVH\ttrung tâm văn hóa\n", encoding="utf-8")
    (project / "broadcaster.toml").write_text(
        'reading = "south"\nabbreviations_file = "viet-tat.tsv"\n', encoding="utf-8"
    )
    assert (
        ok(runner, "normalize", "-", input="TTVH có 105 người.").strip()
        == "Trung tâm văn hóa có một trăm lẻ năm người."
    )
    (project / "viet-tat.tsv").write_text("TTVH trung tâm\n", encoding="utf-8")
    assert (
        refused(runner, "normalize", "-")
        == "Error: viet-tat.tsv, line 1: expected ABBREVIATION<TAB>spoken form."
    )


@pytest.mark.parametrize(
    ("files", "extra", "expected"),
    [
        ({"empty.txt": b""}, ["--topic", "a"], "empty.txt is empty."),
        (
            {"x.txt": b"\x00\x01\x02\x03binary\x00\x00"},
            ["--topic", "a"],
            "x.txt looks like a binary file, not a text script.",
        ),
        (
            {"x.txt": b"Th\x81ng b\x8d"},
            ["--topic", "a"],
            "x.txt is not in a text encoding we can read (UTF-8, UTF-16 or Windows CP1258).",
        ),
        (
            {"x.txt": "Nội dung.".encode()},
            [],
            "x.txt is a CCHC bulletin without a plan topic: give --topic (a, b, c, d or đ), or --kind emergency, notice or other.",
        ),
        (
            {"x.txt": "Nội dung.".encode()},
            ["--topic", "z"],
            "Topic 'z' is not one of the plan's topics: a, b, c, d, đ (or dd).",
        ),
        (
            {"x.txt": "Nội dung.".encode()},
            ["--topic", "a", "--week", "2024-10"],
            "Week '2024-10' is not an ISO week such as 2024-W10.",
        ),
        (
            {"x.pdf": b"%PDF-1.4"},
            ["--topic", "a"],
            "x.pdf: only .txt, .md and .docx scripts can be added.",
        ),
        # One bad file among good ones: nothing is added.
        ({"good.txt": "Tốt.".encode(), "bad.txt": b""}, ["--topic", "a"], "bad.txt is empty."),
    ],
)
def test_bad_scripts_are_refused_and_change_nothing(
    initialised: CliRunner, project: Path, files: dict[str, bytes], extra: list[str], expected: str
) -> None:
    for name, data in files.items():
        (project / name).write_bytes(data)
    before = db_snapshot(DB_URL)
    assert refused(initialised, "scripts", "add", *files, *extra) == f"Error: {expected}"
    assert db_snapshot(DB_URL) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["scripts", "add", "missing.txt", "--topic", "a"], "Error: missing.txt does not exist."),
        (["scripts", "show", "99"], "Error: There is no script with id 99."),
        (["scripts", "approve", "99", "--by", "A"], "Error: There is no script with id 99."),
        (
            ["scripts", "approve", "1", "--by", " "],
            "Error: Say who approves the script (--by NAME).",
        ),
        (["air-now", "1"], "Error: Script 1 is draft; only approved scripts can be aired."),
        (["render", "99"], "Error: There is no script with id 99."),
        (
            ["run", "--output", "speaker", "--for", "1"],
            "Error: Output 'speaker' is not one of soundcard[:NAME], file:DIR, command:CMD or null.",
        ),
        (
            ["plan", "--week", "2024-99"],
            "Error: Week '2024-99' is not an ISO week such as 2024-W10.",
        ),
    ],
)
def test_bad_commands_are_refused_and_change_nothing(
    initialised: CliRunner, project: Path, args: list[str], expected: str
) -> None:
    (project / "ok.txt").write_text("Nội dung bản tin.", encoding="utf-8")
    ok(initialised, "scripts", "add", "ok.txt", "--topic", "a")
    before = db_snapshot(DB_URL)
    assert refused(initialised, *args) == expected
    assert db_snapshot(DB_URL) == before


def test_approving_twice_is_refused(initialised: CliRunner, project: Path) -> None:
    (project / "ok.txt").write_text("Nội dung bản tin.", encoding="utf-8")
    ok(initialised, "scripts", "add", "ok.txt", "--topic", "a")
    ok(initialised, "scripts", "approve", "1", "--by", "Chủ tịch")
    before = db_snapshot(DB_URL)
    assert (
        refused(initialised, "scripts", "approve", "1", "--by", "Phó chủ tịch")
        == "Error: Script 1 is already approved by Chủ tịch."
    )
    assert db_snapshot(DB_URL) == before


def test_bad_slot_file_is_refused_by_init_and_nothing_is_created(
    runner: CliRunner, project: Path
) -> None:
    (project / "schedules" / "town.toml").write_text(
        '[[slot]]\nname = "A"\nstart = "6h"\nminutes = 30\n', encoding="utf-8"
    )
    message = refused(runner, "init")
    assert message == "Error: town.toml, slot 1 (A): start '6h' must be HH:MM or HH:MM:SS."
    assert not (project / "var" / "broadcaster.db").exists()


def test_bad_config_is_one_sentence(runner: CliRunner, project: Path) -> None:
    (project / "broadcaster.toml").write_text('web_port = "eighty"\n', encoding="utf-8")
    assert (
        refused(runner, "init") == "Error: Setting 'web_port' must be a whole number, got 'eighty'."
    )
    (project / "broadcaster.toml").write_text('colour = "red"\n', encoding="utf-8")
    assert "Unknown setting(s)" in refused(runner, "init")


def test_air_now_log_and_report(initialised: CliRunner, project: Path) -> None:
    runner = initialised
    for path in sorted((project / "scripts_vi").glob("0[12]*.md")):
        ok(runner, "scripts", "add", str(path))
    for script_id in ("1", "2"):
        ok(runner, "scripts", "approve", script_id, "--by", "Chủ tịch")
    ok(runner, "render", "--all")
    ok(runner, "air-now", "1")
    ok(runner, "air-now", "2")
    failed = runner.invoke(main, ["air-now", "2", "--output", "command:false"])
    assert (
        failed.exit_code == 1 and "failed: The player command exited with code 1." in failed.output
    )
    rows = json.loads(ok(runner, "log", "--json"))
    assert [r["outcome"] for r in rows] == ["aired", "aired", "failed"]
    assert [r["topic"] for r in rows] == ["a", "b", "b"]
    table = list(csv.reader(io.StringIO(ok(runner, "log", "--csv"))))
    assert table[0][:3] == ["id", "planned_start", "started_at"] and len(table) == 4
    assert (
        ok(runner, "log", "--from", "2000-01-01", "--to", "2000-01-02").strip()
        == "No airings in this period."
    )

    day = rows[0]["planned_start"][:10]
    out = ok(runner, "report", "--from", day, "--to", day, "-o", "report.csv")
    assert "Wrote 3 airing(s)" in out
    text = (project / "report.csv").read_text(encoding="utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][0].startswith("Báo cáo kết quả tuyên truyền CCHC trên hệ thống truyền thanh")
    # The first report walks the whole chain (no checkpoint yet) and says so.
    assert lines[1][0].startswith(
        "Đã kiểm tra toàn bộ chuỗi lúc này: bản ghi 1 đến 6; mã đầu chuỗi số 6: "
    )
    assert "Chain verified in full now: links 1 to 6" in out
    assert lines[2] == [
        "Tháng",
        "Chủ đề",
        "Nội dung chủ đề",
        "Số lượt đã phát",
        "Số phút đã phát",
        "Số lượt không phát được",
    ]
    month = f"{day[5:7]}/{day[:4]}"
    assert lines[3][:2] == [month, "a"] and lines[3][3] == "1" and lines[3][5] == "0"
    assert lines[4][:2] == [month, "b"] and lines[4][3] == "1" and lines[4][5] == "1"
    minutes = float(lines[3][4].replace(",", ".")) + float(lines[4][4].replace(",", "."))
    assert minutes == pytest.approx((rows[0]["duration_s"] + rows[1]["duration_s"]) / 60, abs=0.1)
    assert lines[5][0] == "Tổng cộng" and lines[5][3] == "2"
    assert lines[7][0] == "Loại bản tin" and lines[8][0] == "Tuyên truyền CCHC"
    first = next(n for n, line in enumerate(lines) if line[:1] == ["STT"])
    assert len(lines) == first + 1 + 3
    assert lines[first + 3][9] == "lỗi"
    # Separate date and time columns: the day as 2024-03-31, the time as 17:00:00.
    detail = lines[first + 1]
    assert detail[1] == f"{day[8:]}/{day[5:7]}/{day[:4]}" and len(detail[2]) == 8
    assert detail[2][2] == ":"
    # A second report walks only what was added since the checkpoint: nothing.
    again = ok(runner, "report", "--from", day, "--to", day, "-o", "report.csv")
    assert "Chain verified through link 6 on " in again and "nothing added since" in again


def test_report_refuses_bad_dates(initialised: CliRunner) -> None:
    assert "is not a date like 2024-03-31" in refused(
        initialised, "report", "--from", "31/03/2024", "--to", "2024-04-01", "-o", "r.csv"
    )
    assert "is before the first day" in refused(
        initialised, "report", "--from", "2024-04-01", "--to", "2024-03-01", "-o", "r.csv"
    )


def test_status_shows_daemon_next_airings_and_last_outcomes(
    initialised: CliRunner, project: Path
) -> None:
    for path in sorted((project / "scripts_vi").glob("01*.md")):
        ok(initialised, "scripts", "add", str(path))
    ok(initialised, "scripts", "approve", "1", "--by", "Chủ tịch")
    ok(initialised, "render", "1")
    ok(initialised, "plan")
    # Late on a Sunday this week has no slot left: plan the next week too, as the daemon would.
    next_week = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")) + timedelta(days=7)
    ok(initialised, "plan", "--week", "{}-W{:02d}".format(*next_week.isocalendar()[:2]))
    ok(initialised, "air-now", "1", "--output", "null")
    out = ok(initialised, "status")
    assert "Daemon: NOT running" in out
    assert "Cải cách hành chính vì người dân" in out and "[audio ready]" in out
    assert "aired" in out and "GB free" in out
    data = json.loads(ok(initialised, "status", "--json"))
    assert data["daemon_alive"] is False and data["last_outcomes"][0]["outcome"] == "aired"


def test_status_at_a_station_with_clusters_names_the_offline_one(
    initialised: CliRunner, project: Path
) -> None:
    """`status` reads through Core; the cluster lines (the ORM's) load only at such a station."""
    with (project / "broadcaster.toml").open("a", encoding="utf-8") as settings:
        settings.write('\nmqtt_host = "127.0.0.1"\nmqtt_port = 1\nmqtt_tls = "off"\n')
    ok(initialised, "zones", "add", "Thôn 1")
    ok(initialised, "clusters", "add", "thon-1", "--zone", "Thôn 1")
    out = ok(initialised, "status")
    assert "Clusters: 0 of 1 online." in out
    assert "Cluster problem: Cluster thon-1 (Thôn 1) is offline" in out


def test_a_bulletin_longer_than_every_slot_is_refused_at_approval(
    initialised: CliRunner, project: Path
) -> None:
    (project / "schedules" / "town.toml").write_text(
        '[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 1\n', encoding="utf-8"
    )
    ok(initialised, "slots", "import", "--by", "admin")  # the slots of the database air
    (project / "dai.txt").write_text(
        "Bà con nộp hồ sơ trực tuyến tại nhà để tiết kiệm thời gian. " * 12, encoding="utf-8"
    )
    ok(initialised, "scripts", "add", "dai.txt", "--topic", "c")
    before = db_snapshot(DB_URL)
    message = refused(initialised, "scripts", "approve", "1", "--by", "Chủ tịch")
    assert re.fullmatch(
        r"Error: Script 1 lasts about \d+ min \d+ s, longer than the longest slot \(1 min\); shorten or split it before approval\.",
        message,
    )
    assert db_snapshot(DB_URL) == before


def test_characters_the_voice_cannot_say_are_reported(runner: CliRunner) -> None:
    result = runner.invoke(main, ["normalize", "-"], input="Giá 5€ và ký hiệu ©.")
    assert result.exit_code == 0
    assert "Characters the voice cannot say (left out): © €." in result.output


def test_the_old_name_of_the_jingle_pause_still_works_and_warns(
    project: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from broadcaster.config import load_settings

    (project / "broadcaster.toml").write_text("edge_pause_ms = 900\n", encoding="utf-8")
    with caplog.at_level("WARNING"):
        assert load_settings(project, environ={}).jingle_pause_ms == 900
    assert "'edge_pause_ms' is deprecated; call it 'jingle_pause_ms'" in caplog.text
    from_env = load_settings(project, environ={"BROADCASTER_EDGE_PAUSE_MS": "700"})
    assert from_env.jingle_pause_ms == 700  # the environment overrides the file, as for any key
    (project / "broadcaster.toml").write_text(
        "edge_pause_ms = 900\njingle_pause_ms = 500\n", encoding="utf-8"
    )
    assert load_settings(project, environ={}).jingle_pause_ms == 500  # the new name wins


@pytest.mark.parametrize(
    ("line", "sentence"),
    [
        ("misfire_grace_minutes = 0", "'misfire_grace_minutes' must be from 1 to 240, got 0."),
        ("misfire_grace_minutes = -5", "'misfire_grace_minutes' must be from 1 to 240, got -5."),
        ("espeak_rate = 1.7", "'espeak_rate' must be a whole number, got 1.7."),
        ("render_ahead_hours = -24", "'render_ahead_hours' must be from 1 to 336, got -24."),
        ("lease_seconds = 2", "'lease_seconds' must be from 6 to 600, got 2."),
    ],
)
def test_numbers_out_of_range_are_refused_before_anything_is_made(
    runner: CliRunner, project: Path, line: str, sentence: str
) -> None:
    (project / "broadcaster.toml").write_text(line + "\n", encoding="utf-8")
    assert refused(runner, "init") == f"Error: Setting {sentence}"
    assert not (project / "var").exists()


def test_a_week_the_calendar_does_not_have_is_refused(initialised: CliRunner) -> None:
    assert "is not an ISO week" in refused(initialised, "plan", "--week", "2024-W53")
    assert "2026-W53" in ok(initialised, "plan", "--week", "2026-W53")  # 2026 has one


def test_a_database_url_that_is_not_one_is_refused_and_a_password_is_never_shown(
    runner: CliRunner, project: Path
) -> None:
    (project / "broadcaster.toml").write_text('database_url = "nonsense"\n', encoding="utf-8")
    assert "is not a database URL Broadcaster can use" in refused(runner, "init")
    assert not (project / "var").exists()
    secret = "sqlite:///var/radio.db"
    (project / "broadcaster.toml").write_text(f'database_url = "{secret}"\n', encoding="utf-8")
    from broadcaster.config import load_settings

    shown = load_settings(
        project, environ={"BROADCASTER_DATABASE_URL": "postgresql+psycopg://radio:s3cret@db/radio"}
    ).db_url_shown
    assert "s3cret" not in shown and "***" in shown
