"""A .docx inside the size limits that would cost hundreds of MB (issue 23): 1.6 million empty
paragraphs are refused while streaming, in flat memory, on the page and on the command line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from broadcaster.web import create_app
from click.testing import CliRunner

from broadcaster.cli import main
from tests.benchmarks.docx_flood import flood, measure
from tests.conftest import FIXED_NOW
from tests.intake.test_hostile_input import logged_in, token


@pytest.fixture(scope="module")
def flood_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("flood") / "flood.docx"
    path.write_bytes(flood())
    return path


def test_the_flood_is_refused_in_flat_memory(flood_file: Path) -> None:
    seconds, peak_kb, said = measure(flood_file)
    print(f"\n.docx flood refused in {seconds:.2f} s, peak RSS {peak_kb / 1000:.0f} MB")
    assert "holds more than 300000 XML elements" in said
    assert peak_kb < 250_000  # it was 400–560 MB, and 20–50 s, before the streaming count


def test_the_page_refuses_the_flood_in_one_vietnamese_sentence(station, flood_file: Path) -> None:  # type: ignore[no-untyped-def]
    app = create_app(station.settings, {"TESTING": True}, clock=lambda: FIXED_NOW)
    client = logged_in(app)
    form = {"file": (io.BytesIO(flood_file.read_bytes()), "flood.docx"), "topic": "c"}
    answer = client.post(
        "/scripts", data=form | {"csrf_token": token(client)},
        content_type="multipart/form-data", follow_redirects=True,
    )  # fmt: skip
    app.extensions["broadcaster"].engine.dispose()
    assert "có quá nhiều thành phần (hơn 300000)" in answer.get_data(as_text=True)


def test_the_command_line_refuses_the_flood_in_one_english_sentence(
    station, runner: CliRunner, flood_file: Path
) -> None:  # type: ignore[no-untyped-def]
    done = runner.invoke(main, ["scripts", "add", str(flood_file), "--topic", "c"])
    assert done.exit_code == 1
    assert "flood.docx holds more than 300000 XML elements" in done.output
    assert "Traceback" not in done.output
