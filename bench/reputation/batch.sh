#!/bin/sh
# POST /api/v1/reputation/batch with 10,000 addresses (issue 12 target: <= 50 ms server time), on
# SQLite, against GET /healthz measured in the same run (the server's floor for one request).
# Server time is the access log's latency_us (from the request's arrival to the answer queued);
# server CPU is the process's user + system time over the loop (/proc/PID/stat; the /healthz
# requests in it cost next to nothing), per batch request.
#   bench/reputation/batch.sh [REQUESTS]    (default 50)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build/pheme
cmake --build "$root/build" -j2 --target pheme >/dev/null
n=${1:-50}
dir=$(mktemp -d /tmp/pheme-rep-batch.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
db="sqlite:$dir/b.db"
"$bin" migrate --database "$db" --log-level warn >/dev/null
"$bin" seed bench --users 10000 --tasks 1 --database "$db" --log-level warn >/dev/null
"$bin" reputation recompute --database "$db" --log-level warn >/dev/null
sqlite3 "$dir/b.db" "SELECT lower(hex(address)) FROM users ORDER BY random() LIMIT 10000" |
  awk 'BEGIN { printf "{\"addresses\":[" } { printf "%s\"0x%s\"", (NR > 1 ? "," : ""), $1 } END { print "]}" }' >"$dir/body.json"
port=$(( 20000 + $$ % 20000 ))
PHEME_RATE_LIMIT=off "$bin" serve --listen "127.0.0.1:$port" --database "$db" --jobs-workers 0 --web-root '' \
  >"$dir/server.log" 2>&1 &
pid=$!
for i in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u '+%Y-%m-%d %H:%M UTC')
items=$(curl -fs -X POST -H 'Content-Type: application/json' --data-binary @"$dir/body.json" \
  "http://127.0.0.1:$port/api/v1/reputation/batch" | grep -o '"known":true' | wc -l)
ticks() { awk '{ print $14 + $15 }' "/proc/$pid/stat"; }
cpu0=$(ticks)
for i in $(seq 1 "$n"); do
  curl -fs -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$dir/body.json" \
    "http://127.0.0.1:$port/api/v1/reputation/batch"
  curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"
done
cpu1=$(ticks)
cpu_ms=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.1f", (b - a) * 1000 / hz / n }')
sleep 1
pct() { grep "\"route\":\"$1\"" "$dir/server.log" | grep -o '"latency_us":[0-9]*' | cut -d: -f2 | sort -n |
  awk -v p="$2" '{ v[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.2f", v[i] / 1000 }'; }
b50=$(pct /api/v1/reputation/batch 50); b99=$(pct /api/v1/reputation/batch 99)
h50=$(pct /healthz 50)
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "### Reputation batch lookup — \`bench/reputation/batch.sh $n\`"
echo
echo "- **Date:** $start; machine: $cpu, $(nproc) cores; load average before the run $load"
echo "- **Setup:** SQLite, 10,000 people with scores; each request asks for all 10,000 addresses in random order ($items found in the first answer); $n requests, each followed by GET /healthz (reference)."
echo
echo "| batch p50 (server) | **batch p99 (server)** | server CPU per batch | /healthz p50 (ref.) | p50 / healthz |"
echo "|---:|---:|---:|---:|---:|"
echo "| $b50 ms | **$b99 ms** | $cpu_ms ms | $h50 ms | $(awk -v a="$b50" -v b="$h50" 'BEGIN { if (b > 0) printf "%.0f", a / b; else print "n/a" }') |"
