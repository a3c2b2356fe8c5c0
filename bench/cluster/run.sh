#!/usr/bin/env bash
# The two benchmarks of issue 16 ("Benchmarks"), in one invocation: bench/cluster/run.sh
#
# 1. Shared rate-limit check through Redis (target: ≤ 60 µs added per request). One `pheme serve`
#    (SQLite, seeded with `pheme seed bench`) with `--redis` pointing at a redis-server this script
#    starts on loopback, and the same server without Redis (each node its own buckets), both with
#    rate limits on (`--rate-limit-read 1000000`, so every request passes the check). wrk with
#    bench/http/load.lua (GET /api/v1/tasks/:id, bodies checked), one connection (latency: the
#    added time is the difference of the medians and of the p99s), ROUNDS rounds interleaved
#    without / with Redis, then CONNS connections once each (throughput and CPU per request).
#    Two kinds of traffic: one client (every request in one bucket, which the node leases tokens
#    of) and many clients (bench/cluster/clients.lua: a new X-Forwarded-For per request, so every
#    check is one exact call to Redis). Validity: no non-2xx, no mismatches, every check either
#    answered from a lease or one script Redis ran (its commandstats), no fallback to the node's
#    own buckets.
# 2. Mixed API traffic through nginx (deploy/nginx.conf) to two API nodes vs one node, on
#    PostgreSQL (scripts/pg-test.sh) + Redis + a worker: bench/cluster/mixed.mjs, which starts the
#    topology with tests/multinode/lib.mjs (the code tests/multinode/run.sh's tests use).
#
# Every process is stopped by its PID (part 2's PIDs are left in a folder, as in tests/multinode,
# and this script's trap kills what a crashed run left). Prints a markdown report and writes it to
# OUT (default bench/cluster/RESULTS.md; OUT=- prints only).
#
# Knobs: PHEME (binary, default build/pheme), ROUNDS (3), DURATION (s per wrk run, 5), CONNS (16),
# ANSWER_CACHE (part 1's servers: off, so the added cost is the rate-limit check's alone; on adds
# the answer cache's GET of the shared generation, one more round trip per cached read),
# PART (1, 2 or "1 2"), and for part 2: CONC, RATES, STEP (see mixed.mjs). KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PHEME=${PHEME:-$ROOT/build/pheme}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-16}
ANSWER_CACHE=${ANSWER_CACHE:-off} # part 1: on adds the answer cache's own GET of the shared generation per cached read
PART=${PART:-1 2}
OUT=${OUT:-$ROOT/bench/cluster/RESULTS.md}
LUA=$ROOT/bench/http/load.lua
CLIENTS_LUA=$ROOT/bench/cluster/clients.lua
T_ADDED_US=60

die() { echo "bench/cluster: $*" >&2; exit 1; }
say() { echo "bench/cluster: $*" >&2; }
for t in wrk redis-server redis-cli nginx node curl ss awk; do
  command -v $t >/dev/null || die "needs '$t' (scripts/deps.sh test, wrk)"
done
[ -x "$PHEME" ] || die "no binary at $PHEME (cmake --build build --target pheme)"
[ -d "$ROOT/tests/auth/node_modules/viem" ] || (cd "$ROOT/tests/auth" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)

TMP=$(mktemp -d /tmp/pheme-bench-cluster.XXXXXX)
mkdir -p "$TMP/pids" "$TMP/logs"
cp "$PHEME" "$TMP/pheme"
PHEME=$TMP/pheme
PIDS=()
PG_TEST_DIR=""
. "$ROOT/scripts/procs.sh"
cleanup() {
  local p f
  for p in "${PIDS[@]}"; do proc_stop "$p"; done
  proc_kill_dir "$TMP/pids"
  if [ -n "$PG_TEST_DIR" ]; then "$ROOT/scripts/pg-test.sh" stop "$PG_TEST_DIR" || true; fi
  if [ "${KEEP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

CLK=$(getconf CLK_TCK)
proc_ticks() { sed 's/^.*) //' /proc/$1/stat | awk '{print $12 + $13}'; }
kv() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<<"$2"; }
evalsha_calls() { redis-cli -p "$RPORT" info commandstats | tr -d '\r' | sed -n 's/^cmdstat_evalsha:calls=\([0-9]*\),.*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }
metric() { curl -s --max-time 2 "$1/metrics" | awk -v n="$2" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'; }

DATE=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
V_PHEME=$( ("$PHEME" version 2>/dev/null || true) | awk 'NR == 1')
V_REDIS=$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')
V_NGINX=$( (nginx -v 2>&1 || true) | sed 's/.*nginx\///')
INVALID=0
PART1_MD=""
PART2_MD=""

# ---------------------------------------------------------------- part 1
if [[ " $PART " == *" 1 "* ]]; then
  DB=$TMP/rl.db
  "$PHEME" seed bench --users 1000 --tasks 1000 --database "sqlite:$DB" >"$TMP/seed.log" 2>&1 ||
    { cat "$TMP/seed.log" >&2; die "seeding failed"; }
  RPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" >"$TMP/redis-server.log" 2>&1 &
  RPID=$!
  PIDS+=("$RPID")
  for i in $(seq 100); do redis-cli -p "$RPORT" ping 2>/dev/null | grep -q PONG && break; sleep 0.05; done
  start_server() { # NAME EXTRA_ARGS...
    local name=$1 port
    shift
    port=$(free_port)
    env PHEME_REDIS="${PHEME_REDIS:-}" "$PHEME" serve --database "sqlite:$DB" --listen "127.0.0.1:$port" --public-url "http://127.0.0.1:$port" \
      --web-root '' --log-requests false --rate-limit on --rate-limit-read 1000000 --trusted-proxies 127.0.0.1 \
      --answer-cache "$ANSWER_CACHE" "$@" \
      >"$TMP/$name.out" 2>"$TMP/$name.log" &
    local pid=$!
    PIDS+=("$pid")
    wait_http "http://127.0.0.1:$port/readyz" "$pid" 300 || { cat "$TMP/$name.log" >&2; die "$name did not start"; }
    printf -v "PORT_$name" '%s' "$port"
    printf -v "PID_$name" '%s' "$pid"
  }
  start_server local
  # a secret: in the environment, as pheme asks (a URL on the command line shows in `ps`)
  PHEME_REDIS="redis://127.0.0.1:$RPORT/5" start_server redis
  # the HTTP threads of the node with Redis, from its own log (start_server's redis.log: redis-server
  # writes to redis-server.log), whose start line may follow its first answer by a moment
  THREADS=""
  for _ in $(seq 100); do
    THREADS=$(sed -n 's/.*listening on .* with \([0-9]*\) threads.*/\1/p' "$TMP/redis.log" | awk 'NR == 1')
    [ -n "$THREADS" ] && break
    sleep 0.05
  done
  say "servers up: without Redis pid $PID_local :$PORT_local; with Redis pid $PID_redis :$PORT_redis; redis-server pid $RPID :$RPORT"

  declare -A R
  ROWS=""
  # measure NAME(local|redis) CONNS LABEL KEY [SCRIPT]
  measure() {
    local name=$1 c=$2 label=$3 key=$4 lua=${5:-$LUA} port pid s0 s1 r0 r1 e0 e1 line wrc=0 k0 k1 h0 h1
    port=PORT_$name; port=${!port}; pid=PID_$name; pid=${!pid}
    wrk -t1 -c1 -d1s -s "$lua" "http://127.0.0.1:$port" -- tasks 1000 >/dev/null 2>&1 || true # warm-up
    k0=$(metric "http://127.0.0.1:$port" pheme_ratelimit_shared_calls_total); h0=$(metric "http://127.0.0.1:$port" pheme_ratelimit_lease_hits_total)
    e0=$(evalsha_calls); s0=$(proc_ticks "$pid"); r0=$(proc_ticks "$RPID")
    local c0 c1 t0 t1
    c0=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
    wrk -t1 -c"$c" -d"${DURATION}s" --timeout 2s -s "$lua" "http://127.0.0.1:$port" -- tasks 1000 >"$TMP/$key.out" 2>&1 || wrc=$?
    c1=$(awk '/^cpu / { print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9 }' /proc/stat)
    s1=$(proc_ticks "$pid"); r1=$(proc_ticks "$RPID"); e1=$(evalsha_calls)
    k1=$(metric "http://127.0.0.1:$port" pheme_ratelimit_shared_calls_total); h1=$(metric "http://127.0.0.1:$port" pheme_ratelimit_lease_hits_total)
    line=$(grep '^BENCH ' "$TMP/$key.out" || true)
    local req p50 p99 rps bad
    req=$(kv requests "$line"); p50=$(kv p50_us "$line"); p99=$(kv p99_us "$line"); rps=$(kv rps "$line")
    bad=$(( ${wrc} + $(kv non2xx "$line" || echo 1) + $(kv sock_errors "$line" || echo 1) + $(kv mismatches "$line" || echo 1) ))
    [ -n "$line" ] || bad=1
    local evals=$((e1 - e0)) calls=$((${k1%.*} - ${k0%.*})) hits=$((${h1%.*} - ${h0%.*})) valid=valid
    [ "$bad" = 0 ] || { valid="INVALID (wrk exit $wrc, errors or mismatches)"; INVALID=1; cat "$TMP/$key.out" >&2; }
    # with Redis every request (and the metrics reads, outside the window) is either a lease hit or
    # one script Redis ran; without, Redis runs none
    if [ "$name" = redis ]; then
      awk -v e="$evals" -v k="$calls" -v h="$hits" -v r="$req" 'BEGIN { exit !(e + h >= r * 0.99 && e >= k * 0.99) }' ||
        { valid="INVALID ($req requests: $calls calls, $hits lease hits, Redis ran $evals scripts)"; INVALID=1; }
    else
      [ "$evals" = 0 ] || { valid="INVALID (Redis ran $evals scripts for the node without Redis)"; INVALID=1; }
    fi
    R[$key.p50]=$p50; R[$key.p99]=$p99; R[$key.req]=$req; R[$key.rps]=$rps
    R[$key.srv_us]=$(awk -v a="$s0" -v b="$s1" -v k="$CLK" -v r="$req" 'BEGIN { printf "%.1f", (b - a) / k * 1e6 / r }')
    R[$key.redis_us]=$(awk -v a="$r0" -v b="$r1" -v k="$CLK" -v r="$req" 'BEGIN { printf "%.1f", (b - a) / k * 1e6 / r }')
    R[$key.busy]=$(awk -v a="$c0" -v b="$c1" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.0f%%", 100 * (y[1] - x[1]) / (y[2] - x[2]) }')
    R[$key.other]=$(awk -v a="$c0" -v b="$c1" -v k="$CLK" -v s=$((s1 - s0)) -v r=$((r1 - r0)) \
      'BEGIN { split(a, x, " "); split(b, y, " "); o = (y[1] - x[1] - s - r) / k; printf "%.2f", (o < 0 ? 0 : o) }')
    local per
    per=$(awk -v e="$evals" -v r="$req" 'BEGIN { printf "%.4f", (r ? e / r : 0) }')
    ROWS+="| $label | $c | $req | $(printf '%.0f' "$rps") | $p50 | $p99 | ${R[$key.srv_us]} | ${R[$key.redis_us]} | $evals ($per/req) | ${R[$key.busy]} | ${R[$key.other]} | $valid |"$'\n'
    say "$label, $c conn: $(printf '%.0f' "$rps") req/s, p50 $p50 µs, p99 $p99 µs, server ${R[$key.srv_us]} µs CPU/req, redis ${R[$key.redis_us]} µs CPU/req, $evals scripts, $hits lease hits, $valid"
  }
  for r in $(seq "$ROUNDS"); do
    measure local 1 "one client, round $r, without Redis" "l1.$r"
    measure redis 1 "one client, round $r, with Redis" "r1.$r"
    measure local 1 "many clients, round $r, without Redis" "lm.$r" "$CLIENTS_LUA"
    measure redis 1 "many clients, round $r, with Redis" "rm.$r" "$CLIENTS_LUA"
  done
  measure local "$CONNS" "one client, without Redis" "lc"
  measure redis "$CONNS" "one client, with Redis" "rc"
  measure local "$CONNS" "many clients, without Redis" "lmc" "$CLIENTS_LUA"
  measure redis "$CONNS" "many clients, with Redis" "rmc" "$CLIENTS_LUA"
  # References from redis-benchmark in the same run, one connection: a bare round trip (PING) and
  # the node's own script (its SHA read with MONITOR while one request goes through the node).
  redis-cli -p "$RPORT" monitor >"$TMP/monitor.txt" 2>/dev/null &
  MONPID=$!
  PIDS+=("$MONPID")
  sleep 0.3
  curl -fsS -o /dev/null -H 'X-Forwarded-For: 10.255.255.255' "http://127.0.0.1:$PORT_redis/api/v1/tasks/1" || true
  sleep 0.3
  proc_stop "$MONPID"
  SHA=$(grep -o '"EVALSHA" "[0-9a-f]*"' "$TMP/monitor.txt" | head -n 1 | sed 's/.* "\([0-9a-f]*\)"/\1/')
  REF_ROWS=""
  redis_ref() { # LABEL COMMAND...
    local label=$1 r0 r1 n=20000 line rps p50
    shift
    r0=$(proc_ticks "$RPID")
    line=$(redis-benchmark -p "$RPORT" -c 1 -n $n --csv "$@" 2>/dev/null | tail -n 1 | tr -d '"')
    r1=$(proc_ticks "$RPID")
    # csv: test,rps,avg_latency_ms,min_latency_ms,p50_latency_ms,p95_latency_ms,p99_latency_ms,max_latency_ms
    rps=$(cut -d, -f2 <<<"$line"); p50=$(cut -d, -f5 <<<"$line"); p99=$(cut -d, -f7 <<<"$line")
    REF_P50=$(awk -v x="${p50:-0}" 'BEGIN { printf "%.0f", x * 1000 }') # the last reference's p50, µs
    REF_ROWS+="| $label | 1 | $n | $(printf '%.0f' "${rps:-0}") | $(awk -v x="${p50:-0}" 'BEGIN { printf "%.0f", x * 1000 }') | $(awk -v x="${p99:-0}" 'BEGIN { printf "%.0f", x * 1000 }') | - | $(awk -v a="$r0" -v b="$r1" -v k="$CLK" -v r=$n 'BEGIN { printf "%.1f", (b - a) / k * 1e6 / r }') | - | - | - | reference |"$'\n'
    say "$label: $line"
  }
  redis_ref "redis-benchmark PING (a bare round trip)" PING
  PING_P50=$REF_P50
  if [ -n "$SHA" ]; then
    # a new bucket per call (-r: __rand_int__ random per command), one token wanted: the call of many clients
    redis_ref "redis-benchmark EVALSHA of pheme's bucket script, a new bucket each" -r 100000000 EVALSHA "$SHA" 1 'pheme:rl2:bench:__rand_int__' 1000000
  else
    say "no EVALSHA seen with MONITOR: no script reference"
  fi
  ROWS+=$REF_ROWS
  FALLBACKS=$(metric "http://127.0.0.1:$PORT_redis" pheme_ratelimit_shared_fallbacks_total)
  [ "${FALLBACKS%.*}" = 0 ] || { say "the node fell back to its own buckets $FALLBACKS times"; INVALID=1; }
  proc_stop "$PID_local"; proc_stop "$PID_redis"; proc_stop "$RPID"
  med() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
  # added = with − without, per round, for one kind of traffic (l1/r1: one client, lm/rm: many)
  added() { local w=$1 wo=$2 q=$3 r; for r in $(seq "$ROUNDS"); do echo $((R[$w.$r.$q] - R[$wo.$r.$q])); done; }
  D50=$(added r1 l1 p50 | med); D99=$(added r1 l1 p99 | med)
  D50S=$(added r1 l1 p50 | tr '\n' ' '); D99S=$(added r1 l1 p99 | tr '\n' ' ')
  M50=$(added rm lm p50 | med); M99=$(added rm lm p99 | med)
  M50S=$(added rm lm p50 | tr '\n' ' '); M99S=$(added rm lm p99 | tr '\n' ' ')
  cpu_added() { awk -v a="${R[$1.srv_us]}" -v b="${R[$2.srv_us]}" -v r="${R[$1.redis_us]}" -v sum="${3:-0}" 'BEGIN { if (sum) printf "%.1f", a - b + r; else printf "%.1f µs server + %.1f µs redis-server = %.1f µs", a - b, r, a - b + r }'; }
  DCPU=$(cpu_added rc lc)
  MCPU=$(cpu_added rmc lmc)
  V1=$(awk -v d="$D50" -v t=$T_ADDED_US 'BEGIN { print (d <= t ? "PASS" : "FAIL") }')
  VM=$(awk -v d="$M50" -v t=$T_ADDED_US 'BEGIN { print (d <= t ? "PASS" : "FAIL") }')
  # Many clients by CPU: what the check adds to the machine's work per request at CONNS connections
  MCPU_US=$(cpu_added rmc lmc sum)
  VMC=$(awk -v d="$MCPU_US" -v t=$T_ADDED_US 'BEGIN { print (d <= t ? "PASS" : "FAIL") }')
  [ $INVALID = 0 ] || { V1="INVALID"; VM="INVALID"; VMC="INVALID"; }
  PART1_MD=$(cat <<EOF
### 1. Shared rate-limit check through Redis (target ≤ $T_ADDED_US µs added per request)

One \`pheme serve\` (SQLite, 1,000 seeded tasks, rate limits on, read limit 1,000,000/min so every
request passes the check, answer cache $ANSWER_CACHE, request log off, ${THREADS:-?} HTTP threads; the checks that ask Redis
are pipelined on one connection of the node while their requests wait parked) with \`PHEME_REDIS=redis://127.0.0.1:PORT/5\` (redis-server
$V_REDIS on loopback, started by the script) and the same without Redis; wrk 1 thread,
\`bench/http/load.lua tasks 1000\` (GET /api/v1/tasks/:id, bodies checked), 1 s warm-up then
${DURATION} s per run; the 1-connection runs interleaved without / with Redis. Nothing pinned.
"One client": every request from 127.0.0.1, one bucket, whose tokens the node leases from Redis
(docs/operations.md, "Rate limits across nodes"); "many clients": bench/cluster/clients.lua, a
new X-Forwarded-For per request, so every check is a new bucket and one exact call to Redis.
"scripts" = EVALSHA calls Redis counted in the window (none without Redis).
The reference rows are redis-benchmark (1 connection, 20,000 commands) against the same
redis-server in the same run: a bare round trip (PING) and the node's own bucket script (EVALSHA,
its SHA read with MONITOR): the floor any client of this Redis pays on this machine at this load.
"machine busy" = busy share of both cores in the window; "wrk + other" = the machine's busy CPU
seconds not charged to the server or redis-server (wrk, interrupts, everyone else's work).

| run | conns | requests | req/s | p50 µs | p99 µs | server CPU µs/req | redis-server CPU µs/req | scripts | machine busy | wrk + other CPU s | |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|
${ROWS%$'\n'}

- **One client, added latency, one connection (with − without, per round):** p50 ${D50S% } µs (median **$D50 µs**); p99 ${D99S% } µs (median **$D99 µs**)
- **One client, added CPU per request, $CONNS connections:** $DCPU
- **Many clients, added latency, one connection:** p50 ${M50S% } µs (median **$M50 µs**); p99 ${M99S% } µs (median **$M99 µs**)
- **Many clients, added CPU per request, $CONNS connections:** $MCPU
- Fallbacks to the node's own buckets during the runs: ${FALLBACKS}
- **Verdict (median of the p50 differences ≤ $T_ADDED_US µs):** one client $V1; many clients $VM
- **Many clients, the floor:** a bare round trip to this Redis (redis-benchmark PING, p50, same run) is ${PING_P50:-?} µs, for scale: an exact check for a client with no lease is one such round trip plus the script (many clients' added p50: $M50 µs)
- **Verdict, many clients by CPU (added server + redis-server CPU per request at $CONNS connections ≤ $T_ADDED_US µs):** $VMC ($MCPU_US µs)
EOF
)
fi

# ---------------------------------------------------------------- part 2
if [[ " $PART " == *" 2 "* ]]; then
  out=$("$ROOT/scripts/pg-test.sh" start) || die "cannot start PostgreSQL"
  eval "$out"
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  say "PostgreSQL at $PG_TEST_URL (pid $PG_TEST_PID)"
  mrc=0
  env PHEME_IT_BIN="$PHEME" PHEME_IT_BACKEND=postgresql PHEME_IT_ROOT="$ROOT" PHEME_IT_WORK="$TMP" \
    PHEME_IT_PIDS="$TMP/pids" PHEME_IT_LOGS="$TMP/logs" PHEME_IT_PG_URL="$PG_TEST_URL" PHEME_IT_PG_BIN="$pgbin" \
    PHEME_MN_PG_DIR="$PG_TEST_DIR" MD_OUT="$TMP/part2.md" DURATION="$DURATION" WARMUP="${WARMUP:-2}" \
    node "$ROOT/bench/cluster/mixed.mjs" >"$TMP/part2.json" &
  MPID=$!
  PIDS+=("$MPID")
  wait "$MPID" || mrc=$?
  [ -s "$TMP/part2.md" ] || die "mixed.mjs failed (exit $mrc); logs in $TMP/logs (KEEP=1 keeps them)"
  [ "$mrc" = 0 ] || INVALID=1
  V_PG=$("$pgbin/postgres" --version | awk '{ print $3 }')
  PART2_MD=$(cat <<EOF
### 2. Mixed API traffic through nginx: two API nodes vs one

Topology of deploy/compose.yaml on loopback (\`bench/cluster/mixed.mjs\`, started with
tests/multinode/lib.mjs): PostgreSQL $V_PG (scripts/pg-test.sh, fsync off), redis-server $V_REDIS,
two \`pheme serve --role api\`, one \`--role worker\`, nginx $V_NGINX with deploy/nginx.conf (its
upstreams pointed at the nodes). The one-node reference is a second nginx with the same
configuration whose two upstream entries are both the first node. Rate limits on, shared through
Redis, limits 1,000,000/min; each operation has its own X-Forwarded-For. Mix per operation: 45%
GET /api/v1/tasks/:id, 25% GET /api/v1/tasks?limit=20, 10% GET /api/v1/skills, 15% POST
/api/v1/tasks (creator's API key), 5% sign-in (nonce, EIP-4361 message signed by the load
generator with viem, verify: 2 requests). Closed loop: ${CONC:-32} operations in flight for ${WARMUP:-2} s of warm-up then ${DURATION} s (Node
load generator, keep-alive), interleaved one / two / one / two. Open loop: operations started
on a fixed schedule, latency from the scheduled start. CPU s = utime+stime from /proc over the
run (nginx = both masters and their workers; postgresql = postmaster and its backends; other =
the machine's busy time charged to none of these (other work on the machine, interrupts); loadgen
= the Node load generator, whose signing is part of the sign-ins).

$(cat "$TMP/part2.md")
EOF
)
fi

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)
REPORT=$(cat <<EOF
## Cluster (issue 16) — \`bench/cluster/run.sh\`

- **Date:** $DATE
- **Machine:** $CPU_MODEL, $(nproc --all) cores; load average before/after: $LOAD0 / $LOAD1
- **Binary:** $V_PHEME

${PART1_MD}

${PART2_MD}
EOF
)
echo "$REPORT"
[ "$OUT" = - ] || { printf '%s\n' "$REPORT" >"$OUT"; say "wrote $OUT"; }
[ $INVALID = 0 ] || exit 1
exit 0
