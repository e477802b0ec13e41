#!/usr/bin/env bash
# The instrument's ceiling: loadgen against `relay` (the chat protocol answered straight from
# the fake model, no storage), with the same connections and models as the throughput and
# overhead benchmarks, so that each of their figures can be read beside what this machine and
# the load client carry at all.
# Usage: bench/relay.sh [throughput|overhead|both]   (default both)
source "$(dirname "$0")/common.sh"
WHAT=${1:-both}
CONNS=${BENCH_CONNECTIONS:-100}
SECS=${BENCH_SECONDS:-10}
build
note_load

# start_relay; sets SERVER_PORT, SERVER_PID (loadgen() reads them) after start_fake_llm.
start_relay() {
    SERVER_PORT=$(free_port)
    "$BIN/relay" --port "$SERVER_PORT" \
        --model-url "http://127.0.0.1:$FAKE_PORT/v1/chat/completions" >"$WORK/relay.log" 2>&1 &
    SERVER_PID=$!
    STARTED_PIDS+=("$SERVER_PID")
    wait_port "$SERVER_PORT" 10 || { log "relay did not start"; cat "$WORK/relay.log" >&2; exit 1; }
}

if [ "$WHAT" = throughput ] || [ "$WHAT" = both ]; then
    start_fake_llm 0 0
    start_relay
    log "relay throughput: $CONNS connections, $SECS s, instant model"
    loadgen "relay-throughput" -c "$CONNS" --warmup 2 --duration "$SECS" --label "relay-throughput"
    kill -TERM "$SERVER_PID" "$FAKE_PID" 2>/dev/null || true
fi
if [ "$WHAT" = overhead ] || [ "$WHAT" = both ]; then
    TTFT=200
    TOKEN=20
    ANSWER="She writes TypeScript and React at Kolam Health, and has led a design system used by four product teams since 2022."
    start_fake_llm "$TTFT" "$TOKEN" "$ANSWER"
    start_relay
    log "relay overhead: $CONNS connections, model ${TTFT} ms + ${TOKEN} ms/token"
    loadgen "relay-overhead" -c "$CONNS" --warmup 2 --duration "${BENCH_SECONDS:-20}" \
        --model-ttft-ms "$TTFT" --model-token-ms "$TOKEN" --label "relay-overhead"
    loadgen "relay-overhead-open" -c "$CONNS" --rate 140 --warmup 2 --duration "${BENCH_SECONDS:-20}" \
        --model-ttft-ms "$TTFT" --model-token-ms "$TOKEN" --label "relay-overhead-open"
fi
