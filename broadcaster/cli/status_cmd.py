"""`broadcaster status` and `devices`: what a technician checks, without loading what airs."""

from __future__ import annotations

import json
from dataclasses import asdict
from zoneinfo import ZoneInfo

import click

from broadcaster import notes
from broadcaster.cli.base import connection_of, settings_of
from broadcaster.clock import utc_now
from broadcaster.errors import BroadcasterError
from broadcaster.services.health import Health, check_health, with_disk_state


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show whether the daemon is alive, what airs next, the last outcomes and free disk space."""
    settings = settings_of(ctx)
    try:
        with connection_of(ctx) as connection:
            health = check_health(settings, connection, utc_now())
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
    _say_next(health, tz)
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
        click.echo(
            f"Slots: {health.slots_changed}; 'broadcaster slots import' makes the files' "
            "slots the station's."
        )
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


@click.command()
@click.option(
    "--backend", help="Sound backend to ask (e.g. alsa, pulseaudio, null; default: automatic)."
)
def devices(backend: str | None) -> None:
    """List the sound cards the soundcard output can play to."""
    from broadcaster.services.outputs import list_sound_devices

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


def _say_next(health: Health, tz: ZoneInfo) -> None:
    """The coming bulletins and relays, one timeline."""
    click.echo("Next airings:")
    for item in health.next_airings:
        when = f"{item.start.astimezone(tz):%H:%M %d/%m}"
        if item.relay is not None and item.until is not None:
            fallback = "fallback file ready" if item.ready else "no fallback file"
            until = f"{item.until.astimezone(tz):%H:%M}"
            click.echo(
                f"  {when}  {item.slot:<8} relay of {item.relay} until {until}  [{fallback}]"
            )
            continue
        ready = (
            "audio ready"
            if item.ready
            else ("not planned yet" if item.title is None else "AUDIO MISSING")
        )
        click.echo(f"  {when}  {item.slot:<8} {item.title or '-'}  [{ready}]")
