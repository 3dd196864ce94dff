"""The offline voice: espeak-ng (libespeak-ng from the espeakng-loader wheel) through ctypes."""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path

from broadcaster.sound.voices import EngineUnavailable, Speech

_AUDIO_OUTPUT_SYNCHRONOUS = 0x02
_ESPEAK_RATE = 1
_ESPEAK_PITCH = 3
_ESPEAK_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
)

# libespeak-ng keeps global state and is not thread-safe: one library per process,
# every call made while holding this lock (the web server is threaded).
_LOCK = threading.Lock()
_library: "_Library | None" = None


class _Library:
    """The loaded libespeak-ng with its synth callback collecting samples."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise EngineUnavailable(
                "espeak-ng is not installed (package espeakng-loader)."
            ) from exc
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]  # fmt: skip
        data_parent = os.path.dirname(espeakng_loader.get_data_path())
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_parent.encode(), 0)
        if rate <= 0:
            raise EngineUnavailable(f"espeak-ng did not start (data in {data_parent}).")
        self.lib = lib
        self.sample_rate = rate
        self.chunks: list[bytes] = []
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept alive with the library
        lib.espeak_SetSynthCallback(self._callback)

    def _collect(
        self, wav: ctypes._Pointer[ctypes.c_short], count: int, _events: int | None
    ) -> int:
        if count > 0 and wav:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        return 0


def _get_library() -> _Library:
    global _library
    if _library is None:
        _library = _Library()
    return _library


def list_voices() -> list[str]:
    """The Vietnamese voice names shipped with the library's data."""
    import espeakng_loader

    lang_dir = Path(espeakng_loader.get_data_path()) / "lang"
    return sorted(p.name for p in lang_dir.rglob("vi*") if p.is_file())


class EspeakEngine:
    """espeak-ng speaking Vietnamese offline."""

    name = "espeak"

    def __init__(self, voice: str = "vi", rate: int = 150, pitch: int = 50) -> None:
        self.voice = voice
        self.rate = rate
        self.pitch = pitch

    def start_bulletin(self) -> None:
        """Nothing to reset: the offline voice has no per-bulletin limit."""

    def synthesise(self, text: str) -> Speech:
        """Speak one sentence with espeak-ng."""
        data = text.encode("utf-8")
        with _LOCK:
            library = _get_library()
            if library.lib.espeak_SetVoiceByName(self.voice.encode()) != 0:
                raise EngineUnavailable(f"espeak-ng has no voice named '{self.voice}'.")
            library.lib.espeak_SetParameter(_ESPEAK_RATE, self.rate, 0)
            library.lib.espeak_SetParameter(_ESPEAK_PITCH, self.pitch, 0)
            library.chunks = []
            result = library.lib.espeak_Synth(
                data, len(data) + 1, 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None
            )
            pcm = b"".join(library.chunks)
            library.chunks = []
        if result != 0:
            raise EngineUnavailable(f"espeak-ng failed with code {result}.")
        return Speech(pcm=pcm, sample_rate=library.sample_rate)
