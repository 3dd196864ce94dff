"""Slow and huge requests against the page under waitress (on demand, not in the test suite;
issue 23): a normal page's latency while 200 slow connections are held from one address, and
the largest temporary file and the peak RSS while a logged-out client sends a 500 MB body.

    .venv/bin/python tests/benchmarks/slow_clients.py [--waitress-defaults]

With --waitress-defaults the server runs with waitress's own limits (100 connections, 120 s
idle, 1 GB bodies), as `broadcaster serve` did before issue 23.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import resource
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import waitress
from flask import Flask
from waitress import wasyncore

SLOW = 200
SLOW_START = b"POST /login HTTP/1.1\r\nHost: radio\r\nContent-Length: 100000\r\n\r\nname=a"


@contextlib.contextmanager
def serving(app: Flask, options: dict[str, Any]) -> Iterator[int]:
    """The app under a real waitress on a free loopback port, in this process; its port."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, **options)
    stop = threading.Event()

    def run() -> None:
        # The server's loop, a turn at a time, closed by its own thread once told to stop:
        # closing it from another thread mid-turn left the loop on a closed socket (EBADF).
        while not stop.is_set():
            wasyncore.loop(timeout=0.05, map=server._map, count=1)  # type: ignore[union-attr]
        server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        wasyncore.close_all(server._map)  # type: ignore[union-attr]

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield server.effective_port  # type: ignore[union-attr]
    finally:
        stop.set()
        thread.join(timeout=10)


@contextlib.contextmanager
def slow_clients(port: int, count: int = SLOW) -> Iterator[list[socket.socket]]:
    """`count` connections from 127.0.0.1, each having sent headers and a few bytes of a body
    it never finishes; all closed at the end."""
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(SLOW_START)
            held.append(sock)
        yield held
    finally:
        for sock in held:
            sock.close()


def page_seconds(port: int, timeout: float) -> tuple[int, float]:
    """A normal GET /login: its status and how long it took."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", "/login")
        status = connection.getresponse().status
    finally:
        connection.close()
    return status, time.perf_counter() - started


def largest_temporary_file() -> int:
    """The size of the largest regular file this process holds open (waitress spools a big
    body into an unlinked temporary file, seen only through /proc/self/fd)."""
    largest = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            found = os.stat(f"/proc/self/fd/{fd}")
            if os.path.stat.S_ISREG(found.st_mode) and found.st_size > largest:
                largest = found.st_size
    return largest


def huge_body(port: int, declared: int, send_at_most: int) -> tuple[str, int]:
    """POST /login declaring `declared` bytes, sending up to `send_at_most` (or until the server
    answers); the status line and the largest temporary file seen meanwhile."""
    largest = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            largest[0] = max(largest[0], largest_temporary_file())
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    try:
        sock.sendall(
            b"POST /login HTTP/1.1\r\nHost: radio\r\nContent-Type: application/x-www-form-"
            b"urlencoded\r\nContent-Length: " + str(declared).encode() + b"\r\n\r\n"
        )
        block, sent = b"a" * 1_000_000, 0
        sock.setblocking(False)
        answer = b""
        while sent < send_at_most and not answer:
            with contextlib.suppress(BlockingIOError):
                answer = sock.recv(200)
            try:
                sent += sock.send(block)
            except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                time.sleep(0.001)
        sock.setblocking(True)
        sock.settimeout(30)
        while not answer:
            answer = sock.recv(200)  # a server still reading waits for the rest: a timeout
    except (TimeoutError, ConnectionResetError) as exc:
        answer = f"no answer ({type(exc).__name__})".encode()
    finally:
        sock.close()
        time.sleep(0.05)
        done.set()
        watcher.join()
    return answer.split(b"\r\n", 1)[0].decode("latin-1"), largest[0]


def main(defaults: bool) -> None:
    from broadcaster.web import create_app, waitress_options

    from broadcaster.config import load_settings
    from broadcaster.services.station import initialise

    options = {"threads": 4} if defaults else waitress_options()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(Path(folder), environ={}, overrides={"engine": "espeak"})
        initialise(settings, "mat-khau-quan-tri", datetime.now(timezone.utc))
        app = create_app(settings)
        with serving(app, options) as port:
            status, alone = page_seconds(port, 10)
            print(f"waitress {'defaults' if defaults else 'as broadcaster serve runs it'}")
            print(f"a page alone: {status} in {alone * 1000:.1f} ms")
            with slow_clients(port):
                try:
                    status, held = page_seconds(port, 150)
                    print(
                        f"while {SLOW} slow connections are held: {status} in {held * 1000:.1f} ms"
                    )
                except (TimeoutError, OSError) as exc:
                    print(f"while {SLOW} slow connections are held: no answer ({exc})")
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            line, largest = huge_body(port, 500_000_000, 500_000_000)
            seconds = time.perf_counter() - started
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            print(
                f"500 MB body, logged out: {line!r} after {seconds:.1f} s; largest temporary "
                f"file {largest / 1e6:.1f} MB; peak RSS {before / 1000:.0f} → {peak / 1000:.0f} MB"
            )


if __name__ == "__main__":
    main("--waitress-defaults" in sys.argv[1:])
