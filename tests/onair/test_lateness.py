"""Why a slot started late: each reason the daemon knows, first that applies, and none on time."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from broadcaster.notes import NoteCode
from broadcaster.onair.lateness import LATE_SECONDS, late_start

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SLOT = datetime(2026, 12, 7, 0, 0, tzinfo=timezone.utc)  # 07:00 in the town
LATE = SLOT + timedelta(seconds=95)


def test_on_time_says_nothing() -> None:
    assert late_start(SLOT, SLOT + timedelta(seconds=LATE_SECONDS), TZ) is None


def test_a_daemon_started_after_the_slot_names_its_start() -> None:
    found = late_start(SLOT, LATE, TZ, daemon_since=SLOT + timedelta(seconds=80),
                       database_trouble=SLOT)  # fmt: skip
    assert found is not None and found.code == NoteCode.LATE_DAEMON_STARTED
    assert found.data == {"seconds": "95", "since": "07:01:20 07/12/2026"}
    assert "the daemon started at 07:01:20 07/12/2026" in found.english()


def test_a_database_that_stopped_answering_is_named_next() -> None:
    found = late_start(SLOT, LATE, TZ, daemon_since=SLOT - timedelta(hours=1),
                       database_trouble=SLOT - timedelta(seconds=30))  # fmt: skip
    assert found is not None and found.code == NoteCode.LATE_DATABASE
    assert "cơ sở dữ liệu không trả lời từ 06:59:30 07/12/2026" in found.vietnamese()


def test_a_clock_step_after_the_slot_time_is_named() -> None:
    jumps = [(SLOT - timedelta(hours=3), SLOT - timedelta(hours=2)),
             (SLOT + timedelta(seconds=10), SLOT + timedelta(seconds=70))]  # fmt: skip
    found = late_start(SLOT, LATE, TZ, jumps=jumps)
    assert found is not None and found.code == NoteCode.LATE_CLOCK
    assert found.data["at"] == "07:01:10 07/12/2026"


def test_nothing_known_says_the_air_or_the_machine_was_busy() -> None:
    old_jump = [(SLOT - timedelta(hours=3), SLOT - timedelta(hours=2))]
    found = late_start(SLOT, LATE, TZ, daemon_since=SLOT - timedelta(days=1), jumps=old_jump)
    assert found is not None and found.code == NoteCode.LATE_BUSY
