"""The report's figures and the plan's progress: what the status page, `broadcaster status`
and the report page read. Apart from `services.reports` so that reading them loads no report
writer (CSV, XLSX, the pack) and no chain check."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from broadcaster.config import Settings
from broadcaster.programme import periods
from broadcaster.programme.periods import Period
from broadcaster.reports import plan
from broadcaster.reports import rows as report_rows
from broadcaster.reports import summary as report
from broadcaster.store.engine import Reader

if TYPE_CHECKING:
    from broadcaster.services.context import Context


def bounds(ctx: Context, days: Period) -> tuple[datetime, datetime]:
    return periods.utc_bounds(days, ctx.settings.tz)


def station_plan(settings: Settings, days: Period) -> plan.Plan | None:
    """The plan of the year `days` ends in, if the town wrote one (PLAN_INVALID if wrong)."""
    return plan.load_plan(plan.plan_path(settings.schedules_path / "plans", days.end.year))


def summary_of(
    settings: Settings, db: Reader, days: Period, with_plan: bool = True, samples: bool = False
) -> report.Summary:
    """The figures of `days`: by kind, topic, month and slot, and against the plan
    (`with_plan`); the demo's sample bulletins only with `samples`. Core reads only."""
    start, end = periods.utc_bounds(days, settings.tz)
    facts = report_rows.facts(db, start, end, settings.tz, samples)
    return report.summarise(facts, days, station_plan(settings, days) if with_plan else None)


def report_summary(
    ctx: Context, days: Period, with_plan: bool = True, samples: bool = False
) -> report.Summary:
    """`summary_of` in the caller's session."""
    return summary_of(ctx.settings, ctx.session, days, with_plan, samples)


def plan_missing(settings: Settings, now: datetime) -> int | None:
    """This local year when it has no plan file (the turn of a year), else None."""
    year = now.astimezone(settings.tz).year
    path = plan.plan_path(settings.schedules_path / "plans", year)
    return None if path.is_file() else year


def plan_behind(settings: Settings, db: Reader, now: datetime) -> list[plan.Lag]:
    """The plan's targets falling behind in the current quarter (none without a plan file)."""
    today = now.astimezone(settings.tz).date()
    quarter = periods.containing(today, "quarter", settings.report_cutoff_day)
    found = station_plan(settings, quarter)
    if found is None:
        return []
    summary = summary_of(settings, db, quarter, with_plan=False)
    aired = {topic: figures.aired for topic, figures in summary.by_topic}
    return plan.behind(found, quarter, today, aired)
