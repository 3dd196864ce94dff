"""The report's figures and the plan's progress: what the status page, `broadcaster status`
and the report page read. Apart from `services.reports` so that reading them loads no report
writer (CSV, XLSX, the pack) and no chain check."""

from __future__ import annotations

from datetime import datetime

from broadcaster.programme import periods
from broadcaster.programme.periods import Period
from broadcaster.reports import plan
from broadcaster.reports import rows as report_rows
from broadcaster.reports import summary as report
from broadcaster.services.context import Context


def bounds(ctx: Context, days: Period) -> tuple[datetime, datetime]:
    return periods.utc_bounds(days, ctx.settings.tz)


def station_plan(ctx: Context, days: Period) -> plan.Plan | None:
    """The plan of the year `days` ends in, if the town wrote one (PLAN_INVALID if wrong)."""
    return plan.load_plan(plan.plan_path(ctx.settings.schedules_path / "plans", days.end.year))


def report_summary(
    ctx: Context, days: Period, with_plan: bool = True, samples: bool = False
) -> report.Summary:
    """The figures of `days`: by kind, topic, month and slot, and against the plan
    (`with_plan`); the demo's sample bulletins only with `samples`."""
    facts = report_rows.facts(ctx.session, *bounds(ctx, days), ctx.settings.tz, samples)
    return report.summarise(facts, days, station_plan(ctx, days) if with_plan else None)


def plan_missing(ctx: Context) -> int | None:
    """This local year when it has no plan file (the turn of a year), else None."""
    year = ctx.now().astimezone(ctx.settings.tz).year
    path = plan.plan_path(ctx.settings.schedules_path / "plans", year)
    return None if path.is_file() else year


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
