"""Outputs: sound card (miniaudio's null backend stands in for a speaker), commands, folders, hooks."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from broadcaster import audio
from broadcaster.outputs import (
    CommandOutput,
    FileOutput,
    HookedOutput,
    NullOutput,
    OutputError,
    Preempted,
    SoundcardOutput,
    default_output,
    list_sound_devices,
    make_output,
)  # fmt: skip
from broadcaster.voices.espeak import EspeakEngine


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> tuple[Path, float]:  # type: ignore[no-untyped-def]
    """A real two-second MP3 of speech."""
    speech = EspeakEngine().synthesise("Xin chào bà con thị trấn.")
    path = tmp_path_factory.mktemp("clip") / "clip.mp3"
    audio.encode_mp3(speech.pcm, speech.sample_rate, path, bitrate="64k", out_rate=44100, tags={})
    return path, audio.mp3_duration(path)


def test_sound_devices_are_listed() -> None:
    (device,) = list_sound_devices("null")
    assert device.name == "NULL Playback Device" and device.backend == "null"


def test_soundcard_plays_in_real_time_through_the_null_device(clip) -> None:  # type: ignore[no-untyped-def]
    path, duration = clip
    started = time.monotonic()
    SoundcardOutput(backend="null").play(path, "clip", duration)
    elapsed = time.monotonic() - started
    assert duration - 0.3 <= elapsed <= duration + 2.0


def test_soundcard_stops_for_an_emergency(clip) -> None:  # type: ignore[no-untyped-def]
    path, duration = clip
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    started = time.monotonic()
    with pytest.raises(Preempted):
        SoundcardOutput(backend="null").play(path, "clip", duration, cancel)
    assert time.monotonic() - started < duration


def test_soundcard_names_the_devices_when_the_one_asked_for_is_missing(clip) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(
        OutputError,
        match="No sound card named 'Loa phường'; this machine has: NULL Playback Device.",
    ):
        SoundcardOutput("Loa phường", backend="null").play(clip[0], "clip", clip[1])
    with pytest.raises(OutputError, match="Sound backend 'bluetooth' is not one of"):
        SoundcardOutput(backend="bluetooth").play(clip[0], "clip", clip[1])


def test_soundcard_refuses_a_file_that_is_not_audio(tmp_path: Path) -> None:
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all" * 100)
    with pytest.raises(OutputError, match="could not play bad.mp3"):
        SoundcardOutput(backend="null").play(bad, "bad", 1.0)


def test_a_missing_drop_folder_fails_clearly(clip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OutputError, match="does not exist"):
        FileOutput(tmp_path / "usb-stick").play(clip[0], "x", clip[1])


def test_a_drop_folder_that_cannot_be_written_fails_clearly(clip) -> None:  # type: ignore[no-untyped-def]
    # /proc refuses new files even to root, as a full or read-only stick would.
    with pytest.raises(OutputError, match="Could not copy the audio to /proc"):
        FileOutput(Path("/proc")).play(clip[0], "x", clip[1])


def test_a_hanging_player_is_stopped_after_the_audio_length_plus_the_margin(
    clip, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    from broadcaster import outputs

    monkeypatch.setattr(outputs, "COMMAND_MARGIN_SECONDS", 0.5)
    started = time.monotonic()
    with pytest.raises(OutputError, match="did not finish within"):
        CommandOutput("sh -c 'sleep 60' {file}").play(clip[0], "x", 0.5)
    assert time.monotonic() - started < 5


def test_a_noisy_player_does_not_block(clip) -> None:  # type: ignore[no-untyped-def]
    # ffplay writes progress to stderr all the time; a full pipe must not stall playback.
    CommandOutput("sh -c 'head -c 300000 /dev/zero >&2' {file}").play(clip[0], "x", clip[1])


def test_before_and_after_commands_switch_the_amplifier(clip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "relay.log"
    output = HookedOutput(
        CommandOutput(f"sh -c 'echo play >> {log}'"),
        f"sh -c 'echo on >> {log}'",
        f"sh -c 'echo off >> {log}'",
    )
    output.play(clip[0], "x", clip[1])
    assert log.read_text().split() == ["on", "play", "off"]


def test_a_failing_before_command_means_nothing_plays(clip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    played = tmp_path / "played"
    output = HookedOutput(CommandOutput(f"touch {played}"), "false", None)
    with pytest.raises(OutputError, match="The before command 'false' exited with code 1"):
        output.play(clip[0], "x", clip[1])
    assert not played.exists()


def test_a_failing_after_command_is_reported(clip) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OutputError, match="after command 'false'.*The bulletin itself played"):
        HookedOutput(NullOutput(), None, "false").play(clip[0], "x", clip[1])


def test_output_specs(tmp_path: Path) -> None:
    assert make_output("null", tmp_path).description == "null"
    assert make_output("file:drop", tmp_path).description == f"file:{tmp_path / 'drop'}"
    assert make_output("soundcard:USB", tmp_path).description == "soundcard:USB"
    assert isinstance(make_output("null", tmp_path, before="true"), HookedOutput)
    assert default_output("auto", tmp_path, "null") == "soundcard"
    assert default_output("file:x", tmp_path) == "file:x"
    with pytest.raises(OutputError, match="is not one of soundcard"):
        make_output("speaker", tmp_path)
