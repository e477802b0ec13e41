# Recipes for working on resume-chat. `cargo install just` to use them.

# Run the server on its embedded defaults (SQLite, offline answerer unless a key is set).
dev:
    cargo run

# Every test (PostgreSQL tests need TEST_DATABASE_URL or a local server on 127.0.0.1:5432).
test:
    cargo test --workspace

# Formatting and lints, as CI checks them.
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings

# Apply pending migrations to DATABASE_URL (also: just migrate down, just migrate status).
migrate *args="up":
    cargo run -p migration -- {{args}}

# What CI runs.
ci:
    bash .ci/run

# Every benchmark: release builds, loopback only, JSON under target/bench/ (see BENCHMARKS.md).
bench: bench-machine bench-micro bench-startup bench-relay bench-throughput bench-overhead bench-history bench-idle bench-export

# The machine the figures come from (cores, memory, CPU, load) → target/bench/machine.json.
bench-machine:
    bash bench/machine.sh

# The instrument's ceiling: the same loads against `relay` (the protocol straight from the fake
# model, no storage), printed beside the server's figures in BENCHMARKS.md.
bench-relay what="both":
    bash bench/relay.sh {{what}}

# 100 connections asking back to back, fake model answering at once (PostgreSQL, then SQLite).
bench-throughput *dbs="postgres sqlite":
    for db in {{dbs}}; do bash bench/throughput.sh $db || exit 1; done

# 100 connections, fake model with 200 ms to first token and 50 tokens/s: what the server adds.
bench-overhead db="postgres":
    bash bench/overhead.sh {{db}}

# 10,000 connections, each asks once, then all held idle: failures and RSS per connection.
bench-idle db="postgres":
    bash bench/idle.sh {{db}}

# One conversation 500 messages long: loading its history and asking in it.
bench-history *dbs="sqlite postgres":
    for db in {{dbs}}; do bash bench/history.sh $db || exit 1; done

# The owner's export of 10,000 conversations: time, size, and the server's peak RSS growth.
bench-export db="sqlite":
    bash bench/export.sh {{db}}

# Start-up to ready on SQLite, migrations included.
bench-startup:
    bash bench/startup.sh

# Criterion micro-benchmarks: prompt building and pruning, frames, the offline answerer.
bench-micro *args="":
    bash bench/micro.sh {{args}}
