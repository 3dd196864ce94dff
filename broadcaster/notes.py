"""Notes: what the evidence and the status page say went wrong, kept as a code and its data.

An airing row's `error` and a problem's `message` hold a note as a small JSON object,
`{"note": CODE, ...data}`, sealed into the chain like the rest of the row. Each reader
chooses the words by the code: the CLI in English (`english`), the web page and the
Office's report files in Vietnamese (`vietnamese`). Rows written before notes had codes
hold an English sentence: the CLI shows it as it is, the page and the Office's files in
Vietnamese where `notes_older` knows it. Technical details from players and
commands (an exit code, a device name, a system error) stay as they came, inside the
sentence, for the technician.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from broadcaster.notes_older import older_vietnamese


class NoteCode(StrEnum):
    """Every kind of note, by name."""

    # Why playback stopped
    PREEMPTED = "preempted"
    DAEMON_STOPPED = "daemon_stopped"
    FENCED = "fenced"
    TAKEN_BACK = "taken_back"
    SLOT_WITHDRAWN = "slot_withdrawn"
    MISSED_TAKEN_BACK = "missed_taken_back"
    DAEMON_ENDED_DURING = "daemon_ended_during"
    DAEMON_ENDED_BEFORE_SOUND = "daemon_ended_before_sound"
    AIRED_AGAIN = "aired_again"
    # Why a slot's first bulletin started late (kept in its row, which aired)
    LATE_DAEMON_STARTED = "late_daemon_started"
    LATE_DATABASE = "late_database"
    LATE_CLOCK = "late_clock"
    LATE_BUSY = "late_busy"
    # Why a planned bulletin never aired (each also names the slot and its time)
    MISSED_NO_DAEMON = "missed_no_daemon"
    MISSED_CUT_OFF = "missed_cut_off"
    MISSED_LATE = "missed_late"
    MISSED_CLOCK_JUMPED = "missed_clock_jumped"
    MISSED_DAEMON_STOPPED = "missed_daemon_stopped"
    MISSED_SLOT_FULL = "missed_slot_full"
    MISSED_NO_AUDIO = "missed_no_audio"
    MISSED_SLOT_CHANGED = "missed_slot_changed"
    # Why the output could not play
    AUDIO_CHANGED = "audio_changed"
    AUDIO_MISSING = "audio_missing"
    DROP_FOLDER_MISSING = "drop_folder_missing"
    DROP_COPY_FAILED = "drop_copy_failed"
    COMMAND_INVALID = "command_invalid"
    COMMAND_NOT_FOUND = "command_not_found"
    COMMAND_TIMEOUT = "command_timeout"
    PLAYER_EXIT = "player_exit"
    HOOK_EXIT = "hook_exit"
    AFTER_HOOK_FAILED = "after_hook_failed"
    SOUND_BACKEND_UNKNOWN = "sound_backend_unknown"
    SOUND_SYSTEM = "sound_system"
    NO_SOUND_CARD = "no_sound_card"
    SOUND_CARD_MISSING = "sound_card_missing"
    SOUND_CARD_STALLED = "sound_card_stalled"
    SOUND_CARD_FAILED = "sound_card_failed"
    OUTPUT_UNKNOWN = "output_unknown"
    STREAM_URL_BAD = "stream_url_bad"
    STREAM_LOST = "stream_lost"
    RELAY_LOST = "relay_lost"
    RELAY_LOST_SILENT = "relay_lost_silent"
    RELAY_NOT_FOR_CLUSTERS = "relay_not_for_clusters"
    # Problems for the status page
    WITNESS_FAILED = "witness_failed"
    WITNESS_EXIT = "witness_exit"
    AUDIO_NOT_REMADE = "audio_not_remade"
    AIR_NOW_NOT_READY = "air_now_not_ready"
    JOURNAL_WRITTEN = "journal_written"
    # Loudspeaker clusters: what a cluster's row says, and problems for the status page
    CLUSTER_FROM_CACHE = "cluster_from_cache"
    CLUSTER_SAID = "cluster_said"
    CLUSTER_REPORT_REFUSED = "cluster_report_refused"
    CLUSTER_OFFLINE = "cluster_offline"
    CLUSTER_CLOCK = "cluster_clock"
    CLOCK_STEPPED = "clock_stepped"
    CLUSTER_AUDIO_MISSING = "cluster_audio_missing"
    # A date rule accepted with a warning (issue 27)
    WEEK_WITHOUT_BULLETINS = "week_without_bulletins"


_SLOT_EN = "Not aired in the slot {slot} at {at}: "
_LATE_EN = "Started {seconds} s after the slot's time: "

ENGLISH: dict[NoteCode, str] = {
    NoteCode.PREEMPTED: "Stopped for an emergency bulletin.",
    NoteCode.DAEMON_STOPPED: "The daemon was stopped during this airing.",
    NoteCode.FENCED: "Stopped at once: another daemon took this database over.",
    NoteCode.TAKEN_BACK: "Stopped: the bulletin was returned, retired or edited while on air.",
    NoteCode.SLOT_WITHDRAWN: "Stopped: its slot was paused, deleted or changed while on air.",
    NoteCode.DAEMON_ENDED_DURING: (
        "The daemon stopped during this airing; its end time is an estimate (the daemon's last "
        "sign of life)."
    ),
    NoteCode.DAEMON_ENDED_BEFORE_SOUND: (
        "The daemon stopped before this bulletin reached the speakers."
    ),
    NoteCode.AIRED_AGAIN: "Aired while the database did not answer; the entry was aired again.",
    NoteCode.MISSED_NO_DAEMON: _SLOT_EN
    + "no daemon was airing at the slot's time (this one started at {since}).",
    NoteCode.MISSED_CUT_OFF: _SLOT_EN
    + "the slot was cut off before its turn (the daemon stopped or lost the air).",
    NoteCode.MISSED_SLOT_CHANGED: _SLOT_EN
    + "the slot was changed, paused or deleted while it aired; the change applies from its "
    "next occurrence.",
    NoteCode.LATE_DAEMON_STARTED: _LATE_EN + "the daemon started at {since}.",
    NoteCode.LATE_DATABASE: _LATE_EN + "the database did not answer from {since}.",
    NoteCode.LATE_CLOCK: _LATE_EN + "the station's clock stepped at {at}.",
    NoteCode.LATE_BUSY: _LATE_EN
    + "the air was taken by another bulletin, or the machine was busy.",
    NoteCode.MISSED_LATE: _SLOT_EN + "the slot did not start within {minutes} minutes of its time.",
    NoteCode.MISSED_CLOCK_JUMPED: _SLOT_EN
    + "the station's clock jumped forward by {seconds} s at {jumped_at}, past the slot's time.",
    NoteCode.MISSED_DAEMON_STOPPED: _SLOT_EN + "the daemon was stopped during the slot.",
    NoteCode.MISSED_TAKEN_BACK: _SLOT_EN + "the bulletin was returned, retired or edited.",
    NoteCode.MISSED_SLOT_FULL: _SLOT_EN
    + "the slot ended before its turn (the bulletins before it filled the slot).",
    NoteCode.MISSED_NO_AUDIO: _SLOT_EN
    + "its audio was missing or damaged and could not be made again.",
    NoteCode.AUDIO_CHANGED: "The audio file {file} is missing or has changed since rendering.",
    NoteCode.AUDIO_MISSING: "Audio file {file} is missing.",
    NoteCode.DROP_FOLDER_MISSING: (
        "The drop folder {folder} does not exist; create it or fix the output setting."
    ),
    NoteCode.DROP_COPY_FAILED: "Could not copy the audio to {folder}: {detail}.",
    NoteCode.COMMAND_INVALID: "The player command is not a command line: {detail}.",
    NoteCode.COMMAND_NOT_FOUND: "The command '{command}' was not found.",
    NoteCode.COMMAND_TIMEOUT: "The command '{command}' did not finish within {seconds} s.",
    NoteCode.PLAYER_EXIT: "The player command exited with code {exit_code}. {detail}",
    NoteCode.HOOK_EXIT: "The {hook} command '{command}' exited with code {exit_code}.",
    NoteCode.AFTER_HOOK_FAILED: "{cause} The bulletin itself played; check the amplifier.",
    NoteCode.SOUND_BACKEND_UNKNOWN: "Sound backend '{backend}' is not one of: {names}.",
    NoteCode.SOUND_SYSTEM: "The sound system could not be opened: {detail}.",
    NoteCode.NO_SOUND_CARD: (
        "No sound card was found; plug one in or choose a file or command output."
    ),
    NoteCode.SOUND_CARD_MISSING: "No sound card named '{device}'; this machine has: {names}.",
    NoteCode.SOUND_CARD_STALLED: "The sound card stopped taking audio.",
    NoteCode.STREAM_URL_BAD: "{url} is not a stream address: it must start with http:// or https://.",
    NoteCode.STREAM_LOST: "The stream {url} gave no audio after {tries} tries ({detail}).",
    NoteCode.RELAY_LOST: "Relay slot {slot} at {at}: {url} was lost; {fallback} fills the slot.",
    NoteCode.RELAY_LOST_SILENT: "Relay slot {slot} at {at}: {url} was lost; no fallback, retried.",
    NoteCode.RELAY_NOT_FOR_CLUSTERS: (
        "Relay slot {slot} at {at} is not sent to the loudspeaker clusters: set relay_icecast "
        "(docs/installation.md, Relays at the clusters)."
    ),
    NoteCode.SOUND_CARD_FAILED: "The sound card could not play {file}: {detail}.",
    NoteCode.OUTPUT_UNKNOWN: (
        "Output '{spec}' is not one of soundcard[:NAME], file:DIR, command:CMD or null."
    ),
    NoteCode.WITNESS_FAILED: "The witness command '{command}' could not take the chain head: {detail}.",
    NoteCode.WITNESS_EXIT: "The witness command '{command}' exited with code {exit_code}. {detail}",
    NoteCode.AUDIO_NOT_REMADE: (
        "Audio of script {script_id} ({title}) is missing and could not be re-rendered: {detail}"
    ),
    NoteCode.AIR_NOW_NOT_READY: (
        "Air-now request {request_id}: script {script_id} is not approved with audio."
    ),
    NoteCode.JOURNAL_WRITTEN: (
        "The database did not answer from {since} ({detail}): the bulletins aired from the plan "
        "and their evidence waited in the journal; it is written now."
    ),
    NoteCode.CLUSTER_FROM_CACHE: (
        "Played from the cluster's own cache while cut off; its last contact was {last_contact}."
    ),
    NoteCode.CLUSTER_SAID: "The cluster reported: {detail}",
    NoteCode.CLUSTER_REPORT_REFUSED: "A report from cluster {cluster} was refused: {reason}.",
    NoteCode.CLUSTER_OFFLINE: "Cluster {cluster} ({zone}) is offline; last heard {since}.",
    NoteCode.CLOCK_STEPPED: (
        "The station's clock stepped by {seconds} s at {at}; the daemon re-armed its jobs. "
        "Check the time service (NTP) if this repeats."
    ),
    NoteCode.CLUSTER_CLOCK: (
        "Cluster {cluster}'s clock is {offset} s off the station's; check its time service (NTP)."
    ),
    NoteCode.CLUSTER_AUDIO_MISSING: (
        "Cluster {cluster} lacks the audio of {count} coming bulletin(s); it cannot play them."
    ),
    NoteCode.WEEK_WITHOUT_BULLETINS: (
        "Saved, but with it no bulletin slot airs in the week(s) {weeks}; add a one-off slot if "
        "the town needs news then."
    ),
}

Value = str | int | float


@dataclass(frozen=True)
class Note:
    """A code and the data its sentence needs; `cause` is a note inside this one."""

    code: NoteCode
    data: Mapping[str, Value] = field(default_factory=dict)
    cause: Note | None = None

    def stored(self) -> str:
        """The stable JSON kept in the database (sorted keys, so equal notes are equal text)."""
        return json.dumps(self._as_dict(), ensure_ascii=False, sort_keys=True)

    def _as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {**self.data, "note": self.code.value}
        if self.cause is not None:
            found["cause"] = self.cause._as_dict()
        return found

    def english(self) -> str:
        """The sentence for the CLI and the logs."""
        return self._words(ENGLISH)

    def vietnamese(self) -> str:
        """The sentence for the web page and the Office's report files: an audio file a
        technician's detail names is "tệp âm thanh" (the row names the bulletin and time)."""
        from broadcaster.notes_vietnamese import VIETNAMESE  # its table, loaded when worded

        return _HASHED_FILE.sub("tệp âm thanh", self._words(VIETNAMESE))

    def _words(self, table: dict[NoteCode, str]) -> str:
        cause = self.cause._words(table) if self.cause is not None else ""
        return table[self.code].format_map(_Blanks(self.data, cause=cause)).strip()


class _Blanks(dict[str, object]):
    """Format data where a missing key reads as nothing (a stored row is never a crash)."""

    def __missing__(self, key: str) -> str:
        return ""


# A rendered audio file's path: the store names each file by its sha256.
_HASHED_FILE = re.compile(r"'?(?:[\w.~-]*/)*[0-9a-f]{64}\.mp3'?")


def note(code: NoteCode, **data: Value) -> Note:
    """A note with its data: `note(NoteCode.AUDIO_MISSING, file="x.mp3")`."""
    return Note(code, data)


def parse(stored: str | None) -> Note | None:
    """The note in a stored text, or None for nothing or a sentence from before notes."""
    if not stored or not stored.startswith("{"):
        return None
    try:
        found = json.loads(stored)
    except ValueError:
        return None
    return _from_dict(found) if isinstance(found, dict) else None


def _from_dict(found: dict[str, object]) -> Note | None:
    try:
        code = NoteCode(str(found.get("note")))
    except ValueError:
        return None
    cause = found.get("cause")
    data = {
        key: value
        for key, value in found.items()
        if key not in ("note", "cause") and isinstance(value, str | int | float)
    }
    return Note(code, data, _from_dict(cause) if isinstance(cause, dict) else None)


def english(stored: str | None) -> str:
    """A stored note in English; an older sentence as it is; "" for none."""
    found = parse(stored)
    return found.english() if found is not None else stored or ""


def vietnamese(stored: str | None) -> str:
    """A stored note in Vietnamese; a sentence from before notes had codes in Vietnamese when
    it is one the older releases wrote, else as it is after a word saying so; "" for none."""
    found = parse(stored)
    if found is not None:
        return found.vietnamese()
    if not stored:
        return ""
    return older_vietnamese(stored)


def code_of(stored: str | None) -> str:
    """The note's code, for machines reading the log ("" for none or an older sentence)."""
    found = parse(stored)
    return found.code.value if found is not None else ""
