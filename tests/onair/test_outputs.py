"""Outputs: sound card (miniaudio's null backend stands in for a speaker), commands, folders, hooks."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from broadcaster.onair.command_output import CommandOutput, HookedOutput, run_until_done
from broadcaster.onair.output_spec import default_output, make_output
from broadcaster.onair.outputs import FileOutput, NullOutput, OutputError, Preempted, warm_up
from broadcaster.onair.soundcard import SoundcardOutput, list_sound_devices
from broadcaster.sound import audio
from broadcaster.sound.voices.espeak import EspeakEngine


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


WARM = (
    "import sys\n"
    "from broadcaster.onair.soundcard import SoundcardOutput\n"
    "output = SoundcardOutput('NULL', backend='null')\n"
    "print('miniaudio' in sys.modules)\n"
    "output.warm()\n"
    "print('miniaudio' in sys.modules)\n"
)


def test_warming_the_soundcard_loads_its_library_before_the_slot() -> None:
    """The daemon's prepare step warms the player: the quarter second miniaudio takes to load
    is spent then, not between the slot's time and its first sample."""
    done = subprocess.run([sys.executable, "-c", WARM], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "True"]


def test_a_warmed_soundcard_plays_and_a_missing_one_is_named_ahead(clip) -> None:  # type: ignore[no-untyped-def]
    path, duration = clip
    output = SoundcardOutput("NULL Playback", backend="null")
    warm_up(output)
    output.play(path, "clip", duration)  # on the device found ahead
    output.play(path, "clip", duration)  # and on one found again at play time
    missing = HookedOutput(SoundcardOutput("Loa phường", backend="null"), None, None)
    with pytest.raises(OutputError, match="No sound card named 'Loa phường'"):
        warm_up(missing)  # through the amplifier's hooks, before any slot
    warm_up(NullOutput())  # nothing to make ready


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
    from broadcaster.onair import command_output

    monkeypatch.setattr(command_output, "COMMAND_MARGIN_SECONDS", 0.5)
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


def test_a_failing_after_command_is_a_note_not_a_failure(clip) -> None:  # type: ignore[no-untyped-def]
    """The bulletin played: a failing after-hook must not make it count as failed (and replay)."""
    note = HookedOutput(NullOutput(), None, "false").play(clip[0], "x", clip[1])
    assert note is not None
    assert "after command 'false'" in note.english() and "itself played" in note.english()
    assert "Bản tin vẫn đã phát" in note.vietnamese()


def test_a_failing_after_command_never_hides_the_players_own_error(clip) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OutputError, match="player command exited with code 1"):
        HookedOutput(CommandOutput("false"), None, "false").play(clip[0], "x", clip[1])


def test_a_player_and_everything_it_started_die_with_a_timeout(tmp_path: Path) -> None:
    """A player that hangs is killed as a group: the grandchild it started goes too."""
    pid_file = tmp_path / "child.pid"
    with pytest.raises(OutputError, match="did not finish within"):
        run_until_done(["sh", "-c", f"sleep 60 & echo $! > {pid_file}; wait"], 0.5, None)
    wait_until(lambda: not _alive(int(pid_file.read_text())))


def test_a_player_dies_with_the_process_that_started_it(tmp_path: Path) -> None:
    """kill -9 of the daemon silences the loudspeaker: the player gets SIGKILL with it."""
    import os
    import subprocess
    import sys

    pid_file = tmp_path / "player.pid"
    starter = (
        "import sys, threading; from broadcaster.onair.command_output import run_until_done; "
        f"run_until_done(['sh', '-c', 'echo $$ > {pid_file}; sleep 60'], 120, None)"
    )
    daemon = subprocess.Popen([sys.executable, "-c", starter])
    try:
        wait_until(lambda: pid_file.exists() and pid_file.read_text().strip())
        player = int(pid_file.read_text())
        daemon.kill()
        daemon.wait()
        wait_until(lambda: not _alive(player))
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        if pid_file.exists() and _alive(int(pid_file.read_text() or 0)):
            os.kill(int(pid_file.read_text()), 9)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie is dead, only not yet reaped
        return stat.read().split()[2] != "Z"


def wait_until(condition, limit: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    import time

    deadline = time.monotonic() + limit
    while not condition():
        assert time.monotonic() < deadline, "gave up waiting"
        time.sleep(0.05)


def test_output_specs(tmp_path: Path) -> None:
    assert make_output("null", tmp_path).description == "null"
    assert make_output("file:drop", tmp_path).description == f"file:{tmp_path / 'drop'}"
    assert make_output("soundcard:USB", tmp_path).description == "soundcard:USB"
    assert isinstance(make_output("null", tmp_path, before="true"), HookedOutput)
    # miniaudio's null device ("Discard all samples") is not a sound card: nothing would sound.
    assert default_output("auto", tmp_path, "null") == "file:var/aired"
    devices = list_sound_devices()
    expected = "soundcard" if any(d.real for d in devices) else "file:var/aired"
    assert default_output("auto", tmp_path) == expected
    assert default_output("file:x", tmp_path) == "file:x"
    with pytest.raises(OutputError, match="is not one of soundcard"):
        make_output("speaker", tmp_path)


def test_a_player_that_fails_inside_a_pipeline_fails_the_airing(clip) -> None:  # type: ignore[no-untyped-def]
    """`sh -c "player | cat"`: the shell's own exit code is cat's (0); with pipefail it is not."""
    with pytest.raises(OutputError) as failed:
        CommandOutput("sh -c 'exit 3 | cat' {file}").play(clip[0], "x", clip[1])
    assert failed.value.note.data["exit_code"] == 3


def test_a_player_under_its_guard_reports_its_own_exit_code(clip) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(OutputError) as failed:
        CommandOutput("sh -c 'exit 7' {file}").play(clip[0], "x", clip[1])
    assert failed.value.note.data["exit_code"] == 7
    CommandOutput("true").play(clip[0], "x", clip[1])  # and 0 is aired
