"""Errors with a code and data: the core says what went wrong, the front door chooses the words.

Every refusal the core can make is a `Code`. A front door turns an error into a
sentence by its code: the CLI with `english(error)` from the table of `errors_english`, the web
page with its Vietnamese table (`broadcaster.web.messages`). Nobody matches
message text. Each template is `str.format`-ed with the error's data.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Code(StrEnum):
    """Every kind of refusal, by name."""

    # Reading a script file or form
    FILE_TOO_LARGE = "file_too_large"
    FILE_EMPTY = "file_empty"
    FILE_NO_TEXT = "file_no_text"
    FILE_BINARY = "file_binary"
    FILE_ENCODING = "file_encoding"
    FILE_TYPE = "file_type"
    FILE_OLD_WORD = "file_old_word"
    FILE_MISSING = "file_missing"
    FILE_FOLDER = "file_folder"
    DOCX_UNREADABLE = "docx_unreadable"
    DOCX_TOO_LARGE = "docx_too_large"
    DOCX_TOO_COMPLEX = "docx_too_complex"
    TEXT_TOO_LONG = "text_too_long"
    FRONT_MATTER_OPEN = "front_matter_open"
    NOTHING_GIVEN = "nothing_given"
    TOPIC_MISSING = "topic_missing"
    TOPIC_UNKNOWN = "topic_unknown"
    WEEK_INVALID = "week_invalid"
    DATE_INVALID = "date_invalid"
    DATES_REVERSED = "dates_reversed"
    YEAR_OUT_OF_RANGE = "year_out_of_range"
    PERIOD_UNKNOWN = "period_unknown"
    PERIOD_MISSING = "period_missing"
    PLAN_INVALID = "plan_invalid"
    PRIORITY_UNKNOWN = "priority_unknown"
    KIND_UNKNOWN = "kind_unknown"
    TOWN_UNSET = "town_unset"
    PLAN_EXISTS = "plan_exists"
    PLAN_NO_SOURCE = "plan_no_source"
    # Script life cycle
    SCRIPT_NOT_FOUND = "script_not_found"
    SCRIPT_EMPTY = "script_empty"
    SCRIPT_RETIRED = "script_retired"
    SCRIPT_ALREADY_APPROVED = "script_already_approved"
    SCRIPT_NOT_APPROVED = "script_not_approved"
    SCRIPT_TOO_LONG = "script_too_long"
    SCRIPT_CHANGED = "script_changed"
    SCRIPT_EDIT_CONFLICT = "script_edit_conflict"
    APPROVER_MISSING = "approver_missing"
    NO_AUDIO = "no_audio"
    # Rendering
    RENDER_NOTHING_TO_SAY = "render_nothing_to_say"
    RENDER_MASTERING = "render_mastering"
    RENDER_NO_VOICE = "render_no_voice"
    # Recorded readings
    RECORDING_MISSING = "recording_missing"
    RECORDING_UNREADABLE = "recording_unreadable"
    RECORDING_TOO_LONG = "recording_too_long"
    RECORDING_TOO_SLOW = "recording_too_slow"
    RECORDING_SILENT = "recording_silent"
    RECORDING_LOST = "recording_lost"
    # Planning
    SLOT_NO_OCCURRENCE = "slot_no_occurrence"
    SLOT_BEGUN = "slot_begun"
    SLOT_OVERFULL = "slot_overfull"
    SLOT_EMERGENCY = "slot_emergency"
    SLOT_EMERGENCY_LEADER = "slot_emergency_leader"
    SLOT_IS_RELAY = "slot_is_relay"
    # Slots from the page and `broadcaster slots`
    SLOT_NAME_INVALID = "slot_name_invalid"
    SLOT_DAYS_INVALID = "slot_days_invalid"
    SLOT_DATE_INVALID = "slot_date_invalid"
    SLOT_DATE_PASSED = "slot_date_passed"
    SLOT_START_INVALID = "slot_start_invalid"
    SLOT_MINUTES_INVALID = "slot_minutes_invalid"
    SLOT_KIND_UNKNOWN = "slot_kind_unknown"
    SLOT_EXISTS = "slot_exists"
    SLOT_NOT_FOUND = "slot_not_found"
    SLOT_OVERLAP = "slot_overlap"
    SLOT_STALE = "slot_stale"
    SLOT_EDITOR = "slot_editor"
    RULE_SLOT_MISSING = "rule_slot_missing"
    RULE_DATE_MISSING = "rule_date_missing"
    RULE_DATE_PASSED = "rule_date_passed"
    RULE_NOT_ON_DATE = "rule_not_on_date"
    RULE_DAY_INVALID = "rule_day_invalid"
    RULE_EXISTS = "rule_exists"
    RULE_NOT_FOUND = "rule_not_found"
    RULE_STALE = "rule_stale"
    SLOT_URL_MISSING = "slot_url_missing"
    SLOT_URL_INVALID = "slot_url_invalid"
    SLOT_URL_UNREACHABLE = "slot_url_unreachable"
    SLOT_URL_NOT_AUDIO = "slot_url_not_audio"
    SLOT_RELAY_TOO_LONG = "slot_relay_too_long"
    SLOT_FALLBACK_INVALID = "slot_fallback_invalid"
    # Airing
    DAEMON_BUSY = "daemon_busy"
    DAEMON_NOT_RUNNING = "daemon_not_running"
    LEASE_LOST = "lease_lost"
    DAEMON_OWNS_OUTPUT = "daemon_owns_output"
    AIR_REQUEST_TIMEOUT = "air_request_timeout"
    AIR_REQUEST_FAILED = "air_request_failed"
    AIRING_FAILED = "airing_failed"
    WITNESS_UNREADABLE = "witness_unreadable"
    OUTPUT = "output"
    # Installation
    CONFIG = "config"
    SLOTS = "slots"
    LEXICON = "lexicon"
    NOT_INITIALISED = "not_initialised"
    DATABASE_UNREACHABLE = "database_unreachable"
    SCHEMA_OUTDATED = "schema_outdated"
    SCHEMA_NEWER = "schema_newer"
    SCHEMA_UNKNOWN = "schema_unknown"
    SCHEMA_DOWNGRADE_REFUSED = "schema_downgrade_refused"
    # Accounts
    USER_NAME_MISSING = "user_name_missing"
    USER_ROLE_UNKNOWN = "user_role_unknown"
    USER_PASSWORD_SHORT = "user_password_short"
    USER_EXISTS = "user_exists"
    USER_NAME_TOO_LONG = "user_name_too_long"
    USER_NAME_RESERVED = "user_name_reserved"
    USER_PASSWORD_COMMON = "user_password_common"
    USER_PASSWORD_IS_NAME = "user_password_is_name"
    USER_PASSWORD_WRONG = "user_password_wrong"
    USER_PASSWORD_SAME = "user_password_same"
    USER_NOT_FOUND = "user_not_found"
    USER_LAST_ADMIN = "user_last_admin"
    LOGIN_FAILED = "login_failed"
    LOGIN_SLOWED = "login_slowed"
    LOGIN_ADDRESS_BLOCKED = "login_address_blocked"
    APPROVER_UNKNOWN = "approver_unknown"
    SELF_APPROVAL = "self_approval"
    # Loudspeaker zones and clusters
    ZONE_NAME_INVALID = "zone_name_invalid"
    ZONE_EXISTS = "zone_exists"
    ZONE_NOT_FOUND = "zone_not_found"
    CLUSTER_NAME_INVALID = "cluster_name_invalid"
    CLUSTER_EXISTS = "cluster_exists"
    CLUSTER_NOT_FOUND = "cluster_not_found"
    CLUSTERS_OFF = "clusters_off"


class BroadcasterError(Exception):
    """A refusal the core makes: a `Code` and the data its sentence needs."""

    def __init__(self, code: Code, **data: Any) -> None:
        self.code = code
        self.data = data
        super().__init__(english(code, data))


def english(code: Code, data: dict[str, Any]) -> str:
    """The English sentence for a code and its data (CLI output, logs, evidence rows)."""
    from broadcaster.errors_english import ENGLISH  # its table, loaded when an error is worded

    return ENGLISH[code].format(**data)


class DetailError(BroadcasterError):
    """A refusal whose sentence is a technician's detail (a slot file, a setting, a player)."""

    code: Code

    def __init__(self, detail: str) -> None:
        super().__init__(self.code, detail=detail)
