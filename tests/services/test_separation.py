"""Separation of duties (issue 23): whoever supplied the words or the voice is an author, and
an author does not approve (unless the town allows self-approval)."""

from __future__ import annotations

import pytest

from broadcaster.enums import Status
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import scripts as service
from broadcaster.services.context import Context
from broadcaster.services.station import Station
from broadcaster.store.db import Rendering
from broadcaster.store.renderings import RECORDING_ENGINE
from tests.conftest import FIXED_NOW, LEADER
from tests.helpers import add_draft


def _record(station: Station, script_id: int, maker: str) -> None:
    """`maker` gives the script a recording, as the recording page does."""
    with station.sessions() as session:
        ctx = Context(station.settings, session, lambda: FIXED_NOW, actor=maker)
        script = service.get_script(ctx, script_id)
        rendering = Rendering(
            script_id=script_id, content_hash=script.content_hash, cache_key="rec",
            engine=RECORDING_ENGINE, voice=maker[:40], spoken_text=script.body,
            audio_path="rec.mp3", duration_s=20.0, sha256="ab" * 32, created_at=FIXED_NOW,
        )  # fmt: skip
        service.attach_recording(ctx, script, rendering)


def _approve(station: Station, script_id: int) -> None:
    with station.sessions() as session:
        ctx = Context(station.settings, session, lambda: FIXED_NOW, actor=LEADER)
        seen = service.version_hash(service.get_script(ctx, script_id))
        service.approve_script(ctx, script_id, LEADER, seen_hash=seen)


def test_a_leader_who_recorded_an_officers_draft_cannot_approve_it(station: Station) -> None:
    script_id = add_draft(station, FIXED_NOW, "Thông báo lịch tiêm chủng tháng ba.")
    _record(station, script_id, LEADER)
    with pytest.raises(BroadcasterError) as refused:
        _approve(station, script_id)
    assert refused.value.code == Code.SELF_APPROVAL


def test_a_leader_approves_a_draft_another_person_recorded(station: Station) -> None:
    script_id = add_draft(station, FIXED_NOW, "Thông báo lịch tiêm chủng tháng tư.")
    _record(station, script_id, "vhxh")
    _approve(station, script_id)
    with station.sessions() as session:
        ctx = Context(station.settings, session, lambda: FIXED_NOW)
        assert service.get_script(ctx, script_id).status == Status.APPROVED
