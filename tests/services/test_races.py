"""Two requests meet (issue 23): real threads, each with its own session, on SQLite and
PostgreSQL. An approval binds to the version the leader read; an edit, a recording, a return or
a retirement racing it lands first (the approval is refused) or second (the bulletin goes back
to draft); the audit trail says what really happened; the last admin survives two admins
disabling each other."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select

from broadcaster.enums import Status
from broadcaster.errors import BroadcasterError, Code
from broadcaster.evidence import audit
from broadcaster.services import accounts
from broadcaster.services import scripts as service
from broadcaster.services.context import Context
from broadcaster.services.station import Station
from broadcaster.store.db import AuditEvent, Rendering, Script
from broadcaster.store.renderings import RECORDING_ENGINE
from tests.conftest import FIXED_NOW, LEADER
from tests.helpers import add_draft, services

pytestmark = pytest.mark.both_databases

ITERATIONS = 200  # per database: the figure


def _context(station: Station, actor: str) -> Context:
    return Context(station.settings, station.sessions(), lambda: FIXED_NOW, actor=actor)


def _together(*actions: Callable[[], object]) -> list[object]:
    """Run the actions on real threads released at one moment; each one's result or error."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = actions[index]()
        except BroadcasterError as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a racing request never ended"
    return results


def _trail(ctx: Context, script_id: int) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.target == f"script:{script_id}")
    return list(ctx.session.scalars(query.order_by(AuditEvent.seq)))


def _approved_state(title: str, body: str) -> str:
    """The audit fingerprint of a script approved by the leader with these words."""
    words = service.content_hash(f"{title}\n{body}")  # version_hash without a recording
    return audit.fingerprint(words, Status.APPROVED, LEADER, "normal")


def _recording(script_id: int, content_hash: str, number: int) -> Rendering:
    """A person's recording as save_recording makes it (the file does not matter here)."""
    return Rendering(
        script_id=script_id, content_hash=content_hash, cache_key=f"rec-{number}",
        engine=RECORDING_ENGINE, voice="officer", spoken_text="", audio_path="x.mp3",
        duration_s=1.0, sha256=f"{number:064x}", created_at=FIXED_NOW,
    )  # fmt: skip


def _check_trail(ctx: Context, script_id: int, original: tuple[str, str]) -> None:
    """Each event starts from the state the one before it left, and every approval is of the
    words the leader read."""
    events = _trail(ctx, script_id)
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.before_hash == earlier.after_hash, (earlier.action, later.action)
    for event in events:
        if event.action == "script.approve":
            assert event.after_hash == _approved_state(*original)
    assert audit.verify(ctx.session).ok


def test_an_edit_landing_between_the_check_and_the_write_refuses_the_approval(
    station: Station, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The leader's checks pass, then the officer's edit commits, then the approval writes: the
    approval must be refused (before: approved, with the edited words)."""
    script_id = add_draft(station, FIXED_NOW, "Thông báo lịch tiếp công dân tháng ba.")
    with services(station, FIXED_NOW) as ctx:
        seen = service.version_hash(service.get_script(ctx, script_id))
    real = service.expected_seconds

    def edit_meanwhile(*args: Any, **kwargs: Any) -> float:
        with services(station, FIXED_NOW) as other:
            service.edit_script(other, script_id, "Lời đã sửa, lãnh đạo chưa đọc.")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "expected_seconds", edit_meanwhile)
    with services(station, FIXED_NOW) as ctx:
        with pytest.raises(BroadcasterError) as refused:
            service.approve_script(ctx, script_id, LEADER, seen_hash=seen)
        assert refused.value.code == Code.SCRIPT_CHANGED
    with services(station, FIXED_NOW) as ctx:
        script = service.get_script(ctx, script_id)
        assert (script.status, script.approved_by) == (Status.DRAFT, None)
        assert script.body == "Lời đã sửa, lãnh đạo chưa đọc."
        assert [e.action for e in _trail(ctx, script_id)] == ["script.add", "script.edit"]


def test_approval_racing_an_edit_lands_first_or_is_refused(station: Station) -> None:
    """200 approvals, each racing an edit of the same draft."""
    outcomes: Counter[str] = Counter()
    for i in range(ITERATIONS):
        body = f"Bản tin số {i}: thông báo lịch tiếp công dân."
        script_id = add_draft(station, FIXED_NOW, body, title=f"Tin {i}")
        leader, officer = _context(station, LEADER), _context(station, "officer")
        try:
            seen = service.version_hash(service.get_script(leader, script_id))
            leader.session.rollback()  # the page was read; the form comes back later
            approval, edit = _together(
                partial(service.approve_script, leader, script_id, LEADER, seen_hash=seen),
                partial(service.edit_script, officer, script_id, body + " Đã sửa."),
            )
        finally:
            leader.session.close()
            officer.session.close()
        assert isinstance(edit, service.Change), edit
        if isinstance(approval, BroadcasterError):
            assert approval.code == Code.SCRIPT_CHANGED, approval
            assert not edit.back_to_draft
            outcomes["edit first, approval refused"] += 1
        else:
            assert edit.back_to_draft
            outcomes["approval first, edit back to draft"] += 1
        with services(station, FIXED_NOW) as ctx:
            script = service.get_script(ctx, script_id)
            assert (script.status, script.body) == (Status.DRAFT, body + " Đã sửa.")
            _check_trail(ctx, script_id, (f"Tin {i}", body))
    print(f"\napproval vs edit, {ITERATIONS} races: {dict(outcomes)}")
    assert sum(outcomes.values()) == ITERATIONS


Pairs = dict[str, tuple[Callable[[], object], Callable[[], object]]]


def _pairs(
    station: Station, script_id: int, seen: str, body: str
) -> tuple[Pairs, tuple[Context, Context]]:
    leader, other = _context(station, LEADER), _context(station, "officer")
    return {
        "edit vs edit": (
            lambda: service.edit_script(leader, script_id, body + " A.", seen_hash=seen),
            lambda: service.edit_script(other, script_id, body + " B.", seen_hash=seen),
        ),
        "approve vs retire": (
            lambda: service.approve_script(leader, script_id, LEADER, seen_hash=seen),
            lambda: service.retire_script(other, script_id),
        ),
        "approve vs return": (
            lambda: service.approve_script(leader, script_id, LEADER, seen_hash=seen),
            lambda: service.return_script(other, script_id, "Sai số liệu."),
        ),
    }, (leader, other)


def test_edits_returns_and_retirements_racing_land_one_after_the_other(station: Station) -> None:
    """Edit vs edit (each from the text it read), approve vs retire, approve vs return."""
    outcomes: Counter[str] = Counter()
    for i in range(ITERATIONS // 2):
        body = f"Bản tin {i} về dịch vụ công trực tuyến."
        script_id = add_draft(station, FIXED_NOW, body, title=f"Tin {i}")
        with services(station, FIXED_NOW) as ctx:
            seen = service.version_hash(service.get_script(ctx, script_id))
        pairs, contexts = _pairs(station, script_id, seen, body)
        kind = list(pairs)[i % len(pairs)]
        try:
            first, second = _together(*pairs[kind])
        finally:
            for ctx in contexts:
                ctx.session.close()
        with services(station, FIXED_NOW) as ctx:
            script = service.get_script(ctx, script_id)
            _check_trail(ctx, script_id, (f"Tin {i}", body))
            if kind == "edit vs edit":  # exactly one lands; the other is told, not lost
                refused = [r for r in (first, second) if isinstance(r, BroadcasterError)]
                assert [r.code for r in refused] == [Code.SCRIPT_EDIT_CONFLICT], (first, second)
                assert script.body in (body + " A.", body + " B.")
            elif kind == "approve vs retire":
                assert script.status == Status.RETIRED and isinstance(second, service.Change)
            elif isinstance(first, BroadcasterError):  # approve vs return: return refused
                raise AssertionError(first)
            else:
                assert script.status in (Status.APPROVED, Status.DRAFT)
                landed = isinstance(second, service.Change)
                assert (script.status == Status.DRAFT) == landed
            outcomes[f"{kind}: {'/'.join(_word(r) for r in (first, second))}"] += 1
    print(f"\nother races: {dict(sorted(outcomes.items()))}")


def _word(result: object) -> str:
    return result.code.value if isinstance(result, BroadcasterError) else "done"


def test_two_admins_disabling_each_other_at_once_leave_one(station: Station) -> None:
    """The last-admin rule under a lock: 200 times, admin and admin2 disable each other."""
    with services(station, FIXED_NOW) as ctx:
        accounts.add_user(ctx, "admin2", "admin", "mat-khau-quan-tri-hai")
    outcomes: Counter[str] = Counter()
    for _ in range(ITERATIONS):
        with services(station, FIXED_NOW) as ctx:
            for name in ("admin", "admin2"):
                accounts.enable_user(ctx, name)
        one, two = _context(station, "admin"), _context(station, "admin2")
        try:
            results = _together(
                partial(accounts.disable_user, one, "admin2"),
                partial(accounts.disable_user, two, "admin"),
            )
        finally:
            one.session.close()
            two.session.close()
        refused = [r for r in results if isinstance(r, BroadcasterError)]
        assert [r.code for r in refused] == [Code.USER_LAST_ADMIN], results
        with services(station, FIXED_NOW) as ctx:
            left = [
                u.name for u in accounts.list_users(ctx) if u.role == "admin" and not u.disabled
            ]
            assert len(left) == 1
            outcomes[f"{left[0]} left"] += 1
    print(f"\ntwo admins disabling each other, {ITERATIONS} races: {dict(outcomes)}")


def test_a_recording_racing_an_approval_lands_first_or_second(station: Station) -> None:
    """attach_recording keeps its compare-and-set: an approval of the words without the new
    voice is refused, or the recording returns the approved bulletin to draft."""
    body = "Thông báo về thủ tục cấp căn cước."
    outcomes: Counter[str] = Counter()
    for i in range(ITERATIONS // 4):
        script_id = add_draft(station, FIXED_NOW, body, title=f"Tin {i}")
        with services(station, FIXED_NOW) as ctx:
            seen = service.version_hash(service.get_script(ctx, script_id))
        leader, officer = _context(station, LEADER), _context(station, "officer")
        try:
            script = service.get_script(officer, script_id)
            approval, attached = _together(
                partial(service.approve_script, leader, script_id, LEADER, seen_hash=seen),
                partial(
                    service.attach_recording,
                    officer,
                    script,
                    _recording(script_id, script.content_hash, i),
                ),  # fmt: skip
            )
        finally:
            leader.session.close()
            officer.session.close()
        assert isinstance(attached, service.Change), attached
        with services(station, FIXED_NOW) as ctx:
            final = ctx.session.get(Script, script_id)
            assert final is not None and final.status == Status.DRAFT
            _check_trail(ctx, script_id, (f"Tin {i}", body))
        outcomes[
            "approval refused" if isinstance(approval, BroadcasterError) else "back to draft"
        ] += 1
    print(f"\nrecording vs approval: {dict(outcomes)}")
