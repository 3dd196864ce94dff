"""The agent's relay rule (`RelayBook`), pure: which relay is due, what was missed, and what a
part's outcome means for the next, on injected times; and the cache keeping a part's seconds
and gaps. No processes, no clock."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

from broadcaster.agent.cache import Cache
from broadcaster.agent.player import Item, Played
from broadcaster.agent.relaying import MAX_LOST, RETRY_SECONDS, RelayBook, Window
from broadcaster.clusters import wire

T0 = datetime(2024, 3, 11, 5, 0, tzinfo=timezone.utc)
URL = "http://127.0.0.1:8000/relay-vov1"


def relay(key: str = "r-vov-1", start_s: float = 0, end_s: float = 600) -> wire.Relay:
    return wire.Relay(key=key, slot="Tiếp sóng VOV1", start=T0 + timedelta(seconds=start_s),
                      end=T0 + timedelta(seconds=end_s), url=URL)  # fmt: skip


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def played(r: wire.Relay, kind: str, lost: bool = False, part: int = 1) -> Played:
    return Played(Item(wire.part_key(r.key, part), None, 60.0, relay=r), kind, None, None, lost)


def test_a_relay_is_due_from_its_start_until_its_end_only() -> None:
    r = relay(start_s=60, end_s=600)
    book = RelayBook()
    assert book.due([r], at(59)) is None and not book.holding([r], at(59))
    assert book.due([r], at(60)) == r and book.holding([r], at(60))
    assert book.due([r], at(599)) is None  # less than a part's worth left
    assert book.due([r], at(600)) is None and not book.holding([r], at(600))
    assert book.next_start([r], at(0)) == at(60)


def test_parts_number_on_and_an_aired_relay_is_done() -> None:
    r = relay()
    book = RelayBook()
    assert book.begin(r.key) == 1
    book.ended(r, r.key, played(r, "preempted"), at(100))
    assert book.due([r], at(130)) == r  # resumes once the air is free, no wait
    assert book.begin(r.key) == 2
    book.ended(r, r.key, played(r, "aired", part=2), at(600))
    assert book.due([r], at(300)) is None and not book.holding([r], at(300))
    assert book.missed([r], at(700)) == []  # it played: nothing missed


def test_a_lost_part_is_tried_again_later_and_given_up_after_too_many() -> None:
    r = relay(end_s=3600)
    book = RelayBook()
    now = at(0)
    for lost in range(1, MAX_LOST + 1):
        assert book.due([r], now) == r, lost
        book.begin(r.key)
        book.ended(r, r.key, played(r, "interrupted", lost=True), now)
        if lost < MAX_LOST:
            assert book.due([r], now + timedelta(seconds=RETRY_SECONDS - 1)) is None
            assert book.holding([r], now)  # waiting to retry still holds the air
            now += timedelta(seconds=RETRY_SECONDS)
    assert book.due([r], now + timedelta(seconds=RETRY_SECONDS)) is None
    assert not book.holding([r], now) and book.progress[r.key].parts == MAX_LOST


def test_an_aired_part_resets_the_lost_count() -> None:
    r = relay(end_s=3600)
    book = RelayBook()
    book.begin(r.key)
    book.ended(r, r.key, played(r, "failed", lost=True), at(10))
    moved = relay(end_s=7200)  # it aired to an end that then moved later
    book.begin(r.key)
    book.ended(moved, r.key, played(r, "aired", part=2), at(3600))
    assert book.progress[r.key].lost == 0 and book.due([moved], at(3600)) == moved


def test_a_withdrawn_or_stopped_part_is_not_counted_as_lost() -> None:
    r = relay()
    book = RelayBook()
    book.begin(r.key)
    book.ended(None, r.key, played(r, "interrupted"), at(50))
    assert book.progress[r.key].lost == 0 and book.progress[r.key].retry_at is None


def test_a_window_passed_unplayed_is_missed_once() -> None:
    r, other = relay(end_s=600), relay("r-vov-2", 700, 800)
    book = RelayBook()
    assert book.missed([r, other], at(599)) == []
    assert book.missed([r, other], at(600)) == [r]
    assert book.missed([r, other], at(900)) == [other]
    assert book.missed([r, other], at(1000)) == []


def test_history_from_the_cache_numbers_parts_on_and_knows_what_aired() -> None:
    history = [("r-a", "started"), ("r-a", "preempted"), ("x-1", "aired"),
               ("r-a.2", "started"), ("r-a.2", "interrupted"),
               ("r-b", "started"), ("r-b", "aired"), ("e-1", "aired")]  # fmt: skip
    book = RelayBook(history)
    a, b = relay("r-a"), relay("r-b")
    assert book.begin("r-a") == 3  # never key r-a.2 again
    assert book.due([b], at(10)) is None and book.missed([b], at(700)) == []
    assert book.progress["r-a"].done is False and "e-1" not in book.progress
    assert book.due([a], at(10)) == a


def test_the_window_ends_at_its_end_on_the_clock_and_the_end_can_move() -> None:
    now = [at(0)]
    window = Window(lambda: now[0], at(60))
    assert not window.is_set()
    now[0] = at(60)
    assert window.is_set() and window.reason is None  # the end, not a stop: aired
    window.end = at(30)
    now[0] = at(20)
    assert not window.is_set()
    now[0] = at(30)
    assert window.is_set()


def test_a_cache_from_before_relays_gains_their_columns_and_keeps_its_rows(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "agent.db")
    db.executescript(OLD_ASRUN)
    db.execute("INSERT INTO asrun (entry, kind, reported_at) VALUES ('e-1', 'aired', ?)",
               (wire.when(T0),))  # fmt: skip
    db.commit()
    db.close()
    cache = Cache(tmp_path, "thon-1")
    try:
        part = wire.Report(cluster="thon-1", entry="r-a.2", kind="interrupted", sha256=None,
                           started_at=T0, ended_at=at(30), reported_at=at(30), received_s=28.5,
                           gaps=((12.0, 1.5, "dropped"),))  # fmt: skip
        assert cache.record(part)
        rows = [row.report for row in cache.rows()]
        assert [r.entry for r in rows] == ["e-1", "r-a.2"] and rows[0].received_s is None
        assert rows[1] == part
        assert cache.relay_history() == [("r-a.2", "interrupted")]
    finally:
        cache.close()


OLD_ASRUN = """
CREATE TABLE asrun (
    id INTEGER PRIMARY KEY, entry TEXT NOT NULL, kind TEXT NOT NULL, sha256 TEXT,
    started_at TEXT, ended_at TEXT, reported_at TEXT NOT NULL,
    from_cache INTEGER NOT NULL DEFAULT 0, last_contact TEXT, error TEXT,
    delivered INTEGER NOT NULL DEFAULT 0, UNIQUE (entry, kind)
);
"""
