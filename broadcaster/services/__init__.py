"""The use cases, in one place: every front door (CLI, web page, daemon) calls these.

A service takes a `Context` (settings, the caller's session, the clock, the voices),
checks the rules of the job, changes records, commits, and returns a typed result or
raises a `BroadcasterError` whose code the front door turns into words.

- `scripts`: add, edit, approve, return, retire, look up.
- `audio`: render a script, make sure a planned file is there and intact.
- `planning`: plan a week, read a week's programme, install the daemon's slots.
- `onair`: air one programme entry or a whole slot, air now, record missed, settle.
- `reports`: the airing log, the Office's report, verifying the chain.
- `health`: what `status` and the status page show.
- `station`: open one installation (settings, database, slots) at an entry point; `init`.
"""
