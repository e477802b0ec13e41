#!/usr/bin/env bash
# Idle scale: 10,000 connections, each asks once (instant model), then all stay open and idle.
# Usage: bench/idle.sh [postgres|sqlite]   (default postgres)
source "$(dirname "$0")/common.sh"
DB=${1:-postgres}
N=${BENCH_IDLE_CONNECTIONS:-10000}
HOLD=${BENCH_IDLE_SECONDS:-30}
# Server and loadgen each hold one socket per connection.
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((N + 1024)) ]; then
    ulimit -n $((N + 1024)) || { log "cannot raise the open-file limit to $((N + 1024))"; exit 1; }
fi
build
note_load
new_db "$DB"
start_fake_llm 0 0
start_server "$DB_URL"
log "idle scale on $DB: $N connections held $HOLD s (file limit $(ulimit -n)), answerer $ANSWERER"
loadgen "idle-$DB" -c "$N" --idle "$HOLD" --concurrency 100 --connect-concurrency 200 \
    --connect-timeout 30 --label "idle-$DB answerer=$ANSWERER"
