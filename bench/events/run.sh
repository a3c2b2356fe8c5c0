#!/usr/bin/env bash
# SSE fan-out (issue 11 benchmarks): N event streams (default 10,000, fewer when the fd limit
# does not allow them: see below) held open on one `pheme serve` (SQLite), then one event
# delivered to all of them, ROUNDS times; the delivery latency over all streams and rounds
# (p50, p99, max) and the server's resident memory per idle stream. The event is a real domain
# event: a webhook created through the API writes "webhook.created" in its transaction, the
# commit wakes the event hub, the hub hands it to every stream (all signed in as one admin,
# filtered to ?kinds=webhook.created). The reference, measured in the same run with the same
# client: Node's `http` module broadcasting one frame to the same number of streams
# (bench/events/node-sse.js). Client: bench_sse (bench/events/bench_sse.c), epoll, one thread.
#
# File descriptors: the server serves hard RLIMIT_NOFILE - 544 connections, a stream one
# descriptor (docs/operations.md); the script raises the soft limit to the hard one (it cannot raise the
# hard one without CAP_SYS_RESOURCE) and lowers N to what fits, and says so.
#
#   bench/events/run.sh [N]     ROUNDS=5 BUILD=build
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
n=${1:-10000}
rounds=${ROUNDS:-5}
ulimit -n "$(ulimit -Hn)"
hard=$(ulimit -Hn)
fit=$(( hard - 544 ))
if [ "$n" -gt "$fit" ]; then
  echo "note: hard RLIMIT_NOFILE is $hard: pheme serve holds at most $fit connections; N lowered from $n to $((fit - 40))"
  n=$((fit - 40))
fi
cmake --build "$build" --target pheme bench_sse >/dev/null
work=$(mktemp -d /tmp/pheme-bench-events.XXXXXX)
srv_pid=""
trap '[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
db="sqlite:$work/bench.db"
"$build/pheme" migrate --database "$db" --log-level warn >/dev/null
key=$("$build/pheme" key create --role admin --owner 0x00000000000000000000000000000000000be0c1 --database "$db" --log-level warn | tail -n 1)

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(uname -r); load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pheme $("$build/pheme" version 2>/dev/null | head -n 1), node $(node --version); streams $n, rounds $rounds"

"$build/pheme" serve --listen "127.0.0.1:$port" --database "$db" --rate-limit false --per-client-connections 0 \
  --log-requests false --log-level warn --events-heartbeat 15 --jobs-workers 0 --webhooks-allow-private true ${PHEME_ARGS:-} \
  >"$work/serve.log" 2>&1 &
srv_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
pheme_json=$("$build/bench_sse" "$port" "$n" "$rounds" "$srv_pid" "/api/v1/events?kinds=webhook.created" "Bearer $key" \
  POST /api/v1/webhooks '{"url":"http://127.0.0.1:9/x","events":["bench.none"]}' "event: webhook.created" \
  DELETE /api/v1/webhooks/) || { echo "pheme run failed: $pheme_json"; tail -n 20 "$work/serve.log"; exit 1; }
kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=""
echo "pheme: $pheme_json"

node bench/events/node-sse.js "$port" >"$work/node.log" 2>&1 &
srv_pid=$!
for _ in $(seq 100); do grep -qs listening "$work/node.log" && break; sleep 0.1; done
node_json=$("$build/bench_sse" "$port" "$n" "$rounds" "$srv_pid" /events "" POST /trigger '{}' "event: bench.tick") ||
  { echo "node run failed: $node_json"; exit 1; }
kill "$srv_pid"; wait "$srv_pid" 2>/dev/null || true; srv_pid=""
echo "node:  $node_json"

node -e '
const p = JSON.parse(process.argv[1]), q = JSON.parse(process.argv[2]);
const r = (a, b) => (a / b).toFixed(2);
console.log(`p99 delivery: pheme ${p.p99_ms} ms, node ${q.p99_ms} ms (ratio ${r(p.p99_ms, q.p99_ms)}); target p99 <= 250 ms: ${p.p99_ms <= 250 && !p.missed ? "MET" : "NOT MET"}`);
console.log(`p50 delivery: pheme ${p.p50_ms} ms, node ${q.p50_ms} ms (ratio ${r(p.p50_ms, q.p50_ms)})`);
console.log(`RSS per idle stream: pheme ${p.rss_per_stream_kb} KiB, node ${q.rss_per_stream_kb} KiB (ratio ${r(p.rss_per_stream_kb, q.rss_per_stream_kb)})`);
console.log(`server CPU per delivery (trigger, storage, fan-out, write; 0.2 s idle between rounds included): pheme ${p.server_cpu_us_per_delivery} µs, node ${q.server_cpu_us_per_delivery} µs (ratio ${r(p.server_cpu_us_per_delivery, q.server_cpu_us_per_delivery)})`);
console.log(`missed deliveries: pheme ${p.missed}, node ${q.missed}; streams opened in ${p.open_s} s / ${q.open_s} s`);
' "$pheme_json" "$node_json"
