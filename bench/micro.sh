#!/usr/bin/env bash
# Criterion micro-benchmarks: prompt building and pruning, token counting and the 500-message
# history (domain), frame parsing and writing (api-actix), the offline answerer's ranking.
# Writes the median of each to target/bench/micro.json as well.
source "$(dirname "$0")/common.sh"
note_load
cd "$REPO"
cargo bench -p domain --bench prompt -- "${@}"
cargo bench -p api-actix --bench frames -- "${@}"
cargo bench -p adapters-offline --bench ranking -- "${@}"
# One line per benchmark: {"bench": "group/name", "median_ns": …, "mean_ns": …}.
find "$TARGET/criterion" -path '*/new/estimates.json' | sort | while read -r f; do
    name=${f#"$TARGET/criterion/"}
    name=${name%/new/estimates.json}
    jq -c --arg b "$name" '{bench: $b, median_ns: .median.point_estimate, mean_ns: .mean.point_estimate}' "$f"
done >"$OUT/micro.json"
log "criterion medians: $OUT/micro.json"
