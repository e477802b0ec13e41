#!/usr/bin/env bash
# History: one conversation 500 messages long. Builds it (250 questions on one connection,
# instant model), then 20 connections one after another resume it: "handshake to greeting" is
# the time to load the history; "whole answer" is one question asked with that history (prompt
# building and pruning included). A fresh-session run is the baseline.
# Usage: bench/history.sh [sqlite|postgres]   (default sqlite)
source "$(dirname "$0")/common.sh"
DB=${1:-sqlite}
build
note_load
new_db "$DB"
start_fake_llm 0 0
start_server "$DB_URL"
log "history on $DB: building a 500-message conversation, answerer $ANSWERER"
loadgen "history-build-$DB" -c 1 --count 250 --duration 0 --sessions-out "$WORK/session.txt" \
    --label "history-build-$DB" --quiet >/dev/null
loadgen "history-resume-$DB" -c 20 --sessions-in "$WORK/session.txt" --idle 0 \
    --connect-concurrency 1 --concurrency 1 --label "history-resume-$DB answerer=$ANSWERER"
loadgen "history-fresh-$DB" -c 20 --idle 0 --connect-concurrency 1 --concurrency 1 \
    --label "history-fresh-$DB answerer=$ANSWERER"
