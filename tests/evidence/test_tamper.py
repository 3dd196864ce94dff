"""The airing log against someone who can write the database and the disk.

The 21 ways of tampering the fault campaign tried, each against a station that aired
three bulletins with a per-seal witness (a command that copies every new chain head
to a file off the machine). Every case must be caught by `log verify --witness`; the
`plain` column says which ones the database and var/ledger alone still catch, which
is what docs/architecture.md promises for a station without a witness.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Callable

import pytest
from sqlalchemy import select, text

from broadcaster.daemon.process import Daemon
from broadcaster.evidence import ledger, witness
from broadcaster.evidence.verify import Verdict, verify
from broadcaster.notes import english
from broadcaster.onair.outputs import NullOutput
from broadcaster.onair.recovery import close_interrupted
from broadcaster.programme.slots import parse_slots
from broadcaster.store.db import Airing, AiringEvent
from tests.conftest import FIXED_NOW
from tests.helpers import approved_rendered

MORNING = parse_slots('[[slot]]\nname = "Sáng"\nstart = "09:00"\nminutes = 30\n', "t.toml")
AIRED_AT = FIXED_NOW + timedelta(seconds=5)


@pytest.fixture
def witnessed(station):  # type: ignore[no-untyped-def]
    """Three aired bulletins (six events: started and aired each), every head witnessed."""
    copy = station.settings.base_dir / "witness-copy.log"
    settings = dataclasses.replace(station.settings, witness=f"sh -c 'cat >> {copy}'")
    for n in range(3):
        approved_rendered(station, FIXED_NOW, f"Bản tin số {n}. Xin cảm ơn.")
    Daemon(
        settings, station.sessions, MORNING, NullOutput(),
        clock=lambda: AIRED_AT, sleep=lambda _: None,
    ).air_slot("Sáng")  # fmt: skip
    witness.flush_witnesses()  # the witness's worker has sent every head
    return station, copy


def _verdict(station, witness: Path | None = None) -> Verdict:  # type: ignore[no-untyped-def]
    heads = ledger.read_heads(witness.read_text()) if witness else None
    with station.sessions() as session:
        return verify(session, station.settings.var_path / "ledger", heads)


# --- what an attacker does ---------------------------------------------------------------------


def _sql(station, *statements: str) -> None:  # type: ignore[no-untyped-def]
    with station.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def _delete_airings(station, ids: str) -> None:  # type: ignore[no-untyped-def]
    """Delete rows with their events (a careful attacker leaves no dangling reference)."""
    _sql(
        station,
        f"DELETE FROM airing_event WHERE airing_id IN ({ids})",
        f"UPDATE air_request SET airing_id = NULL WHERE airing_id IN ({ids})",
        f"DELETE FROM airing WHERE id IN ({ids})",
    )


def _recompute(station) -> None:  # type: ignore[no-untyped-def]
    """Renumber and re-hash every event in order, with the software's own code."""
    with station.sessions() as session:
        previous = ledger.GENESIS
        events = session.scalars(select(AiringEvent).order_by(AiringEvent.seq)).all()
        for event in events:  # out of the way of the unique sequence first
            event.seq = -event.seq
        session.flush()
        for seq, event in enumerate(events, start=1):
            airing = session.get_one(Airing, event.airing_id)
            event.kind = airing.outcome if event.kind != "started" else event.kind
            event.seq, event.prev_hash = seq, previous
            event.event_hash = ledger.event_hash(event, airing)
            previous = event.event_hash
        session.commit()


def _forge_airing(station, outcome: str, seal: bool, bogus: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Append a copy of the newest airing, as a new row, sealed with correct (or bogus) hashes."""
    with station.sessions() as session:
        newest = session.scalars(select(Airing).order_by(Airing.id.desc())).first()
        forged = Airing(
            **{
                c.key: getattr(newest, c.key)
                for c in Airing.__table__.columns
                if c.key not in ("id", "programme_entry_id", "attempt")
            }
        )
        forged.outcome = outcome
        session.add(forged)
        session.flush()
        if seal:
            kinds = ["started", outcome] if outcome != "started" else ["started"]
            for kind in kinds:
                forged.outcome = kind
                ledger.seal(session, forged, kind, AIRED_AT)
                session.flush()
            if bogus:
                session.scalars(
                    select(AiringEvent).order_by(AiringEvent.seq.desc())
                ).first().event_hash = "f" * 64
        session.commit()


def _anchor_file(station) -> Path:  # type: ignore[no-untyped-def]
    (found,) = (station.settings.var_path / "ledger").glob("*.log")
    return found


def _drop_ledger(station) -> None:  # type: ignore[no-untyped-def]
    shutil.rmtree(station.settings.var_path / "ledger")


def _drop_last_anchor_lines(station, count: int) -> None:  # type: ignore[no-untyped-def]
    anchor = _anchor_file(station)
    anchor.write_text("".join(anchor.read_text().splitlines(keepends=True)[:-count]))


def _rewrite_last_anchor_line(station) -> None:  # type: ignore[no-untyped-def]
    anchor = _anchor_file(station)
    lines = anchor.read_text().splitlines()
    with station.sessions() as session:
        seq, digest = ledger.head(session) or (0, "")
    lines[-1] = f"{seq} {digest} {lines[-1].split()[2]}"
    anchor.write_text("\n".join(lines) + "\n")


def _forged_started_then_next_daemon(station) -> None:  # type: ignore[no-untyped-def]
    _forge_airing(station, "started", seal=False)
    with station.sessions() as session:  # the next daemon's start seals it as interrupted
        close_interrupted(session, station.settings, AIRED_AT + timedelta(hours=1))


Attack = Callable[[object], None]
# (name, attack, caught without a witness)
ATTACKS: list[tuple[str, Attack, bool]] = [
    ("edit a middle row's outcome", lambda s: _sql(s, "UPDATE airing SET outcome = 'failed' WHERE id = 2"), True),
    ("edit a middle row's start time", lambda s: _sql(s, "UPDATE airing SET started_at = planned_start WHERE id = 2"), True),
    ("edit a middle row's script id", lambda s: _sql(s, "UPDATE airing SET script_id = 1 WHERE id = 2"), True),
    ("delete a middle row", lambda s: _delete_airings(s, "2"), True),
    ("delete the newest row", lambda s: _delete_airings(s, "3"), True),
    ("delete the newest three", lambda s: _delete_airings(s, "1, 2, 3"), True),
    ("insert an unsealed aired row", lambda s: _forge_airing(s, "aired", seal=False), True),
    ("insert a row with a bogus hash", lambda s: _forge_airing(s, "aired", seal=True, bogus=True), True),
    ("set the newest row's outcome to started", lambda s: _sql(s, "UPDATE airing SET outcome = 'started', ended_at = NULL WHERE id = 3"), True),
    ("remove the newest row's seal", lambda s: _sql(s, "DELETE FROM airing_event WHERE airing_id = 3"), True),
    ("recompute the whole chain after an edit", lambda s: (_sql(s, "UPDATE airing SET outcome = 'failed' WHERE id = 2"), _recompute(s)), True),
    ("recompute the whole chain after a deletion", lambda s: (_delete_airings(s, "2"), _recompute(s)), True),
    ("append a forged row with correctly computed hashes", lambda s: _forge_airing(s, "aired", seal=True), False),
    ("insert a forged started row (the next daemon seals it)", _forged_started_then_next_daemon, True),
    ("recompute the chain and delete var/ledger", lambda s: (_sql(s, "UPDATE airing SET outcome = 'failed' WHERE id = 2"), _recompute(s), _drop_ledger(s)), False),
    ("delete the newest row and var/ledger", lambda s: (_delete_airings(s, "3"), _drop_ledger(s)), False),
    ("delete all rows and var/ledger", lambda s: (_delete_airings(s, "1, 2, 3"), _drop_ledger(s)), False),
    ("delete the newest row and its ledger lines", lambda s: (_delete_airings(s, "3"), _drop_last_anchor_lines(s, 2)), False),
    ("recompute the chain and rewrite only the last ledger line", lambda s: (_sql(s, "UPDATE airing SET outcome = 'failed' WHERE id = 2"), _recompute(s), _rewrite_last_anchor_line(s)), True),
    ("change the title the log shows", lambda s: _sql(s, "UPDATE airing SET title = 'Tin khác' WHERE id = 2"), True),
    ("change the topic the log shows", lambda s: _sql(s, "UPDATE airing SET topic = 'b' WHERE id = 1"), True),
]  # fmt: skip


def test_there_are_twenty_one_attacks() -> None:
    assert len(ATTACKS) == 21 and len({name for name, _, _ in ATTACKS}) == 21


def test_an_untouched_chain_verifies_with_and_without_its_witness(witnessed) -> None:  # type: ignore[no-untyped-def]
    station, copy = witnessed
    assert len(copy.read_text().splitlines()) == 6  # started and aired, three times
    for verdict in (_verdict(station), _verdict(station, copy)):
        assert verdict.ok and verdict.checked == 6 and verdict.head_seq == 6, verdict
    with station.sessions() as session:
        events = session.scalars(select(AiringEvent).order_by(AiringEvent.seq)).all()
    assert [(e.airing_id, e.kind) for e in events] == [
        (1, "started"), (1, "aired"), (2, "started"), (2, "aired"), (3, "started"), (3, "aired"),
    ]  # fmt: skip
    assert events[0].prev_hash == ledger.GENESIS and events[1].prev_hash == events[0].event_hash


@pytest.mark.parametrize(
    ("attack", "plain"), [(a, p) for _, a, p in ATTACKS], ids=[n for n, _, _ in ATTACKS]
)
def test_every_tampering_is_caught_by_the_witness(witnessed, attack: Attack, plain: bool) -> None:  # type: ignore[no-untyped-def]
    station, copy = witnessed
    attack(station)
    caught = _verdict(station, copy)
    assert not caught.ok and caught.reason, caught
    assert _verdict(station).ok is not plain  # what a station without a witness still sees


def test_the_started_event_is_sealed_before_any_sound(station) -> None:  # type: ignore[no-untyped-def]
    """While a bulletin plays, its row is `started` and that state is already in the chain."""
    approved_rendered(station, FIXED_NOW, "Bản tin đang phát. Xin cảm ơn.")
    seen: list[tuple[str, list[str]]] = []

    class Watching(NullOutput):
        def play(self, path, label, duration, cancel=None):  # type: ignore[no-untyped-def]
            with station.sessions() as session:
                (row,) = session.scalars(select(Airing)).all()
                kinds = session.scalars(select(AiringEvent.kind)).all()
                seen.append((row.outcome, list(kinds)))
                assert verify(session, station.settings.var_path / "ledger").ok
            return None

    Daemon(
        station.settings, station.sessions, MORNING, Watching(),
        clock=lambda: AIRED_AT, sleep=lambda _: None,
    ).air_slot("Sáng")  # fmt: skip
    assert seen == [("started", ["started"])]


def test_log_verify_and_exports_carry_the_hashes(witnessed, runner) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.cli import main

    station, copy = witnessed
    result = runner.invoke(main, ["log", "verify", "--witness", str(copy)])
    assert result.exit_code == 0 and "intact: 3 airing(s) in 6 sealed record(s)" in result.output
    rows = json.loads(runner.invoke(main, ["log", "--json"]).output)
    assert [r["seq"] for r in rows] == [2, 4, 6]  # each row's newest event
    assert all(len(r["row_hash"]) == 64 and len(r["prev_hash"]) == 64 for r in rows)
    _sql(station, "UPDATE airing SET error = 'edited' WHERE id = 1")
    bad = runner.invoke(main, ["log", "verify"])
    assert bad.exit_code == 1 and "altered at row 1" in bad.output


def test_the_log_shows_what_was_heard_whatever_the_script_says_now(witnessed, runner) -> None:  # type: ignore[no-untyped-def]
    """Editing or retitling a script after it aired changes no evidence and breaks no chain."""
    from broadcaster.cli import main

    station, copy = witnessed
    before = json.loads(runner.invoke(main, ["log", "--json"]).output)
    _sql(station, "UPDATE script SET title = 'Tiêu đề mới', topic = 'b', author = 'x' WHERE id = 1")
    after = json.loads(runner.invoke(main, ["log", "--json"]).output)
    assert after == before and before[0]["title"] == "Bản tin số 0. Xin cảm ơn."
    assert _verdict(station, copy).ok


def test_a_witness_that_lags_is_accepted_only_when_asked(witnessed, runner) -> None:  # type: ignore[no-untyped-def]
    """A daily copy ends before the newest rows: `--witness-lags` says so instead of failing."""
    from broadcaster.cli import main

    station, copy = witnessed
    daily = copy.with_name("daily.log")
    daily.write_text("".join(copy.read_text().splitlines(keepends=True)[:4]))
    strict = runner.invoke(main, ["log", "verify", "--witness", str(daily)])
    assert (
        strict.exit_code == 1
        and "rows 5 to 6 of the chain are not in the witness copy" in strict.output
    )
    lenient = runner.invoke(main, ["log", "verify", "--witness", str(daily), "--witness-lags"])
    assert lenient.exit_code == 0 and "intact" in lenient.output


def test_a_witness_copy_that_is_not_one_is_refused(witnessed, runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from broadcaster.cli import main

    junk = tmp_path / "copy.log"
    junk.write_text("hello\n")
    result = runner.invoke(main, ["log", "verify", "--witness", str(junk)])
    assert result.exit_code == 1 and "is not a list of chain heads" in result.output


def test_rows_of_earlier_releases_keep_verifying_before_the_events(witnessed) -> None:  # type: ignore[no-untyped-def]
    """Format 2 rows sealed as their own links stay first in the chain; events continue it."""
    station, copy = witnessed
    with station.sessions() as session:
        # What an earlier release left: airing 1 sealed as a format 2 row, and no events of it.
        session.execute(text("DELETE FROM airing_event"))
        legacy = session.get_one(Airing, 1)
        legacy.seal_format, legacy.seq, legacy.prev_hash = 2, 1, ledger.GENESIS
        legacy.row_hash = ledger.row_hash(legacy)
        session.commit()
        for airing_id in (2, 3):
            airing = session.get_one(Airing, airing_id)
            for kind in ("started", "aired"):
                airing.outcome = kind
                ledger.seal(session, airing, kind, AIRED_AT)
                session.flush()
        session.commit()
        assert ledger.head(session)[0] == 5
    shutil.rmtree(station.settings.var_path / "ledger")  # the old anchors named other hashes
    assert _verdict(station).ok
    _sql(station, "UPDATE airing SET duration_s = duration_s + 60 WHERE id = 1")
    broken = _verdict(station)
    assert not broken.ok and broken.first_bad_id == 1


def test_heads_a_failing_witness_refused_reach_it_when_it_works_again(station) -> None:  # type: ignore[no-untyped-def]
    """A witness that was down gets the heads it missed with the next one: its copy is whole."""
    from broadcaster.store.db import Problem

    copy = station.settings.base_dir / "witness-copy.log"
    down = station.settings.base_dir / "witness-down"
    down.touch()
    settings = dataclasses.replace(
        station.settings, witness=f"sh -c 'test ! -e {down} && cat >> {copy}'"
    )
    witness._witnesses.clear()  # a fresh process
    for n in range(2):
        approved_rendered(station, FIXED_NOW, f"Bản tin số {n}. Xin cảm ơn.")
    clock = [AIRED_AT]
    daemon = Daemon(
        settings, station.sessions, MORNING, NullOutput(),
        clock=lambda: clock[0], sleep=lambda _: None,
    )  # fmt: skip
    with station.sessions() as session:
        from broadcaster.onair.airing import air_entry
        from broadcaster.programme.planning import plan_occurrence
        from broadcaster.programme.slots import latest_occurrence

        occurrence = latest_occurrence(MORNING[0], AIRED_AT, settings.tz)
        first, second = plan_occurrence(session, occurrence, settings.tz)
        session.commit()
        air_entry(session, first, NullOutput(), settings, daemon.clock)
        witness.flush_witnesses()
        assert not copy.exists()
        (problem,) = session.scalars(select(Problem)).all()  # one, not one per head
        assert "witness command" in english(problem.message)
        down.unlink()
        air_entry(session, second, NullOutput(), settings, daemon.clock)
    witness.flush_witnesses()
    assert [int(line.split()[0]) for line in copy.read_text().splitlines()] == [1, 2, 3, 4]
    assert _verdict(station, copy).ok


def test_an_aired_script_edited_and_retired_later_leaves_the_log_and_report_as_sealed(
    witnessed, runner, project
) -> None:  # type: ignore[no-untyped-def]
    """Who wrote, approved and asked for a bulletin is sealed with it; later edits change nothing."""
    from broadcaster.cli import main
    from broadcaster.services import scripts
    from broadcaster.services.context import Context

    station, copy = witnessed
    before = json.loads(runner.invoke(main, ["log", "--json"]).output)
    assert {(r["author"], r["approved_by"]) for r in before} == {("test", "Chủ tịch")}
    assert all(r["voice"].startswith("espeak:") for r in before)
    report = project / "report.csv"
    args = ["report", "--from", "2024-03-01", "--to", "2024-03-31", "--format", "csv", "-o"]
    assert runner.invoke(main, [*args, str(report)]).exit_code == 0
    first = report.read_text(encoding="utf-8-sig")
    assert "Người duyệt" in first and "Chủ tịch" in first
    with station.sessions() as session:
        ctx = Context(station.settings, session, lambda: AIRED_AT, actor="someone")
        scripts.edit_script(ctx, 1, "Lời mới hoàn toàn khác.", title="Tiêu đề đã sửa")
        scripts.retire_script(ctx, 1)
    after = json.loads(runner.invoke(main, ["log", "--json"]).output)
    assert after == before
    assert runner.invoke(main, [*args, str(report)]).exit_code == 0
    again = report.read_text(encoding="utf-8-sig").splitlines()
    # Only the line saying what the check covered differs (the first walked the whole
    # chain, the second only what followed it); it ends with the same head.
    assert again[:1] + again[2:] == first.splitlines()[:1] + first.splitlines()[2:]
    assert again[1].endswith(first.splitlines()[1].rsplit(" ", 1)[-1])
    assert _verdict(station, copy).ok
