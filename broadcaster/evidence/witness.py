"""The witness: a command that keeps every new chain head off this machine (a second disk,
another server, a printer), so whoever rewrites the database and var/ledger cannot rewrite its
copy. It is fed by a worker thread of its own: sealing never waits for it.
"""

from __future__ import annotations

import atexit
import logging
import os
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from broadcaster.clock import utc_now
from broadcaster.notes import Note, NoteCode, note
from broadcaster.store.db import Problem

logger = logging.getLogger(__name__)

WITNESS_TIMEOUT_SECONDS = 10.0


class Witness:
    """The witness command, fed by a worker thread of its own: sealing never waits for it.

    `send` queues a head and returns at once (a slow or hung witness never delays sound). The
    worker gives the command every waiting head; a head it refused is kept (in memory, up to
    MAX_WAITING_HEADS) and sent again with the next one, or after RETRY_SECONDS, so the
    witness copy is complete once the command works again. Only the first failure of a run
    of failures is reported: the worker records it as a problem in the station's database.
    """

    MAX_WAITING_HEADS = 10_000
    RETRY_SECONDS = 60.0

    def __init__(self, command: str) -> None:
        self.command = command
        self.waiting: list[str] = []
        self.failing = False
        self.engine: Engine | None = None  # where a failure is recorded as a problem
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._busy = False
        self._due = False
        self._worker: threading.Thread | None = None

    def send(self, line: str) -> None:
        """Queue `line` for the witness and return at once."""
        with self._lock:
            self.waiting = [*self.waiting, line][-self.MAX_WAITING_HEADS :]
            self._due = True  # the worker has not looked at this one yet
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._work, name="witness", daemon=True)
                self._worker.start()
            self._wake.notify_all()

    def _work(self) -> None:
        while True:
            with self._lock:
                while not self.waiting:
                    self._wake.wait()
                lines, self._busy, self._due = list(self.waiting), True, False
            failure = send_to_witness(self.command, "".join(lines))
            if failure is not None and not self.failing:
                self._record(failure)
            with self._lock:
                self._busy = False
                if failure is None:
                    sent = set(lines)
                    self.waiting = [line for line in self.waiting if line not in sent]
                self.failing = failure is not None
                self._wake.notify_all()
                if failure is not None and not self._due:  # new heads: try again at once
                    self._wake.wait(self.RETRY_SECONDS)

    def _record(self, failure: Note) -> None:
        """The first failure of a run: in the log, and as a problem the status page shows."""
        logger.error("%s", failure.english())
        if self.engine is None:
            return
        try:
            with Session(self.engine) as session:
                session.add(Problem(at=utc_now(), message=failure.stored()))
                session.commit()
        except OperationalError as exc:
            logger.error("could not record the witness's failure: %s", exc)

    def flush(self, timeout: float) -> bool:
        """Wait up to `timeout` s until every waiting head was taken; whether they were."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._busy or self._due or (self.waiting and not self.failing):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._wake.wait(left)
            return not self.waiting


def flush_witnesses(timeout: float = 10.0) -> None:
    """Give every witness of this process up to `timeout` s to take its waiting heads (at exit:
    a command-line airing must not lose its head with the process)."""
    for witness in list(_witnesses.values()):
        witness.flush(timeout)


_witnesses: dict[tuple[str, Path], Witness] = {}


def witness_for(command: str, station: Path, engine: Engine | None = None) -> Witness:
    """The process's one Witness for `command` and the station whose var/ folder is `station`
    (its waiting heads live as long as the process); its failures are recorded in `engine`."""
    witness = _witnesses.setdefault((command, station), Witness(command))
    witness.engine = engine or witness.engine
    return witness


def send_to_witness(command: str, lines: str) -> Note | None:
    """Give heads to the witness command on its standard input; its failure, or None.

    The witness keeps the heads off this machine (a second disk, another server, a
    printer): whoever rewrites the database and var/ledger cannot rewrite its copy.
    """
    try:
        process = subprocess.Popen(
            shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
    except OSError as exc:
        return note(NoteCode.WITNESS_FAILED, command=command, detail=str(exc))
    try:
        _, stderr = process.communicate(lines, timeout=WITNESS_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired as exc:
        os.killpg(process.pid, signal.SIGKILL)  # the command and whatever it started
        process.communicate()
        return note(NoteCode.WITNESS_FAILED, command=command, detail=str(exc))
    done = subprocess.CompletedProcess(process.args, process.returncode, "", stderr)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [""])[-1]
        return note(NoteCode.WITNESS_EXIT, command=command, exit_code=done.returncode, detail=last)
    return None


atexit.register(flush_witnesses)
