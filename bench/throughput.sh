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
