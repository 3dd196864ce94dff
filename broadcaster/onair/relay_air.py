"""One part of a relay on air, with its evidence: the row is opened and its `started` event
sealed before the stream reaches the output, and closed with the relay's receipt (the address
without credentials, the seconds received, the gaps and their reasons) sealed with its outcome.

A relay's rows have no script (`script_id` NULL): the listener heard the upper station. Its
kind is `relay`; the programme file that fills a slot whose stream was lost is aired the same
way, looped at its own pace (`ProgrammeLoop`), as a row of kind `fallback`.
"""

from __future__ import annotations

import json
import logging
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from broadcaster.clock import Clock
from broadcaster.config import Settings
from broadcaster.enums import Outcome, RelayPart
from broadcaster.onair.airing import STOPPED
from broadcaster.onair.airing_row import seal_close, seal_open
from broadcaster.onair.journal import Journal
from broadcaster.onair.outputs import Output, OutputError, Preempted, SlotEnding, StopReason
from broadcaster.onair.relays import relay
from broadcaster.onair.streams import Receipt, Receiver, StreamLost
from broadcaster.store.db import Airing

logger = logging.getLogger(__name__)

RELAY, FALLBACK = RelayPart.RELAY.value, RelayPart.FALLBACK.value  # the airing row's kind


class ProgrammeLoop(Receiver):
    """A local programme file, decoded at its own pace and repeated, as a stream (a fallback)."""

    def check(self, url: str) -> None:
        """A file of this machine, chosen by a leader when the slot was made."""

    def args(self) -> list[str]:
        """ffmpeg reading the file in a loop, at its own pace, to PCM."""
        return [
            self.ffmpeg, "-hide_banner", "-nostdin", "-loglevel", "error", "-re",
            "-stream_loop", "-1", "-i", self.url, "-vn", "-ac", "1",
            "-ar", str(self.receipt.rate), "-f", "s16le", "pipe:1",
        ]  # fmt: skip


@dataclass(frozen=True)
class Part:
    """What one part of a relay did: its row, outcome, receipt, and why it stopped."""

    airing_id: int | None
    outcome: Outcome
    receipt: Receipt
    stopped: StopReason | None = None  # cut: by an emergency, a stop, a fence
    lost: StreamLost | None = None  # the stream gave up: the fallback is next


@dataclass(frozen=True)
class Where:
    """Where a relay part airs and under what lease: the daemon's output and its evidence."""

    output: Output
    settings: Settings
    clock: Clock
    epoch: int | None
    journal: Journal | None


def _label(settings: Settings, moment: datetime, slot: str, kind: str, part: int) -> str:
    local = moment.astimezone(settings.tz).strftime("%Y%m%d-%H%M%S")
    safe = "".join(c if c.isalnum() else "-" for c in slot)
    return f"{local}_{safe}_{kind}{part}"


def air_part(
    session: Session, where: Where, receiver: Receiver, slot: str, planned: datetime,
    seconds: float, part: int, cancel: SlotEnding, kind: str = RELAY,
) -> Part:  # fmt: skip
    """Air `receiver` through the output for `seconds` (never past the slot's end), with its
    sealed evidence row."""
    started = where.clock()
    row = Airing(
        script_id=None, kind=kind, title=slot, slot_name=slot, attempt=part,
        planned_start=planned, started_at=started, outcome=Outcome.STARTED,
        output=where.output.description, host=socket.gethostname(), uid=uuid.uuid4().hex,
        epoch=where.epoch, relay_url=receiver.receipt.url,
    )  # fmt: skip
    key = seal_open(session, row, where.settings, where.journal)
    label = _label(where.settings, planned, slot, kind, part)
    stopped, lost = None, None
    try:
        relay(where.output, receiver, seconds, label, cancel)
        row.outcome = Outcome.AIRED
    except StreamLost as exc:
        lost = exc
        row.outcome = Outcome.INTERRUPTED if receiver.receipt.received_bytes else Outcome.FAILED
        row.error = exc.note.stored()
    except (Preempted, OutputError) as exc:
        # A cut (or the slot's end) stops the player too: the stream may then meet a player
        # that stopped reading before the receiver sees the cut. Either way it was the cut.
        if cancel.is_set():
            stopped = cancel.reason
            row.outcome, row.error = _cut(stopped)
        else:
            assert isinstance(exc, OutputError)
            row.outcome, row.error = Outcome.FAILED, exc.note.stored()
    receipt = receiver.receipt
    # the sound stops at the slot's end at the latest (SlotEnding); closing the output's
    # copy may take a moment more, which is not air time
    row.ended_at = min(where.clock(), cancel.end)
    row.received_s = round(receipt.received_s, 3)
    row.duration_s = row.received_s
    row.gaps = json.dumps([[g.start_s, g.seconds, g.reason.value] for g in receipt.gaps])
    seal_close(session, row, where.settings, where.journal, key)
    logger.info(
        "%s %s part %d: %s, %.1f s received, %d gap(s)",
        kind, slot, part, row.outcome, receipt.received_s, len(receipt.gaps),
    )  # fmt: skip
    return Part(row.id, row.outcome, receipt, stopped, lost)


def _cut(reason: StopReason | None) -> tuple[Outcome, str | None]:
    """The outcome of a relay part its cancel stopped: at the slot's end (no reason) it aired;
    cut by the arbiter, as a bulletin cut for that reason."""
    if reason is None:
        return Outcome.AIRED, None
    outcome, why = STOPPED[reason]
    return outcome, why.stored()


def fallback_receiver(path: Path, rate: int, ffmpeg: str) -> Receiver:
    """The fallback programme as a stream (a missing file fails as an unreachable stream)."""
    return ProgrammeLoop(str(path), rate, ffmpeg)
