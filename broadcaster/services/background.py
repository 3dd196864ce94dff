"""Rendering in the background: a page that saves a script returns at once and asks how far
the audio has come.

One worker thread per web process renders one script at a time (espeak-ng and the
mastering stage each keep a CPU busy; two renders at once would only slow both and share
espeak's global state). Each job has its own database session. The state of a job lives
in memory: if the web process restarts mid-render the script simply has no audio yet, its
page offers "Tạo âm thanh" again, and the daemon renders anything approved before it airs
(render-ahead), so nothing is lost that matters on air.

A script saved again while it renders is rendered once more afterwards, so the audio
always ends up matching the newest words.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from broadcaster.clock import Clock
from broadcaster.config import Settings
from broadcaster.errors import BroadcasterError
from broadcaster.services import audio
from broadcaster.services.context import Context, VoiceFactory
from broadcaster.services.scripts import get_script
from broadcaster.sound.render import RenderResult, normaliser_for
from broadcaster.sound.voices import SpeechEngine

logger = logging.getLogger(__name__)


class JobState(StrEnum):
    """Where a render job is."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class RenderJob:
    """What a page shows about a script's render: state, sentences spoken so far, and the
    result or the refusal."""

    script_id: int
    state: JobState
    done: int = 0
    total: int = 0
    queued_at: float = 0.0
    result: RenderResult | None = None
    error: BroadcasterError | None = None
    again: bool = False  # saved again while running: render once more


class _Counting:
    """A voice that counts the sentences it has spoken, for the progress bar."""

    def __init__(self, inner: SpeechEngine, spoken: Any) -> None:
        self._inner, self._spoken = inner, spoken

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def synthesise(self, text: str) -> Any:
        found = self._inner.synthesise(text)
        self._spoken(1)
        return found


class RenderQueue:
    """The web process's render worker."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        clock: Clock,
        voices: VoiceFactory | None = None,
    ) -> None:
        self.settings, self.sessions, self.clock = settings, sessions, clock
        self.voices = voices
        self._jobs: dict[int, RenderJob] = {}
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="render")

    def submit(self, script_id: int) -> RenderJob:
        """Queue a render of the script's current words (once; again after a running one)."""
        with self._lock:
            job = self._jobs.get(script_id)
            if job is not None and job.state == JobState.QUEUED:
                return job
            if job is not None and job.state == JobState.RUNNING:
                job = self._jobs[script_id] = replace(job, again=True)
                return job
            job = self._jobs[script_id] = RenderJob(
                script_id, JobState.QUEUED, queued_at=time.monotonic()
            )
        self._executor.submit(self._run, script_id)
        return job

    def job(self, script_id: int) -> RenderJob | None:
        """The script's latest job, or None when this process has not rendered it."""
        with self._lock:
            return self._jobs.get(script_id)

    def wait(self, timeout: float = 120.0) -> bool:
        """Wait until no job is queued or running (tests, and a clean shutdown)."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while any(j.state in (JobState.QUEUED, JobState.RUNNING) for j in self._jobs.values()):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def shutdown(self) -> None:
        """Let a running render finish; drop the queued ones."""
        self._executor.shutdown(wait=True, cancel_futures=True)

    def _update(self, script_id: int, **changes: Any) -> None:
        with self._lock:
            self._jobs[script_id] = replace(self._jobs[script_id], **changes)
            self._idle.notify_all()

    def _run(self, script_id: int) -> None:
        try:
            self._render(script_id)
        except Exception:  # a fault in the program must not kill the worker
            logger.exception("rendering script %s in the background failed", script_id)
            self._update(script_id, state=JobState.FAILED)
        with self._lock:
            again = self._jobs[script_id].again
        if again:
            self._update(script_id, state=JobState.QUEUED, again=False)
            self._run(script_id)

    def _render(self, script_id: int) -> None:
        with self.sessions() as session:
            ctx = Context(self.settings, session, self.clock)
            try:
                script = get_script(ctx, script_id)
                spoken = normaliser_for(self.settings)(script.body)
            except BroadcasterError as exc:
                self._update(script_id, state=JobState.FAILED, error=exc)
                return
            total = sum(len(paragraph) for paragraph in spoken.paragraphs)
            self._update(script_id, state=JobState.RUNNING, done=0, total=total, error=None)
            counted = [0]

            def spoke(count: int) -> None:
                counted[0] += count
                self._update(script_id, done=min(counted[0], total))

            def voices(engine: str, settings: Settings) -> list[SpeechEngine]:
                made = (self.voices or ctx.voices)(engine, settings)
                return [_Counting(voice, spoke) for voice in made]

            try:
                result = audio.render_one(
                    Context(self.settings, session, self.clock, voices=voices),
                    script_id,
                    spoken=spoken,
                )
            except BroadcasterError as exc:
                self._update(script_id, state=JobState.FAILED, error=exc)
                return
            self._update(script_id, state=JobState.DONE, done=total, result=result)
