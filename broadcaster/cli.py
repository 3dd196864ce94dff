"""The `broadcaster` command line: every stage by name; errors become one sentence and exit 1."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from dataclasses import asdict
from datetime import date
from pathlib import Path

import click

from broadcaster import evidence, report
from broadcaster.airing import air_now
from broadcaster.clock import utc_now
from broadcaster.config import ConfigError, Settings, load_settings
from broadcaster.daemon import Daemon, DaemonBusy
from broadcaster.ingest import ScriptRejected, clean_week, parse_script
from broadcaster.outputs import OutputError, make_output
from broadcaster.programme import plan_week
from broadcaster.render import (
    ENGINE_CHOICES,
    RenderFailed,
    current_rendering,
    make_engines,
    normaliser_for,
    render_script,
)
from broadcaster.scripts import ScriptNotFound, add_script, approve_script, get_script, list_scripts
from broadcaster.slots import SlotError, iso_week_of
from broadcaster.spoken import LexiconError
from broadcaster.station import NotInitialised, Station, demo_login, initialise, open_station
from broadcaster.users import UserError

USER_ERRORS = (
    ConfigError, ScriptRejected, ScriptNotFound, SlotError, OutputError, RenderFailed,
    DaemonBusy, NotInitialised, UserError, LexiconError,
)  # fmt: skip


class _Group(click.Group):
    """Turns the core's errors into one line on stderr and exit code 1."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        try:
            return super().invoke(ctx)
        except USER_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc


def _settings(ctx: click.Context) -> Settings:
    settings = ctx.obj.get("settings")
    if settings is None:
        settings = ctx.obj["settings"] = load_settings()
    return settings


def _station(ctx: click.Context) -> Station:
    station = ctx.obj.get("station")
    if station is None:
        station = ctx.obj["station"] = open_station(_settings(ctx))
        ctx.call_on_close(station.engine.dispose)
    return station


def _local_date(raw: str | None, label: str) -> date | None:
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise click.BadParameter(
            f"'{raw}' is not a date like 2024-03-31.", param_hint=label
        ) from None


@click.group(cls=_Group)
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Broadcaster: CCHC bulletins from script to the town's loudspeakers."""
    ctx.ensure_object(dict)
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    for noisy in ("apscheduler", "urllib3", "waitress"):
        logging.getLogger(noisy).setLevel(logging.INFO if verbose else logging.WARNING)


@main.command()
@click.option(
    "--demo", is_flag=True, help="Also import, approve and render the scripts in ./scripts_vi."
)
@click.option("--admin-password", help="Password for the 'admin' user (generated when not given).")
@click.pass_context
def init(ctx: click.Context, demo: bool, admin_password: str | None) -> None:
    """Create var/ and the database here, reading slots from ./schedules/."""
    settings = _settings(ctx)
    result = initialise(settings, admin_password, utc_now(), demo=demo)
    if result.wrote_default_slots:
        click.echo(
            f"Wrote default slots (06:00 and 17:00 daily) to {settings.schedules_path}/town.toml."
        )
    if result.created:
        click.echo(f"Created the database at {settings.db_url}.")
    else:
        click.echo(f"The database at {settings.db_url} already exists; it was kept as it is.")
    if result.demo_scripts:
        click.echo(f"Imported, approved and rendered {result.demo_scripts} sample scripts.")
    if result.admin_password:
        click.echo(f"Web login: user 'admin', password '{result.admin_password}' (write it down).")
    elif demo and demo_login(settings):
        click.echo("Web login (from the first run):\n" + demo_login(settings).strip())


@main.group(cls=_Group)
def scripts() -> None:
    """Add, list, show and approve bulletin scripts."""


def _script_dict(script) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": script.id, "title": script.title, "topic": script.topic, "week": script.week,
        "status": script.status, "encoding": script.encoding, "source": script.source_name,
        "approved_by": script.approved_by, "content_hash": script.content_hash,
    }  # fmt: skip


@scripts.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="Title (default: from front matter or the first line).")
@click.option("--topic", help="Plan topic: a, b, c, d or đ (dd).")
@click.option("--week", help="ISO week the bulletin belongs to, e.g. 2024-W10.")
@click.option("--author", help="Who wrote it.")
@click.option("--json", "as_json", is_flag=True, help="Print the added scripts as JSON.")
@click.pass_context
def scripts_add(ctx, files, title, topic, week, author, as_json) -> None:  # type: ignore[no-untyped-def]
    """Add .txt, .md or .docx scripts as drafts (all or none)."""
    station = _station(ctx)
    items = []
    for path in files:
        if not path.is_file():
            raise ScriptRejected(f"{path} does not exist.")
        items.append(
            parse_script(path.read_bytes(), path.name, title=title, topic=topic, week=week)
        )
    with station.sessions() as session:
        added = [add_script(session, item, utc_now(), author) for item in items]
        session.commit()
        rows = [_script_dict(s) for s in added]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        for row in rows:
            click.echo(
                f"Added script {row['id']}: {row['title']} (topic {row['topic']}, {row['encoding']})."
            )


@scripts.command("list")
@click.option("--status", type=click.Choice(["draft", "approved", "retired"]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def scripts_list(ctx, status, as_json) -> None:  # type: ignore[no-untyped-def]
    """List scripts, newest first."""
    with _station(ctx).sessions() as session:
        rows = [_script_dict(s) for s in list_scripts(session, status)]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {row['status']:<8}  {row['topic']:<2}  {row['week'] or '-':<8}  {row['title']}"
        )
    if not rows:
        click.echo("No scripts yet; add one with 'broadcaster scripts add FILE --topic a'.")


@scripts.command("show")
@click.argument("script_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def scripts_show(ctx, script_id, as_json) -> None:  # type: ignore[no-untyped-def]
    """Show one script with its text."""
    with _station(ctx).sessions() as session:
        script = get_script(session, script_id)
        row = _script_dict(script) | {"body": script.body}
    if as_json:
        click.echo(json.dumps(row, ensure_ascii=False, indent=2))
        return
    for key in ("id", "title", "topic", "week", "status", "approved_by", "encoding", "source"):
        click.echo(f"{key}: {row[key] if row[key] is not None else '-'}")
    click.echo("\n" + row["body"])


@scripts.command("approve")
@click.argument("script_id", type=int)
@click.option("--by", "approver", required=True, help="Name of the leader approving it.")
@click.pass_context
def scripts_approve(ctx, script_id, approver) -> None:  # type: ignore[no-untyped-def]
    """Approve a draft script for air."""
    with _station(ctx).sessions() as session:
        script = approve_script(session, script_id, approver, utc_now())
        session.commit()
        click.echo(
            f"Script {script.id} approved by {script.approved_by}; render it with 'broadcaster render {script.id}'."
        )


@main.command()
@click.argument("source", default="-", type=click.File("rb"))
@click.option(
    "--explain", is_flag=True, help="Also list every replacement and the rule that made it."
)
@click.pass_context
def normalize(ctx, source, explain) -> None:  # type: ignore[no-untyped-def]
    """Print a script exactly as the voice will read it (FILE or - for stdin)."""
    from broadcaster.ingest import decode_text

    normaliser = normaliser_for(_settings(ctx))  # a bad dictionary file is reported first
    text, _ = decode_text(source.read(), getattr(source, "name", "input"))
    spoken = normaliser(text, explain=explain)
    click.echo(spoken.text)
    if explain:
        click.echo("\nChanges (rule: written -> spoken):")
        for change in spoken.changes:
            click.echo(f"  {change.rule}: {change.before!r} -> {change.after!r}")
        if not spoken.changes:
            click.echo("  none")
    if spoken.unknown:
        click.echo(
            f"\nSpelled letter by letter (not in the dictionary): {', '.join(spoken.unknown)}. "
            "Add them to your abbreviations file to have them read as words.",
            err=True,
        )


@main.command()
@click.argument("script_ids", nargs=-1, type=int)
@click.option("--all", "render_all", is_flag=True, help="Render every approved script.")
@click.option(
    "--engine", type=click.Choice(ENGINE_CHOICES), help="Voice engine (default from config)."
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def render(ctx, script_ids, render_all, engine, as_json) -> None:  # type: ignore[no-untyped-def]
    """Render scripts to broadcast MP3 (cached: unchanged text does no work)."""
    station = _station(ctx)
    if not script_ids and not render_all:
        raise click.UsageError("Give script ids or --all.")
    engines = make_engines(engine or station.settings.engine, station.settings)
    results = []
    with station.sessions() as session:
        chosen = (
            list_scripts(session, "approved")
            if render_all
            else [get_script(session, i) for i in script_ids]
        )
        for script in chosen:
            result = render_script(session, script, engines, station.settings, utc_now())
            session.commit()
            results.append(result)
            if not as_json:
                state = "cached" if result.cached else "rendered"
                click.echo(
                    f"Script {script.id}: {state} with {result.engine} ({result.voice}), {result.duration_s:.1f} s -> {result.audio_path}"
                )
    if as_json:
        click.echo(
            json.dumps([asdict(r) | {"audio_path": str(r.audio_path)} for r in results], indent=2)
        )
    elif not results:
        click.echo("No approved scripts to render.")


@main.command()
@click.option("--week", help="ISO week such as 2024-W10 (default: this week).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def plan(ctx, week, as_json) -> None:  # type: ignore[no-untyped-def]
    """Fill the week's slot occurrences with approved, rendered bulletins."""
    station = _station(ctx)
    tz = station.settings.tz
    week = clean_week(week) or iso_week_of(utc_now(), tz)
    slots = station.load_slots()
    with station.sessions() as session:
        planned = plan_week(session, slots, week, tz, utc_now())
        session.commit()
        rows = [
            {
                "slot": occ.slot.name,
                "start": occ.start.astimezone(tz).isoformat(timespec="minutes"),
                "items": [{"script_id": e.script_id, "title": e.script.title, "seconds": round(e.rendering.duration_s, 1)} for e in entries],
            }
            for occ, entries in planned
        ]  # fmt: skip
    if as_json:
        click.echo(json.dumps({"week": week, "occurrences": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(f"Programme for {week}:")
    now = utc_now()
    for (occurrence, _), row in zip(planned, rows, strict=True):
        empty = (
            "(past, not planned)" if occurrence.start <= now else "(nothing approved and rendered)"
        )
        titles = "; ".join(f"[{i['script_id']}] {i['title']}" for i in row["items"]) or empty
        click.echo(f"  {row['start']}  {row['slot']}: {titles}")


@main.command()
@click.option("--output", help="file:DIR, command:CMD or null (default from config).")
@click.option("--for", "for_seconds", type=float, help="Stop after this many seconds.")
@click.pass_context
def run(ctx, output, for_seconds) -> None:  # type: ignore[no-untyped-def]
    """Run the daemon: air each slot's programme at its time and log every airing."""
    station = _station(ctx)
    settings = station.settings
    sink = make_output(output or settings.output, settings.base_dir)
    daemon = Daemon(settings, station.engine, station.sessions, station.load_slots(), sink)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Daemon running; airing to {sink.description}. Press Ctrl+C to stop.")
    daemon.run(stop, for_seconds)
    click.echo(f"Daemon stopped after {len(daemon.results)} airing(s).")


@main.command("air-now")
@click.argument("script_id", type=int)
@click.option("--output", help="file:DIR, command:CMD or null (default from config).")
@click.pass_context
def air_now_command(ctx, script_id, output) -> None:  # type: ignore[no-untyped-def]
    """Air one approved, rendered bulletin at once and log it."""
    station = _station(ctx)
    settings = station.settings
    sink = make_output(output or settings.output, settings.base_dir)
    with station.sessions() as session:
        script = get_script(session, script_id)
        if script.status != "approved":
            raise ScriptRejected(
                f"Script {script_id} is {script.status}; only approved scripts can be aired."
            )
        rendering = current_rendering(session, script)
        if rendering is None:
            raise ScriptRejected(
                f"Script {script_id} has no audio yet; run 'broadcaster render {script_id}' first."
            )
        result = air_now(session, script, rendering, sink, settings, utc_now)
    if result.outcome != "aired":
        raise OutputError(f"Airing {result.airing_id} failed: {result.error}")
    click.echo(f"Aired script {script_id} to {sink.description} (airing {result.airing_id}).")


@main.command()
@click.option("--from", "date_from", help="First local day, e.g. 2024-03-01.")
@click.option("--to", "date_to", help="Last local day, included.")
@click.option("--json", "as_json", is_flag=True)
@click.option("--csv", "as_csv", is_flag=True)
@click.pass_context
def log(ctx, date_from, date_to, as_json, as_csv) -> None:  # type: ignore[no-untyped-def]
    """Print the airing log (the evidence rows)."""
    station = _station(ctx)
    tz = station.settings.tz
    start = _local_date(date_from, "--from")
    end = _local_date(date_to, "--to")
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
    station = _station(ctx)
    tz = station.settings.tz
    start, end = _local_date(date_from, "--from"), _local_date(date_to, "--to")
    if end < start:
        raise click.BadParameter("--to is before --from.", param_hint="--to")
    with station.sessions() as session:
        records = evidence.airings_between(session, *evidence.local_day_range(start, end, tz), tz)
    title = f"Báo cáo phát thanh tuyên truyền CCHC từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
    try:
        dest.write_text(report.report_csv(records, title), encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"Could not write {dest}: {exc.strerror}.") from exc
    click.echo(f"Wrote {len(records)} airing(s) to {dest}.")


@main.group(cls=_Group)
def bench() -> None:
    """Measure speed on this machine (prints figures; nothing is changed)."""


@bench.command("normalise")
@click.option(
    "--file",
    "path",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default="tests/data/ke-hoach-tuyen-truyen-cchc-2024.txt",
    show_default=True,
    help="Text to normalise (default: the town's 2024 plan from the repository).",
)
@click.option("--repeat", type=click.IntRange(1, 100_000), default=100, show_default=True)
@click.pass_context
def bench_normalise_command(ctx, path, repeat) -> None:  # type: ignore[no-untyped-def]
    """Normalise a text REPEAT times on one core; print characters and megabytes per second."""
    from broadcaster.bench import bench_normalise

    text = path.read_text(encoding="utf-8")
    figures = bench_normalise(text, repeat, normaliser_for(_settings(ctx)))
    utf8 = len(text.encode("utf-8"))
    click.echo(f"text: {path} ({figures.characters} characters, {utf8} bytes UTF-8)")
    click.echo(
        f"runs: {repeat}, total {figures.seconds:.3f} s, {figures.seconds / repeat * 1000:.2f} ms per run"
    )
    click.echo(
        f"throughput: {figures.chars_per_second:,.0f} characters/s = {utf8 * repeat / figures.seconds / 1e6:.2f} MB/s (UTF-8)"
    )
    click.echo(f"target 1 MB/s: {'met' if utf8 * repeat / figures.seconds >= 1e6 else 'NOT met'}")


@main.command()
@click.option("--host", help="Address to listen on (default from config).")
@click.option("--port", type=int, help="Port (default from config).")
@click.pass_context
def serve(ctx, host, port) -> None:  # type: ignore[no-untyped-def]
    """Serve the web page for officers, leaders and the Office."""
    import waitress

    from broadcaster.web import create_app

    station = _station(ctx)
    settings = station.settings
    app = create_app(settings)
    host, port = host or settings.web_host, port or settings.web_port
    click.echo(f"Web page on http://{host}:{port}/ (Ctrl+C to stop).")
    waitress.serve(app, host=host, port=port, threads=4)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
