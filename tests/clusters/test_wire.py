"""The messages between the station and its clusters: what goes out comes back the same, a
newer programme names what it retracts and replaces, and whatever a broken or hostile sender
puts on the wire is refused in one sentence."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from broadcaster.clusters import wire
from tests.conftest import FIXED_NOW as NOW

SHA = "a" * 64


def _entry(key: str, sha: str = SHA) -> wire.Entry:
    return wire.Entry(
        key, "Sáng", NOW, 3, "Thông báo lịch tiêm chủng", sha, 61.5, "/agent/audio/" + sha
    )


def test_every_message_comes_back_as_it_went() -> None:
    messages = [
        wire.Programme("thon-1", 7, NOW, NOW + timedelta(hours=48), (_entry("e-1"), _entry("e-2"))),
        wire.Emergency(
            "x-5",
            "thon-1",
            "Cảnh báo bão",
            SHA,
            40.0,
            "/agent/audio/" + SHA,
            NOW,
            NOW + timedelta(minutes=30),
            "Chủ tịch",
        ),  # fmt: skip
        wire.Report("thon-1", "e-1", "aired", SHA, NOW, NOW, NOW, True, NOW, None),
        wire.Health("thon-1", True, NOW, "1", 47.5, ("e-9",), 512.0, "e-1", NOW, None),
        wire.Health("thon-1", False),
    ]
    for message in messages:
        assert wire.decode(wire.encode(message)) == message


def test_a_newer_programme_names_what_it_retracts_and_replaces() -> None:
    old = wire.Programme("thon-1", 1, NOW, NOW, (_entry("e-1"), _entry("e-2"), _entry("e-3")))
    new = wire.Programme(
        "thon-1", 2, NOW, NOW, (_entry("e-1"), _entry("e-3", "b" * 64), _entry("e-4"))
    )
    retracted, added = wire.changes(old, new)
    assert [e.key for e in retracted] == ["e-2", "e-3"]  # e-3 is replaced: new audio
    assert [e.key for e in added] == ["e-3", "e-4"]
    assert wire.changes(None, old) == ([], list(old.entries))
    assert wire.changes(old, old) == ([], [])


def test_topics_belong_to_the_layout() -> None:
    assert wire.topic("report", "thon-1") == "broadcaster/report/thon-1"
    assert wire.cluster_of("broadcaster/health/thon-2") == ("health", "thon-2")
    for bad in (
        "broadcaster/report",
        "other/report/x",
        "broadcaster/secrets/x",
        "broadcaster/report/",
    ):
        with pytest.raises(wire.WireError, match="is not one of the station's"):
            wire.cluster_of(bad)


def test_malformed_messages_are_refused_in_one_sentence_each() -> None:
    """wire refuses the malformed messages a hostile agent could send, in one sentence each."""
    good = wire.Report("thon-1", "e-1", "aired", "a" * 64, NOW, NOW, NOW)
    payload = wire.encode(good)
    assert wire.decode(payload) == good
    for broken, says in (
        (payload.replace(b'"aired"', b'"played"'), "kind 'played' is not one of"),
        (payload.replace(b'"a' + b"a" * 63 + b'"', b'"xyz"'), "sha256 is not 64 hex digits"),
        (payload.replace(b'"thon-1"', b'""'), "cluster is not a short text"),
        (payload.replace(b'"v":1', b'"v":2'), "not a version-1 station message"),
        (b"\xff" * 10, "message is not JSON"),
        (payload[:-5], "message is not JSON"),
        (payload.replace(b'"reported_at":"', b'"reported_at":"x'), "reported_at is not a time"),
    ):
        with pytest.raises(wire.WireError, match=says):
            wire.decode(broken)
    too_many = dataclasses.replace(
        wire.Programme("thon-1", 1, NOW, NOW), entries=tuple(_entry(f"e-{n}") for n in range(2001))
    )
    with pytest.raises(wire.WireError, match="entries is not a list of at most 2000"):
        wire.decode(wire.encode(too_many))
    with pytest.raises(wire.WireError, match="over the limit"):
        wire.decode(b" " * (wire.MAX_MESSAGE + 1))
