"""Record use cases: the airing log for a period, the Office's report, verifying the chain."""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO

from broadcaster import notes
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
from broadcaster.reports import pack, plan
from broadcaster.reports import rows as report_rows
from broadcaster.reports import summary as report
from broadcaster.reports.airing_log import AiringRecord
from broadcaster.reports.cells import decimal_vi as decimal_vi
from broadcaster.reports.summary import Summary as Summary
from broadcaster.reports.summary import kind_vi as kind_vi
from broadcaster.reports.summary import month_vi as month_vi
from broadcaster.reports.summary import topic_vi as topic_vi
from broadcaster.services.clusters import Unconfirmed, unconfirmed_between
from broadcaster.services.context import Context


@dataclass(frozen=True)
class ReportFile:
    """A report ready to save or download, and what the verification of the chain covered."""

    name: str
    body: bytes
    rows: int
    checked: Check


FORMATS = ("xlsx", "docx", "csv", "json")
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


@dataclass(frozen=True)
class LogPage:
    """One page of the airing log: its rows, how many rows in all, and how many pages."""

    records: list[AiringRecord]
    total: int
    page: int
    pages: int


def airing_count(ctx: Context, days: Period, outcome: Outcome | None) -> int:
    """How many evidence rows are planned in `days` (with that outcome)."""
    return evidence.count_between(ctx.session, *_bounds(ctx, days), outcome)


def airing_log_page(
    ctx: Context, days: Period, outcome: Outcome | None, page: int, size: int, total: int
) -> LogPage:
    """Page `page` (from 1) of `size` rows of the log, of `total` (`airing_count`); a page past
    the end is empty. Only that page is read from the database, however long the period."""
    bounds = _bounds(ctx, days)
    found = evidence.airings_between(
        ctx.session, *bounds, ctx.settings.tz, outcome=outcome, offset=(page - 1) * size,
        limit=size,
    )  # fmt: skip
    return LogPage(found, total, page, max(1, -(-total // size)))


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


def station_plan(ctx: Context, days: Period) -> plan.Plan | None:
    """The plan of the year `days` ends in, if the town wrote one (PLAN_INVALID if wrong)."""
    return plan.load_plan(plan.plan_path(ctx.settings.schedules_path / "plans", days.end.year))


def _bounds(ctx: Context, days: Period) -> tuple[datetime, datetime]:
    return periods.utc_bounds(days, ctx.settings.tz)


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


def report_summary(
    ctx: Context, days: Period, with_plan: bool = True, samples: bool = False
) -> report.Summary:
    """The figures of `days`: by kind, topic, month and slot, and against the plan
    (`with_plan`); the demo's sample bulletins only with `samples`."""
    facts = report_rows.facts(ctx.session, *_bounds(ctx, days), ctx.settings.tz, samples)
    return report.summarise(facts, days, station_plan(ctx, days) if with_plan else None)


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


def plan_missing(ctx: Context) -> int | None:
    """This local year when it has no plan file (the turn of a year), else None."""
    year = ctx.now().astimezone(ctx.settings.tz).year
    path = plan.plan_path(ctx.settings.schedules_path / "plans", year)
    return None if path.is_file() else year


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


@dataclass
class _Sources:
    """What a report is made from, each read from the database at most once: the summary
    (counted by the database) and the evidence rows (streamed; `spool` keeps them in a
    temporary file when several files of one pack need them, so memory stays constant)."""

    ctx: Context
    days: Period
    spool: IO[str] | None = None
    samples: bool = False
    _summary: report.Summary | None = None

    def summary(self) -> report.Summary:
        if self._summary is None:
            self._summary = report_summary(self.ctx, self.days, samples=self.samples)
        return self._summary

    def records(self) -> Iterator[AiringRecord]:
        if self.spool is None:
            yield from _records(self.ctx, self.days, self.samples)
            return
        if self.spool.tell() == 0:  # the first reader fills the spool
            for record in _records(self.ctx, self.days, self.samples):
                self.spool.write(json.dumps(asdict(record), ensure_ascii=False) + "\n")
        self.spool.seek(0)
        for line in self.spool:
            yield AiringRecord(**json.loads(line))
        self.spool.seek(0, 2)


def _write_report(sources: _Sources, fmt: str, checked: Check) -> tuple[bytes, int]:
    """The report in `fmt`, and its number of evidence rows."""
    ctx, days = sources.ctx, sources.days
    said = checked.vietnamese(ctx.settings.tz)
    if fmt == "csv":
        records = list(sources.records())
        return report.report_csv(records, _title(ctx, days), said).encode("utf-8"), len(records)
    summary = sources.summary()
    if fmt == "json":
        listed = [
            asdict(r)
            | {"error_vi": notes.vietnamese(r.error), "error_code": notes.code_of(r.error)}
            for r in sources.records()
        ]
        body = {
            "period": {"name": days.name, "start": days.start.isoformat(),
                       "end": days.end.isoformat()},
            "checked": said, "summary": asdict(summary), "rows": listed,
        }  # fmt: skip
        return json.dumps(body, ensure_ascii=False, indent=1, default=str).encode(), len(listed)
    # The file writers (openpyxl, python-docx) load only when a file is written.
    from broadcaster.reports import docx_file as report_docx
    from broadcaster.reports import xlsx_file as report_xlsx

    with tempfile.TemporaryDirectory() as folder:
        dest = Path(folder) / f"report.{fmt}"
        if fmt == "xlsx":
            rows = report_xlsx.write_xlsx(dest, summary, sources.records(), _title(ctx, days), said)
        else:
            today = ctx.now().astimezone(ctx.settings.tz).date()
            report_docx.write_docx(
                dest, summary, ctx.settings.town, said, today, ctx.settings.province
            )
            rows = summary.rows
        return dest.read_bytes(), rows


def office_report(
    ctx: Context, days: Period, fmt: str = "csv", record: bool = True, samples: bool = False
) -> ReportFile:
    """The Office's report for `days` in `fmt` (xlsx, docx, csv or json), after verifying the
    chain links added since the last check (`record`: move the checkpoint); refused while the
    commune has no name (TOWN_UNSET); the demo's samples only with `samples`."""
    town_named(ctx)
    checked = check_log(ctx, record=record)
    body, rows = _write_report(_Sources(ctx, days, samples=samples), fmt, checked)
    return ReportFile(_file_name(days, fmt), body, rows, checked)


def evidence_pack(
    ctx: Context, days: Period, record: bool = True, samples: bool = False
) -> ReportFile:
    """One ZIP: the XLSX, DOCX, CSV and JSON reports, the raw log, the period's anchor files,
    the verification result and SHA256SUMS. The rows are read once and the summary made once."""
    town_named(ctx)
    checked = check_log(ctx, record=record)
    members: dict[str, bytes] = {}
    rows = 0
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        sources = _Sources(ctx, days, spool, samples)
        for fmt in FORMATS:
            members[_file_name(days, fmt)], rows = _write_report(sources, fmt, checked)
        raw = list(sources.records())
    members["nhat-ky-phat.csv"] = evidence.to_csv(raw).encode("utf-8")
    members["nhat-ky-phat.json"] = evidence.to_json(raw).encode("utf-8")
    for path in pack.anchor_files(ctx.settings.var_path / "ledger", *_bounds(ctx, days)):
        members[f"ledger/{path.name}"] = path.read_bytes()
    members["kiem-tra.txt"] = (
        f"{checked.sentence()}\n{checked.vietnamese(ctx.settings.tz)}\n".encode("utf-8")
    )
    with tempfile.TemporaryDirectory() as folder:
        dest = Path(folder) / "pack.zip"
        pack.write_pack(dest, members)
        body = dest.read_bytes()
    name = f"ho-so-bao-cao-{days.start:%Y%m%d}-{days.end:%Y%m%d}.zip"
    return ReportFile(name, body, rows, checked)


def plan_behind(ctx: Context) -> list[plan.Lag]:
    """The plan's targets falling behind in the current quarter (none without a plan file)."""
    today = ctx.now().astimezone(ctx.settings.tz).date()
    quarter = periods.containing(today, "quarter", ctx.settings.report_cutoff_day)
    found = station_plan(ctx, quarter)
    if found is None:
        return []
    summary = report_summary(ctx, quarter, with_plan=False)
    aired = {topic: figures.aired for topic, figures in summary.by_topic}
    return plan.behind(found, quarter, today, aired)
