"""`broadcaster slots list|add|change|pause|resume|delete|import|export`: the radio's broadcast
slots, kept in the database (the source); the running daemon takes a change without a restart."""

from __future__ import annotations

import json
from pathlib import Path

import click

from broadcaster.cli.base import Group, services_of
from broadcaster.services import slots as service
from broadcaster.services.slots import SlotInput, SlotRecord, shown_url

BY = click.option(
    "--by", required=True, help="The leader or admin account the change is made in the name of."
)
VERSION = click.option(
    "--version", "version", type=int, default=None,
    help="The version read with 'slots list'; refused if the slot changed since (default: now).",
)  # fmt: skip


def _when(record: SlotRecord) -> str:
    slot = record.slot
    return slot.on_date.isoformat() if slot.on_date else ",".join(slot.days)


def _say(record: SlotRecord) -> str:
    slot = record.slot
    zones = ", ".join(slot.zones) or "every zone"
    paused = " PAUSED" if slot.paused else ""
    relay = f" of {shown_url(slot.url)}" if slot.url else ""
    fallback = f", fallback {slot.fallback}" if slot.fallback else ""
    return (
        f"{slot.name}: {_when(record)} {slot.start:%H:%M} for {slot.minutes} min, {zones} "
        f"({slot.kind}{relay}{fallback}, version {record.version}){paused}"
    )


@click.group(cls=Group)
def slots() -> None:
    """The radio's broadcast slots, kept in the database (leaders and admins change them)."""


@slots.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def slots_list(ctx: click.Context, as_json: bool) -> None:
    """List every slot, paused ones too, with the version a change names."""
    with services_of(ctx) as services:
        found = service.list_slots(services)
    if as_json:
        rows = [
            {"id": r.id, "name": r.slot.name, "days": list(r.slot.days),
             "date": r.slot.on_date.isoformat() if r.slot.on_date else None,
             "start": f"{r.slot.start:%H:%M:%S}", "minutes": r.slot.minutes,
             "zones": list(r.slot.zones), "kind": r.slot.kind, "paused": r.slot.paused,
             "url": shown_url(r.slot.url) if r.slot.url else None,
             "fallback": r.slot.fallback, "version": r.version}
            for r in found
        ]  # fmt: skip
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for record in found:
        click.echo(_say(record))


def _slot_options(function):  # type: ignore[no-untyped-def]
    for option in reversed(
        [
            click.option("--start", help="Local start time, HH:MM."),
            click.option("--minutes", type=int, help="How long it lasts (1 to 600)."),
            click.option("--days", help="Weekdays, such as mon,wed,fri (or --date)."),
            click.option("--date", "on_date", help="One local date, YYYY-MM-DD (or --days)."),
            click.option("--zone", "zones", multiple=True, help="A zone it airs in (repeat; none: every zone)."),
            click.option("--kind", help="What it airs: bulletins or relay."),
            click.option("--url", help="A relay's stream address (http:// or https://)."),
            click.option("--fallback", help="A relay's programme file, aired when the stream is lost."),
        ]
    ):  # fmt: skip
        function = option(function)
    return function


@slots.command("add")
@click.argument("name")
@_slot_options
@BY
@click.pass_context
def slots_add(
    ctx: click.Context, name: str, start: str | None, minutes: int | None, days: str | None,
    on_date: str | None, zones: tuple[str, ...], kind: str | None, url: str | None,
    fallback: str | None, by: str,
) -> None:  # fmt: skip
    """Add a slot: NAME, --start, --minutes, and --days or --date (a relay: --kind relay --url)."""
    given = SlotInput(
        name=name, start=start or "", minutes=minutes or 0, days=[days] if days else [],
        on_date=on_date or "", zones=zones, kind=kind or ("relay" if url else "bulletins"),
        url=url or "", fallback=fallback or "",
    )  # fmt: skip
    with services_of(ctx) as services:
        added = service.add_slot(services, by, given)
    click.echo(f"Added slot {_say(added)}.")


@slots.command("change")
@click.argument("slot")
@click.option("--name", help="A new name.")
@_slot_options
@click.option("--all-zones", is_flag=True, help="Air it in every zone again.")
@VERSION
@BY
@click.pass_context
def slots_change(
    ctx: click.Context, slot: str, name: str | None, start: str | None, minutes: int | None,
    days: str | None, on_date: str | None, zones: tuple[str, ...], kind: str | None,
    url: str | None, fallback: str | None, all_zones: bool, version: int | None, by: str,
) -> None:  # fmt: skip
    """Change SLOT (a name or id): only what is given changes; the next occurrence on."""
    with services_of(ctx) as services:
        found = service.find_slot(services, slot)
        was = found.slot
        dated = on_date is not None or (days is None and was.on_date is not None)
        given = SlotInput(
            name=name or was.name, start=start or f"{was.start:%H:%M:%S}",
            minutes=minutes or was.minutes,
            days=[] if dated else [days] if days else list(was.days),
            on_date=(on_date or (was.on_date.isoformat() if was.on_date else "")) if dated else "",
            zones=() if all_zones else zones or was.zones, kind=kind or was.kind,
            output=was.output, url=was.url or "" if url is None else url,
            fallback=was.fallback or "" if fallback is None else fallback,
        )  # fmt: skip
        changed = service.change_slot(
            services, by, found.id, found.version if version is None else version, given
        )
    click.echo(f"Changed slot {_say(changed)}; it applies from its next occurrence.")


def _pause(ctx: click.Context, slot: str, version: int | None, by: str, paused: bool) -> None:
    with services_of(ctx) as services:
        found = service.find_slot(services, slot)
        done = service.pause_slot(
            services, by, found.id, found.version if version is None else version, paused
        )
    click.echo(f"{'Paused' if paused else 'Resumed'} slot {_say(done)}.")


@slots.command("pause")
@click.argument("slot")
@VERSION
@BY
@click.pass_context
def slots_pause(ctx: click.Context, slot: str, version: int | None, by: str) -> None:
    """Pause SLOT: it is kept but does not air until resumed (one on air now finishes)."""
    _pause(ctx, slot, version, by, True)


@slots.command("resume")
@click.argument("slot")
@VERSION
@BY
@click.pass_context
def slots_resume(ctx: click.Context, slot: str, version: int | None, by: str) -> None:
    """Resume a paused SLOT (refused if it would now overlap another)."""
    _pause(ctx, slot, version, by, False)


@slots.command("delete")
@click.argument("slot")
@VERSION
@BY
@click.pass_context
def slots_delete(ctx: click.Context, slot: str, version: int | None, by: str) -> None:
    """Delete SLOT; its aired occurrences keep their evidence (one on air now finishes)."""
    with services_of(ctx) as services:
        found = service.find_slot(services, slot)
        gone = service.delete_slot(
            services, by, found.id, found.version if version is None else version
        )
    click.echo(f"Deleted slot {gone.name}.")


@slots.command("import")
@click.argument("folder", required=False, type=click.Path(path_type=Path, file_okay=False))
@BY
@click.pass_context
def slots_import(ctx: click.Context, folder: Path | None, by: str) -> None:
    """Make the slots of FOLDER/*.toml (default ./schedules) the station's, replacing all."""
    with services_of(ctx) as services:
        chosen = folder or services.settings.schedules_path
        found = service.import_slots(services, by, chosen)
    click.echo(f"Imported {len(found)} slot(s) from {chosen}; they replace the earlier slots.")


@slots.command("export")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def slots_export(ctx: click.Context, file: Path) -> None:
    """Write every slot to FILE as a slot file (TOML), for those who keep files."""
    with services_of(ctx) as services:
        count = service.export_slots(services, file)
    click.echo(f"Wrote {count} slot(s) to {file}.")
