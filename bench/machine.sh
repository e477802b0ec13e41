#!/usr/bin/env bash
# The machine the figures come from, as one JSON line in target/bench/machine.json.
source "$(dirname "$0")/common.sh"
jq -cn --arg date "$(date -u +%Y-%m-%dT%H:%MZ)" --arg nproc "$(nproc)" \
    --arg cpu "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" \
    --arg mem "$(free -h | awk '/^Mem:/ {print $2}')" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
    --arg kernel "$(uname -r)" --arg rustc "$(rustc --version)" \
    --arg pg "$(psql "$PGHOST_URL/postgres" -Atc 'show server_version' 2>/dev/null || echo none)" \
    '{date: $date, nproc: ($nproc|tonumber), cpu: $cpu, memory: $mem, load: $load, kernel: $kernel, rustc: $rustc, postgres: $pg}' \
    | tee "$OUT/machine.json"
