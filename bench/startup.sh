#!/usr/bin/env bash
# Start-up to ready on SQLite: from exec to the first 200 on /ready, a new database file each
# run (so migrations are included), then on an existing, migrated file.
source "$(dirname "$0")/common.sh"
RUNS=${BENCH_STARTUP_RUNS:-20}
build
note_load
PORT=$(free_port)
export PORT
FAKE_PORT=
server_env
cd "$WORK"
rm -f "$OUT/startup-sqlite.json"
"$BIN/startup-time" --url "http://127.0.0.1:$PORT/ready" --runs "$RUNS" \
    --fresh-sqlite-dir "$WORK" --label "startup-sqlite-fresh" \
    --json-out "$OUT/startup-sqlite.json" -- "$BIN/resume-chat"
export DATABASE_URL="sqlite://$WORK/existing.db?mode=rwc"
"$BIN/startup-time" --url "http://127.0.0.1:$PORT/ready" --runs 1 -- "$BIN/resume-chat" >/dev/null
"$BIN/startup-time" --url "http://127.0.0.1:$PORT/ready" --runs "$RUNS" \
    --label "startup-sqlite-existing" --json-out "$OUT/startup-sqlite.json" -- "$BIN/resume-chat"
