"""`broadcaster normalize | render | bench | serve`: the tools around the pipeline."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import BinaryIO

import click

from broadcaster.cli.base import (
    ID_COMMAND,
    existing_file,
    services_of,
    settings_of,
    station_of,
)
from broadcaster.services import audio as audio_service
from broadcaster.services import reading
from broadcaster.services.audio import ENGINE_CHOICES, RenderResult


@click.command()
@click.argument("source", default="-")
@click.option(
    "--explain", is_flag=True, help="Also list every replacement and the rule that made it."
)
@click.pass_context
def normalize(ctx: click.Context, source: str, explain: bool) -> None:
    """Print a script exactly as the voice will read it (FILE or - for stdin)."""
    settings = settings_of(ctx)
    reading.normaliser(settings)  # a bad dictionary file is reported before stdin is read
    stream: BinaryIO = click.get_binary_stream("stdin")
    data = stream.read() if source == "-" else existing_file(Path(source)).read_bytes()
    name = "standard input" if source == "-" else source
    spoken = reading.spoken_file(settings, data, name, explain=explain)
    click.echo(spoken.text)
    if explain:
        click.echo("\nChanges (rule: written -> spoken):")
        for change in spoken.changes:
            click.echo(f"  {change.rule}: {change.before!r} -> {change.after!r}")
        if not spoken.changes:
            click.echo("  none")
    if spoken.unsayable:
        click.echo(
            f"\nCharacters the voice cannot say (left out): {' '.join(spoken.unsayable)}. "
            "Write them out in words if they matter.",
            err=True,
        )
    if spoken.unknown:
        click.echo(
            f"\nSpelled letter by letter (not in the dictionary): {', '.join(spoken.unknown)}. "
            "Add them to your abbreviations file to have them read as words.",
            err=True,
        )


@click.command(context_settings=ID_COMMAND)
@click.argument("script_ids", nargs=-1, type=int)
@click.option("--all", "render_all", is_flag=True, help="Render every approved script.")
@click.option(
    "--engine", type=click.Choice(ENGINE_CHOICES), help="Voice engine (default from config)."
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_context
def render(
    ctx: click.Context,
    script_ids: tuple[int, ...],
    render_all: bool,
    engine: str | None,
    as_json: bool,
) -> None:
    """Render scripts to broadcast MP3 (cached: unchanged text does no work)."""
    if not script_ids and not render_all:
        raise click.UsageError("Give script ids or --all.")

    def said(result: RenderResult) -> None:
        if not as_json:
            state = "cached" if result.cached else "rendered"
            click.echo(
                f"Script {result.script_id}: {state} with {result.engine} ({result.voice}), "
                f"{result.duration_s:.1f} s -> {result.audio_path}"
            )

    with services_of(ctx) as services:
        results = audio_service.render_scripts(services, script_ids, engine, said)
    if as_json:
        click.echo(
            json.dumps([asdict(r) | {"audio_path": str(r.audio_path)} for r in results], indent=2)
        )
    elif not results:
        click.echo("No approved scripts to render.")


@click.command()
@click.option("--host", help="Address to listen on (default from config).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default from config).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the web page for officers, leaders and the Office."""
    import waitress

    from broadcaster.web import create_app, open_files_for_connections, waitress_options

    station = station_of(ctx)
    settings = station.settings
    app = create_app(settings)
    host, port = host or settings.web_host, port or settings.web_port
    click.echo(f"Web page on http://{host}:{port}/ (Ctrl+C to stop).")
    open_files_for_connections()
    waitress.serve(app, host=host, port=port, **waitress_options())
