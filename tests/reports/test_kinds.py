"""Kinds of bulletin, the commune's name and the year's plan: the report counts what the plan
counts (issue 24). Only CCHC bulletins count against the plan; emergencies, notices and the
rest have their own table; the demo's samples stay out unless asked; no report names a
commune nobody set."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text, update

from broadcaster.bench.report import seed_airings
from broadcaster.cli import main
from broadcaster.config import load_settings
from broadcaster.enums import Kind, Priority
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import health, reports
from broadcaster.services import scripts as script_service
from broadcaster.services.station import Station
from broadcaster.store.db import Airing, Script
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services
from tests.reports.test_report import report, table_after


def _kinds_station(station: Station) -> dict[str, int]:
    """A CCHC bulletin (topic a), an emergency and a public notice (both filed under topic a,
    which the plan must not count), six airings a day over the first quarter."""
    ids = {
        "cchc": add_draft(station, FIXED_NOW, "Cải cách hành chính.", topic="a", title="CCHC"),
        "emergency": add_draft(station, FIXED_NOW, "Bão số 3.", topic="a", title="Bão"),
        "notice": add_draft(station, FIXED_NOW, "Cắt điện.", topic="a", title="Cắt điện"),
    }
    with station.sessions() as session:
        session.execute(
            update(Script)
            .where(Script.id == ids["emergency"])
            .values(priority=Priority.EMERGENCY, kind=Kind.EMERGENCY)
        )
        session.execute(update(Script).where(Script.id == ids["notice"]).values(kind=Kind.NOTICE))
        session.commit()
        seed_airings(session, date(2023, 12, 15), 90, 6, station.settings.tz)
    return ids


def _seal_kinds(station: Station) -> None:
    """Give every seeded row the kind its script has, as the airing code seals it now."""
    with station.sessions() as session:
        for script in session.scalars(select(Script)):
            session.execute(
                update(Airing).where(Airing.script_id == script.id).values(kind=script.kind.value)
            )
        session.commit()


def _aired(station: Station, script_id: int) -> int:
    with station.sessions() as session:
        rows = session.scalars(
            select(Airing).where(Airing.script_id == script_id, Airing.outcome == "aired")
        )
        return len(list(rows))


def test_only_cchc_bulletins_count_against_the_plan(station: Station, tmp_path: Path) -> None:
    ids = _kinds_station(station)
    _seal_kinds(station)
    with services(station, FIXED_NOW) as ctx:
        summary = reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    topic_a = dict(summary.by_topic)["a"]
    assert topic_a.aired == _aired(station, ids["cchc"]) > 0
    coverage = {item.target.topic.value: item.aired for item in summary.coverage}
    assert coverage["a"] == topic_a.aired
    kinds = {kind: figures.aired for kind, figures in summary.by_kind}
    assert kinds == {kind: _aired(station, script_id) for kind, script_id in ids.items()}

    # The spreadsheet: a table of kinds, and the topics of CCHC bulletins only.
    (tmp_path / "r.xlsx").write_bytes(report(station, "xlsx"))
    sheet = openpyxl.load_workbook(tmp_path / "r.xlsx")["Tổng hợp"]
    lines = table_after(sheet, "Theo loại bản tin")
    assert {line[0]: line[2] for line in lines[1:-1]} == {
        "Tuyên truyền CCHC": kinds["cchc"],
        "Khẩn cấp, thiên tai": kinds["emergency"],
        "Thông báo": kinds["notice"],
    }
    topics = table_after(
        sheet, "Bản tin tuyên truyền CCHC theo chủ đề của kế hoạch (chỉ loại này tính vào kế hoạch)"
    )
    assert [line[2] for line in topics[1:]] == [topic_a.aired, topic_a.aired]
    # The Word appendix: the kinds, then the CCHC topics.
    (tmp_path / "r.docx").write_bytes(report(station, "docx"))
    tables = docx.Document(str(tmp_path / "r.docx")).tables
    assert [row.cells[0].text for row in tables[1].rows[1:]] == [
        "Tuyên truyền CCHC", "Khẩn cấp, thiên tai", "Thông báo", "Tổng cộng",
    ]  # fmt: skip
    assert tables[2].rows[1].cells[2].text == str(topic_a.aired)
    # The CSV: the topic table counts CCHC only; the kinds table follows it.
    body = report(station, "csv").decode("utf-8-sig")
    assert "Khẩn cấp, thiên tai" in body and "Thông báo" in body


def test_rows_sealed_before_the_kind_go_by_their_script_s_priority(station: Station) -> None:
    """A row without a kind (sealed before revision 0013): an emergency-priority script is an
    emergency, any other is CCHC, whatever the script's kind is today."""
    ids = _kinds_station(station)  # the seeded rows carry no kind
    with services(station, FIXED_NOW) as ctx:
        summary = reports.report_summary(ctx, reports.named_period(ctx, "2024-Q1"))
    kinds = {kind: figures.aired for kind, figures in summary.by_kind}
    assert kinds == {
        "cchc": _aired(station, ids["cchc"]) + _aired(station, ids["notice"]),
        "emergency": _aired(station, ids["emergency"]),
    }


def test_a_new_script_s_kind_follows_its_priority_unless_given(station: Station) -> None:
    with services(station, FIXED_NOW) as ctx:
        assert script_service.clean_kind("", Priority.EMERGENCY) == Kind.EMERGENCY
        assert script_service.clean_kind(None, Priority.NORMAL) == Kind.CCHC
        assert script_service.clean_kind("notice", Priority.EMERGENCY) == Kind.NOTICE
        with pytest.raises(BroadcasterError) as wrong:
            script_service.clean_kind("storm")
        assert wrong.value.code == Code.KIND_UNKNOWN
        assert ctx is not None


# --- the commune's name ---


def test_reports_refuse_while_the_commune_has_no_name(station: Station) -> None:
    unnamed = load_settings(station.settings.base_dir, environ={"BROADCASTER_TOWN": ""})
    with station.sessions() as session:
        from broadcaster.services.context import Context

        ctx = Context(unnamed, session, lambda: FIXED_NOW)
        days = reports.named_period(ctx, "2024-Q1")
        for make in (
            lambda: reports.office_report(ctx, days, "docx"),
            lambda: reports.evidence_pack(ctx, days),
        ):
            with pytest.raises(BroadcasterError) as refused:
                make()
            assert refused.value.code == Code.TOWN_UNSET
            assert "broadcaster init --town" in str(refused.value)


def test_the_report_names_the_commune_and_its_province(station: Station, tmp_path: Path) -> None:
    add_draft(station, FIXED_NOW, "Cải cách hành chính.", topic="a")
    with station.sessions() as session:
        seed_airings(session, date(2024, 1, 1), 3, 2, station.settings.tz)
    (tmp_path / "r.docx").write_bytes(report(station, "docx"))
    document = docx.Document(str(tmp_path / "r.docx"))
    assert "THỊ TRẤN YÊN MỸ" in document.tables[0].rows[0].cells[0].text
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    assert "UBND thị trấn Yên Mỹ, tỉnh Hưng Yên" in paragraphs
    (tmp_path / "r.xlsx").write_bytes(report(station, "xlsx"))
    title = openpyxl.load_workbook(tmp_path / "r.xlsx")["Tổng hợp"]["A1"].value
    assert "thị trấn Yên Mỹ, tỉnh Hưng Yên" in str(title)


def test_init_sets_the_name_without_asking_and_keeps_other_settings(
    project: Path, runner: CliRunner
) -> None:
    config = project / "broadcaster.toml"
    config.write_text('# the technician\'s note\nengine = "espeak"\n', encoding="utf-8")

    plain = runner.invoke(main, ["init", "--admin-password", "Mật-khẩu-dài-12"], input="")
    assert plain.exit_code == 0, plain.output
    assert "The commune's name is not set" in plain.output
    named = runner.invoke(
        main, ["init", "--town", "xã Tân Lập", "--province", "tỉnh Phú Thọ"], input=""
    )
    assert named.exit_code == 0, named.output
    settings = load_settings(project, environ={})
    assert (settings.town, settings.province, settings.engine) == (
        "xã Tân Lập", "tỉnh Phú Thọ", "espeak",
    )  # fmt: skip
    assert "not set" not in named.output
    assert config.read_text(encoding="utf-8").count("the technician's note") == 1


def test_the_demo_sets_a_sample_name_that_says_so(project: Path, runner: CliRunner) -> None:
    (project / "broadcaster.toml").unlink()
    result = runner.invoke(main, ["init", "--demo"], input="")
    assert result.exit_code == 0, result.output
    settings = load_settings(project, environ={})
    assert settings.town == "xã Mẫu (tên mẫu)" and "(tên mẫu)" in settings.province
    assert "Sample commune name" in result.output


# --- the year's plan ---


def test_init_makes_this_year_s_plan_and_new_plan_copies_it_next_year(
    station: Station, runner: CliRunner
) -> None:
    plans = station.settings.schedules_path / "plans"
    # The test stations are made at FIXED_NOW (2024): init made no 2024 plan, the repo has one.
    assert sorted(p.name for p in plans.iterdir()) == ["plan-2024.toml"]
    next_year = datetime(2025, 1, 2, 3, 0, tzinfo=timezone.utc)
    with services(station, next_year) as ctx:
        assert reports.plan_missing(ctx.settings, ctx.now()) == 2025
        assert health.check_health(ctx.settings, ctx.session, ctx.now()).plan_missing == 2025
        made = reports.new_year_plan(ctx)
        assert made.name == "plan-2025.toml"
        assert "năm 2025" in made.read_text(encoding="utf-8")
        assert reports.plan_missing(ctx.settings, ctx.now()) is None
        with pytest.raises(BroadcasterError) as again:
            reports.new_year_plan(ctx)
        assert again.value.code == Code.PLAN_EXISTS


def test_init_writes_the_current_year_s_plan_from_the_template(
    project: Path, runner: CliRunner
) -> None:
    year = datetime.now(timezone.utc).year
    for old in (project / "schedules" / "plans").iterdir():
        old.unlink()
    result = runner.invoke(main, ["init"], input="")
    assert result.exit_code == 0, result.output
    made = project / "schedules" / "plans" / f"plan-{year}.toml"
    assert made.is_file() and f"năm {year}" in made.read_text(encoding="utf-8")
    assert "example = true" in made.read_text(encoding="utf-8")
    again = runner.invoke(main, ["new-plan", "--year", str(year + 1)])
    assert again.exit_code == 0, again.output
    assert (project / "schedules" / "plans" / f"plan-{year + 1}.toml").is_file()


def test_the_migration_gives_emergencies_their_kind(station: Station) -> None:
    """Revision 0013 on rows written at 0012: emergency priority → emergency, the rest CCHC."""
    from broadcaster.store.migrate import downgrade_database, upgrade_database

    ids = [add_draft(station, FIXED_NOW, f"Bản tin {n}.", topic="a") for n in range(3)]
    with station.sessions() as session:
        session.execute(
            update(Script).where(Script.id == ids[0]).values(priority=Priority.EMERGENCY)
        )
        session.execute(update(Script).where(Script.id == ids[1]).values(kind=Kind.NOTICE))
        session.commit()
    downgrade_database(station.engine, "0012")
    with station.engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(script)"))]
    assert "kind" not in columns
    upgrade_database(station.settings, station.engine, FIXED_NOW)
    with station.sessions() as session:
        kinds = {row[0]: row[1] for row in session.execute(select(Script.id, Script.kind))}
    assert kinds == {ids[0]: Kind.EMERGENCY, ids[1]: Kind.CCHC, ids[2]: Kind.CCHC}


def test_a_kind_is_written_on_the_csv_of_the_page(station: Station) -> None:
    """The kinds table of the CSV reads back with the csv module (the page's download)."""
    import csv

    _kinds_station(station)
    _seal_kinds(station)
    body = report(station, "csv").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    heading = next(n for n, row in enumerate(rows) if row and row[0] == "Loại bản tin")
    assert [row[0] for row in rows[heading + 1 : heading + 4]] == [
        "Tuyên truyền CCHC", "Khẩn cấp, thiên tai", "Thông báo",
    ]  # fmt: skip


def test_a_kind_s_label_never_takes_a_priority_s_place() -> None:
    """Kind.EMERGENCY equals "emergency" as Priority.EMERGENCY does: one table of labels
    would give the script page "Mức: Khẩn cấp, thiên tai"."""
    from broadcaster.enums import label_vi, labels_vi

    assert label_vi(Priority.EMERGENCY) == "KHẨN CẤP"
    assert label_vi(Kind.EMERGENCY) == "Khẩn cấp, thiên tai"
    assert labels_vi(Priority)["emergency"] == "KHẨN CẤP"
    assert list(labels_vi(Kind)) == ["cchc", "emergency", "notice", "other"]
