#!/usr/bin/env bash
# Where the server's time goes on one endpoint of the HTTP benchmark. Not part of `make bench`.
#
#   bench/http/profile.sh [tasks|wallets] [perf|callgrind]      (default: tasks perf)
#
# Seeds the bench data (as bench/http/run.sh does), starts `pheme serve` pinned to core 0 with the
# same flags as the bench, loads it with wrk (bench/http/load.lua) pinned to core 1, and
#   perf:      samples the server (cpu-clock, call graphs, user and kernel) for SECONDS s, then
#              prints the top symbols (self), the split by shared object, and the call graph of
#              the top entries;
#   callgrind: runs the server under valgrind --tool=callgrind (user space only, instruction
#              counts, ~50x slower) for SECONDS s of load, then prints callgrind_annotate's top
#              functions, self and inclusive.
# Knobs: PHEME, USERS, TASKS, PROFILE_SECONDS (default 8 for perf, 20 for callgrind), CONNS (CONNS_CG
# for callgrind, default 10), OUTDIR (where
# the raw profile is kept, default a temp dir that is removed), TOP (rows, default 40).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
MODE=${1:-tasks}
TOOL=${2:-perf}
PHEME=${PHEME:-$ROOT/build/pheme}
USERS=${USERS:-100000}
TASKS=${TASKS:-10000}
CONNS=${CONNS:-50}
TOP=${TOP:-40}
case $MODE in tasks) COUNT=$TASKS ;; wallets) COUNT=$USERS ;; *) echo "usage: $0 [tasks|wallets] [perf|callgrind]" >&2; exit 2 ;; esac
case $TOOL in perf) SECONDS_=${PROFILE_SECONDS:-8} ;; callgrind) SECONDS_=${PROFILE_SECONDS:-20}; CONNS=${CONNS_CG:-10} ;; *) exit 2 ;; esac
command -v "$TOOL" >/dev/null || command -v valgrind >/dev/null || { echo "needs $TOOL" >&2; exit 1; }

TMP=$(mktemp -d /tmp/pheme-profile.XXXXXX)
OUTDIR=${OUTDIR:-$TMP}
mkdir -p "$OUTDIR"
PIDS=()
. "$ROOT/scripts/procs.sh"
cleanup() {
  local p
  for p in "${PIDS[@]}"; do proc_stop "$p" 600; done # callgrind needs time to write out
  [ "$OUTDIR" = "$TMP" ] && rm -rf "$TMP" || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
cp "$PHEME" "$TMP/pheme"
PHEME=$TMP/pheme
ARGS=()
HELP=$("$PHEME" help 2>&1 || true)
grep -qE '^ *--rate-limit ' <<<"$HELP" && ARGS+=(--rate-limit=false)
"$PHEME" seed bench --users "$USERS" --tasks "$TASKS" --database "sqlite:$TMP/pheme.db" >"$TMP/seed.log" 2>&1
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
if [ "$TOOL" = callgrind ]; then
  taskset -c 0 valgrind --tool=callgrind --callgrind-out-file="$OUTDIR/callgrind.out" \
    "$PHEME" serve --database "sqlite:$TMP/pheme.db" --listen "127.0.0.1:$PORT" "${ARGS[@]}" \
    >"$TMP/pheme.out" 2>"$OUTDIR/pheme.log" &
else
  taskset -c 0 "$PHEME" serve --database "sqlite:$TMP/pheme.db" --listen "127.0.0.1:$PORT" "${ARGS[@]}" \
    >"$TMP/pheme.out" 2>"$OUTDIR/pheme.log" &
fi
PID=$!
PIDS+=("$PID")
wait_http "$URL/readyz" "$PID" 1200 || { cat "$OUTDIR/pheme.log" >&2; exit 1; }

WRK=(taskset -c 1 wrk -t1 -c"$CONNS" --timeout 10s -s bench/http/load.lua "$URL")
echo "== $TOOL profile of pheme serve, GET $MODE, $CONNS connections, ${SECONDS_}s"
if [ "$TOOL" = perf ]; then
  "${WRK[@]}" -d2s -- "$MODE" "$COUNT" >/dev/null # warm-up
  "${WRK[@]}" -d"$((SECONDS_ + 2))s" -- "$MODE" "$COUNT" >"$TMP/wrk.out" &
  W=$!
  PIDS+=("$W")
  sleep 1
  perf record -q -e cpu-clock -F 4000 -g -p "$PID" -o "$OUTDIR/perf.data" -- sleep "$SECONDS_" 2>/dev/null
  wait "$W" || true
  grep '^BENCH' "$TMP/wrk.out"
  echo; echo "== by shared object (self)"
  perf report -i "$OUTDIR/perf.data" --stdio --no-children --sort dso -g none 2>/dev/null | grep -E '^ +[0-9]' | head -15 || true
  echo; echo "== top symbols (self)"
  perf report -i "$OUTDIR/perf.data" --stdio --no-children --sort dso,sym -g none 2>/dev/null | grep -E '^ +[0-9]' | head -"$TOP" || true
  echo; echo "== top symbols (inclusive, with children)"
  perf report -i "$OUTDIR/perf.data" --stdio --children --sort sym -g none 2>/dev/null | grep -E '^ +[0-9]' | head -"$TOP" || true
else
  "${WRK[@]}" -d"${SECONDS_}s" -- "$MODE" "$COUNT" >"$TMP/wrk.out" || true
  grep '^BENCH' "$TMP/wrk.out" || cat "$TMP/wrk.out"
  proc_stop "$PID" 600
  echo; echo "== callgrind, self (exclusive) instructions"
  callgrind_annotate --inclusive=no "$OUTDIR/callgrind.out" 2>/dev/null | sed -n '1,/^-- Auto/p' | grep -vE '^-- Auto' | head -$((TOP + 20)) || true
  echo; echo "== callgrind, inclusive"
  callgrind_annotate --inclusive=yes "$OUTDIR/callgrind.out" 2>/dev/null | sed -n '/^Ir/,$p' | head -$((TOP + 5)) || true
fi
[ "$OUTDIR" = "$TMP" ] || echo "raw profile kept in $OUTDIR"
