#!/usr/bin/env bash
# Throughput: 100 connections asking back to back, the fake model answering at once.
# Usage: bench/throughput.sh [postgres|sqlite]   (default postgres)
source "$(dirname "$0")/common.sh"
DB=${1:-postgres}
CONNS=${BENCH_CONNECTIONS:-100}
SECS=${BENCH_SECONDS:-10}
build
note_load
new_db "$DB"
start_fake_llm 0 0
start_server "$DB_URL"
log "throughput on $DB: $CONNS connections, $SECS s, answerer $ANSWERER"
loadgen "throughput-$DB" -c "$CONNS" --warmup 2 --duration "$SECS" \
    --label "throughput-$DB answerer=$ANSWERER"

# Every answer stored: each question has its answer row, and at least as many answers as
# loadgen counted are in the database (it counts only the measuring window).
case "$DB" in
    postgres) counts=$(psql "$DB_URL" -Atc "SELECT count(*) FILTER (WHERE role = 'user') || ' ' ||
        count(*) FILTER (WHERE role = 'assistant') FROM messages") ;;
    sqlite) counts=$(python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
roles = ("user", "assistant")
print(*db.execute("SELECT sum(role = ?), sum(role = ?) FROM messages", roles).fetchone())' \
        "$(sed -e 's|^sqlite://||' -e 's|?.*$||' <<<"$DB_URL")") ;;
esac
read -r questions answers <<<"$counts"
counted=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["questions_ok"])' \
    "$OUT/throughput-$DB.json")
log "stored: $questions questions, $answers answers (loadgen counted $counted in its window)"
if [ "$questions" != "$answers" ] || [ "$answers" -lt "$counted" ]; then
    log "MISMATCH: an answer loadgen received is not stored"
    exit 1
fi
