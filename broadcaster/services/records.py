"""Record use cases: the airing log for a period, the Office's report, verifying the chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from broadcaster import audit, evidence, ledger, report
from broadcaster.audit import AuditVerdict
from broadcaster.enums import Outcome
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import AiringRecord
from broadcaster.ingest import check_year
from broadcaster.ledger import Verdict
from broadcaster.services.context import Context


@dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included."""

    start: date
    end: date


@dataclass(frozen=True)
class ReportFile:
    """A report ready to save or download."""

    name: str
    body: str
    rows: int


def parse_day(raw: str) -> date:
    """A local day written like 2024-03-31, or DATE_INVALID (YEAR_OUT_OF_RANGE for far years)."""
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise BroadcasterError(Code.DATE_INVALID, value=raw) from None
    check_year(day.year, raw)
    return day


def period(ctx: Context, start: str | None, end: str | None) -> Period:
    """The days asked for; by default this month up to today (local time)."""
    today = ctx.now().astimezone(ctx.settings.tz).date()
    first = parse_day(start) if start else today.replace(day=1)
    last = parse_day(end) if end else today
    if last < first:
        raise BroadcasterError(Code.DATES_REVERSED, start=first, end=last)
    return Period(first, last)


def airing_log(
    ctx: Context, days: Period | None = None, outcome: Outcome | None = None
) -> list[AiringRecord]:
    """The evidence rows planned in `days` (all when None), oldest first."""
    tz = ctx.settings.tz
    bounds: tuple[datetime | None, datetime | None] = (
        evidence.local_day_range(days.start, days.end, tz) if days else (None, None)
    )
    records = evidence.airings_between(ctx.session, *bounds, tz)
    return [r for r in records if r.outcome == outcome] if outcome else records


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
    return ledger.verify(ctx.session, ctx.settings.var_path / "ledger", witness, witness_lags)


def verify_audit(ctx: Context) -> AuditVerdict:
    """Walk the audit trail's hash chain (every change to scripts, accounts and plans)."""
    return audit.verify(ctx.session)


def office_report(ctx: Context, days: Period) -> ReportFile:
    """The Office's CSV report for `days`, with the chain's verdict in its heading."""
    records = airing_log(ctx, days)
    title = f"Báo cáo phát thanh tuyên truyền CCHC từ {days.start:%d/%m/%Y} đến {days.end:%d/%m/%Y}"
    body = report.report_csv(records, title, verify_log(ctx))
    name = f"bao-cao-phat-thanh-{days.start:%Y%m%d}-{days.end:%Y%m%d}.csv"
    return ReportFile(name, body, len(records))
