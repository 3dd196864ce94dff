"""`broadcaster plan | run | air-now | status | devices`: putting bulletins on air."""

from __future__ import annotations

import json
import signal
import threading
import time
from dataclasses import asdict

import click

from broadcaster.airing import AiringResult, air_now
from broadcaster.cli.base import main, station_of
from broadcaster.clock import utc_now
from broadcaster.config import Settings
from broadcaster.daemon import Daemon
from broadcaster.db import Airing, AirRequest
from broadcaster.health import check_health
from broadcaster.ingest import ScriptRejected, clean_week
from broadcaster.lease import lease_is_alive
from broadcaster.outputs import Output, OutputError, default_output, list_sound_devices, make_output
from broadcaster.programme import plan_week
from broadcaster.render import current_rendering
from broadcaster.scripts import get_script
from broadcaster.slots import iso_week_of


@main.command()
@click.option("--week", help="ISO week such as 2024-W10 (default: this week).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def plan(ctx, week, as_json) -> None:  # type: ignore[no-untyped-def]
    """Fill the week's slot occurrences with approved, rendered bulletins."""
    station = station_of(ctx)
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


def output_for(settings: Settings, override: str | None) -> Output:
    """The output named on the command line or in the config ('auto': sound card if any)."""
    spec = default_output(
        override or settings.output, settings.base_dir, settings.sound_backend or None
    )
    output = make_output(
        spec, settings.base_dir, settings.output_before or None, settings.output_after or None,
        settings.sound_backend or None,
    )  # fmt: skip
    folder = getattr(output, "folder", None)
    if folder is not None and not folder.is_dir():
        raise OutputError(
            f"The drop folder {folder} does not exist; create it or choose another output."
        )
    return output


@main.command()
@click.option(
    "--output", help="soundcard[:NAME], file:DIR, command:CMD or null (default from config)."
)
@click.option("--for", "for_seconds", type=float, help="Stop after this many seconds.")
@click.pass_context
def run(ctx, output, for_seconds) -> None:  # type: ignore[no-untyped-def]
    """Run the daemon: air each slot's programme at its time and log every airing."""
    station = station_of(ctx)
    settings = station.settings
    sink = output_for(settings, output)
    daemon = Daemon(settings, station.engine, station.sessions, station.load_slots(), sink)
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Daemon running; airing to {sink.description}. Press Ctrl+C to stop.")
    daemon.run(stop, for_seconds)
    click.echo(f"Daemon stopped after {len(daemon.results)} airing(s).")


@main.command("air-now")
@click.argument("script_id", type=int)
@click.option(
    "--output", help="Only when no daemon is running: where to play (default from config)."
)
@click.option(
    "--wait",
    "wait_seconds",
    type=float,
    default=None,
    help="How long to wait for the daemon (default: the audio length plus 2 minutes).",
)
@click.pass_context
def air_now_command(ctx, script_id, output, wait_seconds) -> None:  # type: ignore[no-untyped-def]
    """Air one approved bulletin at once; an emergency bulletin interrupts the one on air."""
    station = station_of(ctx)
    settings = station.settings
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
        emergency = script.priority == "emergency"
        if not lease_is_alive(session, utc_now()):
            result = air_now(
                session, script, rendering, output_for(settings, output), settings, utc_now
            )
        else:
            if output:
                raise click.UsageError(
                    "A daemon is running and owns the output; leave out --output."
                )
            request = AirRequest(script_id=script.id, emergency=emergency, requested_at=utc_now())
            session.add(request)
            session.commit()
            what = (
                "emergency: the bulletin on air stops first"
                if emergency
                else "after the bulletin on air"
            )
            click.echo(f"Handed to the running daemon ({what}).")
            limit = wait_seconds if wait_seconds is not None else rendering.duration_s + 120
            deadline = time.monotonic() + limit
            while True:
                session.refresh(request)
                if request.handled_at is not None:
                    break
                if time.monotonic() > deadline:
                    raise OutputError(
                        f"The daemon did not air it within {limit:.0f} s; check 'broadcaster status'. The request stays queued."
                    )
                time.sleep(0.2)
            airing = session.get(Airing, request.airing_id) if request.airing_id else None
            if airing is None:
                raise OutputError(
                    "The daemon could not air it; see 'broadcaster status' for the reason."
                )
            result = AiringResult(
                airing.id,
                script.id,
                script.title,
                airing.outcome,
                airing.error,
                airing.audio_sha256,
            )
    if result.outcome != "aired":
        raise OutputError(f"Airing {result.airing_id} {result.outcome}: {result.error}")
    click.echo(f"Aired script {script_id} (airing {result.airing_id}).")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx, as_json) -> None:  # type: ignore[no-untyped-def]
    """Show whether the daemon is alive, what airs next, the last outcomes and free disk space."""
    station = station_of(ctx)
    settings = station.settings
    tz = settings.tz
    with station.sessions() as session:
        health = check_health(session, settings, station.load_slots(), utc_now())
    if as_json:
        click.echo(json.dumps(asdict(health), default=str, ensure_ascii=False, indent=2))
        return
    when = (
        health.heartbeat_at.astimezone(tz).strftime("%H:%M:%S %d/%m")
        if health.heartbeat_at
        else "never"
    )
    state = f"running ({health.holder})" if health.daemon_alive else "NOT running"
    click.echo(f"Daemon: {state}; last heartbeat {when}.")
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
            + (f"  ({last.error})" if last.error else "")
        )
    if not health.last_outcomes:
        click.echo("  none yet")
    for at, message in health.problems:
        click.echo(f"Problem {at.astimezone(tz):%H:%M %d/%m}: {message}")
    free_gb = health.disk_free_bytes / 1e9
    click.echo(
        f"Disk: {free_gb:.1f} GB free of {health.disk_total_bytes / 1e9:.1f} GB for {settings.var_path}."
    )


@main.command()
@click.option(
    "--backend", help="Sound backend to ask (e.g. alsa, pulseaudio, null; default: automatic)."
)
def devices(backend) -> None:  # type: ignore[no-untyped-def]
    """List the sound cards the soundcard output can play to."""
    found = list_sound_devices(backend)
    for device in found:
        click.echo(f"{device.name}  ({device.backend})")
    if not found:
        click.echo("No sound card found; use a file or command output.")
