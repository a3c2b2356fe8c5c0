#!/usr/bin/env bash
# The HTTP benchmark of PHEME (issue 2, "Performance"; DESIGN.md §8). Run by `make bench`
# through bench/run.sh; it can also be run alone: bench/http/run.sh
#
# What it does, in one invocation:
#   1. seeds USERS users and TASKS tasks into a fresh SQLite database in a temp dir (timed);
#   2. starts `pheme serve` on it, production configuration (request log on, to a file), pinned to
#      core SERVER_CORE, and reads its idle RSS;
#   3. drives GET /api/v1/tasks/:id and GET /api/v1/wallets/:address with wrk pinned to core
#      WRK_CORE (1 thread, CONNS keep-alive connections, ids uniform over all seeded rows, bodies
#      checked by bench/http/load.lua), WARMUP s of warm-up then DURATION s measured;
#   4. the same for nginx `return 200` (the ceiling; one process, master_process off, access log on
#      like PHEME's request log, plus a second port with access_log off for reference) and for a
#      Node `http` server answering a fixed JSON (the peer, bench/http/node-server.js);
#   5. server CPU (utime+stime of the server process from /proc/PID/stat, before/after the
#      measured run) / requests, wrk's own CPU, CPU used by anything else on the machine;
#   6. prints a markdown report and writes it to bench/http/RESULTS.md (the "History" table there
#      keeps one line per run).
#
# Exit status: 0 every target met; 1 a run is invalid (non-2xx answers, socket errors, body
# mismatches, a server died) or the bench could not run; 3 the runs are valid but a target is
# missed.
#
# Knobs (environment): PHEME (binary, default build/pheme), USERS, TASKS, DURATION, WARMUP, CONNS,
# SERVER_CORE, WRK_CORE, OUT (report path, default bench/http/RESULTS.md; OUT=- prints only),
# QUIET_WAIT (s to wait for an idle machine before starting, default 30),
# PHEME_SERVE_ARGS (extra flags for `pheme serve`, e.g. to lift a rate limit once one exists),
# KEEP=1 (keep the temp dir with the logs).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

PHEME=${PHEME:-$ROOT/build/pheme}
USERS=${USERS:-100000}
TASKS=${TASKS:-10000}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNS=${CONNS:-50}
SERVER_CORE=${SERVER_CORE:-0}
WRK_CORE=${WRK_CORE:-1}
OUT=${OUT:-$ROOT/bench/http/RESULTS.md}
QUIET_WAIT=${QUIET_WAIT:-30}
PHEME_SERVE_ARGS=${PHEME_SERVE_ARGS:-}
LUA=$ROOT/bench/http/load.lua
NODE_SERVER=$ROOT/bench/http/node-server.js

# Targets (issue 2).
T_NGINX_RATIO=0.60 # our endpoints ≥ 60% of nginx's requests/s
T_NODE_RATIO=1.00  # … and ≥ the Node peer's
T_CPU_US=20        # ≤ 20 µs of server CPU per request
T_RSS_MB=20        # idle RSS of pheme serve ≤ 20 MB

die() { echo "bench/http: $*" >&2; exit 1; }
say() { echo "bench/http: $*" >&2; }

for t in wrk nginx node taskset curl ss awk getconf; do
  command -v $t >/dev/null || die "needs '$t' (Debian: wrk, nginx-light, nodejs, util-linux, curl, iproute2)"
done
if [ ! -x "$PHEME" ]; then
  say "building $PHEME"
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null && cmake --build build -j2 --target pheme >/dev/null
fi
[ -x "$PHEME" ] || die "no binary at $PHEME"
ncpu=$(nproc --all)
[ "$ncpu" -gt "$SERVER_CORE" ] && [ "$ncpu" -gt "$WRK_CORE" ] || die "needs cores $SERVER_CORE and $WRK_CORE"
# The production configuration, except rate limits (issue 2): lift them when the binary has them.
RATE_NOTE="the binary has no rate limiter, so none is lifted"
HELP=$("$PHEME" help 2>&1 || true) # not piped into grep -q: pipefail and SIGPIPE
if grep -qE '^ *--rate-limit ' <<<"$HELP"; then
  PHEME_SERVE_ARGS="--rate-limit=false${PHEME_SERVE_ARGS:+ $PHEME_SERVE_ARGS}"
  RATE_NOTE="rate limits lifted with \`--rate-limit=false\`"
fi

TMP=$(mktemp -d /tmp/pheme-bench-http.XXXXXX)
PIDS=()
# Run a private copy, so that a rebuild of build/pheme during the bench cannot change the binary
# between runs (the version line below is taken from the same copy).
cp "$PHEME" "$TMP/pheme"
PHEME_BUILD_DIR=$(dirname "$PHEME")
PHEME=$TMP/pheme

. "$ROOT/scripts/procs.sh"

cleanup() {
  local p
  for p in "${PIDS[@]}"; do proc_stop "$p"; done
  if [ "${KEEP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

CLK=$(getconf CLK_TCK)
proc_ticks() { sed 's/^.*) //' /proc/$1/stat | awk '{print $12 + $13}'; } # utime + stime
sys_ticks() { awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $7+$8}' /proc/stat; } # busy (incl. steal), irq+softirq
# CPU seconds of this shell's reaped children (bash `times`, second line) into variable $1; `times`
# must run in this shell, not in a $(…) subshell, which has no children of its own.
child_cpu() {
  times >"$TMP/times"
  printf -v "$1" '%s' "$(awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } print s }' "$TMP/times")"
}
# Busy fraction of the whole machine over 1 s.
machine_busy() {
  local a b
  a=($(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)); sleep 1
  b=($(awk '/^cpu / {print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat))
  awk -v x=$((b[0] - a[0])) -v y=$((b[1] - a[1])) 'BEGIN { printf "%.2f", (y > 0 ? x / y : 0) }'
}
kv() { awk -v k="$1" '{ for (i = 1; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' <<<"$2"; } # KEY LINE
fmt() { awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'; }
pct() { fmt "$(awk -v x="$1" 'BEGIN { print x * 100 }')" '%.0f%%'; }

declare -A R # results: R[name.field]
RUNS=()
INVALID=0

# cache_counts URL HITS_VAR MISSES_VAR: the answer cache's counters from pheme's /metrics (0 0 for
# servers without them), read outside the measured window's CPU accounting of wrk.
cache_counts() {
  local base m
  base=$(sed 's|^\(https\?://[^/]*\).*|\1|' <<<"$1")
  m=$(curl -s --max-time 2 "$base/metrics" 2>/dev/null || true)
  printf -v "$2" '%s' "$(awk '/^pheme_http_cache_hits_total / { print $2; f = 1 } END { if (!f) print 0 }' <<<"$m")"
  printf -v "$3" '%s' "$(awk '/^pheme_http_cache_misses_total / { print $2; f = 1 } END { if (!f) print 0 }' <<<"$m")"
}

# run_load NAME LABEL URL MODE COUNT SERVER_PID
run_load() {
  local name=$1 label=$2 url=$3 mode=$4 count=$5 pid=$6
  local wrk=(taskset -c "$WRK_CORE" wrk -t1 -c"$CONNS" --timeout 2s -s "$LUA")
  say "$label: ${WARMUP}s warm-up, ${DURATION}s measured"
  "${wrk[@]}" -d"${WARMUP}s" "$url" -- "$mode" "$count" >"$TMP/$name.warmup" 2>&1 || true
  local s0 b0 st0 c0 s1 b1 st1 c1 w wrc=0 h0 m0 h1 m1
  cache_counts "$url" h0 m0
  s0=$(proc_ticks "$pid"); read -r b0 st0 < <(sys_ticks); child_cpu c0
  "${wrk[@]}" -d"${DURATION}s" "$url" -- "$mode" "$count" >"$TMP/$name.out" 2>&1 &
  w=$!
  PIDS+=("$w")
  wait "$w" || wrc=$?
  child_cpu c1; read -r b1 st1 < <(sys_ticks)
  if proc_alive "$pid"; then s1=$(proc_ticks "$pid"); else s1=$s0; fi
  cache_counts "$url" h1 m1
  R[$name.cache]=$(awk -v h0="$h0" -v m0="$m0" -v h1="$h1" -v m1="$m1" \
    'BEGIN { h = h1 - h0; m = m1 - m0; if (h + m > 0) printf "%.1f%% (%d hits, %d misses)", 100 * h / (h + m), h, m; else print "-" }')
  local line
  line=$(grep '^BENCH ' "$TMP/$name.out" || true)
  RUNS+=("$name")
  R[$name.label]=$label
  R[$name.mode]=$mode
  local req rps p50 p99 non2xx serr sockerr checked mism
  req=$(kv requests "$line"); rps=$(kv rps "$line"); p50=$(kv p50_us "$line"); p99=$(kv p99_us "$line")
  non2xx=$(kv non2xx "$line"); serr=$(kv status_errors "$line"); sockerr=$(kv sock_errors "$line")
  checked=$(kv checked "$line"); mism=$(kv mismatches "$line")
  local why=""
  [ -n "$line" ] && [ "$wrc" = 0 ] || why+="wrk failed (exit $wrc, see below); "
  proc_alive "$pid" || why+="server died; "
  [ "${non2xx:-1}" = 0 ] && [ "${serr:-1}" = 0 ] || why+="non-2xx answers: ${non2xx:-?}; "
  [ "${sockerr:-1}" = 0 ] || why+="socket errors/timeouts: ${sockerr:-?}; "
  [ "${mism:-1}" = 0 ] || why+="body mismatches: ${mism:-?}; "
  if [ "$mode" != fixed ] && [ "${checked:-0}" = 0 ]; then why+="no body checked; "; fi
  [ "${req:-0}" -gt 0 ] 2>/dev/null || { why+="no requests; "; req=0; }
  if [ -n "$why" ]; then
    INVALID=1
    R[$name.valid]="INVALID: ${why%; }"
    say "$label: INVALID: ${why%; }"
    sed 's/^/  wrk: /' "$TMP/$name.out" >&2
  else
    R[$name.valid]=valid
  fi
  local server_s wrk_s other_s steal_s
  server_s=$(awk -v a="$s0" -v b="$s1" -v c="$CLK" 'BEGIN { print (b - a) / c }')
  wrk_s=$(awk -v a="$c0" -v b="$c1" 'BEGIN { print b - a }')
  other_s=$(awk -v a="$b0" -v b="$b1" -v c="$CLK" -v s="$server_s" -v w="$wrk_s" \
    'BEGIN { o = (b - a) / c - s - w; print (o < 0 ? 0 : o) }')
  # irq + softirq: mostly the loopback TCP traffic of the run itself, charged to no process
  steal_s=$(awk -v a="$st0" -v b="$st1" -v c="$CLK" 'BEGIN { print (b - a) / c }')
  other_s=$(awk -v o="$other_s" -v i="$steal_s" 'BEGIN { o -= i; print (o < 0 ? 0 : o) }')
  R[$name.requests]=$req
  R[$name.rps]=${rps:-0}
  R[$name.p50]=${p50:-0}
  R[$name.p99]=${p99:-0}
  R[$name.checked]=${checked:-0}
  R[$name.mismatches]=${mism:-?}
  R[$name.non2xx]=${non2xx:-?}
  R[$name.server_s]=$server_s
  R[$name.us_per_req]=$(awk -v s="$server_s" -v r="$req" 'BEGIN { print (r > 0 ? s * 1e6 / r : 0) }')
  R[$name.wrk_s]=$wrk_s
  R[$name.other_s]=$other_s
  R[$name.steal_s]=$steal_s
  say "$label: $(fmt "${rps:-0}" '%.0f') req/s, p50 $(fmt "${p50:-0}" '%d') µs, p99 $(fmt "${p99:-0}" '%d') µs," \
    "server $(fmt "${R[$name.us_per_req]}" '%.1f') µs CPU/req, wrk ${wrk_s}s CPU, other ${other_s}s"
}

# --- machine and versions ---
DATE=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
CPU_MODEL=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
KERNEL=$(uname -sr)
MEM_GB=$(awk '/^MemTotal/ { printf "%.0f", $2 / 1048576 }' /proc/meminfo)
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
V_PHEME=$( ("$PHEME" version 2>/dev/null || true) | awk 'NR == 1')
V_BUILD=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$PHEME_BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
pkgv() { dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo "?"; }
V_MHD=$(pkgv libmicrohttpd12)
V_SQLITE=$(pkgv libsqlite3-0)
V_WRK=$( (wrk -v 2>&1 || true) | awk '/^wrk / { print $2; exit }')
V_NGINX=$( (nginx -v 2>&1 || true) | sed 's/.*nginx\///')
V_NODE=$(node --version)

# The machine should be quiet: wait up to QUIET_WAIT s for it to be < 15% busy, then go on and
# say so in the report (the "other CPU" column shows how much each run was disturbed).
BUSY=$(machine_busy)
waited=1
while awk -v b="$BUSY" 'BEGIN { exit !(b >= 0.15) }' && [ $waited -lt "$QUIET_WAIT" ]; do
  [ $waited = 1 ] && say "machine is $(pct "$BUSY") busy before the bench; waiting up to ${QUIET_WAIT}s for it to calm down"
  BUSY=$(machine_busy)
  waited=$((waited + 1))
done
BUSY_NOTE="machine $(pct "$BUSY") busy just before the runs"
awk -v b="$BUSY" 'BEGIN { exit !(b >= 0.15) }' && BUSY_NOTE+=" (**not quiet**: other work was running; figures are disturbed)"

# --- 1. seed ---
DB=$TMP/pheme.db
say "seeding $USERS users and $TASKS tasks into $DB"
t0=$(date +%s.%N)
"$PHEME" seed bench --users "$USERS" --tasks "$TASKS" --database "sqlite:$DB" >"$TMP/seed.log" 2>&1 ||
  { cat "$TMP/seed.log" >&2; die "seeding failed"; }
t1=$(date +%s.%N)
SEED_S=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
DB_MB=$(du -sm "$TMP" | cut -f1)
say "seeded in ${SEED_S}s (database ${DB_MB} MB)"

# --- 2./3. pheme serve ---
PORT=$(free_port)
# shellcheck disable=SC2086 # PHEME_SERVE_ARGS is a list of flags
taskset -c "$SERVER_CORE" "$PHEME" serve --database "sqlite:$DB" --listen "127.0.0.1:$PORT" \
  --public-url "http://127.0.0.1:$PORT" $PHEME_SERVE_ARGS >"$TMP/pheme.out" 2>"$TMP/pheme.log" &
PHEME_PID=$!
PIDS+=("$PHEME_PID")
wait_http "http://127.0.0.1:$PORT/readyz" "$PHEME_PID" || { cat "$TMP/pheme.log" >&2; die "pheme serve did not start"; }
sleep 1
RSS_KB=$(awk '/^VmRSS/ { print $2 }' /proc/$PHEME_PID/status)
THREADS=$(sed -n 's/.*listening on .* with \([0-9]*\) threads.*/\1/p' "$TMP/pheme.log" | awk 'NR == 1')
say "pheme serve pid $PHEME_PID on 127.0.0.1:$PORT, ${THREADS:-?} threads, idle RSS $((RSS_KB / 1024)) MB"
LOG_LINES0=$(grep -c '"msg":"request"' "$TMP/pheme.log" || true)

run_load tasks "PHEME GET /api/v1/tasks/:id" "http://127.0.0.1:$PORT" tasks "$TASKS" "$PHEME_PID"
run_load wallets "PHEME GET /api/v1/wallets/:address" "http://127.0.0.1:$PORT" wallets "$USERS" "$PHEME_PID"
RSS_LOADED_KB=$(awk '/^VmHWM/ { print $2 }' /proc/$PHEME_PID/status 2>/dev/null || echo 0)
proc_stop "$PHEME_PID"
LOG_LINES=$(($(grep -c '"msg":"request"' "$TMP/pheme.log" || true) - LOG_LINES0))
LOG_MB=$(du -m "$TMP/pheme.log" | cut -f1)

# --- 4. nginx: the ceiling ---
NGX=$TMP/nginx
mkdir -p "$NGX"
NPORT=$(free_port)
NPORT2=$(free_port)
[ "$NPORT2" != "$NPORT" ] || NPORT2=$(free_port)
cat >"$NGX/nginx.conf" <<EOF
daemon off;
master_process off;
worker_processes 1;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 4096; }
http {
  client_body_temp_path $NGX/body;
  proxy_temp_path $NGX/proxy;
  fastcgi_temp_path $NGX/fastcgi;
  uwsgi_temp_path $NGX/uwsgi;
  scgi_temp_path $NGX/scgi;
  keepalive_requests 100000000;
  keepalive_timeout 30s;
  server {
    listen 127.0.0.1:$NPORT;
    access_log $NGX/access.log; # one line per request, like PHEME's request log
    location / { return 200; }
  }
  server {
    listen 127.0.0.1:$NPORT2;
    access_log off;
    location / { return 200; }
  }
}
EOF
taskset -c "$SERVER_CORE" nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" >"$TMP/nginx.out" 2>&1 &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
wait_http "http://127.0.0.1:$NPORT/" "$NGINX_PID" || { cat "$TMP/nginx.out" "$NGX/error.log" >&2; die "nginx did not start"; }
run_load nginx "nginx return 200 (access log on)" "http://127.0.0.1:$NPORT" fixed "$TASKS" "$NGINX_PID"
run_load nginx_nolog "nginx return 200 (access_log off)" "http://127.0.0.1:$NPORT2" fixed "$TASKS" "$NGINX_PID"
proc_stop "$NGINX_PID"

# --- 4. Node: the peer ---
NODE_PORT=$(free_port)
taskset -c "$SERVER_CORE" node "$NODE_SERVER" "$NODE_PORT" >"$TMP/node.out" 2>&1 &
NODE_PID=$!
PIDS+=("$NODE_PID")
wait_http "http://127.0.0.1:$NODE_PORT/" "$NODE_PID" || { cat "$TMP/node.out" >&2; die "node did not start"; }
run_load node "Node http, fixed JSON" "http://127.0.0.1:$NODE_PORT" fixed "$TASKS" "$NODE_PID"
proc_stop "$NODE_PID"

LOAD1=$(cut -d' ' -f1-3 /proc/loadavg)

# --- 6. report ---
ratio() { awk -v a="${R[$1.rps]}" -v b="${R[$2.rps]}" 'BEGIN { print (b > 0 ? a / b : 0) }'; }
verdict() { awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN { ok = (op == ">=" ? a >= b : a <= b); print (ok ? "PASS" : "FAIL") }'; }

FAILS=0
TARGET_ROWS=""
target() { # WHAT MEASURED_TEXT VALUE OP LIMIT LIMIT_TEXT [RUNS...]
  local what=$1 text=$2 v=$3 op=$4 lim=$5 ltext=$6 res r
  shift 6
  res=$(verdict "$v" "$op" "$lim")
  for r in "$@"; do [ "${R[$r.valid]}" = valid ] || res="FAIL (invalid run)"; done
  [ "$res" = PASS ] || FAILS=$((FAILS + 1))
  TARGET_ROWS+="| $what | $text | $op $ltext | **$res** |"$'\n'
}
for e in tasks wallets; do
  ep=$([ $e = tasks ] && echo "GET /api/v1/tasks/:id" || echo "GET /api/v1/wallets/:address")
  rn=$(ratio $e nginx)
  target "$ep vs nginx" "$(pct "$rn") ($(fmt "${R[$e.rps]}" '%.0f') / $(fmt "${R[nginx.rps]}" '%.0f') req/s)" \
    "$rn" ">=" $T_NGINX_RATIO "60% of nginx" $e nginx
  ro=$(ratio $e node)
  target "$ep vs Node" "$(pct "$ro") ($(fmt "${R[$e.rps]}" '%.0f') / $(fmt "${R[node.rps]}" '%.0f') req/s)" \
    "$ro" ">=" $T_NODE_RATIO "100% of Node" $e node
  target "$ep server CPU" "$(fmt "${R[$e.us_per_req]}" '%.1f') µs/request" "${R[$e.us_per_req]}" "<=" $T_CPU_US "$T_CPU_US µs" $e
done
RSS_MB=$(awk -v k="$RSS_KB" 'BEGIN { printf "%.1f", k / 1024 }')
target "idle RSS of pheme serve" "$RSS_MB MB" "$RSS_MB" "<=" $T_RSS_MB "$T_RSS_MB MB"

RUN_ROWS=""
for r in "${RUNS[@]}"; do
  wpct=$(awk -v w="${R[$r.wrk_s]}" -v d="$DURATION" 'BEGIN { printf "%.0f", w / d * 100 }')
  spct=$(awk -v w="${R[$r.server_s]}" -v d="$DURATION" 'BEGIN { printf "%.0f", w / d * 100 }')
  chk=$([ "${R[$r.mode]}" = fixed ] && echo "status only" || echo "${R[$r.checked]} deep / ${R[$r.mismatches]} bad")
  RUN_ROWS+="| ${R[$r.label]} | $(fmt "${R[$r.rps]}" '%.0f') | $(awk -v x="${R[$r.p50]}" 'BEGIN{printf "%.2f", x/1000}') | $(awk -v x="${R[$r.p99]}" 'BEGIN{printf "%.2f", x/1000}') | $(fmt "${R[$r.us_per_req]}" '%.1f') | ${spct}% | $(fmt "${R[$r.wrk_s]}" '%.2f') s (${wpct}%) | $(fmt "${R[$r.steal_s]}" '%.2f') s | $(fmt "${R[$r.other_s]}" '%.2f') s | ${R[$r.requests]} | ${R[$r.non2xx]} | $chk | ${R[$r.valid]} |"$'\n'
done

INFO_ROWS=""
for e in tasks wallets; do
  INFO_ROWS+="| ${R[$e.label]} | $(pct "$(ratio $e nginx)") | $(pct "$(ratio $e nginx_nolog)") | $(pct "$(ratio $e node)") |"$'\n'
done

WRK_NOTE=""
for r in "${RUNS[@]}"; do
  if awk -v w="${R[$r.wrk_s]}" -v d="$DURATION" 'BEGIN { exit !(w / d >= 0.9) }'; then
    WRK_NOTE+="- wrk used ≥ 90% of its core during \"${R[$r.label]}\": that figure is bounded by the load generator, not the server."$'\n'
  fi
  if awk -v o="${R[$r.other_s]}" -v d="$DURATION" 'BEGIN { exit !(o / d >= 0.10) }'; then
    WRK_NOTE+="- other processes used $(fmt "${R[$r.other_s]}" '%.2f') s of CPU during \"${R[$r.label]}\" (≥ 10% of a core): that run was disturbed."$'\n'
  fi
done

VERDICT=$([ $INVALID = 0 ] && { [ $FAILS = 0 ] && echo "all targets met" || echo "$FAILS target(s) missed"; } || echo "INVALID: a run failed its checks")
HIST_ROW="| $DATE | $(fmt "${R[tasks.rps]}" '%.0f') | $(fmt "${R[wallets.rps]}" '%.0f') | $(fmt "${R[nginx.rps]}" '%.0f') | $(fmt "${R[nginx_nolog.rps]}" '%.0f') | $(fmt "${R[node.rps]}" '%.0f') | $(fmt "${R[tasks.us_per_req]}" '%.1f') / $(fmt "${R[wallets.us_per_req]}" '%.1f') | $RSS_MB | $VERDICT |"

HISTORY=""
if [ "$OUT" != - ] && [ -f "$OUT" ]; then
  HISTORY=$(sed -n '/^## History/,$p' "$OUT" | grep '^| 2[0-9][0-9][0-9]-' || true)
fi

REPORT=$(cat <<EOF
# PHEME HTTP benchmark

Written by \`bench/http/run.sh\` (\`make bench\`); the latest run, then one line per run.

- **Date:** $DATE
- **Machine:** $CPU_MODEL, $ncpu cores, ${MEM_GB} GB RAM, $KERNEL; load average before/after: $LOAD0 / $LOAD1; $BUSY_NOTE
- **Versions:** $V_PHEME, build ${V_BUILD:-?}; libmicrohttpd $V_MHD; SQLite $V_SQLITE; wrk $V_WRK; nginx $V_NGINX; Node $V_NODE
- **Data:** $USERS users (with one wallet each) and $TASKS tasks seeded in ${SEED_S} s into a fresh SQLite database (${DB_MB} MB)
- **Load:** wrk, 1 thread, $CONNS keep-alive connections, pinned to core $WRK_CORE; ${WARMUP} s warm-up, then ${DURATION} s measured; script \`bench/http/load.lua\`: ids and addresses uniform over all seeded rows, every response's key matched against the requests in flight, every 100th body checked in depth; non-2xx answers, socket errors or mismatches make a run invalid
- **Servers** (each pinned to core $SERVER_CORE, one at a time): \`pheme serve\` in the production configuration (SQLite, ${THREADS:-?} threads = the default, request log on to a file: $LOG_LINES request lines, ${LOG_MB} MB, for the measured and warm-up requests; $RATE_NOTE${PHEME_SERVE_ARGS:+; flags: \`$PHEME_SERVE_ARGS\`}); nginx $V_NGINX \`return 200\`, one process (\`master_process off\`), access log on to a file (the ceiling), and the same on a second port with \`access_log off\` (for reference); Node $V_NODE \`http\` answering a fixed JSON of 480 bytes (the peer, \`bench/http/node-server.js\`)
- **CPU:** utime + stime of the server process (all threads) from /proc/PID/stat around the measured run, divided by the requests wrk counted; wrk's own CPU (its user + system time); "irq+softirq" = interrupt and softirq time of the machine (mostly the loopback TCP traffic itself, charged to no process); "other" = CPU used by everything else on the machine in that window (other processes, kernel threads)

## Runs

| Run | req/s | p50 ms | p99 ms | server CPU µs/req | server CPU (% of its core) | wrk CPU (% of its core) | irq+softirq | other CPU | requests | non-2xx | bodies checked | |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|
${RUN_ROWS%$'\n'}

## Targets (issue 2)

| Target | Measured | Wanted | Result |
|---|---|---|---|
${TARGET_ROWS%$'\n'}

Ratios, for reference:

| Endpoint | vs nginx (access log on) | vs nginx (access_log off) | vs Node |
|---|---:|---:|---:|
${INFO_ROWS%$'\n'}

Answer cache (public task and Skill Wallet answers, invalidated by every committed write; see
docs/internals/http.md) during the measured runs: tasks ${R[tasks.cache]}; wallets ${R[wallets.cache]}.
No writes happen during the runs, so misses are first reads of a row (or of a row whose entry the
memory budget dropped).

Idle RSS of \`pheme serve\` after start: $RSS_MB MB; peak RSS (VmHWM) after both PHEME runs: $(awk -v k="$RSS_LOADED_KB" 'BEGIN { printf "%.1f", k / 1024 }') MB.
${WRK_NOTE:+
${WRK_NOTE%$'\n'}}

**Verdict:** $VERDICT.

## History

| Date | tasks req/s | wallets req/s | nginx req/s | nginx no-log req/s | Node req/s | µs CPU/req tasks / wallets | idle RSS MB | verdict |
|---|---:|---:|---:|---:|---:|---|---:|---|
${HISTORY:+$HISTORY
}$HIST_ROW
EOF
)

echo
echo "$REPORT"
if [ "$OUT" != - ]; then
  printf '%s\n' "$REPORT" >"$OUT"
  say "wrote $OUT"
fi

[ $INVALID = 0 ] || exit 1
[ $FAILS = 0 ] || exit 3
exit 0
