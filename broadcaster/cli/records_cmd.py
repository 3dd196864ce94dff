"""`broadcaster log | log verify | report`: the evidence and the Office's figures."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import click

from broadcaster.cli.base import Group, existing_file, services_of
from broadcaster.services import reports


@click.group(cls=Group, invoke_without_command=True)
@click.option("--from", "date_from", help="First local day, e.g. 2024-03-01 (default: all).")
@click.option("--to", "date_to", help="Last local day, included (default: today).")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
@click.pass_context
def log(
    ctx: click.Context, date_from: str | None, date_to: str | None, as_json: bool, as_csv: bool
) -> None:
    """Print the airing log (the evidence rows); `log verify` checks its hash chain."""
    if ctx.invoked_subcommand is not None:
        return
    with services_of(ctx) as services:
        days = (
            reports.period(services, date_from or "2000-01-01", date_to)
            if date_from or date_to
            else None
        )
        rows = reports.airing_log(services, days)
    if as_json:
        click.echo(reports.log_json(rows))
    elif as_csv:
        click.echo(reports.log_csv(rows), nl=False)
    else:
        for r in rows:
            click.echo(
                f"{r.id:>5}  {r.planned_start}  {r.slot or 'now':<8}  {r.outcome:<11}  [{r.script_id}] {r.title}"
            )
        if not rows:
            click.echo("No airings in this period.")


def _check_writable(dest: Path) -> None:
    """Refuse a destination the report could not be written to, in the words saving would use."""
    folder = dest.parent
    problem = (
        errno.EISDIR if dest.is_dir()
        else errno.ENOENT if not folder.is_dir()
        else errno.EACCES if not os.access(folder, os.W_OK)
        else None
    )  # fmt: skip
    if problem is not None:
        raise click.ClickException(f"Could not write {dest}: {os.strerror(problem)}.")


@click.command("report")
@click.option(
    "--period", "name", help="A reporting period: 2024-Q1…Q4, 2024-H1, 2024-H2, 2024, 2024-03."
)
@click.option("--from", "date_from", help="First local day, e.g. 2024-01-01 (instead of --period).")
@click.option("--to", "date_to", help="Last local day, included.")
@click.option(
    "--format", "fmt", type=click.Choice(reports.FORMATS), default="csv", show_default=True
)
@click.option(
    "--pack", is_flag=True, help="Write one ZIP: every format, the raw log, anchors, sums."
)
@click.option("--full-verify", is_flag=True, help="Walk the whole chain, not only what is new.")
@click.option("--samples", is_flag=True, help="Also count the sample bulletins of init --demo.")
@click.option("-o", "--output", "dest", required=True, type=click.Path(path_type=Path))
@click.pass_context
def report_command(
    ctx: click.Context, name: str | None, date_from: str | None, date_to: str | None, fmt: str,
    pack: bool, full_verify: bool, samples: bool, dest: Path,
) -> None:  # fmt: skip
    """Write the Office's report for a period (XLSX, DOCX, CSV or JSON), or its evidence pack."""
    _check_writable(dest)  # before a year's report is read and its chain checked
    with services_of(ctx) as services:
        days = reports.choose_period(services, name, date_from, date_to)
        if full_verify:
            reports.check_log(services, full=True)
        made = (
            reports.evidence_pack(services, days, samples=samples)
            if pack
            else reports.office_report(services, days, fmt, samples=samples)
        )
    try:
        made.save(dest)
    except OSError as exc:
        raise click.ClickException(f"Could not write {dest}: {exc.strerror}.") from exc
    click.echo(made.checked.sentence())
    if not made.checked.ok:
        raise click.ClickException(
            f"Wrote {made.rows} airing(s) to {dest}, but the log is altered."
        )
    click.echo(f"Wrote {made.rows} airing(s) to {dest}.")


@click.command("new-plan")
@click.option("--year", type=int, help="The year to make (default: this year).")
@click.pass_context
def new_plan_command(ctx: click.Context, year: int | None) -> None:
    """Make this year's plan file by copying last year's (schedules/plans/plan-YYYY.toml)."""
    with services_of(ctx) as services:
        path = reports.new_year_plan(services, year)
    click.echo(f"Wrote {path}: check its figures against this year's plan.")


@log.command("verify")
@click.option(
    "--witness",
    "witness_file",
    type=click.Path(path_type=Path),
    help="Also check the chain against a copy the witness command kept off this machine.",
)
@click.option(
    "--witness-lags",
    is_flag=True,
    help="The witness copy is taken daily, not at every seal: accept newer rows after it.",
)
@click.pass_context
def log_verify(ctx: click.Context, witness_file: Path | None, witness_lags: bool) -> None:
    """Check that no airing row was edited or deleted; name the first bad row."""
    copy = (
        existing_file(witness_file).read_text(encoding="utf-8", errors="replace")
        if witness_file
        else None
    )
    with services_of(ctx) as services:
        verdict = reports.verify_log(services, copy, witness_lags)
        trail = reports.verify_audit(services)
    if not verdict.ok:
        raise click.ClickException(verdict.sentence())
    if not trail.ok:
        raise click.ClickException(trail.sentence())
    click.echo(verdict.sentence())
    click.echo(trail.sentence())
