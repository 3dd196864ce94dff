#!/bin/sh
# A copy of one Broadcaster station that restores and verifies: docs/installation.md,
# "Backups and restore". Run it as the station's user; the daemon and the web page may run.
#
#   backup.sh STATION_DIR DEST_DIR [POSTGRESQL_URL]
#
# writes DEST_DIR/broadcaster-<UTC time>/ holding files.tar (broadcaster.toml, the slot and
# plan files, var/ without the database) and the database: broadcaster.db (SQLite's online
# backup of var/broadcaster.db) or, given a PostgreSQL URL (postgresql://…), broadcaster.dump
# (pg_dump -Fc). The files are copied first and the database second: the chain heads in
# var/ledger/ and the checkpoint in var/verified-head.json then name only links the copied
# database holds, so `broadcaster log verify` passes on the restored copy.
set -eu
usage="usage: backup.sh STATION_DIR DEST_DIR [POSTGRESQL_URL]"
station=${1:?$usage}
dest=${2:?$usage}
postgresql=${3:-}
python=${BROADCASTER_PYTHON:-/opt/broadcaster/bin/python}
if [ -z "$postgresql" ] && [ ! -f "$station/var/broadcaster.db" ]; then
    echo "backup.sh: $station/var/broadcaster.db does not exist; for PostgreSQL give its URL." >&2
    exit 1
fi
umask 077
target="$dest/broadcaster-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$target"

# 1. Everything but the database (var/backups/ holds older copies of it, made by upgrades).
# tar exits 1 when a file grew while it was read (a log line, a ledger line): its copy ends
# where tar first saw it end, and the database copied next holds every link it names.
status=0
tar -C "$station" --warning=no-file-changed --exclude=./var/backups \
    --exclude=./var/broadcaster.db --exclude='./var/broadcaster.db-*' \
    -cf "$target/files.tar" . || status=$?
[ "$status" -le 1 ] || exit "$status"

# 2. Then the database, consistent while the daemon writes to it.
if [ -n "$postgresql" ]; then
    pg_dump -Fc -f "$target/broadcaster.dump" "$postgresql"
else
    "$python" - "$station/var/broadcaster.db" "$target/broadcaster.db" <<'PY'
import sqlite3
import sys

source, copy = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
source.backup(copy)
copy.close()
source.close()
PY
fi
echo "$target"
