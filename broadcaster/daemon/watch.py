"""The watch: a thread of the daemon's own that sees, several times a second, what the web page
and the command line asked of the air, and reports it to the arbiter at once.

It never plays and never waits for the air, so no job that plays can hold it up: an emergency
request is put before the arbiter (which cuts what sounds) within one look of its commit, and
a bulletin returned, retired or edited is taken back from the air within one look too. Each
request is then served on a thread of its own, which waits for the arbiter to start it.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from broadcaster.services import air_requests
from broadcaster.services.air_requests import Asked
from broadcaster.services.context import Context
from broadcaster.services.continuity import LeaseLost
from broadcaster.services.onair import AiringResult, Airwaves

logger = logging.getLogger(__name__)

LOOK_SECONDS = 0.2  # how often the watch looks: an emergency waits at most this for it
QUIET_SECONDS = 60.0  # while the database does not answer, one warning a minute


class Watch:
    """Looks for requests and taken-back bulletins; serves each request on its own thread."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        context: Callable[[Session], Context],
        air: Airwaves,
        aired: Callable[[list[AiringResult]], object],
        lost: Callable[[LeaseLost], None],
    ) -> None:
        self.sessions, self.context, self.air = sessions, context, air
        self.aired, self.lost = aired, lost
        self.serving: set[int] = set()  # request ids with a thread of their own
        self._guard = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._warned_at = -QUIET_SECONDS

    def run(self, halt: threading.Event) -> None:
        """Look every LOOK_SECONDS until halted."""
        while not halt.wait(LOOK_SECONDS):
            try:
                self.look()
            except Exception:  # the watch must outlive any one look: requests depend on it
                logger.exception("the air watch could not look for requests; trying again")

    def look(self) -> None:
        """One look: new requests before the arbiter, taken-back bulletins off the air."""
        try:
            with self.sessions() as session:
                ctx = self.context(session)
                air_requests.watch_scripts(ctx, self.air)
                if self.air.stop.is_set():
                    return
                with self._guard:
                    asked = air_requests.ask_requests(ctx, self.air, skip=set(self.serving))
                    self.serving.update(a.request_id for a in asked)
        except OperationalError as exc:
            now = time.monotonic()
            if now - self._warned_at >= QUIET_SECONDS:
                self._warned_at = now
                logger.warning("could not look for air-now requests (database): %s", exc)
            return
        for one in asked:
            thread = threading.Thread(
                target=self._serve, args=(one,), name=f"air request {one.request_id}"
            )
            thread.start()
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]

    def _serve(self, asked: Asked) -> None:
        try:
            with self.sessions() as session:
                result = air_requests.serve_asked(self.context(session), asked, self.air)
            if result is not None:
                self.aired([result])
        except LeaseLost as exc:
            self.lost(exc)
        except Exception:  # one request's failure must not end the watch
            logger.exception("air-now request %s could not be served", asked.request_id)
        finally:
            with self._guard:
                self.serving.discard(asked.request_id)

    def join(self) -> None:
        """Wait for the requests being served (after a stop, they end at once)."""
        for thread in self._threads:
            thread.join()
