"""Record use cases: the airing log for a period, the Office's report, verifying the chain."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import IO

from broadcaster import town as names
from broadcaster.config import Settings
from broadcaster.enums import Outcome
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit, checkpoint, ledger
from broadcaster.evidence.audit import AuditVerdict
from broadcaster.evidence.checkpoint import Check
from broadcaster.evidence.verify import Verdict, verify
from broadcaster.intake.parse import check_year
from broadcaster.programme import periods
from broadcaster.programme.periods import Period as Period
from broadcaster.reports import airing_log as evidence
from broadcaster.reports import files, pack, plan
from broadcaster.reports import rows as report_rows
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.cells import decimal_vi as decimal_vi
from broadcaster.reports.summary import Summary as Summary
from broadcaster.reports.summary import kind_vi as kind_vi
from broadcaster.reports.summary import month_vi as month_vi
from broadcaster.reports.summary import topic_vi as topic_vi
from broadcaster.services.clusters import Unconfirmed, unconfirmed_between
from broadcaster.services.context import Context
from broadcaster.services.summaries import bounds as _bounds
from broadcaster.services.summaries import plan_behind as plan_behind
from broadcaster.services.summaries import plan_missing as plan_missing
from broadcaster.services.summaries import report_summary as report_summary
from broadcaster.services.summaries import station_plan as station_plan


@dataclass(frozen=True)
class ReportFile:
    """A report ready to save or download, in a temporary file (gone when `file` is closed),
    and what the verification of the chain covered."""

    name: str
    file: IO[bytes]
    rows: int
    checked: Check

    @cached_property
    def body(self) -> bytes:
        """The whole file in memory (the temporary file is closed): for tests and small files;
        the front doors stream `file` instead."""
        with self.file:
            self.file.seek(0)
            return self.file.read()

    def save(self, dest: Path) -> None:
        """Copy the file to `dest` and close it."""
        with self.file, dest.open("wb") as out:
            self.file.seek(0)
            shutil.copyfileobj(self.file, out, 1 << 20)


FORMATS = files.FORMATS
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv",
    "json": "application/json",
    "zip": "application/zip",
}


def parse_day(raw: str, day_first: bool = False) -> date:
    """A local day written like 2024-03-31 (also 31/03/2024 with `day_first`: the page), or
    DATE_INVALID (YEAR_OUT_OF_RANGE for far years)."""
    try:
        found = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", raw.strip()) if day_first else None
        day = (
            date(int(found[3]), int(found[2]), int(found[1]))
            if found
            else date.fromisoformat(raw.strip())
        )
    except ValueError:
        raise BroadcasterError(Code.DATE_INVALID, value=raw) from None
    check_year(day.year, raw)
    return day


def named_period(ctx: Context, name: str) -> Period:
    """The reporting period called `name` (2024-Q1, 2024-H2, 2024, 2024-03), with the
    configured cut-off day; PERIOD_UNKNOWN otherwise."""
    chosen = periods.named(name, ctx.settings.report_cutoff_day)
    check_year(chosen.end.year, name)
    return chosen


def choose_period(
    ctx: Context, name: str | None, start: str | None, end: str | None, day_first: bool = False
) -> Period:
    """A named period, or the days from `start` to `end` (PERIOD_MISSING if none is given)."""
    if name:
        return named_period(ctx, name)
    if not start or not end:
        raise BroadcasterError(Code.PERIOD_MISSING)
    return period(ctx, start, end, day_first)


def period(ctx: Context, start: str | None, end: str | None, day_first: bool = False) -> Period:
    """The days asked for (dd/mm/yyyy too with `day_first`); by default this month up to today
    (local time)."""
    today = ctx.now().astimezone(ctx.settings.tz).date()
    first = parse_day(start, day_first) if start else today.replace(day=1)
    last = parse_day(end, day_first) if end else today
    if last < first:
        raise BroadcasterError(Code.DATES_REVERSED, start=first, end=last)
    return Period(first, last)


def airing_log(
    ctx: Context, days: Period | None = None, outcome: Outcome | None = None
) -> list[AiringRecord]:
    """The evidence rows planned in `days` (all when None), by planned time."""
    bounds = _log_bounds(ctx, days)
    return evidence.airings_between(ctx.session, *bounds, ctx.settings.tz, outcome=outcome)


def _log_bounds(ctx: Context, days: Period | None) -> tuple[datetime | None, datetime | None]:
    return _bounds(ctx, days) if days else (None, None)


def verify_log(
    ctx: Context, witness_copy: str | None = None, witness_lags: bool = False
) -> Verdict:
    """Walk the airing log's hash chain; check it against the anchor files and a witness copy
    (which must hold the newest head unless `witness_lags`: a copy taken daily)."""
    witness = None
    if witness_copy is not None:
        witness = ledger.read_heads(witness_copy)
        if witness is None:
            raise BroadcasterError(Code.WITNESS_UNREADABLE)
    verdict = verify(ctx.session, ctx.settings.var_path / "ledger", witness, witness_lags)
    if verdict.ok and verdict.head_seq is not None and verdict.head_hash is not None:
        # A full walk found the chain intact: later reports start from here.
        checkpoint.save(ctx.settings.var_path, (verdict.head_seq, verdict.head_hash), ctx.now())
    return verdict


def verify_audit(ctx: Context) -> AuditVerdict:
    """Walk the audit trail's hash chain (every change to scripts, accounts and plans)."""
    return audit.verify(ctx.session)


def check_log(ctx: Context, full: bool = False, record: bool = True) -> Check:
    """Verify the chain links added since the last verified checkpoint (all with `full`);
    `record` moves the checkpoint to the head found intact (a page view passes False)."""
    return checkpoint.check(ctx.session, ctx.settings.var_path, ctx.now(), full, record)


def make_checkpoint(ctx: Context) -> Check | None:
    """The first verified checkpoint of a chain that has none, made once by walking it whole
    (the daemon's start, in the background); None when there is one already."""
    return checkpoint.make(ctx.session, ctx.settings.var_path, ctx.now())


def log_json(rows: list[AiringRecord]) -> str:
    """The airing log as JSON (the Office's raw export)."""
    return evidence.to_json(rows)


def log_csv(rows: list[AiringRecord]) -> str:
    """The airing log as CSV (Vietnamese headings; cells a spreadsheet cannot run)."""
    return evidence.to_csv(rows)


def chain_head(ctx: Context) -> ledger.Head | None:
    """The newest link of the evidence chain (a new airing moves it: the pages' cache key)."""
    return ledger.head(ctx.session)


def last_checkpoint(ctx: Context) -> checkpoint.Checkpoint | None:
    """The chain head the last full or partial walk found intact, if any."""
    return checkpoint.load(ctx.settings.var_path)


def reporting_quarter(ctx: Context, days: Period) -> Period:
    """The reporting quarter (with the town's cut-off day) the last day of `days` falls in."""
    return periods.containing(days.end, "quarter", ctx.settings.report_cutoff_day)


def period_names(year: int) -> list[str]:
    """The periods a person can pick for `year`: the year, its quarters, halves and months."""
    return periods.choices(year)


def period_vi(name: str) -> str:
    """A period's name in words (Quý IV/2026, 6 tháng đầu năm 2026)."""
    return periods.name_vi(name)


def unconfirmed(ctx: Context, days: Period) -> list[Unconfirmed]:
    """Entries sent to loudspeaker clusters in `days` that no cluster has confirmed (overdue)."""
    return unconfirmed_between(ctx.session, *_bounds(ctx, days), ctx.now())


def summary_key(ctx: Context, days: Period) -> tuple[object, ...]:
    """What a summary of `days` depends on: the database, the chain head, the cut-off day and
    the plan file's state; equal keys give equal summaries (the page caches by it)."""
    plan_file = plan.plan_path(ctx.settings.schedules_path / "plans", days.end.year)
    state = plan_file.stat().st_mtime_ns if plan_file.is_file() else None
    return (ctx.settings.db_url, days, ctx.settings.report_cutoff_day, chain_head(ctx), state)


def _records(ctx: Context, days: Period, samples: bool = False) -> Iterator[AiringRecord]:
    return report_rows.records(ctx.session, *_bounds(ctx, days), ctx.settings.tz, samples)


def town_named(ctx: Context) -> str:
    """The commune and its province as the reports write them (TOWN_UNSET while unset)."""
    names.require(ctx.settings.town, ctx.settings.province)
    return f"{ctx.settings.town}, {ctx.settings.province}"


def town_banner(settings: Settings) -> str | None:
    """What every page says about the commune's name: 'unset', 'sample', or None (set)."""
    if not names.is_set(settings.town, settings.province):
        return "unset"
    return "sample" if names.is_sample(settings.town, settings.province) else None


def new_year_plan(ctx: Context, year: int | None = None) -> Path:
    """Make the plan file of `year` (this local year) by copying last year's."""
    year = year or ctx.now().astimezone(ctx.settings.tz).year
    check_year(year, str(year))
    return plan.copy_last_year(ctx.settings.schedules_path / "plans", year)


def _title(ctx: Context, days: Period) -> str:
    kind = f" kỳ {periods.name_vi(days.name)}" if days.name else ""
    return (
        f"Báo cáo kết quả tuyên truyền CCHC trên hệ thống truyền thanh {town_named(ctx)}{kind}"
        f" từ {days.start:%d/%m/%Y} đến {days.end:%d/%m/%Y}"
    )


def _file_name(days: Period, extension: str) -> str:
    return f"bao-cao-phat-thanh-{days.start:%Y%m%d}-{days.end:%Y%m%d}.{extension}"


def _heading(ctx: Context, days: Period, checked: Check) -> files.Heading:
    today = ctx.now().astimezone(ctx.settings.tz).date()
    return files.Heading(
        _title(ctx, days), checked.vietnamese(ctx.settings.tz), ctx.settings.town,
        ctx.settings.province, today, ctx.settings.var_path,
    )  # fmt: skip


def _written(ctx: Context, write: Callable[[IO[bytes]], int]) -> tuple[IO[bytes], int]:
    """`write` into a temporary file in var/ (not /tmp, often kept in memory: a year's report
    is large); the file, and the rows written. A failed write closes (deletes) the file."""
    with ExitStack() as on_failure:
        out = on_failure.enter_context(tempfile.TemporaryFile(dir=ctx.settings.var_path))
        rows = write(out)
        on_failure.pop_all()
    out.seek(0)
    return out, rows


def office_report(
    ctx: Context, days: Period, fmt: str = "csv", record: bool = True, samples: bool = False
) -> ReportFile:
    """The Office's report for `days` in `fmt` (xlsx, docx, csv or json), after verifying the
    chain links added since the last check (`record`: move the checkpoint); refused while the
    commune has no name (TOWN_UNSET); the demo's samples only with `samples`. The rows are
    read once and written as they are read."""
    town_named(ctx)
    checked = check_log(ctx, record=record)
    out, rows = _written(ctx, lambda out: files.write_file(
        fmt, out, _heading(ctx, days, checked), lambda: report_summary(ctx, days, samples=samples),
        _records(ctx, days, samples),
    ))  # fmt: skip
    return ReportFile(_file_name(days, fmt), out, rows, checked)


def evidence_pack(
    ctx: Context, days: Period, record: bool = True, samples: bool = False
) -> ReportFile:
    """One ZIP: the XLSX, DOCX, CSV and JSON reports, the raw log, the period's anchor files,
    the verification result and SHA256SUMS. The rows are read once, every file written from
    that one pass, and the summary made once."""
    town_named(ctx)
    checked = check_log(ctx, record=record)
    names = {_file_name(days, fmt): fmt for fmt in FORMATS} | files.LOG_FORMATS
    said = f"{checked.sentence()}\n{checked.vietnamese(ctx.settings.tz)}\n"
    anchors = pack.anchor_files(ctx.settings.var_path / "ledger", *_bounds(ctx, days))
    summary = report_summary(ctx, days, samples=samples)
    out, rows = _written(ctx, lambda out: files.write_pack(
        out, names, _heading(ctx, days, checked), summary, _records(ctx, days, samples),
        anchors, {"kiem-tra.txt": said.encode("utf-8")},
    ))  # fmt: skip
    name = f"ho-so-bao-cao-{days.start:%Y%m%d}-{days.end:%Y%m%d}.zip"
    return ReportFile(name, out, rows, checked)
