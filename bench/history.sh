#!/usr/bin/env bash
# History: one conversation 500 messages long. Builds it (250 questions on one connection,
# instant model), then one connection resumes it and asks 20 more: "whole answer" is a question
# asked with that history (prompt building and pruning included). 20 fresh sessions asking their
# first question are the baseline: the cost per question should not grow with the session.
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
# One connection resumes it and asks 20 more (questions 251-270). Not 20 connections at once on
# the session: each would also receive the others' answers, as a session's tabs do.
loadgen "history-resume-$DB" -c 1 --sessions-in "$WORK/session.txt" --count 20 --duration 0 \
    --label "history-resume-$DB answerer=$ANSWERER"
loadgen "history-fresh-$DB" -c 20 --idle 0 --connect-concurrency 1 --concurrency 1 \
    --label "history-fresh-$DB answerer=$ANSWERER"
