"""Bad input, table by table: every case is refused with one sentence and changes nothing.

Each row runs one command line against a real `init`-ed station (a SQLite file, var/,
the town's slot file) in its own folder: a bad argument, a bad file, a bad setting in
broadcaster.toml or the environment, or a bad slot file. For every row the test checks
the exit code (1: the command was understood and refused; 2: click could not parse the
command line, see docs/reference.md, *Command line*), that the answer is one sentence with no
traceback, and that the database's rows and bytes and every file under var/ are exactly
as they were.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner

from broadcaster.cli import main
from tests.conftest import REPO, db_snapshot
from tests.helpers import run_cli

DB_URL = "sqlite:///var/broadcaster.db"
BIG = 2**63
SLOT = '[[slot]]\nname = "{name}"\nstart = "{start}"\nminutes = {minutes}\n'
GOOD_SLOTS = SLOT.format(name="Sáng", start="06:00", minutes=30) + SLOT.format(
    name="Chiều", start="17:00", minutes=30
)
SECRET = "s3cret-pass"


@dataclass(frozen=True)
class Case:
    """One bad input: the command line, what is on disk first, and the answer expected."""

    args: tuple[str, ...]
    code: int
    says: str  # a part of the one sentence (the whole of it where it is short)
    files: dict[str, bytes] = field(default_factory=dict)
    config: str | None = None  # broadcaster.toml
    slots: dict[str, bytes] | None = None  # replaces schedules/*.toml
    env: dict[str, str] = field(default_factory=dict)


def cli(*args: str, code: int, says: str, **kw: object) -> Case:
    return Case(tuple(args), code, says, **kw)  # type: ignore[arg-type]


def setting(toml: str, says: str) -> Case:
    """A bad broadcaster.toml: adding a script is refused, and nothing is added."""
    return Case(("scripts", "add", "new.txt", "--topic", "a"), 1, says, config=toml)


def slot_file(text: str | bytes, says: str, extra: dict[str, bytes] | None = None) -> Case:
    """A bad slot file: `init` (which installs the slots) is refused, and no slot changes."""
    data = text.encode() if isinstance(text, str) else text
    return Case(("init",), 1, says, slots={"town.toml": data, **(extra or {})})


TEXT = "Nội dung bản tin mới.".encode()

CASES: dict[str, Case] = {
    # --- script ids: not a whole number is a usage error; a whole number that names no script is refused
    "show-abc": cli("scripts", "show", "abc", code=2, says="'abc' is not a valid integer"),
    "show-fraction": cli("scripts", "show", "1.5", code=2, says="'1.5' is not a valid integer"),
    "show-empty": cli("scripts", "show", "", code=2, says="'' is not a valid integer"),
    "show-negative": cli("scripts", "show", "-1", code=1, says="There is no script with id -1."),
    "show-zero": cli("scripts", "show", "0", code=1, says="There is no script with id 0."),
    "show-2^63": cli("scripts", "show", str(BIG), code=1, says=f"no script with id {BIG}."),
    "show-10^30": cli("scripts", "show", "1" + "0" * 30, code=1, says="There is no script with id"),
    "show-extra": cli("scripts", "show", "1", "2", code=2, says="unexpected extra argument (2)"),
    "zones-add-comma": cli("zones", "add", "Thôn 1, Thôn 2", code=1, says="no comma, such as 'Thôn 1'."),
    "zones-add-blank": cli("zones", "add", "   ", code=1, says="A zone name has 1 to 100 characters"),
    "zones-of-script-none": cli("zones", "of-script", "999", "Thôn 1", code=1, says="There is no script with id 999."),
    "clusters-add-no-broker": cli("clusters", "add", "thon-1", "--zone", "Thôn 1", code=1, says="No loudspeaker clusters are set up"),
    "clusters-add-no-zone": cli("clusters", "add", "thon-1", code=2, says="Missing option '--zone'"),
    "clusters-add-lat": cli("clusters", "add", "thon-1", "--zone", "A", "--lat", "95", code=2, says="95.0 is not in the range -90<=x<=90"),
    "clusters-disable-none": cli("clusters", "disable", "nope", code=1, says="There is no cluster named 'nope'"),
    "air-now-unknown-zone": cli("air-now", "1", "--zone", "Thôn 9", code=1, says="There is no zone named 'Thôn 9'"),
    "approve-abc": cli("scripts", "approve", "abc", "--by", "A", code=2, says="not a valid integer"),
    "approve-no-by": cli("scripts", "approve", "1", code=2, says="Missing option '--by'"),
    "approve-blank-by": cli(
        "scripts", "approve", "1", "--by", " ", code=1, says="Say who approves the script"
    ),
    "approve-long-by": cli(
        "scripts", "approve", "1", "--by", "x" * 101, code=2, says="at most 100 characters, got 101"
    ),
    "approve-unknown": cli("scripts", "approve", "99", "--by", "A", code=1, says="no script with id 99."),
    "approve-twice": cli(
        "scripts", "approve", "2", "--by", "A", code=1, says="Script 2 is already approved by Chủ tịch."
    ),
    "return-negative": cli("scripts", "return", "-7", code=1, says="There is no script with id -7."),
    "return-draft": cli("scripts", "return", "1", code=1, says="Script 1 is draft"),
    "retire-abc": cli("scripts", "retire", "one", code=2, says="'one' is not a valid integer"),
    "retire-2^63": cli("scripts", "retire", str(BIG + 1), code=1, says="There is no script with id"),
    "render-no-ids": cli("render", code=2, says="Give script ids or --all."),
    "render-abc": cli("render", "1", "abc", code=2, says="'abc' is not a valid integer"),
    "render-negative": cli("render", "-1", code=1, says="There is no script with id -1."),
    "render-2^63": cli("render", str(BIG), code=1, says=f"There is no script with id {BIG}."),
    "render-engine": cli("render", "2", "--engine", "google", code=2, says="'google' is not one of"),
    "air-now-abc": cli("air-now", "abc", code=2, says="'abc' is not a valid integer"),
    "air-now-negative": cli("air-now", "-3", code=1, says="There is no script with id -3."),
    "air-now-draft": cli(
        "air-now", "1", code=1, says="Script 1 is draft; only approved scripts can be aired."
    ),
    "air-now-no-audio": cli("air-now", "2", code=1, says="Script 2 has no audio for its current text"),
    "air-now-wait-negative": cli("air-now", "2", "--wait", "-3", code=2, says="-3.0 is not in the range x>=0"),
    "air-now-wait-abc": cli("air-now", "2", "--wait", "soon", code=2, says="'soon' is not a valid float"),
    # --- the daemon
    "run-for-abc": cli("run", "--for", "abc", code=2, says="'abc' is not a valid float"),
    "run-for-negative": cli("run", "--for", "-5", code=2, says="-5.0 is not in the range x>0"),
    "run-for-zero": cli("run", "--for", "0", code=2, says="0.0 is not in the range x>0"),
    "run-output-unknown": cli(
        "run", "--output", "speaker", "--for", "1", code=1,
        says="Output 'speaker' is not one of soundcard[:NAME], file:DIR, command:CMD or null.",
    ),
    "run-output-no-folder": cli(
        "run", "--output", "file:nowhere", "--for", "1", code=1, says="does not exist; create it"
    ),
    "run-output-bad-command": cli(
        "run", "--output", "command:mpg123 'x", "--for", "1", code=1,
        says="The player command is not a command line: No closing quotation.",
    ),
    # --- weeks, slots and times
    "plan-2024-W53": cli("plan", "--week", "2024-W53", code=1, says="Week '2024-W53' is not an ISO week"),
    "plan-W00": cli("plan", "--week", "2024-W00", code=1, says="Week '2024-W00' is not an ISO week"),
    "plan-year-0": cli("plan", "--week", "0000-W01", code=1, says="Week '0000-W01' is not an ISO week"),
    "plan-words": cli("plan", "--week", "next week", code=1, says="Week 'next week' is not an ISO week"),
    "arrange-bad-date": cli(
        "arrange", "Sáng", "2024-13-01 06:00", "2", code=1, says="'2024-13-01 06:00' is not a date"
    ),
    "arrange-unknown-slot": cli(
        "arrange", "Trưa", "2030-01-07 06:00", "2", code=1,
        says="The slot Trưa does not air at 06:00 07/01/2030.",
    ),
    "arrange-wrong-time": cli(
        "arrange", "Sáng", "2030-01-07 06:30", "2", code=1, says="The slot Sáng does not air at 06:30"
    ),
    "arrange-past": cli(
        "arrange", "Sáng", "2020-01-06 06:00", "2", code=1, says="has already begun"
    ),
    "arrange-id-abc": cli(
        "arrange", "Sáng", "2030-01-07 06:00", "x", code=2, says="'x' is not a valid integer"
    ),
    "arrange-id-negative": cli(
        "arrange", "Sáng", "2030-01-07 06:00", "-4", code=1, says="There is no script with id -4."
    ),
    "arrange-draft": cli(
        "arrange", "Sáng", "2030-01-07 06:00", "1", code=1, says="Script 1 is draft"
    ),
    "arrange-no-audio": cli(
        "arrange", "Sáng", "2030-01-07 06:00", "2", code=1, says="Script 2 has no audio"
    ),
    # --- days and periods
    "log-month-13": cli("log", "--from", "2024-13-01", code=1, says="'2024-13-01' is not a date like 2024-03-31."),
    "log-feb-30": cli("log", "--to", "2024-02-30", code=1, says="'2024-02-30' is not a date like 2024-03-31."),
    "log-reversed": cli(
        "log", "--from", "2024-03-10", "--to", "2024-03-01", code=1,
        says="The last day (2024-03-01) is before the first day (2024-03-10).",
    ),
    "log-words": cli("log", "--from", "yesterday", code=1, says="'yesterday' is not a date"),
    "report-month-13": cli(
        "report", "--from", "2024-13-01", "--to", "2024-12-31", "-o", "r.csv", code=1,
        says="'2024-13-01' is not a date like 2024-03-31.",
    ),
    "report-reversed": cli(
        "report", "--from", "2024-03-01", "--to", "2024-02-01", "-o", "r.csv", code=1,
        says="The last day (2024-02-01) is before the first day (2024-03-01).",
    ),
    "report-no-output": cli(
        "report", "--from", "2024-01-01", "--to", "2024-01-31", code=2, says="Missing option '-o'"
    ),
    "report-no-from": cli(
        "report", "--to", "2024-01-31", "-o", "r.csv", code=1,
        says="Give a period (--period 2024-Q1) or the days (--from and --to).",
    ),
    "report-no-period": cli(
        "report", "-o", "r.csv", code=1, says="Give a period (--period 2024-Q1) or the days"
    ),
    "report-period-q5": cli(
        "report", "--period", "2024-Q5", "-o", "r.csv", code=1,
        says="'2024-Q5' is not a reporting period such as 2024-Q1, 2024-H1, 2024 or 2024-03.",
    ),
    "report-period-month-13": cli(
        "report", "--period", "2024-13", "-o", "r.csv", code=1, says="'2024-13' is not a reporting period",
    ),
    "report-period-words": cli(
        "report", "--period", "last quarter", "-o", "r.csv", code=1, says="'last quarter' is not a reporting period",
    ),
    "report-format": cli(
        "report", "--from", "2024-01-01", "--to", "2024-01-31", "--format", "pdf", "-o", "r.csv",
        code=2, says="'pdf' is not one of 'xlsx', 'docx', 'csv', 'json'",
    ),
    "report-to-folder": cli(
        "report", "--from", "2024-01-01", "--to", "2024-01-31", "-o", "adir", code=1,
        says="Could not write adir: Is a directory.", files={"adir/keep": b""},
    ),
    "report-no-folder": cli(
        "report", "--from", "2024-01-01", "--to", "2024-01-31", "-o", "nowhere/r.csv", code=1,
        says="Could not write nowhere/r.csv: No such file or directory.",
    ),
    "verify-witness-missing": cli(
        "log", "verify", "--witness", "heads.log", code=1, says="heads.log does not exist."
    ),
    "verify-witness-folder": cli(
        "log", "verify", "--witness", "adir", code=1, says="adir is a folder, not a file.",
        files={"adir/keep": b""},
    ),
    "verify-witness-garbage": cli(
        "log", "verify", "--witness", "heads.log", code=1,
        says="The witness copy is not a list of chain heads", files={"heads.log": os.urandom(64)},
    ),
    # --- script files
    "add-missing": cli("scripts", "add", "missing.txt", "--topic", "a", code=1, says="missing.txt does not exist."),
    "add-folder": cli(
        "scripts", "add", "adir", "--topic", "a", code=1, says="adir is a folder, not a file.",
        files={"adir/keep": b""},
    ),
    "add-empty": cli("scripts", "add", "e.txt", "--topic", "a", code=1, says="e.txt is empty.", files={"e.txt": b""}),
    "add-binary": cli(
        "scripts", "add", "b.txt", "--topic", "a", code=1, says="b.txt looks like a binary file",
        files={"b.txt": bytes(range(256)) * 8},
    ),
    "add-emoji": cli(
        "scripts", "add", "emoji.txt", "--topic", "a", code=1, says="emoji.txt has no text.",
        files={"emoji.txt": "😀😀 🎉\n📢".encode()},
    ),
    "add-punctuation": cli(
        "scripts", "add", "p.txt", "--topic", "a", code=1, says="p.txt has no text.",
        files={"p.txt": b"... !!! ??? --- ***"},
    ),
    "add-huge": cli(
        "scripts", "add", "big.txt", "--topic", "a", code=1, says="big.txt is larger than 5 MB",
        files={"big.txt": b"Xin chao. " * 600_001},
    ),
    "add-too-long": cli(
        "scripts", "add", "long.txt", "--topic", "a", code=1,
        says="The script has 60009 characters, more than the 50000 allowed",
        files={"long.txt": b"Xin chao. " * 6_001},
    ),
    "add-pdf": cli(
        "scripts", "add", "x.pdf", "--topic", "a", code=1, says="x.pdf: only .txt, .md and .docx",
        files={"x.pdf": b"%PDF-1.4"},
    ),
    "add-bad-docx": cli(
        "scripts", "add", "x.docx", "--topic", "a", code=1, says="x.docx is not a readable Word",
        files={"x.docx": b"PK\x03\x04garbage"},
    ),
    "add-no-topic": cli("scripts", "add", "new.txt", code=1, says="new.txt is a CCHC bulletin without a plan topic", files={"new.txt": TEXT}),
    "add-bad-topic": cli(
        "scripts", "add", "new.txt", "--topic", "z", code=1, says="Topic 'z' is not one of", files={"new.txt": TEXT}
    ),
    "add-bad-week": cli(
        "scripts", "add", "new.txt", "--topic", "a", "--week", "2024-W53", code=1,
        says="Week '2024-W53' is not an ISO week", files={"new.txt": TEXT},
    ),
    "add-front-matter-open": cli(
        "scripts", "add", "x.md", "--topic", "a", code=1, says="front matter that starts with '---'",
        files={"x.md": "---\ntitle: Bản tin\nNội dung.".encode()},
    ),
    "add-one-bad-of-two": cli(
        "scripts", "add", "new.txt", "e.txt", "--topic", "a", code=1, says="e.txt is empty.",
        files={"new.txt": TEXT, "e.txt": b"  \n"},
    ),
    "add-long-title": cli(
        "scripts", "add", "new.txt", "--topic", "a", "--title", "T" * 301, code=2,
        says="at most 300 characters, got 301", files={"new.txt": TEXT},
    ),
    "add-long-author": cli(
        "scripts", "add", "new.txt", "--topic", "a", "--author", "A" * 101, code=2,
        says="at most 100 characters, got 101", files={"new.txt": TEXT},
    ),
    "add-priority": cli(
        "scripts", "add", "new.txt", "--topic", "a", "--priority", "urgent", code=2,
        says="'urgent' is not one of", files={"new.txt": TEXT},
    ),
    "add-nothing": cli("scripts", "add", code=2, says="Missing argument 'FILES...'"),
    "normalize-missing": cli("normalize", "missing.txt", code=1, says="missing.txt does not exist."),
    "normalize-folder": cli("normalize", "adir", code=1, says="adir is a folder, not a file.", files={"adir/keep": b""}),
    "normalize-empty": cli("normalize", "e.txt", code=1, says="e.txt is empty.", files={"e.txt": b""}),
    "normalize-emoji": cli(
        "normalize", "emoji.txt", code=1, says="emoji.txt has no text.", files={"emoji.txt": "🎉🎉".encode()}
    ),
    "normalize-punctuation": cli(
        "normalize", "p.txt", code=1, says="p.txt has no text.", files={"p.txt": b"?!... --"}
    ),
    "normalize-binary": cli(
        "normalize", "b.bin", code=1, says="b.bin looks like a binary file", files={"b.bin": bytes(range(256))}
    ),
    # --- other commands
    "unknown-command": cli("frobnicate", code=2, says="No such command 'frobnicate'."),
    "unknown-option": cli("status", "--verbose-please", code=2, says="No such option: --verbose-please"),
    "list-status": cli("scripts", "list", "--status", "gone", code=2, says="'gone' is not one of"),
    "serve-port-high": cli("serve", "--port", "99999", code=2, says="99999 is not in the range 1<=x<=65535"),
    "serve-port-abc": cli("serve", "--port", "http", code=2, says="'http' is not a valid integer"),
    "devices-backend": cli("devices", "--backend", "foo", code=1, says="Sound backend 'foo' is not one of"),
    "bench-file-missing": cli("bench", "normalise", "--file", "missing.txt", code=1, says="missing.txt does not exist."),
    "bench-repeat-zero": cli("bench", "normalise", "--repeat", "0", code=2, says="0 is not in the range"),
    "init-short-password": cli(
        "init", "--admin-password", "short", code=1, says="A password needs at least 10 characters."
    ),
    "init-common-password": cli(
        "init", "--admin-password", "anhyeuem123", code=1, says="list of common passwords"
    ),
    # --- every setting: out of range, wrong type, unknown words, missing files, unknown keys
    "cfg-misfire-0": setting("misfire_grace_minutes = 0", "'misfire_grace_minutes' must be from 1 to 240, got 0."),
    "cfg-misfire-negative": setting("misfire_grace_minutes = -5", "'misfire_grace_minutes' must be from 1 to 240, got -5."),
    "cfg-misfire-fraction": setting("misfire_grace_minutes = 1.5", "'misfire_grace_minutes' must be a whole number, got 1.5."),
    "cfg-misfire-bool": setting("misfire_grace_minutes = true", "'misfire_grace_minutes' must be a whole number, got True."),
    "cfg-misfire-words": setting('misfire_grace_minutes = "ten"', "must be a whole number, got 'ten'."),
    "cfg-lease-low": setting("lease_seconds = 2", "'lease_seconds' must be from 6 to 600, got 2."),
    "cfg-secure-cookie-word": setting('web_secure_cookie = "yes"', "'web_secure_cookie' must be one of"),
    "cfg-proxy-name": setting(
        'web_trusted_proxies = "127.0.0.1, caddy"', "'web_trusted_proxies' must list IP addresses."
    ),
    "cfg-idle-zero": setting("web_idle_hours = 0", "'web_idle_hours' must be from 1 to 720, got 0."),
    "cfg-self-approval-bool": setting("self_approval = true", "'self_approval' must be"),
    "cfg-cutoff-zero": setting("report_cutoff_day = 0", "'report_cutoff_day' must be from 1 to 28, got 0."),
    "cfg-cutoff-31": setting("report_cutoff_day = 31", "'report_cutoff_day' must be from 1 to 28, got 31."),
    "cfg-cutoff-words": setting('report_cutoff_day = "15th"', "'report_cutoff_day' must be a whole number, got '15th'."),
    "cfg-mqtt-host-list": setting('mqtt_host = ["a", "b"]', "'mqtt_host' must be a text, got ['a', 'b']."),
    "cfg-mqtt-port-zero": setting("mqtt_port = 0", "'mqtt_port' must be from 1 to 65535, got 0."),
    "cfg-mqtt-tls-word": setting('mqtt_tls = "yes"', "'mqtt_tls' must be one of on, off, got 'yes'."),
    "cfg-mqtt-prefix-slash": setting('mqtt_prefix = "a/b"', "'mqtt_prefix' must be one word of letters"),
    "cfg-mqtt-user-table": setting("mqtt_user = {a = 1}", "'mqtt_user' must be a text, got {'a': 1}."),
    "cfg-mqtt-password-list": setting("mqtt_password = [1]", "'mqtt_password' must be a text, got a list."),
    "cfg-broker-dir-empty": setting('broker_dir = ""', "'broker_dir' must name a folder inside var/"),
    "cfg-agent-api-host-list": setting("agent_api_host = [1]", "'agent_api_host' must be a text"),
    "cfg-agent-api-port-high": setting("agent_api_port = 70000", "'agent_api_port' must be from 1 to 65535, got 70000."),
    "cfg-emergency-expiry-zero": setting("emergency_expiry_minutes = 0", "'emergency_expiry_minutes' must be from 1 to 1440, got 0."),
    "cfg-relay-icecast-ftp": setting('relay_icecast = "ftp://source:pw@127.0.0.1:8000"', "'relay_icecast' must be an http address such as http://source:PASSWORD@127.0.0.1:8000, got an address that is not one."),
    "cfg-relay-icecast-no-password": setting('relay_icecast = "http://127.0.0.1:8000"', "'relay_icecast' must carry Icecast's source password"),
    "cfg-relay-icecast-bad-port": setting('relay_icecast = "http://source:pw@127.0.0.1:port"', "'relay_icecast' must be an http address"),
    "cfg-relay-public-no-host": setting('relay_icecast_public = "http:///relay"', "'relay_icecast_public' must be an http address such as http://192.168.1.10:8000, got 'http:///relay'"),
    "cfg-relay-public-alone": setting('relay_icecast_public = "http://192.168.1.10:8000"', "'relay_icecast_public' needs 'relay_icecast'"),
    "cfg-lease-high": setting("lease_seconds = 601", "'lease_seconds' must be from 6 to 600, got 601."),
    "cfg-render-ahead-negative": setting("render_ahead_hours = -24", "'render_ahead_hours' must be from 1 to 336"),
    "cfg-render-ahead-huge": setting("render_ahead_hours = 99999999999999999999", "'render_ahead_hours' must be from 1 to 336"),
    "cfg-espeak-rate-fraction": setting("espeak_rate = 1.7", "'espeak_rate' must be a whole number, got 1.7."),
    "cfg-espeak-rate-high": setting("espeak_rate = 1000", "'espeak_rate' must be from 80 to 450, got 1000."),
    "cfg-espeak-pitch": setting("espeak_pitch = 100", "'espeak_pitch' must be from 0 to 99, got 100."),
    "cfg-sentence-pause": setting("sentence_pause_ms = -1", "'sentence_pause_ms' must be from 0 to 10000"),
    "cfg-paragraph-pause": setting("paragraph_pause_ms = 10001", "'paragraph_pause_ms' must be from 0 to 10000"),
    "cfg-jingle-pause": setting('jingle_pause_ms = "long"', "'jingle_pause_ms' must be a whole number"),
    "cfg-gtts-timeout": setting("gtts_timeout = 0", "'gtts_timeout' must be from 1 to 120, got 0.0."),
    "cfg-gtts-retries": setting("gtts_retries = 11", "'gtts_retries' must be from 0 to 10, got 11."),
    "cfg-gtts-budget": setting("gtts_budget_seconds = 1", "'gtts_budget_seconds' must be from 5 to 3600"),
    "cfg-target-lufs": setting("target_lufs = 0", "'target_lufs' must be from -40 to -5, got 0.0."),
    "cfg-target-lufs-nan": setting("target_lufs = nan", "'target_lufs' must be from -40 to -5, got nan."),
    "cfg-true-peak": setting("true_peak_dbtp = 3", "'true_peak_dbtp' must be from -12 to 0, got 3.0."),
    "cfg-sample-rate-odd": setting("sample_rate = 12345", "'sample_rate' must be one of 8000, 11025"),
    "cfg-sample-rate-high": setting("sample_rate = 96000", "'sample_rate' must be from 8000 to 48000"),
    "cfg-web-port-0": setting("web_port = 0", "'web_port' must be from 1 to 65535, got 0."),
    "cfg-web-port-words": setting('web_port = "eighty"', "'web_port' must be a whole number, got 'eighty'."),
    "cfg-bitrate-words": setting('mp3_bitrate = "fast"', "'mp3_bitrate' must be a bit rate such as 64k"),
    "cfg-bitrate-high": setting('mp3_bitrate = "1000k"', "'mp3_bitrate' must be a bit rate such as 64k"),
    "cfg-engine": setting('engine = "google"', "'engine' must be one of auto, gtts, edge, espeak, got 'google'."),
    "cfg-auto-voices": setting('auto_voices = "gtts,robot"', "'auto_voices' must list voices from gtts, edge, espeak"),
    "cfg-auto-voices-empty": setting('auto_voices = ""', "'auto_voices' must list voices"),
    "cfg-espeak-voice": setting('espeak_voice = "en"', "'espeak_voice' must be one of vi, vi-VN-x-central"),
    "cfg-edge-voice": setting('edge_voice = "vi-VN-Nobody"', "'edge_voice' must be one of vi-VN-HoaiMyNeural"),
    "cfg-gtts-lang": setting('gtts_lang = "en"', "'gtts_lang' must be one of vi, got 'en'."),
    "cfg-gtts-tld": setting('gtts_tld = "com/evil"', "'gtts_tld' must be a Google domain ending"),
    "cfg-reading": setting('reading = "west"', "'reading' must be one of north, south, got 'west'."),
    "cfg-letterhead": setting('letterhead = "maybe"', "'letterhead' must be one of skip, read"),
    "cfg-mong-days": setting('mong_days = "yes"', "'mong_days' must be one of on, off, got 'yes'."),
    "cfg-timezone": setting('timezone = "Mars/Olympus"', "Unknown time zone 'Mars/Olympus'."),
    "cfg-timezone-empty": setting('timezone = ""', "Unknown time zone ''."),
    "cfg-database-url-words": setting('database_url = "nonsense"', "'database_url' is not a database URL"),
    "cfg-database-url-number": setting("database_url = 5", "'database_url' is not a database URL"),
    "cfg-database-url-list": setting(
        f'database_url = ["postgresql://radio:{SECRET}@db/radio"]', "'database_url' must be a text, got a list."
    ),
    "cfg-database-url-driver": setting(
        f'database_url = "postgresql+nodriver://radio:{SECRET}@db/radio"', "is not a database URL"
    ),
    "cfg-var-dir-empty": setting('var_dir = ""', "'var_dir' must name a folder, got ''."),
    "cfg-var-dir-file": setting('var_dir = "new.txt"', "'var_dir' must name a folder, got 'new.txt'."),
    "cfg-schedules-dir-file": setting('schedules_dir = "new.txt"', "'schedules_dir' must name a folder"),
    "cfg-abbreviations-missing": setting('abbreviations_file = "viet-tat.tsv"', "'abbreviations_file' must be a file"),
    "cfg-intro-missing": setting('intro = "jingle.mp3"', "'intro' must be 'chime', nothing, or an audio file"),
    "cfg-outro-number": setting("outro = 5", "'outro' must be 'chime', nothing, or an audio file"),
    "cfg-sound-backend": setting('sound_backend = "foo"', "'sound_backend' must be one of wasapi"),
    "cfg-output-before": setting("output_before = \"relay 'on\"", "'output_before' is not a command line"),
    "cfg-output-after": setting("output_after = [\"relay\", \"off\"]", "'output_after' must be a text"),
    "cfg-intro-text": setting("intro_text = { words = 1 }", "'intro_text' must be a text, got {'words': 1}."),
    "cfg-witness": setting("witness = \"sh -c 'cat\"", "'witness' is not a command line: No closing quotation."),
    "cfg-web-host": setting('web_host = " "', "'web_host' must name an address"),
    "cfg-town-list": setting("town = [1, 2]", "'town' must be a text, got [1, 2]."),
    "cfg-province-list": setting("province = [1]", "'province' must be a text, got [1]."),
    "report-town-unset": Case(
        ("report", "--period", "2024-Q1", "-o", "r.csv"), 1,
        "The commune's name and province are not set", config='town = ""',
    ),
    "cfg-typo": setting("misfire_grace_minute = 5", "misfire_grace_minute (did you mean misfire_grace_minutes?)."),
    "cfg-unknown": setting('colour = "red"', "broadcaster.toml: colour."),
    "cfg-not-toml": setting("misfire_grace_minutes 10", "is not valid TOML"),
    "cfg-binary": Case(
        ("scripts", "add", "new.txt", "--topic", "a"), 1, "is not valid TOML",
        files={"broadcaster.toml": b"\xff\xfe\x00bad"},
    ),
    "cfg-output": Case(("run", "--for", "1"), 1, "Output 'speaker' is not one of", config='output = "speaker"'),
    # --- the same settings from the environment
    "env-rate-words": Case(
        ("scripts", "add", "new.txt", "--topic", "a"), 1, "'espeak_rate' must be a whole number, got 'fast'.",
        env={"BROADCASTER_ESPEAK_RATE": "fast"},
    ),
    "env-lease-fraction": Case(
        ("scripts", "add", "new.txt", "--topic", "a"), 1, "'lease_seconds' must be a whole number, got '1.5'.",
        env={"BROADCASTER_LEASE_SECONDS": "1.5"},
    ),
    "env-config-missing": Case(
        ("scripts", "add", "new.txt", "--topic", "a"), 1, "named by BROADCASTER_CONFIG does not exist.",
        env={"BROADCASTER_CONFIG": "radio.toml"},
    ),
    "env-config-folder": Case(
        ("scripts", "add", "new.txt", "--topic", "a"), 1, "is a folder, not a file.",
        env={"BROADCASTER_CONFIG": "adir"}, files={"adir/keep": b""},
    ),
    "env-database-unreachable": Case(
        ("scripts", "add", "new.txt", "--topic", "a"), 1,
        "Cannot open the database at postgresql+psycopg://radio:***@127.0.0.1:1/radio: ",
        env={"BROADCASTER_DATABASE_URL": f"postgresql+psycopg://radio:{SECRET}@127.0.0.1:1/radio"},
    ),
    "init-database-unreachable": Case(
        ("init",), 1, "Cannot open the database at postgresql+psycopg://radio:***@127.0.0.1:1/radio: ",
        env={"BROADCASTER_DATABASE_URL": f"postgresql+psycopg://radio:{SECRET}@127.0.0.1:1/radio"},
    ),
    "env-database-driver": Case(
        ("status",), 1, "is not a database URL Broadcaster can use",
        env={"BROADCASTER_DATABASE_URL": f"mysql+nodriver://radio:{SECRET}@db/radio"},
    ),
    # --- every slot-file field
    "slot-overlap": slot_file(
        SLOT.format(name="Sáng", start="06:00", minutes=30) + SLOT.format(name="Sớm", start="06:15", minutes=30),
        "Slots Sáng (06:00, 30 min) and Sớm (06:15, 30 min) overlap on mon, tue, wed, thu, fri, sat, sun;",
    ),
    "slot-overlap-midnight": slot_file(
        '[[slot]]\nname = "Khuya"\ndays = ["sun"]\nstart = "23:50"\nminutes = 30\n'
        '[[slot]]\nname = "Đêm"\ndays = ["mon"]\nstart = "00:05"\nminutes = 10\n',
        "Slots Khuya (23:50, 30 min) and Đêm (00:05, 10 min) overlap on sun;",
    ),
    "slot-overlap-two-files": slot_file(
        GOOD_SLOTS, "Slots Tối (17:29, 5 min) and Chiều (17:00, 30 min) overlap",
        extra={"more.toml": SLOT.format(name="Tối", start="17:29", minutes=5).encode()},
    ),
    "slot-date-bad": slot_file(
        '[[slot]]\nname = "Tết"\ndate = "29/01/2025"\nstart = "08:00"\nminutes = 30\n',
        "town.toml, slot 1 (Tết): date '29/01/2025' must be YYYY-MM-DD.",
    ),
    "slot-date-and-days": slot_file(
        '[[slot]]\nname = "Tết"\ndate = 2025-01-29\ndays = ["wed"]\nstart = "08:00"\nminutes = 30\n',
        "town.toml, slot 1 (Tết): give days or a date, not both.",
    ),
    "slot-kind-unknown": slot_file(
        '[[slot]]\nname = "A"\nkind = "radio"\nstart = "06:00"\nminutes = 30\n',
        "town.toml, slot 1 (A): kind must be one of bulletins, relay.",
    ),
    "slot-relay-without-url": slot_file(
        '[[slot]]\nname = "A"\nkind = "relay"\nstart = "06:00"\nminutes = 30\n',
        "town.toml, slot 1 (A): a relay needs the url of the stream it relays.",
    ),
    "slot-url-on-bulletins": slot_file(
        '[[slot]]\nname = "A"\nurl = "http://vov.example/vov1"\nstart = "06:00"\nminutes = 30\n',
        'town.toml, slot 1 (A): url and fallback are for a slot of kind = "relay".',
    ),
    "slot-relay-fallback-number": slot_file(
        '[[slot]]\nname = "A"\nkind = "relay"\nurl = "http://vov.example/vov1"\nfallback = 3\n'
        'start = "06:00"\nminutes = 30\n',
        "town.toml, slot 1 (A): fallback must be text in quotes.",
    ),
    "slot-paused-word": slot_file(
        '[[slot]]\nname = "A"\npaused = "yes"\nstart = "06:00"\nminutes = 30\n',
        "town.toml, slot 1 (A): paused must be true or false.",
    ),
    "slot-days-words": slot_file(
        '[[slot]]\nname = "A"\ndays = ["monkey", "sunflower"]\nstart = "06:00"\nminutes = 30\n',
        "days must be from mon, tue, wed, thu, fri, sat, sun, not monkey, sunflower.",
    ),
    "slot-days-string": slot_file(
        '[[slot]]\nname = "A"\ndays = "mon"\nstart = "06:00"\nminutes = 30\n', "days must be a list such as"
    ),
    "slot-days-empty": slot_file(
        '[[slot]]\nname = "A"\ndays = []\nstart = "06:00"\nminutes = 30\n', "days must be a list such as"
    ),
    "slot-days-numbers": slot_file(
        '[[slot]]\nname = "A"\ndays = [1, 2]\nstart = "06:00"\nminutes = 30\n', "not 1, 2."
    ),
    "slot-minutes-0": slot_file(SLOT.format(name="A", start="06:00", minutes=0), "minutes must be a whole number from 1 to 600."),
    "slot-minutes-fraction": slot_file(SLOT.format(name="A", start="06:00", minutes=1.5), "minutes must be a whole number"),
    "slot-minutes-text": slot_file(SLOT.format(name="A", start="06:00", minutes='"30"'), "minutes must be a whole number"),
    "slot-minutes-601": slot_file(SLOT.format(name="A", start="06:00", minutes=601), "minutes must be a whole number"),
    "slot-minutes-missing": slot_file('[[slot]]\nname = "A"\nstart = "06:00"\n', "minutes must be a whole number"),
    "slot-start-25": slot_file(SLOT.format(name="A", start="25:00", minutes=30), "start '25:00' must be HH:MM or HH:MM:SS."),
    "slot-start-6h": slot_file(SLOT.format(name="A", start="6h", minutes=30), "start '6h' must be HH:MM"),
    "slot-start-missing": slot_file('[[slot]]\nname = "A"\nminutes = 30\n', "town.toml, slot 1 (A): start time is missing."),
    "slot-name-missing": slot_file('[[slot]]\nstart = "06:00"\nminutes = 30\n', "town.toml, slot 1: every slot needs a name"),
    "slot-name-blank": slot_file(SLOT.format(name="  ", start="06:00", minutes=30), "every slot needs a name"),
    "slot-name-number": slot_file('[[slot]]\nname = 5\nstart = "06:00"\nminutes = 30\n', "every slot needs a name"),
    "slot-name-long": slot_file(SLOT.format(name="N" * 101, start="06:00", minutes=30), "a slot name has at most 100 characters."),
    "slot-name-twice": slot_file(
        GOOD_SLOTS, "Slot name(s) used twice in", extra={"more.toml": SLOT.format(name="Sáng", start="20:00", minutes=5).encode()}
    ),
    "slot-key-typo": slot_file(
        '[[slot]]\nname = "A"\nstart = "06:00"\nminutes = 30\nouput = "null"\n',
        "'ouput' (did you mean 'output'?) is not a slot key",
    ),
    "slot-table-typo": slot_file(
        '[[slots]]\nname = "A"\nstart = "06:00"\nminutes = 30\n', "'slots' (did you mean 'slot'?) is not a slot file key"
    ),
    "slot-not-a-table": slot_file("slot = 5\n", "town.toml: write each slot as a [[slot]] table."),
    "slot-list-of-text": slot_file('slot = ["Sáng"]\n', "town.toml: write each slot as a [[slot]] table."),
    "slot-output": slot_file(
        '[[slot]]\nname = "A"\nstart = "06:00"\nminutes = 30\noutput = "speaker"\n',
        "output 'speaker' is not one of soundcard[:NAME], file:DIR, command:CMD or null.",
    ),
    "slot-zones-text": slot_file(
        '[[slot]]\nname = "A"\nstart = "06:00"\nminutes = 30\nzones = "Thôn 1"\n',
        'zones must be a list of zone names, such as ["Thôn 1"].',
    ),
    "slot-not-toml": slot_file("[[slot]\nname = A\n", "town.toml is not valid TOML"),
    "slot-not-utf8": slot_file(
        '[[slot]]\nname = "Sáng"\nstart = "06:00"\nminutes = 30\n'.encode("cp1258"), "town.toml is not UTF-8 text"
    ),
    "slot-none": slot_file("# no slots yet\n", "No slots are defined in"),
}  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An `init`-ed station holding draft script 1 and approved (not rendered) script 2."""
    folder = tmp_path_factory.mktemp("station")
    (folder / "schedules").mkdir()
    (folder / "schedules" / "town.toml").write_text(GOOD_SLOTS, encoding="utf-8")
    (folder / "one.txt").write_text("Bản tin thứ nhất.", encoding="utf-8")
    (folder / "two.txt").write_text("Bản tin thứ hai.", encoding="utf-8")
    for args in (
        (
            "init",
            "--admin-password",
            "admin-pass-1",
            "--town",
            "xã Yên Mỹ",
            "--province",
            "tỉnh Hưng Yên",
        ),
        ("users", "add", "Chủ tịch", "--role", "leader"),
        ("scripts", "add", "one.txt", "two.txt", "--topic", "a"),
        ("scripts", "approve", "2", "--by", "Chủ tịch"),
    ):
        assert run_cli(folder, None, *args).returncode == 0, args
    return folder


@pytest.fixture
def station(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh copy of the template station, as the working folder."""
    folder = tmp_path / "station"
    shutil.copytree(template, folder)
    monkeypatch.chdir(folder)
    for name in list(os.environ):
        if name.startswith("BROADCASTER_"):
            monkeypatch.delenv(name)
    yield folder


def state(folder: Path) -> tuple[object, ...]:
    """Every row, the database file's bytes and every file under var/ (SQLite's own -wal/-shm aside)."""
    files = {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((folder / "var").rglob("*"))
        if path.is_file() and not path.name.endswith(("-wal", "-shm"))
    }
    folders = sorted(str(p.relative_to(folder)) for p in (folder / "var").rglob("*") if p.is_dir())
    outside = sorted(p.name for p in folder.iterdir())
    return db_snapshot(DB_URL), files, folders, outside


def one_sentence(line: str, ours: bool = True) -> bool:
    """An error line that says one thing: 'Error: ' and one sentence (ours end in a full stop;
    some of click's own, such as 'No such option: --x', have none)."""
    body = line.removeprefix("Error: ")
    return (
        line.startswith("Error: ")
        and (body.endswith((".", "?")) or not ours)
        and len(re.split(r"(?<=[.!?])\s+(?=[A-Z])", body)) == 1
    )


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input_is_refused_with_one_sentence_and_changes_nothing(
    station: Path, case: Case
) -> None:
    for name, data in case.files.items():
        (station / name).parent.mkdir(parents=True, exist_ok=True)
        (station / name).write_bytes(data)
    if case.config is not None:
        (station / "broadcaster.toml").write_text(case.config + "\n", encoding="utf-8")
    if case.slots is not None:
        for old in (station / "schedules").glob("*.toml"):
            old.unlink()
        for name, data in case.slots.items():
            (station / "schedules" / name).write_bytes(data)
    (station / "new.txt").write_bytes(TEXT)
    before = state(station)

    env = {"BROADCASTER_ENGINE": "espeak", "BROADCASTER_OUTPUT": "file:var/aired"} | case.env
    for key in ("engine", "output"):  # the environment wins over the file: let the file speak
        if case.config and case.config.startswith(f"{key} ="):
            del env[f"BROADCASTER_{key.upper()}"]
    result = CliRunner(env=env).invoke(main, list(case.args), prog_name="broadcaster")

    output = result.output
    assert result.exit_code == case.code, output
    assert "Traceback" not in output and SECRET not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    lines = [line for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error: ")]
    assert len(errors) == 1 and one_sentence(errors[0], ours=case.code == 1), output
    assert case.says in errors[0], output
    if case.code == 1:
        assert lines == errors, output  # the sentence alone
    else:
        assert lines[0].startswith("Usage: broadcaster") and lines[-1] == errors[0], output
    assert state(station) == before


# A few of the rows again as real processes: what a town's officer sees in a terminal,
# log handlers and all, is the one sentence on stderr and nothing on stdout.
PROCESS_CASES = [
    "show-negative",
    "cfg-typo",
    "slot-overlap",
    "env-database-unreachable",
    "run-for-zero",
]


@pytest.mark.parametrize("name", PROCESS_CASES)
def test_a_real_process_prints_only_the_sentence(station: Path, name: str) -> None:
    case = CASES[name]
    if case.config is not None:
        (station / "broadcaster.toml").write_text(case.config + "\n", encoding="utf-8")
    if case.slots is not None:
        for old in (station / "schedules").glob("*.toml"):
            old.unlink()
        for file, data in case.slots.items():
            (station / "schedules" / file).write_bytes(data)
    (station / "new.txt").write_bytes(TEXT)
    before = state(station)
    url = case.env.get("BROADCASTER_DATABASE_URL")
    done = run_cli(station, url, *case.args)
    assert done.returncode == case.code, done.stderr
    assert done.stdout == ""
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and case.says in errors[0], done.stderr
    assert one_sentence(errors[0], ours=case.code == 1), done.stderr
    assert "Traceback" not in done.stderr and SECRET not in done.stderr
    if case.code == 1:
        assert done.stderr.strip() == errors[0]
    assert state(station) == before


@pytest.mark.parametrize(
    "args",
    [("init",), ("status",), ("scripts", "list"), ("run", "--for", "1"), ("log",), ("plan",)],
    ids=" ".join,
)
def test_a_database_password_is_never_printed(station: Path, args: tuple[str, ...]) -> None:
    """Whatever command meets an unreachable database, its sentence shows the URL masked."""
    url = f"postgresql+psycopg://radio:{SECRET}@127.0.0.1:1/radio"
    result = CliRunner(env={"BROADCASTER_DATABASE_URL": url, "BROADCASTER_OUTPUT": "null"}).invoke(
        main, list(args)
    )
    assert result.exit_code == 1, result.output
    assert SECRET not in result.output
    assert result.output.startswith(
        "Error: Cannot open the database at postgresql+psycopg://radio:***@"
    )
    # what to do next, in the same one sentence
    assert (
        "(check that the database server is running and reachable, and the database_url"
        in (result.output)
        and result.output.count("\n") == 1
    )


def test_the_relay_icecasts_source_password_is_never_printed(station: Path) -> None:
    """A refused relay_icecast names the setting, never the password in it."""
    given = f"ftp://source:{SECRET}@127.0.0.1:8000"
    result = CliRunner(env={"BROADCASTER_RELAY_ICECAST": given}).invoke(main, ["status"])
    assert result.exit_code == 1, result.output
    assert SECRET not in result.output and "'relay_icecast' must be" in result.output


def test_init_shows_a_generated_password_once_and_status_the_masked_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(REPO / "schedules", tmp_path / "schedules")
    monkeypatch.chdir(tmp_path)
    runner = CliRunner(env={"BROADCASTER_ENGINE": "espeak"})
    first = runner.invoke(main, ["init"]).output
    found = re.search(
        r"Web login: user 'admin', password '([a-z0-9-]{14})' \(write it down\)\.", first
    )
    assert found is not None, first
    for args in (["init"], ["status"], ["scripts", "list"], ["init", "--demo"]):
        again = runner.invoke(main, args)
        assert again.exit_code == 0 and found[1] not in again.output, again.output
    assert (
        f"Database: sqlite:///{tmp_path / 'var' / 'broadcaster.db'}"
        in runner.invoke(main, ["status"]).output
    )


def test_arrange_reads_a_time_with_its_own_offset_as_that_moment(station: Path) -> None:
    """'08:00+09:00' is 06:00 in Hà Nội (the Sáng slot); it is not 08:00 local time."""
    runner = CliRunner(env={"BROADCASTER_ENGINE": "espeak"})
    pinned = runner.invoke(main, ["arrange", "Sáng", "2030-01-07T08:00+09:00"])
    assert pinned.exit_code == 0 and "now holds 0 bulletin(s)" in pinned.output, pinned.output
    wrong = runner.invoke(main, ["arrange", "Sáng", "2030-01-07T06:00+09:00"])
    assert wrong.exit_code == 1
    assert wrong.output == "Error: The slot Sáng does not air at 04:00 07/01/2030.\n"


def test_the_table_covers_every_setting_and_every_slot_key() -> None:
    """Each key of Settings and of a slot has at least one bad row above."""
    import dataclasses

    from broadcaster.config import Settings
    from broadcaster.programme.slots import SLOT_KEYS

    rows = " ".join(c.config or "" for c in CASES.values()) + " ".join(
        k for c in CASES.values() for k in c.env
    )
    keys = [f.name for f in dataclasses.fields(Settings) if f.name != "base_dir"]
    untested = [k for k in keys if k not in rows and f"BROADCASTER_{k.upper()}" not in rows]
    assert untested == []
    slot_text = " ".join(
        b.decode("utf-8", "replace") for c in CASES.values() for b in (c.slots or {}).values()
    )
    assert [k for k in SLOT_KEYS if f"{k} =" not in slot_text] == []
    assert len(CASES) >= 56


def test_the_word_lists_in_the_settings_agree_with_the_engines() -> None:
    import miniaudio

    from broadcaster.config import EDGE_VOICES, ENGINES, SOUND_BACKENDS
    from broadcaster.sound.render import ENGINE_CHOICES
    from broadcaster.sound.voices.edge import VOICES

    assert ENGINES == ENGINE_CHOICES and EDGE_VOICES == VOICES
    assert list(SOUND_BACKENDS) == [b.name.lower() for b in miniaudio.Backend]
