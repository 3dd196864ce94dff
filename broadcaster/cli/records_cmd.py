"""`broadcaster log | log verify | report`: the evidence and the Office's figures."""

from __future__ import annotations

from pathlib import Path

import click

from broadcaster import evidence, ledger, report
from broadcaster.cli.base import Group, local_date, main, station_of


@main.group(cls=Group, invoke_without_command=True)
@click.option("--from", "date_from", help="First local day, e.g. 2024-03-01.")
@click.option("--to", "date_to", help="Last local day, included.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
@click.pass_context
def log(ctx, date_from, date_to, as_json, as_csv) -> None:  # type: ignore[no-untyped-def]
    """Print the airing log (the evidence rows); `log verify` checks its hash chain."""
    if ctx.invoked_subcommand is not None:
        return
    station = station_of(ctx)
    tz = station.settings.tz
    start = local_date(date_from, "--from")
    end = local_date(date_to, "--to")
    lower = evidence.local_day_range(start, start, tz)[0] if start else None
    upper = evidence.local_day_range(end, end, tz)[1] if end else None
    with station.sessions() as session:
        records = evidence.airings_between(session, lower, upper, tz)
    if as_json:
        click.echo(evidence.to_json(records))
    elif as_csv:
        click.echo(evidence.to_csv(records), nl=False)
    else:
        for r in records:
            click.echo(
                f"{r.id:>5}  {r.planned_start}  {r.slot or 'now':<8}  {r.outcome:<11}  [{r.script_id}] {r.title}"
            )
        if not records:
            click.echo("No airings in this period.")


@main.command("report")
@click.option("--from", "date_from", required=True, help="First local day, e.g. 2024-01-01.")
@click.option("--to", "date_to", required=True, help="Last local day, included.")
@click.option("--format", "fmt", type=click.Choice(["csv"]), default="csv", show_default=True)
@click.option(
    "-o", "--output", "dest", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.pass_context
def report_command(ctx, date_from, date_to, fmt, dest) -> None:  # type: ignore[no-untyped-def]
    """Write the Office's report: airings and minutes per month and topic, then every row."""
    station = station_of(ctx)
    tz = station.settings.tz
    start, end = local_date(date_from, "--from"), local_date(date_to, "--to")
    if end < start:
        raise click.BadParameter("--to is before --from.", param_hint="--to")
    with station.sessions() as session:
        records = evidence.airings_between(session, *evidence.local_day_range(start, end, tz), tz)
        verdict = ledger.verify(session, station.settings.var_path / "ledger")
    title = f"Báo cáo phát thanh tuyên truyền CCHC từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
    try:
        dest.write_text(report.report_csv(records, title, verdict), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Could not write {dest}: {exc.strerror}.") from exc
    click.echo(f"Wrote {len(records)} airing(s) to {dest}.")


@log.command("verify")
@click.pass_context
def log_verify(ctx) -> None:  # type: ignore[no-untyped-def]
    """Check that no airing row was edited or deleted; name the first bad row."""
    station = station_of(ctx)
    with station.sessions() as session:
        verdict = ledger.verify(session, station.settings.var_path / "ledger")
    if not verdict.ok:
        raise click.ClickException(verdict.sentence())
    click.echo(verdict.sentence())
