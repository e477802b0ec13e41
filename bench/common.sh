# Shared by the benchmark scripts: build, start what a benchmark needs on loopback, clean up.
# Sourced, not run. Everything started here is stopped by the EXIT trap, by pid.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
BIN=$TARGET/release
OUT=${BENCH_OUT:-$REPO/target/bench}
PGHOST_URL=${BENCH_PG:-postgres://postgres@127.0.0.1:5432}
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/resume-chat-bench.XXXXXX")
STARTED_PIDS=()
CREATED_DBS=()

cleanup() {
    local pid
    for pid in "${STARTED_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${STARTED_PIDS[@]}"; do
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    local db
    for db in "${CREATED_DBS[@]}"; do
        psql "$PGHOST_URL/postgres" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    if [ "${BENCH_KEEP_WORK:-0}" = 1 ]; then
        echo "bench: logs kept in $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "bench: $*" >&2; }

# Release builds of the server, the fake model and the load generator (skip: BENCH_NO_BUILD=1).
build() {
    if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
        (cd "$REPO" && cargo build --release -p server -p fake-llm -p loadgen)
    fi
}

# A free loopback port below the ephemeral range, so the 10,000 client sockets cannot take it.
free_port() {
    local p
    for _ in $(seq 1 100); do
        p=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

wait_port() { # port seconds
    local deadline=$((SECONDS + $2))
    while ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# A fresh PostgreSQL database bench_<random>; sets DB_URL. Dropped on exit.
new_postgres_db() {
    local name
    name="bench_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
    psql "$PGHOST_URL/postgres" -qc "CREATE DATABASE $name" >/dev/null
    CREATED_DBS+=("$name")
    DB_URL="$PGHOST_URL/$name"
}

# A fresh SQLite file in the work directory; sets DB_URL.
new_sqlite_db() {
    DB_URL="sqlite://$WORK/bench-$RANDOM.db?mode=rwc"
}

# new_db postgres|sqlite
new_db() {
    case "$1" in
        postgres) new_postgres_db ;;
        sqlite) new_sqlite_db ;;
        *) log "unknown database $1 (postgres or sqlite)"; exit 2 ;;
    esac
}

# start_fake_llm TTFT_MS TOKEN_MS [ANSWER]; sets FAKE_PORT, FAKE_PID.
start_fake_llm() {
    FAKE_PORT=$(free_port)
    local answer=(${3:+--answer "$3"})
    RUST_LOG=warn "$BIN/fake-llm" --port "$FAKE_PORT" --ttft-ms "$1" --token-ms "$2" "${answer[@]}" \
        >"$WORK/fake-llm.log" 2>&1 &
    FAKE_PID=$!
    STARTED_PIDS+=("$FAKE_PID")
    wait_port "$FAKE_PORT" 10 || { log "fake-llm did not start"; cat "$WORK/fake-llm.log" >&2; exit 1; }
}

# The server's environment for a benchmark: loopback, limits raised so that only the server's
# own speed is measured (100 or 10,000 sockets all come from 127.0.0.1), quiet shutdown.
server_env() {
    export HOST=127.0.0.1
    export RESUME_PATH="$REPO/data/resume.json"
    export LOG_LEVEL="${BENCH_LOG_LEVEL:-info}"
    export LOG_FORMAT=json
    export RATE_LIMIT_PER_MINUTE=1000000
    export MAX_CONNECTIONS=20000
    export MAX_CONNECTIONS_PER_IP=20000
    export WS_IDLE_TIMEOUT=900
    export SHUTDOWN_GRACE=1
    if [ -n "${BENCH_POOL_SIZE:-}" ]; then export DATABASE_POOL_SIZE=$BENCH_POOL_SIZE; fi
    if [ -n "${FAKE_PORT:-}" ]; then
        export OPENROUTER_API_KEY=bench-key
        export LLM_BASE_URL="http://127.0.0.1:$FAKE_PORT/v1"
        export LLM_MODEL=fake/bench
        export LLM_MAX_RETRIES=0
    else
        unset OPENROUTER_API_KEY LLM_BASE_URL
    fi
}

# start_server DB_URL; sets SERVER_PORT, SERVER_PID, ANSWERER. Runs in the work directory so
# no developer's .env or resume-chat.toml is read.
start_server() {
    SERVER_PORT=$(free_port)
    server_env
    (cd "$WORK" && exec env PORT="$SERVER_PORT" DATABASE_URL="$1" "$BIN/resume-chat") \
        >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    STARTED_PIDS+=("$SERVER_PID")
    local deadline=$((SECONDS + 60))
    until curl -fs -o /dev/null "http://127.0.0.1:$SERVER_PORT/ready"; do
        if ! kill -0 "$SERVER_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
            log "the server did not become ready"; tail -20 "$WORK/server.log" >&2; exit 1
        fi
        sleep 0.05
    done
    if grep -q -i 'offline answerer' "$WORK/server.log"; then ANSWERER=offline; else ANSWERER=fake-llm; fi
    if [ -n "${FAKE_PORT:-}" ] && [ "$ANSWERER" = offline ]; then
        log "WARNING: this server build ignores LLM_BASE_URL and answers with the offline answerer"
    fi
}

stop_server() {
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

# loadgen NAME ARGS...: runs loadgen against the server; JSON to $OUT/NAME.json (replaced).
loadgen() {
    local name=$1
    shift
    rm -f "$OUT/$name.json"
    "$BIN/loadgen" --url "ws://127.0.0.1:$SERVER_PORT/ws" --pid "$SERVER_PID" \
        --cpu-of postgres --cpu-of fake-llm \
        --json-out "$OUT/$name.json" "$@"
}

# A note of the load when a benchmark starts: figures taken under load are noisier.
note_load() {
    log "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
}
