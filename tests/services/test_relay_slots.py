"""Relay slots (tiếp sóng) through the slot service, against a real Icecast fed by ffmpeg: the
address is looked at when it is added (unreachable, not audio: one sentence, nothing changed), a
password in it is kept for connecting but never shown, and the files carry relays both ways."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from broadcaster.enums import SlotKind
from broadcaster.errors import BroadcasterError, Code
from broadcaster.services import slots
from broadcaster.services.slots import SlotInput
from broadcaster.services.station import Station
from broadcaster.store.db import AuditEvent
from broadcaster.store.db import Slot as SlotRow
from tests.conftest import FIXED_NOW, LEADER, db_snapshot
from tests.helpers import services
from tests.icecast import Icecast, make_tone


def relay_input(url: str, **more: object) -> SlotInput:
    fields: dict[str, object] = {
        "name": "VOV trưa", "start": "11:00", "minutes": 30, "days": ["mon", "tue"],
        "kind": "relay", "url": url,
    }  # fmt: skip
    return SlotInput(**(fields | more))  # type: ignore[arg-type]


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        body = b"<html><body>Trang web, khong phai luong am thanh</body></html>" * 50
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def web_page() -> Iterator[str]:
    """The address of a web page that is no stream."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/vov1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_relay_with_a_password_is_kept_whole_and_shown_without_it(
    station: Station, icecast: Icecast
) -> None:
    icecast.feed("/vov1.mp3")
    secret = icecast.url("/vov1.mp3").replace("http://", "http://tram:mat-khau-bi-mat@")
    with services(station, FIXED_NOW) as ctx:
        added = slots.add_slot(ctx, LEADER, relay_input(secret))
        assert (added.slot.kind, added.slot.url) == (SlotKind.RELAY, secret)
        stored = ctx.session.scalar(select(SlotRow.stream_url).where(SlotRow.name == "VOV trưa"))
        trail = ctx.session.scalars(select(AuditEvent)).all()
    assert stored == secret  # the daemon needs it to connect
    assert slots.shown_url(secret) == icecast.url("/vov1.mp3")
    assert not any("mat-khau" in f"{e.target} {e.detail}" for e in trail)


def test_a_web_page_is_refused_as_no_audio(station: Station, web_page: str) -> None:
    before = db_snapshot(station.settings.db_url)
    with services(station, FIXED_NOW) as ctx, pytest.raises(BroadcasterError) as caught:
        slots.add_slot(ctx, LEADER, relay_input(web_page))
    assert caught.value.code == Code.SLOT_URL_NOT_AUDIO
    assert str(caught.value) == f"The address {web_page} answered, but with no audio stream."
    assert db_snapshot(station.settings.db_url) == before


def test_a_fallback_that_is_not_audio_is_refused(
    station: Station, icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/vov1.mp3")
    text = tmp_path / "nhac.mp3"
    text.write_text("không phải âm thanh")
    before = db_snapshot(station.settings.db_url)
    with services(station, FIXED_NOW) as ctx, pytest.raises(BroadcasterError) as caught:
        slots.add_slot(ctx, LEADER, relay_input(icecast.url("/vov1.mp3"), fallback=str(text)))
    assert caught.value.code == Code.SLOT_FALLBACK_INVALID
    assert db_snapshot(station.settings.db_url) == before


def test_a_change_that_keeps_the_address_does_not_look_at_the_stream_again(
    station: Station, icecast: Icecast
) -> None:
    source = icecast.feed("/vov1.mp3")
    url = icecast.url("/vov1.mp3")
    with services(station, FIXED_NOW) as ctx:
        added = slots.add_slot(ctx, LEADER, relay_input(url))
    icecast.stop_sources()  # the upper station is down: a rename is still allowed
    source.wait()
    with services(station, FIXED_NOW) as ctx:
        changed = slots.change_slot(
            ctx, LEADER, added.id, added.version, relay_input(url, name="VOV buổi trưa")
        )
        assert changed.slot.url == url
        with pytest.raises(BroadcasterError) as caught:  # a new address is looked at
            slots.change_slot(
                ctx, LEADER, added.id, changed.version, relay_input(url + "x", name="VOV")
            )
    assert caught.value.code == Code.SLOT_URL_UNREACHABLE


def test_export_and_import_carry_a_relay(
    station: Station, icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/vov1.mp3")
    music = make_tone(tmp_path / "nhac.mp3")
    given = relay_input(icecast.url("/vov1.mp3"), fallback=str(music))
    with services(station, FIXED_NOW) as ctx:
        slots.add_slot(ctx, LEADER, given)
        kept = [record.slot for record in slots.list_slots(ctx)]
        folder = tmp_path / "out"
        folder.mkdir()
        slots.export_slots(ctx, folder / "slots.toml")
        slots.delete_slot(ctx, LEADER, "VOV trưa", slots.find_slot(ctx, "VOV trưa").version)
        slots.import_slots(ctx, LEADER, folder)
        assert [record.slot for record in slots.list_slots(ctx)] == kept
    relayed = next(slot for slot in kept if slot.kind == SlotKind.RELAY)
    assert (relayed.url, relayed.fallback) == (icecast.url("/vov1.mp3"), str(music))
