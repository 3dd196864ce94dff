"""The small context every service takes: settings, the caller's session, the clock, the voices."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Callable

from broadcaster.clock import Clock, utc_now
from broadcaster.config import Settings
from broadcaster.evidence.audit import cli_actor as cli_actor

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from broadcaster.sound.voices import SpeechEngine

VoiceFactory = Callable[[str, Settings], "list[SpeechEngine]"]


def make_engines(engine: str, settings: Settings) -> list[SpeechEngine]:
    """The voices for `engine`; the synthesis and mastering stage (numpy, scipy) is imported
    only when a voice is first needed, not by every command that takes a context."""
    from broadcaster.sound.render import make_engines as made

    return made(engine, settings)


@dataclass(frozen=True)
class Context:
    """What a use case needs from its caller; the caller owns the session."""

    settings: Settings
    session: Session
    clock: Clock = utc_now
    voices: VoiceFactory = field(default=make_engines)
    # Who acts, for the audit trail: a web account's name, or "cli:<system user>".
    actor: str = "system"

    def now(self) -> datetime:
        """The current time from the injected clock (UTC)."""
        return self.clock()
