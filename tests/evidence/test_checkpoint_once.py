"""A chain without a verified checkpoint is walked whole once (issue 25): by the daemon in the
background when it starts, or by the first of several reports that come together; every
later report, download and pack walks only what is new. Each walk is counted here."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from broadcaster.web import create_app
from flask.testing import FlaskClient

from broadcaster.bench.report import seed_airings
from broadcaster.daemon.process import Daemon
from broadcaster.evidence import checkpoint, ledger
from broadcaster.evidence.verify import Verdict
from broadcaster.onair.outputs import NullOutput
from broadcaster.services import reports
from broadcaster.services.station import Station
from broadcaster.store.users import create_user
from tests.conftest import FIXED_NOW
from tests.helpers import add_draft, services, wait_for
from tests.reports.test_report_web import PASSWORD, token

Walks = list[tuple[int | None, int]]  # (the link a walk started after, or None; links walked)


@pytest.fixture
def walks(monkeypatch: pytest.MonkeyPatch) -> Walks:
    """Every walk of the chain a check makes, with where it started and how far it went."""
    found: Walks = []
    real: Callable[..., Verdict] = checkpoint.verify

    def counted(*args: object, since: ledger.Head | None = None, **kwargs: object) -> Verdict:
        verdict = real(*args, since=since, **kwargs)
        found.append((since[0] if since else None, verdict.checked))
        return verdict

    monkeypatch.setattr(checkpoint, "verify", counted)
    return found


@pytest.fixture
def chain(station: Station) -> int:
    """Two months of sealed airings and their anchor files, and no checkpoint: the chain's
    length."""
    add_draft(station, FIXED_NOW, "Bản tin a.", topic="a", title="Bản tin a")
    with station.sessions() as session:
        seed_airings(session, date(2024, 1, 1), 60, 2, station.settings.tz,
                     station.settings.var_path / "ledger")  # fmt: skip
        head = ledger.head(session)
    assert head is not None and checkpoint.load(station.settings.var_path) is None
    return head[0]


def _start_daemon_until_checkpoint(station: Station) -> None:
    """Start a daemon (no slot due) and stop it once its one-off checkpoint job is done (run
    and taken off the scheduler: a stop between the two would race APScheduler's removal)."""
    stop = threading.Event()
    daemon = Daemon(station.settings, station.sessions, [], NullOutput())

    def ready() -> None:
        wait_for(
            lambda: (
                checkpoint.load(station.settings.var_path)
                and daemon.scheduler.get_job("checkpoint_job_now") is None
            ),
            "the first checkpoint",
        )
        stop.set()

    daemon.run(stop, on_ready=ready)


def _office_client(station: Station) -> FlaskClient:
    with station.sessions() as session:
        create_user(session, "vanphong", PASSWORD, "office")
        session.commit()
    client = create_app(station.settings, {"TESTING": True}, lambda: FIXED_NOW).test_client()
    form = {"name": "vanphong", "password": PASSWORD, "csrf_token": token(client, "/login")}
    assert client.post("/login", data=form).status_code == 302
    return client


def test_the_daemon_makes_the_checkpoint_once_and_no_download_walks_the_chain(
    station: Station, chain: int, walks: Walks
) -> None:
    _start_daemon_until_checkpoint(station)
    assert walks == [(None, chain)]  # the whole chain, once, at the start
    saved = checkpoint.load(station.settings.var_path)
    assert saved is not None and saved.seq == chain
    _start_daemon_until_checkpoint(station)  # a second start finds it and walks nothing
    client = _office_client(station)
    answer = client.get("/log/report.csv?from=2024-01-01&to=2024-01-31")  # a GET saves nothing
    assert answer.status_code == 200 and "Chuỗi đã kiểm tra đến bản ghi" in answer.text
    with services(station, FIXED_NOW) as ctx:
        days = reports.period(ctx, "2024-01-01", "2024-03-31")
        for made in (
            reports.office_report(ctx, days, "csv", record=False),
            reports.office_report(ctx, days, "xlsx"),
            reports.evidence_pack(ctx, days),
        ):
            made.file.close()
            assert made.checked.ok and not made.checked.full
    assert walks[0] == (None, chain) and walks[1:] == [(chain, 0)] * 4
    client.application.extensions["broadcaster"].engine.dispose()


def test_reports_that_come_together_without_a_checkpoint_walk_the_chain_once(
    station: Station, chain: int, walks: Walks
) -> None:
    together = threading.Barrier(3)
    checks: list[checkpoint.Check] = []

    def report() -> None:
        together.wait()
        with services(station, FIXED_NOW) as ctx:
            made = reports.office_report(ctx, reports.period(ctx, "2024-01-01", "2024-01-31"))
            made.file.close()
            checks.append(made.checked)

    threads = [threading.Thread(target=report) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(walks, key=lambda walk: walk[0] or 0) == [(None, chain), (chain, 0), (chain, 0)]
    assert sorted(check.full for check in checks) == [False, False, True]


def test_a_checkpoint_is_made_only_where_there_is_none(
    station: Station, chain: int, walks: Walks, tmp_path: Path
) -> None:
    with services(station, FIXED_NOW) as ctx:
        made = reports.make_checkpoint(ctx)
        assert made is not None and made.ok and made.full and made.last == chain
        assert reports.make_checkpoint(ctx) is None
    assert walks == [(None, chain)]
