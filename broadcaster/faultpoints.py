"""Named moments in the daemon where a fault test can hold it still and kill it with SIGKILL.

`reach("seal")` does nothing unless the environment names that point:
BROADCASTER_FAULT_POINT=seal makes the thread that reaches it write the file named by
BROADCASTER_FAULT_MARK ("POINT PID") and then wait for good, so a test that sees the file
kills the process at exactly that moment (tests/faults/test_kill_points.py). A town's
daemon never has these variables; the cost there is one dictionary look-up.
"""

from __future__ import annotations

import os
import threading

POINT_VARIABLE = "BROADCASTER_FAULT_POINT"
MARK_VARIABLE = "BROADCASTER_FAULT_MARK"


def reach(name: str) -> None:
    """Hold this thread for good if the environment names `name` as the fault point."""
    if os.environ.get(POINT_VARIABLE) != name:
        return
    mark = os.environ.get(MARK_VARIABLE)
    if mark:
        with open(mark, "a", encoding="utf-8") as out:
            out.write(f"{name} {os.getpid()}\n")
    threading.Event().wait()  # until the test kills the process
