"""How `broadcaster serve` runs the page under waitress: the limits on connections, idle
time and request bodies that keep slow or huge requests cheap (docs/installation.md, "Slow
and huge requests").

Waitress reads every request whole in its one I/O thread before a worker sees it, so a slow
client holds a connection, never a worker. Its defaults (100 connections, 120 s idle, 1 GB
bodies spooled to a temporary file) let 105 slow sockets take the page down for everyone and a
logged-out 500 MB POST fill the disk. Here: room for CONNECTION_LIMIT connections (200 slow
ones from one address leave the page answering), IDLE_SECONDS of silence, and no body over the
largest any route takes (waitress answers 413 itself at the headers, so a 500 MB body is never
written anywhere). A deadline for a whole request and limits per address are the reverse
proxy's (Caddy or nginx, see the installation guide): waitress has neither.
"""

from __future__ import annotations

import resource
from typing import Any

from broadcaster.services.recording import MAX_UPLOAD_BYTES
from broadcaster.services.scripts import MAX_SCRIPT_BYTES

# The largest request any route takes (a recorded reading and its form); each route's own,
# smaller limit is checked by Flask before the body is read (web/__init__.py BODY_LIMITS).
FORM_LIMIT = 1_000_000
MAX_BODY = max(MAX_UPLOAD_BYTES, MAX_SCRIPT_BYTES) + FORM_LIMIT
CONNECTION_LIMIT = 1000
IDLE_SECONDS = 30  # a connection that sends nothing this long is closed
HEADER_LIMIT = 64 * 1024  # request line and headers (waitress: 256 kB)
THREADS = 4


def waitress_options() -> dict[str, Any]:
    """The keyword arguments of `waitress.serve` / `create_server` for the page."""
    return {
        "threads": THREADS,
        "connection_limit": CONNECTION_LIMIT,
        "channel_timeout": IDLE_SECONDS,
        "cleanup_interval": 10,
        "max_request_body_size": MAX_BODY,
        "max_request_header_size": HEADER_LIMIT,
        "ident": "broadcaster",
    }


def open_files_for_connections() -> None:
    """Raise this process's limit on open files so CONNECTION_LIMIT sockets fit (the soft
    limit is often 1,024); never above the hard limit the system allows."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = CONNECTION_LIMIT + 200  # the database, the audio files, the logs
    if soft != resource.RLIM_INFINITY and soft < wanted:
        top = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (top, hard))
