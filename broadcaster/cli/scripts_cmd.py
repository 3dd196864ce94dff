"""`broadcaster scripts add | list | show | approve | return | retire`: the bulletin scripts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from broadcaster.cli.base import (
    ID_COMMAND,
    Group,
    at_most,
    existing_file,
    services_of,
)
from broadcaster.enums import Kind, Priority, Status
from broadcaster.services import scripts as service
from broadcaster.services.scripts import Script


@click.group(cls=Group)
def scripts() -> None:
    """Add, list, show, approve, return and retire bulletin scripts."""


def _script_dict(script: Script) -> dict[str, object]:
    return {
        "id": script.id, "title": script.title, "kind": script.kind, "topic": script.topic,
        "week": script.week,
        "status": script.status, "encoding": script.encoding, "source": script.source_name,
        "author": script.author, "approved_by": script.approved_by,
        "content_hash": script.content_hash,
        "priority": script.priority,
    }  # fmt: skip


def _filed(row: dict[str, object]) -> str:
    """ "topic c" for a CCHC bulletin, else its kind ("emergency, outside the plan")."""
    return f"topic {row['topic']}" if row["topic"] else f"{row['kind']}, outside the plan"


def _echo_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


@scripts.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--title", callback=at_most(300), help="Title (default: from front matter or the first line)."
)
@click.option("--topic", help="Plan topic: a, b, c, d or đ (dd); CCHC bulletins need one.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in Kind]),
    help="cchc (counted against the plan), emergency, notice or other "
    "(default: emergency for --priority emergency, else cchc).",
)
@click.option("--week", help="ISO week the bulletin belongs to, e.g. 2024-W10.")
@click.option("--author", callback=at_most(100), help="Who wrote it (default: cli:<system user>).")
@click.option(
    "--priority",
    type=click.Choice([p.value for p in Priority]),
    default=Priority.NORMAL.value,
    show_default=True,
    help="normal: in its slots; priority: first in the next slot; emergency: aired at once by air-now.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the added scripts as JSON.")
@click.pass_context
def scripts_add(
    ctx: click.Context, files: tuple[Path, ...], title: str | None, topic: str | None,
    kind: str | None, week: str | None, author: str | None, priority: str, as_json: bool,
) -> None:  # fmt: skip
    """Add .txt, .md or .docx scripts as drafts (all or none)."""
    items = []
    for path in files:
        items.append(
            service.parse_script(
                existing_file(path).read_bytes(), path.name, title=title, topic=topic, week=week
            )
        )
    with services_of(ctx) as services:
        chosen = service.clean_kind(kind, Priority(priority))
        added = service.add_scripts(
            services, items, author or services.actor, Priority(priority), chosen
        )
        rows = [_script_dict(s) for s in added]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(f"Added script {row['id']}: {row['title']} ({_filed(row)}, {row['encoding']}).")


@scripts.command("list")
@click.option("--status", type=click.Choice([s.value for s in Status]))
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def scripts_list(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """List scripts, newest first."""
    with services_of(ctx) as services:
        chosen = Status(status) if status else None
        rows = [_script_dict(s) for s in service.list_scripts(services, chosen)]
    if as_json:
        _echo_json(rows)
        return
    for row in rows:
        click.echo(
            f"{row['id']:>4}  {row['status']:<8}  {row['topic'] or '-':<2}  {row['week'] or '-':<8}  {row['title']}"
        )
    if not rows:
        click.echo("No scripts yet; add one with 'broadcaster scripts add FILE --topic a'.")


@scripts.command("show", context_settings=ID_COMMAND)
@click.argument("script_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def scripts_show(ctx: click.Context, script_id: int, as_json: bool) -> None:
    """Show one script with its text."""
    with services_of(ctx) as services:
        script = service.get_script(services, script_id)
        row = _script_dict(script) | {"body": script.body}
    if as_json:
        _echo_json(row)
        return
    for key in (
        "id",
        "title",
        "kind",
        "topic",
        "week",
        "status",
        "author",
        "approved_by",
        "encoding",
        "source",
    ):
        click.echo(f"{key}: {row[key] if row[key] is not None else '-'}")
    click.echo("\n" + str(row["body"]))


@scripts.command("approve", context_settings=ID_COMMAND)
@click.argument("script_id", type=int)
@click.option(
    "--by",
    "approver",
    required=True,
    callback=at_most(100),
    help="Name of the leader approving it.",
)
@click.pass_context
def scripts_approve(ctx: click.Context, script_id: int, approver: str) -> None:
    """Approve a draft script for air."""
    with services_of(ctx) as services:
        script = service.approve_script(services, script_id, approver)
        click.echo(
            f"Script {script.id} approved by {script.approved_by}; the daemon renders it ahead "
            f"of air (or now: 'broadcaster render {script.id}')."
        )


@scripts.command("return", context_settings=ID_COMMAND)
@click.argument("script_id", type=int)
@click.option("--note", help="Why, for the officer who wrote it (shown on its page).")
@click.pass_context
def scripts_return(ctx: click.Context, script_id: int, note: str | None) -> None:
    """Send an approved script back to draft for changes (it leaves every slot it has not aired
    in, the one on air too, and stops if it is sounding)."""
    with services_of(ctx) as services:
        change = service.return_script(services, script_id, note)
    click.echo(
        f"Script {script_id} is a draft again; removed from {change.withdrawn} planned slot(s)."
    )


@scripts.command("retire", context_settings=ID_COMMAND)
@click.argument("script_id", type=int)
@click.pass_context
def scripts_retire(ctx: click.Context, script_id: int) -> None:
    """Take a script off the air for good (it leaves every slot it has not aired in, the one on
    air too, and stops if it is sounding)."""
    with services_of(ctx) as services:
        change = service.retire_script(services, script_id)
    click.echo(f"Script {script_id} retired; removed from {change.withdrawn} planned slot(s).")
