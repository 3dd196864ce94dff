"""docs/samples/make_samples.py still makes the samples the README points the Office to (it had
been broken by a rename for months with nobody noticing): run it into a scratch folder and open
what it wrote."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl

from tests.helpers import cli_env

REPO = Path(__file__).resolve().parents[2]
STEM = "bao-cao-phat-thanh-20231215-20240314"


def test_the_samples_script_makes_every_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "docs" / "samples" / "make_samples.py"), str(tmp_path)],
        env=cli_env(None), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    made = sorted(p.name for p in tmp_path.iterdir())
    assert made == sorted([f"{STEM}.{x}" for x in ("csv", "docx", "json", "xlsx")]
                          + ["ho-so-bao-cao-20231215-20240314.zip"])  # fmt: skip
    book = openpyxl.load_workbook(tmp_path / f"{STEM}.xlsx", read_only=True)
    rows = [row for row in book.worksheets[-1].iter_rows(values_only=True) if any(row)]
    assert len(rows) > 364  # the quarter's 364 airings and the sheet's heading
    with zipfile.ZipFile(tmp_path / "ho-so-bao-cao-20231215-20240314.zip") as pack:
        assert pack.testzip() is None
    assert (tmp_path / f"{STEM}.csv").read_bytes().startswith(b"\xef\xbb\xbf")  # for Excel
