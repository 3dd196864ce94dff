"""`broadcaster bench commands`: how long the light commands take and how much memory they and
the two long-running processes hold, each in a fresh process of the real console script.

- `broadcaster --help` and `broadcaster status` (on a scratch station made by `init`): RUNS
  runs each, wall seconds (median and slowest) and peak memory (VmHWM, the process's own
  high-water mark, read as it exits);
- `broadcaster serve` once its login page has answered, and `broadcaster run` (the daemon,
  file output, no bulletin) once it says it is ready: their peak memory before any render.

Targets (issue 25): each command ≤ 0.4 s and ≤ 60 MB; the web process and the idle daemon
≤ 100 MB.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Callable
from urllib.request import urlopen

from broadcaster.bench.cluster_setup import free_port

COMMAND_SECONDS, COMMAND_MB, PROCESS_MB = 0.4, 60, 100
READY_WITHIN = 60.0  # seconds for a process to answer (a deadline, not a measured speed)
# Runs the console script's own entry point, then prints the peak memory as its last line.
_WRAP = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status', encoding='ascii'):\n"
    "        if line.startswith('VmHWM:'):\n"
    '            sys.stderr.write(f"\\npeak {int(line.split()[1]) // 1024}\\n")\n'
    "atexit.register(_peak)\n"
    "sys.argv = ['broadcaster', *sys.argv[1:]]\n"
    "from broadcaster.entry import main\n"
    "main()\n"
)


class BenchError(Exception):
    """A step of the bench did not work; the message says which."""


@dataclass(frozen=True)
class Figure:
    """One measured thing: seconds (None for a long-running process) and peak memory in MB."""

    what: str
    seconds: list[float]
    peak_mb: int

    def met(self) -> bool:
        if not self.seconds:
            return self.peak_mb <= PROCESS_MB
        return max(self.seconds) <= COMMAND_SECONDS and self.peak_mb <= COMMAND_MB

    def line(self) -> str:
        verdict = "met" if self.met() else "NOT met"
        if not self.seconds:
            return (
                f"{self.what:<34} {'':>9} {'':>9} {self.peak_mb:>7}  ≤ {PROCESS_MB} MB  {verdict}"
            )
        median, slowest = statistics.median(self.seconds), max(self.seconds)
        target = f"≤ {COMMAND_SECONDS} s, ≤ {COMMAND_MB} MB"
        return (
            f"{self.what:<34} {median:>9.3f} {slowest:>9.3f} {self.peak_mb:>7}  {target}  {verdict}"
        )


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("BROADCASTER_")}


def run_command(folder: Path, *args: str) -> tuple[float, int]:
    """`broadcaster ARGS` once in a fresh process in `folder`: its wall seconds and peak MB."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAP, *args], cwd=folder, env=_env(), capture_output=True,
        text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise BenchError(f"broadcaster {' '.join(args)} failed: {done.stderr.strip()[-1000:]}")
    return seconds, int(done.stderr.rstrip().rpartition("\n")[2].removeprefix("peak "))


def command_figure(folder: Path, runs: int, *args: str) -> Figure:
    measured = [run_command(folder, *args) for _ in range(runs)]
    return Figure(
        f"broadcaster {' '.join(args)}", [s for s, _ in measured], max(m for _, m in measured)
    )


def _peak_of(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    raise BenchError(f"no VmHWM for process {pid}")


def process_figure(
    folder: Path, what: str, args: list[str], ready: Callable[[str], bool]
) -> Figure:
    """Start `broadcaster ARGS` in `folder`, wait until `ready` says so of what it printed, read
    its peak memory, then stop it."""
    with tempfile.TemporaryFile("w+") as said:
        process = subprocess.Popen(
            [sys.executable, "-c", _WRAP, *args], cwd=folder, env=_env(), stdout=said,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + READY_WITHIN
            while not ready(_printed(said)):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise BenchError(
                        f"broadcaster {' '.join(args)} did not start: {_printed(said)[-1000:]}"
                    )
                time.sleep(0.2)
            time.sleep(1.0)  # what it does just after it is ready counts too
            return Figure(what, [], _peak_of(process.pid))
        finally:
            process.terminate()
            process.wait(30)


def _printed(said: IO[str]) -> str:
    said.seek(0)
    return said.read()


def _answers(url: str) -> Callable[[str], bool]:
    def ready(_: str) -> bool:
        try:
            with urlopen(url, timeout=2) as response:  # noqa: S310 (a loopback address)
                return bool(response.status == 200)
        except OSError:
            return False

    return ready


def bench_commands(runs: int, say: Callable[[str], None]) -> list[Figure]:
    """Every figure, measured in a scratch station made by `broadcaster init`."""
    with tempfile.TemporaryDirectory(prefix="bench-commands-") as scratch:
        folder = Path(scratch)
        run_command(folder, "init", "--admin-password", "bench-password", "--town", "xã Thử",
                    "--province", "tỉnh Thử")  # fmt: skip
        figures = [command_figure(folder, runs, "--help"), command_figure(folder, runs, "status")]
        say("commands measured; starting the web page")
        port = free_port()
        login = _answers(f"http://127.0.0.1:{port}/login")
        figures.append(
            process_figure(
                folder, "broadcaster serve (web page)", ["serve", "--port", str(port)], login
            )
        )
        say("starting the daemon")
        figures.append(
            process_figure(
                folder,
                "broadcaster run (idle daemon)",
                ["run"],
                lambda said: "Daemon ready." in said,
            )
        )
    return figures


def lines(figures: list[Figure], runs: int) -> list[str]:
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    head = f"{'':<34} {'median s':>9} {'slowest':>9} {'peak MB':>7}  target"
    return [f"{runs} runs of each command; load average {load}; {os.cpu_count()} CPUs", head] + [
        figure.line() for figure in figures
    ]
