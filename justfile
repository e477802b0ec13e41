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
