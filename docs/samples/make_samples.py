"""Make the sample reports in this folder from the demo data: `python docs/samples/make_samples.py`
(or into FOLDER: `python docs/samples/make_samples.py FOLDER`).

A scratch station gets the demo scripts (`broadcaster init --demo`), then the first
reporting quarter of 2024 (15 Dec 2023 – 14 Mar 2024) of airings, four a day in the two
daily slots, sealed into the hash chain as the daemon seals them (with a few failed, missed
and interrupted ones). The report of 2024-Q1 is written in every format, with the evidence
pack, as on 20 March 2024.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

from broadcaster.bench.report import seed_airings
from broadcaster.config import load_settings
from broadcaster.services import reports
from broadcaster.services.context import Context
from broadcaster.services.station import initialise, open_station

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
MADE_ON = datetime(2024, 3, 20, 2, 0, tzinfo=timezone.utc)


def main(out: Path = HERE) -> None:
    """Write bao-cao-phat-thanh-20231215-20240314.{xlsx,docx,csv,json} and the pack into `out`."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name in ("schedules", "scripts_vi"):
            shutil.copytree(REPO / name, folder / name)
        settings = load_settings(
            folder,
            environ={},
            overrides={"engine": "espeak", "town": "thị trấn Yên Mỹ", "province": "tỉnh Hưng Yên"},
        )
        initialise(settings, "mau-bao-cao-2024", MADE_ON, demo=True)
        station = open_station(settings)
        with station.sessions() as session:
            seed_airings(session, date(2023, 12, 15), 91, 4, settings.tz,
                         settings.var_path / "ledger")  # fmt: skip
        with station.sessions() as session:
            ctx = Context(settings, session, lambda: MADE_ON)
            quarter = reports.named_period(ctx, "2024-Q1")
            for fmt in reports.FORMATS:
                made = reports.office_report(ctx, quarter, fmt, samples=True)
                made.save(out / made.name)
                print(f"{made.name}: {made.rows} rows; {made.checked.sentence()}")
            pack = reports.evidence_pack(ctx, quarter, samples=True)
            pack.save(out / pack.name)
            print(f"{pack.name}: {(out / pack.name).stat().st_size} bytes")
        station.engine.dispose()


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if sys.argv[1:] else HERE))
