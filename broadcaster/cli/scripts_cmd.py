"""`broadcaster scripts …`: add, list, show, approve and retire bulletin scripts."""

from __future__ import annotations

import json
from pathlib import Path

import click

from broadcaster.cli.base import Group, main, station_of
from broadcaster.clock import utc_now
from broadcaster.db import PRIORITIES
from broadcaster.ingest import ScriptRejected, parse_script
from broadcaster.programme import withdraw_script
from broadcaster.render import expected_seconds
from broadcaster.scripts import add_script, approve_script, get_script, list_scripts, retire_script
from broadcaster.slots import load_slots


@main.group(cls=Group)
def scripts() -> None:
    """Add, list, show and approve bulletin scripts."""


def _script_dict(script) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": script.id, "title": script.title, "topic": script.topic, "week": script.week,
        "status": script.status, "encoding": script.encoding, "source": script.source_name,
        "approved_by": script.approved_by, "content_hash": script.content_hash,
        "priority": script.priority,
    }  # fmt: skip


@scripts.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--title", help="Title (default: from front matter or the first line).")
@click.option("--topic", help="Plan topic: a, b, c, d or đ (dd).")
@click.option("--week", help="ISO week the bulletin belongs to, e.g. 2024-W10.")
@click.option("--author", help="Who wrote it.")
@click.option(
    "--priority",
    type=click.Choice(PRIORITIES),
    default="normal",
    show_default=True,
    help="normal: in its slots; priority: first in the next slot; emergency: aired at once by air-now.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the added scripts as JSON.")
@click.pass_context
def scripts_add(ctx, files, title, topic, week, author, priority, as_json) -> None:  # type: ignore[no-untyped-def]
    """Add .txt, .md or .docx scripts as drafts (all or none)."""
    station = station_of(ctx)
    items = []
    for path in files:
        if not path.is_file():
            raise ScriptRejected(f"{path} does not exist.")
        items.append(
            parse_script(path.read_bytes(), path.name, title=title, topic=topic, week=week)
        )
    with station.sessions() as session:
        added = [add_script(session, item, utc_now(), author) for item in items]
        for script in added:
            script.priority = priority
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
    with station_of(ctx).sessions() as session:
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
    with station_of(ctx).sessions() as session:
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
    station = station_of(ctx)
    with station.sessions() as session:
        script = get_script(session, script_id)
        longest = max(slot.minutes for slot in load_slots(station.settings.schedules_path))
        seconds = expected_seconds(session, script, station.settings)
        script = approve_script(session, script_id, approver, utc_now(), seconds, longest)
        session.commit()
        click.echo(
            f"Script {script.id} approved by {script.approved_by}; render it with 'broadcaster render {script.id}'."
        )


@scripts.command("retire")
@click.argument("script_id", type=int)
@click.pass_context
def scripts_retire(ctx, script_id) -> None:  # type: ignore[no-untyped-def]
    """Take a script off the air for good (it leaves every future slot)."""
    with station_of(ctx).sessions() as session:
        retire_script(session, script_id)
        removed = withdraw_script(session, script_id, utc_now())
        session.commit()
    click.echo(f"Script {script_id} retired; removed from {removed} planned slot(s).")
