"""The listener's snapshot: what a script sounded like, copied into its airing row when the
row opens, so the evidence still says what was heard after the script is edited or retired."""

from __future__ import annotations

from broadcaster.store.db import Rendering, Script


def snapshot(script: Script, rendering: Rendering) -> dict[str, object]:
    """What the listener hears of a script, copied into its airing row when the row opens."""
    return {
        "script_id": script.id,
        "title": script.title,
        "topic": script.topic.value if script.topic else None,
        "kind": script.kind.value,
        "text_sha256": script.content_hash,
        "author": script.author,
        "approved_by": script.approved_by,
        "approved_at": script.approved_at,
        "rendering_id": rendering.id,
        "audio_sha256": rendering.sha256,
        "duration_s": rendering.duration_s,
        "voice": f"{rendering.engine}:{rendering.voice}",
    }
