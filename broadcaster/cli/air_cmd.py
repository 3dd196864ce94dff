"""`broadcaster plan | arrange | run | air-now | status | devices`: putting bulletins on air."""

from __future__ import annotations

import json
import signal
import threading
import time
from datetime import datetime
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from broadcaster.cli.base import ID_COMMAND, services_of, settings_of, upgraded
from broadcaster.clock import utc_now
from broadcaster.daemon.process import Daemon
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import onair, planning
from broadcaster.services.outputs import output_for
from broadcaster.services.station import open_station_for_daemon, unreachable

REQUEST_POLL_SECONDS = 0.2


@click.command()
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


@click.command(context_settings=ID_COMMAND)
@click.argument("slot")
@click.argument("when")
@click.argument("script_ids", nargs=-1, type=int)
@click.option(
    "--emergency-by",
    metavar="LEADER",
    help="Let emergency bulletins into the slot too, on the word of this leader account.",
)
@click.pass_context
def arrange(
    ctx: click.Context, slot: str, when: str, script_ids: tuple[int, ...], emergency_by: str | None
) -> None:
    """Put exactly SCRIPT_IDS, in order, in SLOT on WHEN ('2024-03-11 17:00'); the planner keeps it."""
    with services_of(ctx) as services:
        try:
            given = datetime.fromisoformat(when)
        except ValueError:
            raise BroadcasterError(Code.DATE_INVALID, value=when) from None
        tz = services.settings.tz  # a time with its own offset is that moment, in local time
        local = given.astimezone(tz) if given.tzinfo else given.replace(tzinfo=tz)
        entries = planning.arrange(services, slot, local, list(script_ids), emergency_by)
        click.echo(
            f"Slot {slot} at {when} now holds {len(entries)} bulletin(s), arranged by hand; "
            "planning leaves it as it is."
        )


@click.command()
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
    station, migration = open_station_for_daemon(settings, utc_now())
    ctx.call_on_close(station.engine.dispose)
    if migration.changed:
        click.echo(upgraded(migration))
    daemon = Daemon(settings, station.sessions, None, sink)  # the database's slots
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


@click.command("air-now", context_settings=ID_COMMAND)
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
