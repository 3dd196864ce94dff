"""The English sentence of each refusal (`errors.Code`), `str.format`-ed with the error's data:
the CLI's words, the logs' and the evidence rows'. Apart from `errors` so the codes and the
words each have room; `errors.english` loads it."""

from __future__ import annotations

from broadcaster.errors import Code

ENGLISH: dict[Code, str] = {
    Code.FILE_TOO_LARGE: "{name} is larger than {megabytes} MB; split it up.",
    Code.FILE_EMPTY: "{name} is empty.",
    Code.FILE_NO_TEXT: "{name} has no text.",
    Code.FILE_BINARY: "{name} looks like a binary file, not a text script.",
    Code.FILE_ENCODING: (
        "{name} is not in a text encoding we can read (UTF-8, UTF-16 or Windows CP1258)."
    ),
    Code.FILE_TYPE: "{name}: only .txt, .md and .docx scripts can be added.",
    Code.FILE_OLD_WORD: (
        "{name} is a Word 97-2003 (.doc) file. Save it as .docx and add it again."
    ),
    Code.FILE_MISSING: "{name} does not exist.",
    Code.FILE_FOLDER: "{name} is a folder, not a file.",
    Code.DOCX_UNREADABLE: "{name} is not a readable Word (.docx) file.",
    Code.DOCX_TOO_LARGE: (
        "{name} unpacks to more than {megabytes} MB or {members} parts; it is not an ordinary "
        "Word file. Copy its text into a new document, or split it."
    ),
    Code.DOCX_TOO_COMPLEX: (
        "{name} holds more than {elements} XML elements or {characters} characters of text; it "
        "is not an ordinary bulletin. Copy its text into a new document, or split it."
    ),
    Code.TEXT_TOO_LONG: (
        "The script has {characters} characters, more than the {limit} allowed; split it into "
        "several bulletins."
    ),
    Code.FRONT_MATTER_OPEN: "The front matter that starts with '---' is never closed by '---'.",
    Code.NOTHING_GIVEN: "Give a file or the text of the script.",
    Code.TOPIC_MISSING: (
        "{name} is a CCHC bulletin without a plan topic: give --topic (a, b, c, d or đ), or "
        "--kind emergency, notice or other."
    ),
    Code.TOPIC_UNKNOWN: "Topic '{topic}' is not one of the plan's topics: a, b, c, d, đ (or dd).",
    Code.WEEK_INVALID: "Week '{week}' is not an ISO week such as 2024-W10.",
    Code.DATE_INVALID: "'{value}' is not a date like 2024-03-31.",
    Code.DATES_REVERSED: "The last day ({end}) is before the first day ({start}).",
    Code.YEAR_OUT_OF_RANGE: "'{value}' is outside the years {first} to {last}.",
    Code.PERIOD_UNKNOWN: (
        "'{value}' is not a reporting period such as 2024-Q1, 2024-H1, 2024 or 2024-03."
    ),
    Code.PERIOD_MISSING: "Give a period (--period 2024-Q1) or the days (--from and --to).",
    Code.PLAN_INVALID: "The plan file {name} cannot be used: {detail}",
    Code.PRIORITY_UNKNOWN: "Priority '{priority}' is not one of: normal, priority, emergency.",
    Code.KIND_UNKNOWN: "Kind '{kind}' is not one of: cchc, emergency, notice, other.",
    Code.TOWN_UNSET: (
        "The commune's name and province are not set; run 'broadcaster init --town \"xã …\" "
        '--province "…"\' first.'
    ),
    Code.PLAN_EXISTS: "The plan file {name} already exists; edit it instead.",
    Code.PLAN_NO_SOURCE: "There is no plan file for {year} to copy ({name}).",
    Code.SCRIPT_NOT_FOUND: "There is no script with id {script_id}.",
    Code.SCRIPT_EMPTY: "The script text is empty.",
    Code.SCRIPT_RETIRED: "Script {script_id} is retired; it cannot be changed or aired.",
    Code.SCRIPT_ALREADY_APPROVED: "Script {script_id} is already approved by {approver}.",
    Code.SCRIPT_NOT_APPROVED: (
        "Script {script_id} is {status}; only approved scripts can be aired."
    ),
    Code.SCRIPT_TOO_LONG: (
        "Script {script_id} lasts about {minutes} min {seconds} s, longer than the longest slot "
        "({longest} min); shorten or split it before approval."
    ),
    Code.SCRIPT_CHANGED: (
        "Script {script_id} was changed after you opened it; read it again before approving."
    ),
    Code.SCRIPT_EDIT_CONFLICT: (
        "Script {script_id} was changed by someone else after you opened it; your edit was "
        "not saved: read the new text and edit again."
    ),
    Code.APPROVER_MISSING: "Say who approves the script (--by NAME).",
    Code.NO_AUDIO: (
        "Script {script_id} has no audio for its current text yet; "
        "run 'broadcaster render {script_id}' first."
    ),
    Code.RENDER_NOTHING_TO_SAY: "Script {script_id} has nothing to say after normalisation.",
    Code.RENDER_MASTERING: "Script {script_id} could not be mastered: {detail}",
    Code.RENDER_NO_VOICE: "No voice could render script {script_id}: {detail}.",
    Code.RECORDING_MISSING: "No recording or audio file was sent.",
    Code.RECORDING_UNREADABLE: "The file {name} is not audio that can be read.",
    Code.RECORDING_TOO_LONG: (
        "The recording lasts more than {minutes} min, longer than the longest slot; "
        "record it shorter or split it."
    ),
    Code.RECORDING_TOO_SLOW: (
        "The file {name} took more than {seconds} s to read; send a shorter or smaller file."
    ),
    Code.RECORDING_SILENT: "The recording {name} is silent; check the microphone and record again.",
    Code.RECORDING_LOST: (
        "The recording of script {script_id} is missing or damaged; it is never replaced by a "
        "synthesised voice: record it or upload its file again."
    ),
    Code.SLOT_NO_OCCURRENCE: "The slot {slot} does not air at {when}.",
    Code.SLOT_BEGUN: "The slot {slot} at {when} has already begun; it can no longer be changed.",
    Code.SLOT_OVERFULL: (
        "The chosen bulletins last {seconds} s, more than the {minutes} min of the slot {slot}."
    ),
    Code.SLOT_EMERGENCY: (
        "Script {script_id} is an emergency bulletin: it airs at once with air-now, and goes into "
        "the routine slot {slot} only on a leader's word (--emergency-by NAME)."
    ),
    Code.SLOT_EMERGENCY_LEADER: (
        "'{name}' is not an enabled leader or admin account; only a leader puts an emergency "
        "bulletin into a routine slot."
    ),
    Code.SLOT_IS_RELAY: (
        "Slot {slot} relays an upper-level station's stream; put bulletins in a slot of kind "
        "bulletins."
    ),
    Code.SLOT_NAME_INVALID: "A slot's name has 1 to {maximum} characters and no comma.",
    Code.SLOT_DAYS_INVALID: (
        "Give the slot's days from {days} (such as mon,wed,fri) or one date, not both, not neither."
    ),
    Code.SLOT_DATE_INVALID: "'{value}' is not a date; write it as YYYY-MM-DD or DD/MM/YYYY.",
    Code.SLOT_DATE_PASSED: "The date {value} has passed; a one-off slot is for today or later.",
    Code.SLOT_START_INVALID: "'{value}' is not a start time; write it as HH:MM (06:00, 17:30).",
    Code.SLOT_MINUTES_INVALID: "A slot lasts a whole number of minutes from 1 to {maximum}.",
    Code.SLOT_KIND_UNKNOWN: "Slot kind '{kind}' is not one of: {kinds}.",
    Code.SLOT_EXISTS: "There is already a slot named {name}; choose another name.",
    Code.SLOT_NOT_FOUND: "There is no slot {slot}; see 'broadcaster slots list'.",
    Code.SLOT_OVERLAP: (
        "Slot {name} ({start}, {minutes} min) would overlap slot {other} ({other_start}, "
        "{other_minutes} min) on {when} in a zone they share; move one or shorten it."
    ),
    Code.SLOT_STALE: (
        "Slot {slot} was changed by someone else after you read it; reload it and make your "
        "change again."
    ),
    Code.SLOT_EDITOR: (
        "'{name}' is not an enabled leader or admin account; only leaders and admins change slots."
    ),
    Code.RULE_SLOT_MISSING: "A {kind} rule names the slot it is for.",
    Code.RULE_DATE_MISSING: "A {kind} rule needs a date (YYYY-MM-DD or DD/MM/YYYY).",
    Code.RULE_DATE_PASSED: "The date {value} has passed; a date rule is for today or later.",
    Code.RULE_NOT_ON_DATE: "Slot {slot} does not air on {date}; there is nothing to {kind}.",
    Code.RULE_DAY_INVALID: "A swapped date airs as a weekday ({days}) or as a day off (off).",
    Code.RULE_EXISTS: "There is already a date rule for {what}; delete it first.",
    Code.RULE_NOT_FOUND: "There is no date rule {rule}; see 'broadcaster rules list'.",
    Code.RULE_STALE: "Date rule {rule} was changed by someone else; reload and try again.",
    Code.SLOT_URL_MISSING: "A relay slot needs the address of the stream it relays (--url).",
    Code.SLOT_URL_INVALID: (
        "'{url}' is not a stream address: it must start with http:// or https:// and name a server."
    ),
    Code.SLOT_URL_UNREACHABLE: (
        "The stream {url} did not answer within {seconds} s; check the address and the Internet."
    ),
    Code.SLOT_URL_NOT_AUDIO: "The address {url} answered, but with no audio stream.",
    Code.SLOT_RELAY_TOO_LONG: "A relay slot lasts at most {maximum} minutes (6 hours).",
    Code.SLOT_FALLBACK_INVALID: (
        "The fallback '{file}' is not an audio file on this machine; give the path of an MP3 or "
        "WAV file (or leave it out)."
    ),
    Code.DAEMON_BUSY: (
        "Another daemon ({holder}) is running on this database (last heartbeat {heartbeat}); "
        "stop it first."
    ),
    Code.LEASE_LOST: (
        "Another daemon ({holder}) took this database over; this one stopped its player and "
        "exits. Check that only one 'broadcaster run' is meant to air from this database."
    ),
    Code.DAEMON_NOT_RUNNING: (
        "The daemon is not running; start it with 'broadcaster run' or pass --output to air "
        "from here."
    ),
    Code.DAEMON_OWNS_OUTPUT: "A daemon is running and owns the output; leave out --output.",
    Code.AIR_REQUEST_TIMEOUT: (
        "The daemon did not air it within {seconds} s; check 'broadcaster status'. "
        "The request stays queued."
    ),
    Code.AIR_REQUEST_FAILED: "The daemon could not air it: {detail}",
    Code.AIRING_FAILED: "Airing {airing_id} {outcome}: {detail}",
    Code.WITNESS_UNREADABLE: (
        "The witness copy is not a list of chain heads ('SEQ HASH TIME' lines); "
        "give the file the witness command wrote."
    ),
    Code.OUTPUT: "{detail}",
    Code.CONFIG: "{detail}",
    Code.SLOTS: "{detail}",
    Code.LEXICON: "{detail}",
    Code.NOT_INITIALISED: "There is no Broadcaster database at {url}; run 'broadcaster init' first.",
    Code.DATABASE_UNREACHABLE: "Cannot open the database at {url}: {detail}.",
    Code.SCHEMA_OUTDATED: (
        "The database at {url} is from an older version of Broadcaster; run 'broadcaster init' "
        "to upgrade it (a SQLite file is backed up first)."
    ),
    Code.SCHEMA_NEWER: (
        "The database at {url} was made by a newer version of Broadcaster (revision {revision}); "
        "install that version or restore a backup."
    ),
    Code.SCHEMA_UNKNOWN: (
        "The database at {url} does not look like a Broadcaster database this version knows "
        "({detail}); nothing was changed."
    ),
    Code.SCHEMA_DOWNGRADE_REFUSED: (
        "Downgrading to {revision} would drop sealed evidence ({detail}); refused."
    ),
    Code.USER_NAME_MISSING: "A user needs a name.",
    Code.USER_ROLE_UNKNOWN: "Role '{role}' is not one of: {roles}.",
    Code.USER_PASSWORD_SHORT: "A password needs at least {minimum} characters.",
    Code.USER_EXISTS: "A user named '{name}' already exists.",
    Code.USER_NAME_TOO_LONG: "A user name can have at most {maximum} characters.",
    Code.USER_NAME_RESERVED: (
        "'{name}' is a name the log uses for itself (demo, system, cli:…); choose another."
    ),
    Code.USER_PASSWORD_COMMON: (
        "That password is on the list of common passwords people guess first; choose another."
    ),
    Code.USER_PASSWORD_IS_NAME: "A password must not be the user's name; choose another.",
    Code.USER_PASSWORD_WRONG: "The current password is not right; nothing was changed.",
    Code.USER_PASSWORD_SAME: "The new password is the same as the old one; choose another.",
    Code.USER_NOT_FOUND: "There is no user named '{name}' ('broadcaster users list' shows them).",
    Code.LOGIN_FAILED: "The user name or password is not right.",
    Code.LOGIN_SLOWED: (
        "Too many wrong passwords for this account: wait {seconds} s before the next try."
    ),
    Code.LOGIN_ADDRESS_BLOCKED: (
        "Too many wrong passwords from this computer: try again in {minutes} minute(s)."
    ),
    Code.APPROVER_UNKNOWN: (
        "'{name}' is not an enabled leader or admin account; approve with the name of one "
        "('broadcaster users list')."
    ),
    Code.SELF_APPROVAL: (
        "{name} wrote or recorded script {script_id}; another leader must approve it (or set "
        'self_approval = "on" for a one-person commune).'
    ),
    Code.ZONE_NAME_INVALID: (
        "A zone name has 1 to {maximum} characters and no comma, such as 'Thôn 1'."
    ),
    Code.ZONE_EXISTS: "A zone named '{name}' already exists.",
    Code.ZONE_NOT_FOUND: "There is no zone named '{name}' ('broadcaster zones list' shows them).",
    Code.CLUSTER_NAME_INVALID: (
        "A cluster name has 2 to {maximum} small letters, digits or '-', such as 'thon-1'; "
        "it is also its broker user name."
    ),
    Code.CLUSTER_EXISTS: "A cluster named '{name}' already exists.",
    Code.CLUSTER_NOT_FOUND: (
        "There is no cluster named '{name}' ('broadcaster clusters list' shows them)."
    ),
    Code.CLUSTERS_OFF: (
        "No loudspeaker clusters are set up: set mqtt_host in broadcaster.toml first "
        "(docs/installation.md: Loudspeaker clusters)."
    ),
    Code.USER_LAST_ADMIN: (
        "'{name}' is the last enabled admin; make another admin first, or nobody could manage "
        "the accounts."
    ),
}
