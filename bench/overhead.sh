#!/usr/bin/env bash
# Overhead: 100 connections, fake model with 200 ms to first token and 50 tokens/s (20 ms a
# token). Reports what the service adds on top of the model's own time.
# Twice: closed loop (100 connections asking back to back, so questions arrive in bursts of
# 100), then open loop at 140 questions/s spread evenly over the same 100 connections.
# Usage: bench/overhead.sh [postgres|sqlite]   (default postgres)
source "$(dirname "$0")/common.sh"
DB=${1:-postgres}
TTFT=200
TOKEN=20
# 20 words: the fake streams one word a token, so the model's own time is 200 + 19 × 20 ms.
ANSWER="She writes TypeScript and React at Kolam Health, and has led a design system used by four product teams since 2022."
build
note_load
new_db "$DB"
start_fake_llm "$TTFT" "$TOKEN" "$ANSWER"
start_server "$DB_URL"
# The fake model's own lateness (timer rounding), measured straight, to tell it from the server's.
rm -f "$OUT/overhead-$DB-model.json"
"$BIN/sse-timing" --url "http://127.0.0.1:$FAKE_PORT/v1/chat/completions" --requests 20 \
    --ttft-ms "$TTFT" --token-ms "$TOKEN" --json-out "$OUT/overhead-$DB-model.json" >"$WORK/model-timing.txt"
head -1 "$WORK/model-timing.txt" >&2
log "overhead on $DB: 100 connections, model ${TTFT} ms + ${TOKEN} ms/token, answerer $ANSWERER"
loadgen "overhead-$DB" -c 100 --warmup 2 --duration "${BENCH_SECONDS:-20}" \
    --model-ttft-ms "$TTFT" --model-token-ms "$TOKEN" --label "overhead-$DB answerer=$ANSWERER"
loadgen "overhead-open-$DB" -c 100 --rate 140 --warmup 2 --duration "${BENCH_SECONDS:-20}" \
    --model-ttft-ms "$TTFT" --model-token-ms "$TOKEN" --label "overhead-open-$DB answerer=$ANSWERER"
