"""Relays through every output against a real Icecast fed by ffmpeg (tests/icecast.py): what the
receipt says was received agrees with what the output got; a stopped source is a gap, then a
retry, then the relay gives up; a cancel stops it at once; bad addresses fail in one sentence
and never show their credentials."""

from __future__ import annotations

import http.server
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from broadcaster.notes import NoteCode
from broadcaster.onair.command_output import CommandOutput
from broadcaster.onair.outputs import (
    Cancel,
    FileOutput,
    NullOutput,
    OutputError,
    Preempted,
    StopReason,
)
from broadcaster.onair.relays import relay
from broadcaster.onair.soundcard import SoundcardOutput
from broadcaster.onair.streams import GapReason, Receiver, StreamLost, shown_url
from broadcaster.sound import audio
from broadcaster.sound.audio import ffmpeg_exe
from tests.broker import free_port
from tests.icecast import Icecast

RATE = 16000


def after_received(got: Receiver, seconds: float, action: Callable[[], object]) -> None:
    """Do `action` once `got` has received `seconds` of audio (not after a wall-clock lead: on a
    busy machine the decoder may take a while to start)."""

    def wait() -> None:
        deadline = time.monotonic() + 60
        while got.receipt.received_s < seconds and time.monotonic() < deadline:
            time.sleep(0.05)
        action()

    threading.Thread(target=wait, daemon=True).start()


def receiver(url: str, **tuning: float) -> Receiver:
    return Receiver(url, RATE, ffmpeg_exe(), **tuning)  # type: ignore[arg-type]


def test_a_relay_recorded_to_the_drop_folder_holds_what_the_receipt_counts(
    icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/vov1.mp3")
    got = receiver(icecast.url("/vov1.mp3"))
    receipt = relay(FileOutput(tmp_path), got, 4.0, "relay-vov1", None)
    assert receipt.gaps == [] and receipt.connections == 1
    assert receipt.received_s > 1.0
    recorded = audio.mp3_duration(tmp_path / "relay-vov1.mp3")
    assert abs(recorded - receipt.received_s) < 0.15  # the copy is what went out


def test_a_player_command_reads_the_stream_through_a_pipe_byte_for_byte(
    icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/tinh.mp3")
    count = tmp_path / "count"
    player = CommandOutput(f"sh -c 'wc -c < {{file}} > {count}'")
    receipt = relay(player, receiver(icecast.url("/tinh.mp3")), 3.0, "relay", None)
    assert int(count.read_text()) == 44 + receipt.received_bytes  # the WAV header, then the PCM


def test_a_player_given_the_url_runs_for_the_slot_and_is_then_stopped(
    icecast: Icecast, tmp_path: Path
) -> None:
    icecast.feed("/vov1.mp3")
    heard = tmp_path / "heard.mp3"
    player = CommandOutput(
        f"sh -c 'exec {ffmpeg_exe()} -loglevel error -y -i {{url}} -c copy -flush_packets 1 {heard}'"
    )
    receipt = relay(player, receiver(icecast.url("/vov1.mp3")), 3.0, "relay", None)
    assert receipt.received_s == pytest.approx(3.0)
    assert heard.stat().st_size > 1000  # the player itself received the stream


def test_a_source_that_stops_is_a_gap_then_retries_then_the_relay_gives_up(
    icecast: Icecast,
) -> None:
    source = icecast.feed("/vov1.mp3")
    got = receiver(icecast.url("/vov1.mp3"), stall_s=2.0, retries=2, retry_pause_s=0.3)
    after_received(got, 1.0, source.kill)
    with pytest.raises(StreamLost) as lost:
        relay(NullOutput(), got, 30.0, "relay", None)
    receipt = lost.value.receipt
    assert receipt.received_s >= 1.0
    assert receipt.gaps[0].reason in (GapReason.DROPPED, GapReason.STALLED)
    assert receipt.connections >= 3  # the first, then each retry
    assert lost.value.note.code == NoteCode.STREAM_LOST


def test_a_source_that_comes_back_is_relayed_again_after_the_gap(icecast: Icecast) -> None:
    source = icecast.feed("/vov1.mp3")
    got = receiver(icecast.url("/vov1.mp3"), stall_s=2.0, retries=10, retry_pause_s=0.3)

    def stop_then_come_back() -> None:
        source.kill()
        time.sleep(1.5)  # the gap: at least this long, however busy the machine
        icecast.feed("/vov1.mp3")

    after_received(got, 1.0, stop_then_come_back)
    receipt = relay(NullOutput(), got, 12.0, "relay", None)
    assert len(receipt.gaps) >= 1
    assert receipt.gaps[0].seconds > 0.5
    assert receipt.connections >= 2


def test_a_cancel_stops_the_relay_and_its_decoder(icecast: Icecast) -> None:
    icecast.feed("/vov1.mp3")
    players: list[int | None] = []
    cancel = Cancel(on_player=players.append)
    got = receiver(icecast.url("/vov1.mp3"))
    after_received(got, 0.5, lambda: cancel.stop(StopReason.EMERGENCY))
    with pytest.raises(Preempted):
        relay(NullOutput(), got, 30.0, "relay", cancel)
    assert got.receipt.received_s >= 0.5
    decoder = players[0]
    assert decoder is not None and players[-1] is None  # recorded, then released
    with pytest.raises(ProcessLookupError):
        os.kill(decoder, 0)


def test_an_unreachable_address_gives_up_in_one_sentence_without_its_password() -> None:
    url = f"http://relay:very-secret@127.0.0.1:{free_port()}/vov1.mp3"
    got = receiver(url, retries=2, retry_pause_s=0.1)
    with pytest.raises(StreamLost) as lost:
        relay(NullOutput(), got, 10.0, "relay", None)
    said = lost.value.note.english()
    assert "very-secret" not in said and "relay:" not in said
    assert "refused" in said.lower()
    assert all(gap.reason == GapReason.UNREACHABLE for gap in lost.value.receipt.gaps)


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


def test_a_web_page_is_not_a_stream() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        got = receiver(
            f"http://127.0.0.1:{server.server_address[1]}/", retries=2, retry_pause_s=0.1
        )
        with pytest.raises(StreamLost) as lost:
            relay(NullOutput(), got, 10.0, "relay", None)
        assert got.receipt.received_bytes == 0
        assert "no audio" in lost.value.note.english()
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "icecast://127.0.0.1/x", "http:///nohost", "vov1"]
)
def test_an_address_a_relay_cannot_open_is_refused_at_once(url: str) -> None:
    with pytest.raises(OutputError) as refused:
        receiver(url)
    assert refused.value.note.code == NoteCode.STREAM_URL_BAD


def test_shown_url_keeps_no_credentials() -> None:
    assert (
        shown_url("https://u:p@vov.vn:8000/live.m3u8?token=abc&q=1")
        == "https://vov.vn:8000/live.m3u8?token=%E2%80%A6&q=1"
    )


def test_the_sound_card_plays_a_relay(icecast: Icecast) -> None:
    """miniaudio's null backend stands for the card: the same path as a real one."""
    icecast.feed("/vov1.mp3")
    receipt = relay(
        SoundcardOutput(backend="null"), receiver(icecast.url("/vov1.mp3")), 3.0, "relay", None
    )
    assert receipt.received_s > 1.0 and receipt.gaps == []


def test_a_decoder_complaint_naming_the_address_loses_its_password() -> None:
    """Other ffmpeg builds end with 'Error opening input file http://user:pass@…': kept without it."""
    import tempfile

    got = receiver("http://relay:very-secret@vov.example:8000/live?token=t0k")
    for said in ("Error opening input file http://relay:very-secret@vov.example:8000/live?token=t0k.",
                 "[http @ 0x1] HTTP error 401 for http://relay:very-secret@vov.example:8000/x"):  # fmt: skip
        errors = tempfile.TemporaryFile()
        errors.write(said.encode())
        got._complaint(errors)
        assert "very-secret" not in got.last_error and "t0k" not in got.last_error
        assert "vov.example:8000" in got.last_error
