"""`broadcaster plan | arrange | run | air-now | status | devices`: putting bulletins on air."""

from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import asdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import click
from sqlalchemy.exc import OperationalError

from broadcaster import notes
from broadcaster.cli.base import ID_COMMAND, main, services_of, settings_of, upgraded
from broadcaster.clock import utc_now
from broadcaster.daemon.process import Daemon
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import onair, planning
from broadcaster.services.health import Health, check_health, with_disk_state
from broadcaster.services.outputs import list_sound_devices, output_for
from broadcaster.services.station import open_station_for_daemon, unreachable

REQUEST_POLL_SECONDS = 0.2


@main.command()
@click.option("--week", help="ISO week such as 2024-W10 (default: this week).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def plan(ctx: click.Context, week: str | None, as_json: bool) -> None:
    """Fill the week's slot occurrences with approved, rendered bulletins."""
    with services_of(ctx) as services:
        tz, now = services.settings.tz, services.now()
        planned = planning.plan_week(services, week)
        rows: list[dict[str, Any]] = [
            {
                "slot": occ.slot.name,
                "start": occ.start.astimezone(tz).isoformat(timespec="minutes"),
                "pinned": any(e.pinned for e in entries),
                "items": [{"script_id": e.script_id, "title": e.script.title, "seconds": round(e.rendering.duration_s, 1)} for e in entries],
            }
            for occ, entries in planned.occurrences
        ]  # fmt: skip
    if as_json:
        click.echo(
            json.dumps({"week": planned.week, "occurrences": rows}, ensure_ascii=False, indent=2)
        )
        return
    click.echo(f"Programme for {planned.week}:")
    for (occurrence, _), row in zip(planned.occurrences, rows, strict=True):
        empty = (
            "(past, not planned)" if occurrence.start <= now else "(nothing approved and rendered)"
        )
        titles = "; ".join(f"[{i['script_id']}] {i['title']}" for i in row["items"]) or empty
        pinned = " (arranged by hand)" if row["pinned"] else ""
        click.echo(f"  {row['start']}  {row['slot']}: {titles}{pinned}")


@main.command(context_settings=ID_COMMAND)
@click.argument("slot")
@click.argument("when")
@click.argument("script_ids", nargs=-1, type=int)
@click.pass_context
def arrange(ctx: click.Context, slot: str, when: str, script_ids: tuple[int, ...]) -> None:
    """Put exactly SCRIPT_IDS, in order, in SLOT on WHEN ('2024-03-11 17:00'); the planner keeps it."""
    with services_of(ctx) as services:
        try:
            given = datetime.fromisoformat(when)
        except ValueError:
            raise BroadcasterError(Code.DATE_INVALID, value=when) from None
        tz = services.settings.tz  # a time with its own offset is that moment, in local time
        local = given.astimezone(tz) if given.tzinfo else given.replace(tzinfo=tz)
        entries = planning.arrange(services, slot, local, list(script_ids))
        click.echo(
            f"Slot {slot} at {when} now holds {len(entries)} bulletin(s), arranged by hand; "
            "planning leaves it as it is."
        )


@main.command()
@click.option(
    "--output", help="soundcard[:NAME], file:DIR, command:CMD or null (default from config)."
)
@click.option(
    "--for",
    "for_seconds",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop after this many seconds.",
)
@click.pass_context
def run(ctx: click.Context, output: str | None, for_seconds: float | None) -> None:
    """Run the daemon: air each slot's programme at its time and log every airing."""
    settings = settings_of(ctx)
    sink = output_for(settings, output)
    slots = planning.load_slots(
        settings.schedules_path
    )  # bad slot files are refused before anything
    station, migration = open_station_for_daemon(settings, utc_now())
    ctx.call_on_close(station.engine.dispose)
    if migration.changed:
        click.echo(upgraded(migration))
    daemon = Daemon(settings, station.sessions, slots, sink)
    stop = threading.Event()
    # SIGHUP (a closed terminal, `kill -HUP`) stops it cleanly like SIGTERM; a service manager
    # starts it again with the settings as they are then.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Daemon starting; airing to {sink.description}. Press Ctrl+C to stop.")
    try:
        daemon.run(stop, for_seconds, on_ready=lambda: click.echo("Daemon ready.", nl=True))
    except OperationalError as exc:  # at start: the lease could not be taken
        raise unreachable(settings, exc) from exc
    aired = sum(daemon.counts.values())
    click.echo(f"Daemon stopped after {aired} airing(s).")


@main.command("air-now", context_settings=ID_COMMAND)
@click.argument("script_id", type=int)
@click.option(
    "--output", help="Only when no daemon is running: where to play (default from config)."
)
@click.option(
    "--wait",
    "wait_seconds",
    type=click.FloatRange(min=0),
    default=None,
    help="How long to wait for the daemon (default: the audio length plus 2 minutes).",
)
@click.option(
    "--zone", "zones", multiple=True,
    help="Only this zone's loudspeaker clusters (repeat for more; default: every zone).",
)  # fmt: skip
@click.pass_context
def air_now_command(
    ctx: click.Context,
    script_id: int,
    output: str | None,
    wait_seconds: float | None,
    zones: tuple[str, ...],
) -> None:
    """Air one approved bulletin at once; an emergency bulletin interrupts the one on air."""
    with services_of(ctx) as services:
        local = lambda: output_for(services.settings, output)  # noqa: E731
        outcome = onair.air_now(
            services, script_id, local, output_named=output is not None, zones=zones
        )
        if isinstance(outcome, onair.AiringResult):
            result = outcome
        else:
            what = (
                "emergency: the bulletin on air stops first"
                if outcome.emergency
                else "after the bulletin on air"
            )
            click.echo(f"Handed to the running daemon ({what}).")
            limit = wait_seconds if wait_seconds is not None else outcome.seconds + 120
            deadline = time.monotonic() + limit
            while (found := onair.request_result(services, outcome.request_id)) is None:
                if time.monotonic() > deadline:
                    raise BroadcasterError(Code.AIR_REQUEST_TIMEOUT, seconds=round(limit))
                time.sleep(REQUEST_POLL_SECONDS)
            result = found
    click.echo(f"Aired script {script_id} (airing {result.airing_id}).")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show whether the daemon is alive, what airs next, the last outcomes and free disk space."""
    settings = settings_of(ctx)
    try:
        with services_of(ctx) as services:
            health = check_health(services)
    except BroadcasterError as exc:  # e.g. a full disk: say so, not only "disk I/O error"
        raise with_disk_state(settings, exc) from exc
    tz = settings.tz
    if as_json:
        click.echo(json.dumps(asdict(health), default=str, ensure_ascii=False, indent=2))
        return
    state = f"running ({health.holder})" if health.daemon_alive else "NOT running"
    if health.heartbeat_at:
        beat = f"last heartbeat {health.heartbeat_at.astimezone(tz):%H:%M:%S %d/%m}"
    else:
        beat = "stopped cleanly" if health.stopped_cleanly else "never ran on this database"
    click.echo(f"Database: {settings.db_url_shown}")  # the password masked
    click.echo(f"Daemon: {state}; {beat}.")
    _say_schedule(health)
    _say_on_air(health, tz)
    click.echo("Next airings:")
    for item in health.next_airings:
        ready = (
            "audio ready"
            if item.ready
            else ("not planned yet" if item.title is None else "AUDIO MISSING")
        )
        click.echo(
            f"  {item.start.astimezone(tz):%H:%M %d/%m}  {item.slot:<8} {item.title or '-'}  [{ready}]"
        )
    click.echo("Last outcomes:")
    for last in health.last_outcomes:
        click.echo(
            f"  {last.planned_start.astimezone(tz):%H:%M %d/%m}  {last.outcome:<11} {last.title}"
            + (f"  ({notes.english(last.error)})" if last.error else "")
        )
    if not health.last_outcomes:
        click.echo("  none yet")
    for at, message in health.problems:
        click.echo(f"Problem {at.astimezone(tz):%H:%M %d/%m}: {notes.english(message)}")
    if health.clusters:
        online = sum(1 for line in health.clusters if line.view.online)
        click.echo(f"Clusters: {online} of {len(health.clusters)} online.")
    for problem in health.cluster_problems:
        click.echo(f"Cluster problem: {problem.english()}")
    click.echo(
        f"Disk: {_size(health.disk_free_bytes)} free of {_size(health.disk_total_bytes)} "
        f"for {settings.var_path}."
        + (
            " The disk is FULL: airings cannot be logged; free some space."
            if health.disk_full
            else ""
        )
    )


def _say_schedule(health: Health) -> None:
    """The slot files against the daemon's slots, and the year's plan."""
    if health.slots_changed:
        click.echo(f"Slots: {health.slots_changed}; restart the daemon to apply.")
    if health.plan_missing:
        click.echo(
            f"Plan: no plan file for {health.plan_missing}; run 'broadcaster new-plan' to copy "
            "last year's, then check its figures."
        )
    for lag in health.plan_behind:
        click.echo(lag.sentence())


def _size(count: int) -> str:
    """Bytes in GB for people; two decimals below 10 GB, where a small disk fills fast."""
    return f"{count / 1e9:.1f} GB" if count >= 10e9 else f"{count / 1e9:.2f} GB"


@main.command()
@click.option(
    "--backend", help="Sound backend to ask (e.g. alsa, pulseaudio, null; default: automatic)."
)
def devices(backend: str | None) -> None:
    """List the sound cards the soundcard output can play to."""
    found = list_sound_devices(backend)
    for device in found:
        click.echo(f"{device.name}  ({device.backend})")
    if not found:
        click.echo("No sound card found; use a file or command output.")


def _say_on_air(health: Health, tz: ZoneInfo) -> None:
    """Where the air goes, what sounds now, and the requests that wait, in their order."""
    if health.output_failed is not None:
        why = notes.english(health.output_failed) or "no reason recorded"
        click.echo(f"Output: FAILING ({health.output}): {why}")
    elif health.output:
        click.echo(f"Output: {health.output}.")
    if health.on_air is not None:
        air = health.on_air
        by = f", asked by {air.requested_by}" if air.requested_by else ""
        until = f" until {air.until.astimezone(tz):%H:%M:%S}" if air.until else ""
        click.echo(
            f"On air: {air.title} ({air.source}{by}) since {air.since.astimezone(tz):%H:%M:%S}{until}."
        )
    for waiting in health.waiting:
        kind = "emergency" if waiting.emergency else "air-now"
        click.echo(
            f"Waiting: {waiting.title} ({kind}, asked by {waiting.requested_by or '-'} at "
            f"{waiting.requested_at.astimezone(tz):%H:%M:%S})."
        )
