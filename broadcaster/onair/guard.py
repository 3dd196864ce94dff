"""The player's guard: the small process that owns a player's process group.

Run as `python -S guard.py PARENT_PID -- PLAYER ARGS...` in a session of its own, so it leads
the process group its player and all the player's children join. It waits for "go" on its
standard input (the daemon sends it once the group is recorded, on disk and in the database,
so the next daemon can silence it), then starts the player and waits for it. It kills the
whole group, children of children too, and itself:
- when its parent (the daemon) dies: PR_SET_PDEATHSIG on Linux, and a look at its parent every
  POLL_SECONDS where that signal cannot reach (the thread that started it has ended);
- when it is sent SIGTERM: a cut, a stop, or a takeover by another daemon on this machine.
It exits with the player's exit code (128 + N when a signal N ended the player).

Only the standard library, and nothing from Broadcaster: it starts in a few milliseconds.
"""

import os
import signal
import subprocess
import sys

POLL_SECONDS = 0.05


def _kill_group(*_: object) -> None:
    """Everything in the group goes: the player, its children, and this guard."""
    os.killpg(0, signal.SIGKILL)


def _die_with(parent: int) -> None:
    signal.signal(signal.SIGTERM, _kill_group)
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the daemon died before the signal was set
        _kill_group()


def main(argv: list[str]) -> int:
    parent, args = int(argv[1]), argv[3:]
    _die_with(parent)
    if sys.stdin.readline().strip() != "go":  # the daemon went away before the go
        return 1
    player = subprocess.Popen(args, stdin=subprocess.DEVNULL)  # joins this group
    while True:
        try:
            code = player.wait(timeout=POLL_SECONDS)
            return code if code >= 0 else 128 - code
        except subprocess.TimeoutExpired:
            if os.getppid() != parent:
                _kill_group()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
