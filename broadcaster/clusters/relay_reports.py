"""A cluster's report of a relay part → its evidence row: as the station's own relay rows
(`onair.relay_air`), no script; the upper station's address without credentials, the part's
number, the seconds the agent received and its gaps, sealed with the outcome."""

from __future__ import annotations

import json

from broadcaster.clusters import wire
from broadcaster.enums import Outcome, RelayPart
from broadcaster.store.db import Airing, Dispatch


def relay_row(cluster: str, sent: Dispatch, report: wire.Report) -> Airing:
    """The row a relay part's first report opens (`sent`: the relay's dispatch row)."""
    return Airing(
        script_id=None, kind=RelayPart.RELAY.value, title=sent.slot_name or sent.entry,
        slot_name=sent.slot_name, attempt=wire.relay_of(report.entry)[1],
        planned_start=sent.starts_at, started_at=report.started_at, outcome=Outcome.STARTED,
        output=f"cluster:{cluster}", host=cluster, cluster=cluster, cluster_entry=report.entry,
        relay_url=sent.relay_url,
    )  # fmt: skip


def relay_receipt(report: wire.Report) -> dict[str, object]:
    """The columns a relay part's final report closes its row with: what was received."""
    received = round(report.received_s, 3) if report.received_s is not None else 0.0
    return {
        "received_s": received,
        "duration_s": received,  # as on the station: a relay lasted what was heard
        "gaps": json.dumps([list(gap) for gap in report.gaps]),
    }
