#!/usr/bin/env bash
# Start-up: from exec to the first 200 on /ready (SQLite: a new database file each run, so
# migrations are included, then an existing, migrated file) and to the first 200 on /health
# (SQLite and PostgreSQL, existing databases; PostgreSQL with the URL's default sslmode, prefer,
# so TLS when the server offers it, as a deployment would run).
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
"$BIN/startup-time" --url "http://127.0.0.1:$PORT/health" --runs "$RUNS" \
    --label "startup-sqlite-health" --json-out "$OUT/startup-sqlite.json" -- "$BIN/resume-chat"
if [ "${BENCH_STARTUP_POSTGRES:-1}" = 1 ]; then
    new_postgres_db
    export DATABASE_URL="$DB_URL"
    "$BIN/startup-time" --url "http://127.0.0.1:$PORT/ready" --runs 1 -- "$BIN/resume-chat" >/dev/null
    rm -f "$OUT/startup-postgres.json"
    "$BIN/startup-time" --url "http://127.0.0.1:$PORT/health" --runs "$RUNS" \
        --label "startup-postgres-health" --json-out "$OUT/startup-postgres.json" -- "$BIN/resume-chat"
fi
