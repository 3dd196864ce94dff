"""The agent at each loudspeaker cluster (`broadcaster agent`): receives its programme over
MQTT, fetches and checks the audio, plays it from its own clock, reports what it did.

It imports the wire format, the outputs and the standard library, never the station's web
app, database or scheduler (see broadcaster/entry.py).
"""

from __future__ import annotations


def main(argv: list[str] | None = None) -> int:
    """Run the agent (see broadcaster.agent.main)."""
    from broadcaster.agent.main import main as run

    return run(argv)
