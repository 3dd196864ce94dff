"""A .docx of 1.6 million empty paragraphs: how long and how much memory until it is refused
(on demand, not in the test suite; issue 23).

    .venv/bin/python tests/benchmarks/docx_flood.py [PARAGRAPHS]

Makes the file (about 14 kB packed, 10 MB unpacked, python-docx's own template around it),
then reads it in a fresh process as the web page and `scripts add` do (`parse_script`) and
prints the seconds, the process's peak RSS (VmHWM) and the sentence it was refused with.
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PARAGRAPHS = 1_640_000
W = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'

READ = r"""
import sys, time
from broadcaster.errors import BroadcasterError, english
from broadcaster.intake.parse import parse_script
import docx, lxml.etree  # loaded before the clock starts, as in a running server
data = open(sys.argv[1], "rb").read()
started = time.perf_counter()
try:
    parse_script(data, "flood.docx", topic="c")
    said = "accepted"
except BroadcasterError as exc:
    said = english(exc.code, exc.data)
seconds = time.perf_counter() - started
# VmHWM, this program's own peak: getrusage's ru_maxrss survives exec, so a child of a big
# process (a pytest worker) would report its parent's size.
peak = next(l.split()[1] for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print(f"{seconds:.2f}\t{peak}\t{said}")
"""


def flood(paragraphs: int = PARAGRAPHS) -> bytes:
    """A real Word file whose body is `paragraphs` empty paragraphs."""
    import docx

    template = io.BytesIO()
    docx.Document().save(template)
    out = io.BytesIO()
    with zipfile.ZipFile(template) as source, zipfile.ZipFile(out, "w") as package:
        for item in source.infolist():
            if item.filename != "word/document.xml":
                package.writestr(item, source.read(item), zipfile.ZIP_DEFLATED)
                continue
            body = b"<w:p/>" * paragraphs
            xml = b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + W + b"><w:body>"
            package.writestr(
                item.filename, xml + body + b"</w:body></w:document>", zipfile.ZIP_DEFLATED
            )
    return out.getvalue()


def measure(path: Path) -> tuple[float, int, str]:
    """Seconds, peak RSS (kB) and the answer of a fresh process reading `path`."""
    done = subprocess.run(
        [sys.executable, "-c", READ, str(path)], capture_output=True, text=True, timeout=600,
        check=True,
    )  # fmt: skip
    seconds, peak, said = done.stdout.strip().split("\t", 2)
    return float(seconds), int(peak), said


def main(paragraphs: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flood.docx"
        path.write_bytes(flood(paragraphs))
        seconds, peak, said = measure(path)
        print(f"{paragraphs:,} empty paragraphs, {path.stat().st_size / 1000:.1f} kB packed")
        print(f"refused in {seconds:.2f} s, peak RSS {peak / 1000:.0f} MB: {said}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else PARAGRAPHS)
