"""Filing a bulletin: its priority, its kind and, for a CCHC bulletin, its plan topic.

Only CCHC bulletins count against the propaganda plan (issue 24), so only they need a plan
topic; an emergency, a public notice or another bulletin is reported in a table of its own.
"""

from __future__ import annotations

from broadcaster.enums import Kind, Priority, Topic
from broadcaster.errors import Code
from broadcaster.intake.parse import ScriptRejected


def clean_priority(raw: str | None) -> Priority:
    """The priority named by `raw` (default normal), or PRIORITY_UNKNOWN."""
    value = (raw or Priority.NORMAL).strip().lower()
    if value not in set(Priority):
        raise ScriptRejected(Code.PRIORITY_UNKNOWN, priority=raw)
    return Priority(value)


def clean_kind(raw: str | None, priority: Priority = Priority.NORMAL) -> Kind:
    """The kind named by `raw`; without one, an emergency is an emergency and the rest CCHC
    (KIND_UNKNOWN for a word that is not a kind)."""
    if not (raw or "").strip():
        return Kind.EMERGENCY if priority == Priority.EMERGENCY else Kind.CCHC
    value = (raw or "").strip().lower()
    if value not in set(Kind):
        raise ScriptRejected(Code.KIND_UNKNOWN, kind=raw)
    return Kind(value)


def plan_topic(kind: Kind, topic: Topic | None, name: str) -> Topic | None:
    """The plan topic a bulletin of `kind` keeps: a CCHC bulletin needs one (TOPIC_MISSING);
    the other kinds are reported outside the plan and keep none."""
    if kind != Kind.CCHC:
        return None
    if topic is None:
        raise ScriptRejected(Code.TOPIC_MISSING, name=name)
    return topic
