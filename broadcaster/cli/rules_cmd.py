"""`broadcaster rules list|skip|replace|swap|holiday|delete`: the date rules of the station's
calendar (a slot skipped or moved on a date, a decree's working-day swap, no routine bulletins
on holidays); the running daemon takes a change without a restart."""

from __future__ import annotations

import json

import click

from broadcaster.cli.base import Group, services_of
from broadcaster.enums import HolidayScope, RuleKind
from broadcaster.services import exceptions as service
from broadcaster.services.exceptions import RuleAdded, RuleInput, RuleRecord

BY = click.option(
    "--by", required=True, help="The leader or admin account the change is made in the name of."
)
DATE = click.option("--date", "on_date", required=True, help="The local date, YYYY-MM-DD.")
HOLIDAYS_EN = {
    HolidayScope.TET: "the first three days of Tết",
    HolidayScope.PUBLIC: "public holidays",
}


def _say(record: RuleRecord) -> str:
    """One rule in a line: what, when, its id and version (a delete names them)."""
    rule = record.rule
    day = rule.day.isoformat() if rule.day else ""
    match rule.kind:
        case RuleKind.SKIP:
            what = f"skip {rule.slot} on {day}"
        case RuleKind.REPLACE:
            what = f"{rule.slot} on {day} at {rule.start:%H:%M} for {rule.minutes} min instead"
        case RuleKind.SWAP:
            what = f"{day} airs as {'a day off (sun)' if rule.as_day == 'sun' else rule.as_day}"
        case _:
            slot = rule.slot or "routine bulletin slots"
            what = f"no {slot} on {HOLIDAYS_EN.get(rule.holidays or HolidayScope.TET)}"
    return f"{record.id}: {what} (version {record.version})"


def _added(added: RuleAdded) -> None:
    click.echo(f"Added rule {_say(added.record)}.")
    if added.warning is not None:
        click.echo(f"Warning: {added.warning.english()}")


@click.group(cls=Group)
def rules() -> None:
    """Date rules: skip or move a slot on a date, working-day swaps, holiday rules."""


@rules.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def rules_list(ctx: click.Context, as_json: bool) -> None:
    """List every date rule with the id and version a delete names."""
    with services_of(ctx) as services:
        found = service.list_rules(services)
    if as_json:
        rows = [
            {"id": r.id, "version": r.version, "kind": r.rule.kind, "slot": r.rule.slot,
             "date": r.rule.day.isoformat() if r.rule.day else None,
             "start": f"{r.rule.start:%H:%M}" if r.rule.start else None,
             "minutes": r.rule.minutes, "as_day": r.rule.as_day, "holidays": r.rule.holidays}
            for r in found
        ]  # fmt: skip
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for record in found:
        click.echo(_say(record))


def _add(ctx: click.Context, by: str, given: RuleInput) -> None:
    with services_of(ctx) as services:
        _added(service.add_rule(services, by, given))


@rules.command("skip")
@click.argument("slot")
@DATE
@BY
@click.pass_context
def rules_skip(ctx: click.Context, slot: str, on_date: str, by: str) -> None:
    """SLOT does not air on --date."""
    _add(ctx, by, RuleInput(RuleKind.SKIP, slot=slot, on_date=on_date))


@rules.command("replace")
@click.argument("slot")
@DATE
@click.option("--start", required=True, help="Its start that day, HH:MM.")
@click.option("--minutes", required=True, type=int, help="How long it lasts that day (1 to 600).")
@BY
@click.pass_context
def rules_replace(
    ctx: click.Context, slot: str, on_date: str, start: str, minutes: int, by: str
) -> None:
    """SLOT airs on --date at --start for --minutes instead of its own time."""
    given = RuleInput(RuleKind.REPLACE, slot=slot, on_date=on_date, start=start, minutes=minutes)
    _add(ctx, by, given)


@rules.command("swap")
@click.argument("on_date", metavar="DATE")
@click.option("--as", "as_day", required=True, help="The weekday it airs as (mon…sun), or off.")
@BY
@click.pass_context
def rules_swap(ctx: click.Context, on_date: str, as_day: str, by: str) -> None:
    """DATE airs the weekly slots of another weekday (a decree's swap), or of a Sunday (off)."""
    _add(ctx, by, RuleInput(RuleKind.SWAP, on_date=on_date, as_day=as_day))


@rules.command("holiday")
@click.argument("holidays", type=click.Choice([scope.value for scope in HolidayScope]))
@click.option("--slot", default="", help="Only this slot (default: every bulletin slot).")
@BY
@click.pass_context
def rules_holiday(ctx: click.Context, holidays: str, slot: str, by: str) -> None:
    """No routine bulletins on tet (the first three days of Tết) or public (every holiday)."""
    _add(ctx, by, RuleInput(RuleKind.HOLIDAY, slot=slot, holidays=HolidayScope(holidays)))


@rules.command("delete")
@click.argument("rule_id", metavar="ID", type=int)
@click.option(
    "--version", "version", type=int, default=None,
    help="The version read with 'rules list'; refused if the rule changed since (default: now).",
)  # fmt: skip
@BY
@click.pass_context
def rules_delete(ctx: click.Context, rule_id: int, version: int | None, by: str) -> None:
    """Delete rule ID; its slot airs by its days again (a rule whose date passed stays)."""
    with services_of(ctx) as services:
        found = next((r for r in service.list_rules(services) if r.id == rule_id), None)
        read = found.version if found is not None else 1
        gone = service.delete_rule(services, by, rule_id, read if version is None else version)
    click.echo(f"Deleted rule {rule_id} ({gone.kind}).")
