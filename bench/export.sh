#!/usr/bin/env bash
# The owner's export in bounded memory: N conversations are made (loadgen: N connections, one
# question each), then exported as JSON Lines and as CSV while the server's peak RSS is watched
# (/proc/PID/clear_refs resets VmHWM just before each export).
# Usage: bench/export.sh [sqlite|postgres]   (default sqlite)
source "$(dirname "$0")/common.sh"
DB=${1:-sqlite}
N=${BENCH_EXPORT_CONVERSATIONS:-10000}
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt 11024 ]; then
    ulimit -n 11024 || { log "cannot raise the open-file limit to 11024"; exit 1; }
fi
build
note_load
new_db "$DB"
start_fake_llm 0 0
export ADMIN_TOKEN="bench-owner-token-$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
start_server "$DB_URL"
log "export on $DB: making $N conversations"
# In rounds of at most 10,000 connections (the server's connection limit here is 20,000).
made=0
while [ "$made" -lt "$N" ]; do
    round=$((N - made < 10000 ? N - made : 10000))
    loadgen "export-seed-$DB" -c "$round" --idle 1 --concurrency 100 --connect-concurrency 200 \
        --connect-timeout 30 --label "export-seed-$DB" >/dev/null
    made=$((made + round))
done

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$SERVER_PID/status"; }
rm -f "$OUT/export-$DB.json"
for format in jsonl csv; do
    echo 5 >"/proc/$SERVER_PID/clear_refs"
    before=$(kib VmRSS)
    start=$(date +%s.%N)
    read -r lines bytes < <(curl -fsS -H "Authorization: Bearer $ADMIN_TOKEN" \
        "http://127.0.0.1:$SERVER_PORT/api/admin/export?format=$format" | wc -lc)
    end=$(date +%s.%N)
    peak=$(kib VmHWM)
    seconds=$(echo "$end - $start" | bc)
    python3 - "$OUT/export-$DB.json" <<PY
import json, sys
row = {"db": "$DB", "format": "$format", "conversations": $N, "lines": $lines, "bytes": $bytes,
       "seconds": round($seconds, 3), "rss_before_kib": $before, "peak_rss_kib": $peak,
       "growth_kib": $peak - $before}
print(json.dumps(row))
with open(sys.argv[1], "a") as out:
    out.write(json.dumps(row) + "\n")
PY
done
