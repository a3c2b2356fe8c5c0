#!/usr/bin/env bash
# The nested-query benchmark (issue 13): a wallet with its skills, badges, guilds and last 10
# submissions, each with its task and reviews — one GraphQL query — served by `pheme serve` and by
# the peer (graphql-yoga over better-sqlite3, bench/graphql/peer) on the same SQLite file, in three
# alternating rounds, each pinned to core 0, with wrk on core 1 (32 connections, 3 s warm-up, 10 s
# measured each time). Reported: throughput, latency p50/p99, server CPU per request (utime + stime from
# /proc). Then, on PHEME alone: the same answers by REST (the 22 calls a REST client makes for
# them, rest.lua: server CPU per set, against the GraphQL query's) and the latency at a fixed
# 1,000 req/s (paced.c, open loop, unpinned, 2 threads: p50/p99 from each request's due time).
# Targets: PHEME ≥ 5× the peer's throughput; GraphQL ≤ 1.5× the CPU of the REST calls; p99 ≤ 5 ms
# at 1,000 req/s. Appends to bench/graphql/RESULTS.md; exit 3 when a target is missed.
#   bench/graphql/nested.sh [USERS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
users=${1:-2000}
conns=32; warm=3; secs=10
cd "$root"
for t in wrk taskset sqlite3 node curl cc; do command -v $t >/dev/null || { echo "nested.sh: $t is missing" >&2; exit 2; }; done
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target pheme >/dev/null
(cd "$here/peer" && { [ -d node_modules/better-sqlite3 ] || npm ci --no-audit --no-fund --loglevel=error; })
load0=$(cut -d' ' -f1-3 /proc/loadavg)
work=$(mktemp -d /tmp/pheme-gqlbench.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
db="sqlite:$work/bench.db"
build/pheme migrate --database "$db" >/dev/null
build/pheme seed bench --users "$users" --tasks 400 --database "$db" >/dev/null
sqlite3 "$work/bench.db" < "$here/seed.sql"
key=$(build/pheme key create --role admin --owner 0x00000000000000000000000000000000000000ad --label bench --database "$db" | tail -1)
cc -O2 -o "$work/paced" "$here/paced.c"
# The REST calls for 40 people, each with a key of their own (/me/submissions is the caller's):
# the wallet, the last 10 submissions, and each one's task and submission (with its reviews).
for id in $(seq 1 $((users / 40)) "$users" | head -40); do
  addr=$(printf '0xbe9c5eed0000000000000000%016x' "$id")
  ukey=$(build/pheme key create --role user --owner "$addr" --label rest --database "$db" | tail -1)
  echo "$ukey /api/v1/wallets/$addr"
  echo "$ukey /api/v1/me/submissions?limit=10"
  sqlite3 "$work/bench.db" "SELECT task_id FROM submissions WHERE user_id = $id ORDER BY id DESC LIMIT 10" | sed "s|^|$ukey /api/v1/tasks/|"
  sqlite3 "$work/bench.db" "SELECT id FROM submissions WHERE user_id = $id ORDER BY id DESC LIMIT 10" | sed "s|^|$ukey /api/v1/submissions/|"
done > "$work/calls"
ncalls=$(awk -v n="$(wc -l < "$work/calls")" 'BEGIN { printf "%.1f", n / 40 }')
rows=$(sqlite3 "$work/bench.db" 'SELECT (SELECT count(*) FROM users)||" people, "||(SELECT count(*) FROM submissions)||" submissions, "||(SELECT count(*) FROM reviews)||" reviews"')
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { sed 's/^.*) //' /proc/$1/stat | awk '{print $12 + $13}'; }
hz=$(getconf CLK_TCK)
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$1$2" && return 0; sleep 0.1; done; return 1; }

measure() { # name pid port key [wrk script]
  local name=$1 pid=$2 p=$3 k=$4 script=${5:-$here/post.lua}
  BENCH_CALLS=$work/calls BENCH_USERS=$users BENCH_KEY=$k taskset -c 1 wrk -t1 -c$conns -d${warm}s -s "$script" "http://127.0.0.1:$p" >/dev/null
  local t0; t0=$(ticks "$pid")
  local out; out=$(BENCH_CALLS=$work/calls BENCH_USERS=$users BENCH_KEY=$k taskset -c 1 wrk -t1 -c$conns -d${secs}s --latency -s "$script" "http://127.0.0.1:$p")
  local t1; t1=$(ticks "$pid")
  local reqs bad p50 p99 rps
  reqs=$(sed -nE 's/^BENCH requests=([0-9]+).*/\1/p' <<<"$out"); bad=$(sed -nE 's/.* bad=([0-9]+).*/\1/p' <<<"$out")
  p50=$(sed -nE 's/.* p50_us=([0-9]+).*/\1/p' <<<"$out"); p99=$(sed -nE 's/.* p99_us=([0-9]+).*/\1/p' <<<"$out")
  rps=$(sed -nE 's/^Requests\/sec: *([0-9.]+).*/\1/p' <<<"$out")
  local cpu_us; cpu_us=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" -v n="$reqs" 'BEGIN { printf "%.1f", (b - a) / hz * 1e6 / n }')
  echo "$name rps=$rps requests=$reqs bad=$bad p50_us=$p50 p99_us=$p99 cpu_us_per_req=$cpu_us"
  [ "$bad" = 0 ] || { echo "nested.sh: $name gave $bad bad answers" >&2; exit 1; }
}

get() { sed -nE "s/.* $2=([0-9.]+).*/\1/p" <<<"$1"; }
median3() { printf '%s\n' "$@" | sort -g | sed -n 2p; }

p1=$(port)
taskset -c 0 build/pheme serve --listen "127.0.0.1:$p1" --database "$db" --rate-limit=false --log-requests=false \
  --jobs-workers 0 --threads 1 --migrate-on-start=false >"$work/pheme.log" 2>&1 &
pids+=($!); ppid=$!
wait_up "$p1" /healthz || { cat "$work/pheme.log"; exit 1; }
p2=$(port)
(cd "$here/peer" && exec taskset -c 0 node server.mjs "$work/bench.db" "$p2") >"$work/peer.log" 2>&1 &
pids+=($!); npid=$!
wait_up "$p2" '/graphql?query=%7B__typename%7D' || { cat "$work/peer.log"; exit 1; }

# Three rounds, each PHEME then the peer (the idle one waits on core 0 without using it), so that
# both meet the machine's load alike; the ratio is the median of the rounds' ratios.
rounds=""; ratios=(); cpurs=(); ourl=(); theirl=()
for round in 1 2 3; do
  o=$(measure pheme "$ppid" "$p1" "$key"); t=$(measure yoga "$npid" "$p2" "")
  echo "round $round: $o | $t"
  ourl+=("$o"); theirl+=("$t")
  ratios+=("$(awk -v a="$(get "$o" rps)" -v b="$(get "$t" rps)" 'BEGIN { printf "%.2f", a / b }')")
  cpurs+=("$(awk -v a="$(get "$o" cpu_us_per_req)" -v b="$(get "$t" cpu_us_per_req)" 'BEGIN { printf "%.2f", b / a }')")
  rounds+="| $round | $(get "$o" rps) | $(get "$o" p99_us) µs | $(get "$o" cpu_us_per_req) µs | $(get "$t" rps) | $(get "$t" p99_us) µs | $(get "$t" cpu_us_per_req) µs | ${ratios[-1]}× | ${cpurs[-1]}× |"$'\n'
done
kill "$npid"; wait "$npid" 2>/dev/null || true
ratio=$(median3 "${ratios[@]}")
cpur=$(median3 "${cpurs[@]}")
ours=${ourl[1]}; theirs=${theirl[1]}
for k in 0 1 2; do [ "${ratios[$k]}" = "$ratio" ] && ours=${ourl[$k]} && theirs=${theirl[$k]}; done
rest=$(measure rest "$ppid" "$p1" "" "$here/rest.lua")
echo "$rest"
kill "$ppid"; wait "$ppid" 2>/dev/null || true

# The latency at a fixed rate: the server unpinned with two threads, the generator open-loop.
p3=$(port)
build/pheme serve --listen "127.0.0.1:$p3" --database "$db" --rate-limit=false --log-requests=false \
  --jobs-workers 0 --threads 2 --migrate-on-start=false >"$work/pheme2.log" 2>&1 &
pids+=($!); qpid=$!
wait_up "$p3" /healthz || { cat "$work/pheme2.log"; exit 1; }
"$work/paced" "$p3" 1000 3 $conns "$users" "$key" >/dev/null || true
paced=$("$work/paced" "$p3" 1000 $secs $conns "$users" "$key") || { echo "nested.sh: paced run failed: $paced" >&2; exit 1; }
kill "$qpid"; wait "$qpid" 2>/dev/null || true
echo "paced $paced"

yv=$(node -p 'require("'"$here"'/peer/node_modules/graphql-yoga/package.json").version')
bv=$(node -p 'require("'"$here"'/peer/node_modules/better-sqlite3/package.json").version')
# REST: server CPU for one person's set of calls (ncalls per person) against one GraphQL query
rest_set=$(awk -v c="$(get "$rest" cpu_us_per_req)" -v n="$ncalls" 'BEGIN { printf "%.1f", c * n }')
restr=$(awk -v g="$(get "$ours" cpu_us_per_req)" -v r="$rest_set" 'BEGIN { printf "%.2f", g / r }')
echo "throughput ratio ${ratio}x, CPU per request ratio ${cpur}x; GraphQL/REST CPU ${restr}; paced p99 $(get "$paced" p99_us) us"
cat >> "$here/RESULTS.md" <<EOT

## Nested query against graphql-yoga — \`bench/graphql/nested.sh\`

- **Date:** $(date -u '+%Y-%m-%d %H:%M:%S UTC')
- **Machine:** $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'), $(nproc) cores
- **Versions:** pheme $(git rev-parse --short HEAD) (1 thread, request log off, rate limits off); graphql-yoga $yv, better-sqlite3 $bv on Node $(node --version)
- **Data:** $rows (\`pheme seed bench\` + bench/graphql/seed.sql), one SQLite file read by both
- **Query:** \`wallet(address) { address xp skills badges guilds user { submissions(first: 10) { id state task { title } reviews { round score } } } }\` for a random person per request (PHEME with an admin API key, since a person's submissions are private; the peer has no authentication)
- **Load:** wrk, 1 thread, $conns connections, pinned to core 1; ${warm} s warm-up, ${secs} s measured, three rounds alternating the servers; every answer checked (200, data, no errors)
- **Load average** before: $load0; after: $(cut -d' ' -f1-3 /proc/loadavg)

| round | PHEME req/s | p99 | CPU per request | yoga req/s | p99 | CPU per request | throughput ratio | CPU ratio (yoga / PHEME) |
|---|---|---|---|---|---|---|---|---|
${rounds}| **median** | | | | | | | **${ratio}×** (target ≥ 5×) | **${cpur}×** |

The same answers by REST, on the same PHEME server (rest.lua: for 40 people, ${ncalls} calls each —
\`GET /api/v1/wallets/:address\`, \`/api/v1/me/submissions?limit=10\` with the person's own key,
and \`/api/v1/tasks/:id\` and \`/api/v1/submissions/:id\` for each of the 10):

| | requests/s | server CPU per call | server CPU per person's answers |
|---|---|---|---|
| REST, ${ncalls} calls | $(get "$rest" rps) | $(get "$rest" cpu_us_per_req) µs | ${rest_set} µs |
| GraphQL, 1 query | $(get "$ours" rps) | $(get "$ours" cpu_us_per_req) µs | $(get "$ours" cpu_us_per_req) µs |
| **GraphQL / REST** | | | **${restr}×** (target ≤ 1.5×) |

Latency at a fixed rate (paced.c: open loop, 1,000 req/s for ${secs} s after 3 s at that rate, $conns
connections, latency from each request's due time; the server unpinned, 2 threads): $(get "$paced" sent)
requests at $(get "$paced" rate) req/s, p50 $(get "$paced" p50_us) µs, **p99 $(get "$paced" p99_us) µs**
(target ≤ 5,000 µs), p99.9 $(get "$paced" p999_us) µs, max $(get "$paced" max_us) µs.

PHEME answers the query with 4 store calls whatever the number of rows (the wallet view, then one
batched read per level: submissions, their tasks, their reviews) plus the API key's lookup; the
peer, written the usual way, makes one statement per submission for its task and one for its
reviews (20 for 10 submissions) plus 4 — synchronous and cheap with better-sqlite3. On a machine
shared with other work (see the load average) neither server gets a core to itself, so throughput
and latency say as much about the scheduler as about the servers: CPU per request is the steadier
comparison.
EOT
awk -v r="$ratio" -v c="$restr" -v p="$(get "$paced" p99_us)" 'BEGIN { exit (r >= 5.0 && c <= 1.5 && p <= 5000) ? 0 : 3 }'
