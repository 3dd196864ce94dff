"""Broadcaster: CCHC bulletins from script to the town's loudspeakers, with an evidence log."""

__version__ = "0.1.0"
