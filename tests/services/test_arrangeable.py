"""What a slot can be arranged with: approved bulletins with audio for their current words, read
in one query (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from broadcaster.services import planning, scripts
from broadcaster.store.db import Script
from broadcaster.store.renderings import current_rendering
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, approved_rendered, render_shared, services

pytestmark = pytest.mark.both_databases


def test_only_approved_bulletins_with_audio_of_their_current_words(station) -> None:  # type: ignore[no-untyped-def]
    ready = approved_rendered(station, FIXED_NOW, "Lịch tiếp công dân tháng ba.", title="B tin")
    changed = approved_rendered(station, FIXED_NOW, "Lịch tiêm chủng cũ.", title="A tin")
    draft = add_draft(station, FIXED_NOW, "Bản nháp có âm thanh.", title="C tin")
    with services(station, FIXED_NOW) as ctx:
        render_shared(ctx, draft)
        # New words, approved again, not rendered again: its audio says the old words.
        scripts.edit_script(ctx, changed, "Lịch tiêm chủng mới.", "A tin")
        scripts.approve_script(ctx, changed, "Chủ tịch")
        ctx.session.commit()
        found = planning.arrangeable(ctx)
        audio = current_rendering(ctx.session, ctx.session.get_one(Script, ready))
    assert audio is not None
    assert [(a.script_id, a.title, a.duration_s, a.emergency) for a in found] == [
        (ready, "B tin", audio.duration_s, False)
    ]
