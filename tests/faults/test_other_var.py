"""Two daemons from two folders on one PostgreSQL database: kill -9 of the first mid-bulletin.

The second daemon has its own `var/` (no on-air note of the first, no journal, no player
record); what it needs is in the database: the bulletin's `started` row, sealed before the
first sample. It takes the air over once the first is gone, seals the cut bulletin
`interrupted` (never "never reached the speakers") and airs the rest of the slot; the player's
own log shows the first bulletin once.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from pathlib import Path

import pytest

from broadcaster.config import load_settings
from tests.helpers import (
    airing_rows,
    approved_bulletins,
    begun_slot_file,
    planned_entries,
    running_daemon,
    stop_daemon,
    wait_for,
)
from tests.private_postgres import private_postgres

pytestmark = pytest.mark.slow

PLAYER = Path(__file__).with_name("player.py")
LONG = "Thông báo của Ủy ban nhân dân thị trấn. Bà con nộp hồ sơ trực tuyến tại nhà. " * 5


def test_a_daemon_from_another_folder_closes_the_cut_bulletin_from_the_database(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with private_postgres() as server:
        url = server.url
        approved_bulletins(project, url, LONG, "Bản tin thứ hai. Xin cảm ơn bà con.")
        begun_slot_file(project, load_settings(project, environ={}).tz, seconds_ago=1)
        other = tmp_path_factory.mktemp("other-station")
        shutil.copytree(project / "schedules", other / "schedules")
        shutil.copytree(project / "var" / "audio", other / "var" / "audio")  # a copied PC
        log, names = project / "played.log", project / "names.log"
        player = f"command:{sys.executable} {PLAYER} {log} {{file}} --names {names}"
        with running_daemon(project, url, "--output", player) as first:
            wait_for(lambda: planned_entries(project, url) >= 2, "the slot to be planned")
            wait_for(lambda: log.exists() and "tick" in log.read_text(), "the first bulletin")
            os.killpg(first.pid, signal.SIGKILL)  # the daemon and its player, at once
            first.wait()
        assert not (other / "var" / "on-air.json").exists()
        with running_daemon(other, url, "--output", player) as second:
            wait_for(lambda: [r["outcome"] for r in airing_rows(other, url)][-1:] == ["aired"],
                     "the rest of the slot")  # fmt: skip
            stop_daemon(second)
        rows = airing_rows(other, url)
    assert [(r["script_id"], r["outcome"]) for r in rows] == [(1, "interrupted"), (2, "aired")]
    assert "daemon_ended_during" in str(rows[0]["error"])
    played = [line.split()[1] for line in names.read_text().splitlines()]
    assert len(played) == 2 and played[0] != played[1]  # bulletin 1 once, then bulletin 2
