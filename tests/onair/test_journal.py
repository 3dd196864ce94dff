"""Degraded, not lost: a daemon whose SQLite database is locked airs from its plan.

SQLite only (this module is not among conftest's DATABASE_MODULES): an exclusive lock
on the whole database is SQLite's; PostgreSQL locks rows, which the lease and the
unique indexes already cover (tests/faults/test_pg_race.py).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from broadcaster.daemon.process import Daemon
from broadcaster.evidence.verify import verify
from broadcaster.notes import english
from broadcaster.onair.outputs import NullOutput
from broadcaster.store.db import Problem
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered
from tests.onair.test_reliability import BULLETIN, MORNING, Clock, airings

# --- degraded, not lost: a database that does not answer ------------------------------------------


def test_a_locked_database_airs_from_the_plan_and_writes_the_evidence_when_it_answers(
    station,
) -> None:  # type: ignore[no-untyped-def]
    """An exclusive lock across the slot: both bulletins air on time, the evidence waits in the
    journal (on disk, so a restart keeps it) and is sealed in order once the lock is gone."""
    import sqlite3

    from broadcaster.onair.journal import Journal
    from broadcaster.store.db import AiringEvent
    from broadcaster.store.engine import make_engine, make_session_factory

    first = approved_rendered(station, FIXED_NOW, BULLETIN)
    second = approved_rendered(station, FIXED_NOW, "Bản tin thứ hai. Xin cảm ơn.")
    engine = make_engine(station.settings.db_url, busy_seconds=0.2)
    played: list[str] = []

    class Recording(NullOutput):
        def play(self, path, label, duration, cancel=None):  # type: ignore[no-untyped-def]
            played.append(label)
            return None

    clock = Clock(FIXED_NOW - timedelta(hours=1))
    daemon = Daemon(
        station.settings, make_session_factory(engine), MORNING, Recording(),
        clock=clock, sleep=lambda _: None,
    )  # fmt: skip
    daemon.lease.acquire()
    daemon.render_ahead()  # planned before the lock
    locker = sqlite3.connect(station.settings.var_path / "broadcaster.db", isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        clock.now = FIXED_NOW + timedelta(seconds=5)
        results = daemon.air_slot("Sáng")
        assert [(r.script_id, r.outcome) for r in results] == [(first, "aired"), (second, "aired")]
        assert len(played) == 2 and airings(station) == []
        journal = station.settings.var_path / "journal.jsonl"
        assert len(journal.read_text().splitlines()) == 4  # opened and closed, twice
        clock.now += timedelta(minutes=1)
        daemon.settle()  # still locked: nothing written, nothing aired again
        assert airings(station) == [] and len(played) == 2
    finally:
        locker.execute("ROLLBACK")
        locker.close()
    restarted = Daemon(
        station.settings, make_session_factory(engine), MORNING, Recording(),
        clock=clock, sleep=lambda _: None,
    )  # fmt: skip
    waiting = journal.read_text()
    restarted.flush_journal()  # a daemon started after a crash finds the journal on disk
    journal.write_text(waiting)  # as if it died before it could empty the file
    restarted.air.journal = Journal(journal)
    restarted.flush_journal()  # finds the rows written and seals nothing twice
    rows = airings(station)
    assert [(r.script_id, r.outcome, r.started_at) for r in rows] == [
        (first, "aired", FIXED_NOW + timedelta(seconds=5)),
        (second, "aired", FIXED_NOW + timedelta(seconds=5)),
    ]
    with station.sessions() as session:
        kinds = [
            (e.airing_id, e.kind)
            for e in session.scalars(select(AiringEvent).order_by(AiringEvent.seq))
        ]
        assert kinds == [(1, "started"), (1, "aired"), (2, "started"), (2, "aired")]
        assert verify(session, station.settings.var_path / "ledger").ok
    assert not journal.exists()
    daemon.settle()
    assert len(played) == 2 and len(airings(station)) == 2  # never aired twice
    with station.sessions() as session:
        (problem,) = session.scalars(select(Problem)).all()  # shown by `status`
        assert english(problem.message).startswith(
            "The database did not answer from 09:00:05 11/03/2024"
        )
    engine.dispose()
