"""The machine's sound card as an output, through miniaudio (which decodes the MP3 itself).

miniaudio is imported where it is used: a station that airs through a command or a folder, and
the agent on a small board, never load it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from broadcaster.notes import Note, NoteCode, note
from broadcaster.onair.outputs import COMMAND_MARGIN_SECONDS, OutputError, Preempted

SAMPLE_RATE = 44100
WARM_FOR_SECONDS = 60.0  # a device found by `warm` longer ago than this is looked up again


@dataclass(frozen=True)
class SoundDevice:
    """A playback device the machine offers."""

    name: str
    backend: str

    @property
    def real(self) -> bool:
        """Not miniaudio's null device, which discards every sample ("Discard all samples…")."""
        return self.backend != "null" and not self.name.startswith("Discard all samples")


def _backends(backend: str | None) -> list[Any] | None:
    import miniaudio

    if not backend:
        return None
    try:
        return [miniaudio.Backend[backend.upper()]]
    except KeyError as exc:
        names = ", ".join(b.name.lower() for b in miniaudio.Backend)
        raise OutputError(
            note(NoteCode.SOUND_BACKEND_UNKNOWN, backend=backend, names=names)
        ) from exc


def list_sound_devices(backend: str | None = None) -> list[SoundDevice]:
    """Playback devices found by miniaudio (the default backend, or the one named)."""
    import miniaudio

    try:
        devices = miniaudio.Devices(backends=_backends(backend))
        return [
            SoundDevice(d["name"], str(devices.backend).lower()) for d in devices.get_playbacks()
        ]
    except miniaudio.MiniaudioError as exc:
        raise OutputError(note(NoteCode.SOUND_SYSTEM, detail=str(exc))) from exc


class SoundcardOutput:
    """Plays through the machine's sound card with miniaudio (decodes the MP3 itself)."""

    def __init__(self, device: str | None = None, backend: str | None = None) -> None:
        self.device = device
        self.backend = backend
        self.description = f"soundcard:{device or 'default'}"
        # The device found by `warm` and when (monotonic seconds): a slot's play uses it while
        # fresh instead of loading miniaudio and listing the devices at the slot's time.
        self._warmed: tuple[object, float] | None = None
        # Called once when the device takes a bulletin's first samples (`bench punctuality`).
        self.on_sound: Callable[[], object] | None = None

    def warm(self) -> None:
        """Load miniaudio and find the device now, ahead of a slot (the daemon's prepare step,
        every few seconds): loading miniaudio takes about a quarter of a second the first time,
        which the slot's first sample would otherwise wait for. A missing card raises here
        (the daemon logs it; the slot's play raises it again as its outcome)."""
        warmed = self._warmed
        if warmed is not None and time.monotonic() - warmed[1] < WARM_FOR_SECONDS / 2:
            return  # found lately: the devices are not listed again every few seconds
        self._warmed = None
        self._warmed = (self._device_id(_backends(self.backend)), time.monotonic())

    def _device_id(self, backends: list[Any] | None) -> object:
        import miniaudio

        playbacks = miniaudio.Devices(backends=backends).get_playbacks()
        if not playbacks:
            raise OutputError(note(NoteCode.NO_SOUND_CARD))
        if not self.device:
            return None
        for found in playbacks:
            if self.device.lower() in found["name"].lower():
                return found["id"]
        names = "; ".join(d["name"] for d in playbacks)
        raise OutputError(note(NoteCode.SOUND_CARD_MISSING, device=self.device, names=names))

    def _first_samples_noted(self) -> Callable[[Any], Any]:
        """A pass-through of the frames that calls `on_sound` as the first ones go out."""
        sounded = threading.Event()

        def frames(frame: Any) -> Any:
            if not sounded.is_set() and self.on_sound is not None:
                sounded.set()
                self.on_sound()
            return frame

        return frames

    def play(
        self, audio: Path, label: str, duration_s: float, cancel: threading.Event | None = None
    ) -> Note | None:
        """Stream the file to the device; wait until the last sample has been handed over."""
        import miniaudio

        backends = _backends(self.backend)
        warmed, self._warmed = self._warmed, None  # used once; the next prepare finds it anew
        try:
            if warmed is not None and time.monotonic() - warmed[1] < WARM_FOR_SECONDS:
                device_id = warmed[0]
            else:
                device_id = self._device_id(backends)
            done = threading.Event()
            stream = miniaudio.stream_with_callbacks(
                miniaudio.stream_file(str(audio), nchannels=1, sample_rate=SAMPLE_RATE),
                frame_process_method=self._first_samples_noted() if self.on_sound else None,
                end_callback=done.set,
            )
            next(stream)
            with miniaudio.PlaybackDevice(
                nchannels=1, sample_rate=SAMPLE_RATE, device_id=device_id, backends=backends,
                app_name="broadcaster",
            ) as device:  # fmt: skip
                device.start(stream)
                deadline = time.monotonic() + duration_s + COMMAND_MARGIN_SECONDS
                while not done.wait(0.05):
                    if cancel is not None and cancel.is_set():
                        raise Preempted("Stopped for an emergency bulletin.")
                    if time.monotonic() > deadline:
                        raise OutputError(note(NoteCode.SOUND_CARD_STALLED))
        except (miniaudio.MiniaudioError, miniaudio.DecodeError) as exc:
            raise OutputError(
                note(NoteCode.SOUND_CARD_FAILED, file=audio.name, detail=str(exc))
            ) from exc
        return None


class PcmBuffer:
    """Blocks of 16-bit mono PCM between the relay's receiver and the sound card's callback; the
    card gets silence while it is empty (a gap in the stream), and the receiver waits while it is
    full (it never runs ahead of the card by more than `limit_s`)."""

    def __init__(self, rate: int, limit_s: float = 5.0) -> None:
        self.data = bytearray()
        self.limit = int(limit_s * rate) * 2
        self.room = threading.Condition()

    def put(self, block: bytes, cancel: threading.Event | None) -> None:
        with self.room:
            while len(self.data) >= self.limit:
                if cancel is not None and cancel.is_set():
                    raise Preempted("The relay was stopped.")
                self.room.wait(0.05)
            self.data += block

    def take(self, size: int) -> bytes:
        with self.room:
            chunk = bytes(self.data[:size])
            del self.data[:size]
            self.room.notify()
        return chunk + bytes(size - len(chunk))  # silence for what has not come


def play_pcm(
    output: SoundcardOutput, receiver: Any, seconds: float, cancel: threading.Event | None
) -> Any:
    """Play the stream of `receiver` (streams.Receiver) on the card for `seconds`."""
    import miniaudio

    rate = receiver.receipt.rate
    buffer = PcmBuffer(rate)

    def feed() -> Any:
        frames = yield b""
        while True:
            frames = yield buffer.take(frames * 2)

    backends = _backends(output.backend)
    try:
        source = feed()
        next(source)
        with miniaudio.PlaybackDevice(
            nchannels=1, sample_rate=rate, device_id=output._device_id(backends), backends=backends,
            app_name="broadcaster",
        ) as device:  # fmt: skip
            device.start(source)
            return receiver.run(seconds, lambda block: buffer.put(block, cancel), cancel)
    except miniaudio.MiniaudioError as exc:
        raise OutputError(note(NoteCode.SOUND_CARD_FAILED, file="stream", detail=str(exc))) from exc
