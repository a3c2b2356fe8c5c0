#!/bin/sh
# HTTP integration tests against a real `pheme serve` on loopback, on SQLite and then on PostgreSQL.
#
#   tests/integration/run.sh PHEME_BINARY [TEST_FILE...]
#
# Starts a throwaway PostgreSQL cluster (scripts/pg-test.sh), then for each backend runs every
# *.test.mjs file with Node's own test runner (node:test, no npm packages; Node 18 or newer).
# Each test file makes its own fresh databases (a new SQLite file, or a new PostgreSQL database)
# and its own servers on free loopback ports. Every server and the cluster are stopped by PID
# from a trap, also when a test fails or the run is interrupted.
#   BACKENDS        which backends (default "sqlite postgresql"); they run at the same time (the
#                   files wait on their servers far more than they compute: 179 CPU-s for a run of
#                   ~240 s one after the other), each backend's output shown when both are done
#   PHEME_IT_SERIAL 1 runs the backends one after the other, with their output as it comes
#   PHEME_IT_KEEP   1 keeps the work folder (databases, server logs) for a look afterwards
set -eu

usage() { echo "usage: $0 PHEME_BINARY [TEST_FILE...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
bin=$1
shift
[ -x "$bin" ] || { echo "run.sh: '$bin' is not an executable" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BACKENDS=${BACKENDS:-"sqlite postgresql"}

command -v node >/dev/null || { echo "run.sh: node is not installed (scripts/deps.sh)" >&2; exit 2; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 18 ] || { echo "run.sh: Node 18 or newer is needed, found $(node --version)" >&2; exit 2; }
# pipeline.test.mjs signs reviews with viem from tests/auth's locked tree: install it there (npm ci
# wipes node_modules, so only when the installed tree is not the locked one)
if ! (cd "$root/tests/auth" && node -e 'const a=require("./package-lock.json").packages,b=require("./node_modules/.package-lock.json").packages;for(const k in a){if(k&&(!b[k]||b[k].version!==a[k].version))process.exit(1)}') 2>/dev/null; then
  (cd "$root/tests/auth" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) ||
    { echo "run.sh: npm ci in tests/auth failed (viem is needed by pipeline.test.mjs)" >&2; exit 1; }
fi
# graphql-sub.test.mjs uses graphql-ws, graphql-sse and ws from tests/graphql's locked tree
if ! (cd "$root/tests/graphql" && node -e 'const a=require("./package-lock.json").packages,b=require("./node_modules/.package-lock.json").packages;for(const k in a){if(k&&(!b[k]||b[k].version!==a[k].version))process.exit(1)}') 2>/dev/null; then
  (cd "$root/tests/graphql" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error) ||
    { echo "run.sh: npm ci in tests/graphql failed (graphql-ws is needed by graphql-sub.test.mjs)" >&2; exit 1; }
fi
reporter=""
if node --help 2>/dev/null | grep -q -- '--test-reporter'; then reporter="--test-reporter=spec"; fi

. "$root/scripts/procs.sh"
work=$(mktemp -d /tmp/pheme-it.XXXXXX)
mkdir -p "$work/pids"
PG_TEST_DIR=""

test_pid=""
backend_pids=""
cleanup() {
  rc=$?
  trap - EXIT HUP INT PIPE TERM
  for p in $backend_pids; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  runner_stop "$root" "$work" "$test_pid" "$PG_TEST_DIR"
  runner_done run.sh "$work"
  exit $rc
}
on_exit cleanup

# A copy of the binary, so that a rebuild of build/pheme during the run cannot change it midway.
cp "$bin" "$work/pheme"
bin_under_test=$bin
bin=$work/pheme

if [ $# -gt 0 ]; then
  files=$*
else
  files=$(ls "$here"/*.test.mjs)
fi

echo "run.sh: testing $bin_under_test ($("$bin" version 2>/dev/null || echo '?'))"
case " $BACKENDS " in
*" postgresql "*)
  out=$("$root/scripts/pg-test.sh" start) || { echo "run.sh: cannot start PostgreSQL" >&2; exit 1; }
  eval "$out"
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  echo "run.sh: PostgreSQL at $PG_TEST_URL (pid $PG_TEST_PID)"
  ;;
esac

# Runs every file on backend $1, printing as it goes; writes "$work/result-$1": the summary line,
# then the failed files.
run_backend() {
  backend=$1
  failed=""
  bstart=$(date +%s)
  bpass=0
  bfail=0
  for f in $files; do
    name=$(basename "$f" .test.mjs)
    logs="$work/logs/$backend/$name"
    mkdir -p "$logs"
    printf '\n==> %s on %s\n' "$name" "$backend"
    fstart=$(date +%s)
    # In the background and waited for, so that a signal reaches the trap at once.
    mkdir -p "$work/$backend"
    env PHEME_IT_BIN="$bin" PHEME_IT_BACKEND="$backend" PHEME_IT_ROOT="$root" \
      PHEME_IT_WORK="$work/$backend" PHEME_IT_PIDS="$work/pids" PHEME_IT_LOGS="$logs" \
      PHEME_IT_PG_URL="${PG_TEST_URL:-}" PHEME_IT_PG_BIN="${pgbin:-}" \
      timeout 300 node --test $reporter "$f" &
    test_pid=$!
    frc=0
    wait "$test_pid" || frc=$?
    test_pid=""
    # The servers ran under ASan + UBSan: a report in any log (a leak found at a graceful stop, an
    # error at any time) or a server the file never stopped fails the file, whatever its tests said.
    for l in "$logs"/*.log; do
      [ -e "$l" ] || continue
      if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$l"; then
        echo "    $name on $backend: sanitizer report in $(basename "$l"):"
        grep -m1 -A 40 -E 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: UndefinedBehaviorSanitizer' "$l" | sed 's/^/    /'
        frc=1
      fi
    done
    for u in "$logs"/unstopped-*; do
      [ -e "$u" ] || continue
      echo "    $name on $backend: $(cat "$u")"
      frc=1
    done
    if [ "$frc" -eq 0 ]; then
      bpass=$((bpass + 1))
      echo "    $name on $backend: ok in $(( $(date +%s) - fstart ))s"
    else
      bfail=$((bfail + 1))
      failed="$failed $name/$backend"
      echo "    $name on $backend: FAILED in $(( $(date +%s) - fstart ))s; server logs (last lines):"
      for l in "$logs"/*.log; do
        [ -e "$l" ] || continue
        echo "    --- $(basename "$l")"
        tail -n 15 "$l" | sed 's/^/    /'
      done
    fi
  done
  printf '%s\n%s\n' "  $backend: $bpass file(s) passed, $bfail failed, $(( $(date +%s) - bstart ))s" \
    "$failed" >"$work/result-$backend"
}

started=$(date +%s)
if [ "${PHEME_IT_SERIAL:-0}" = 1 ]; then
  for backend in $BACKENDS; do run_backend "$backend"; done
else
  echo "run.sh: $BACKENDS at the same time; each one's output follows when all are done"
  for backend in $BACKENDS; do
    # a subshell of its own: TERM from cleanup stops the file in progress (timeout passes it on)
    (trap '[ -z "$test_pid" ] || kill -TERM "$test_pid" 2>/dev/null; exit 143' TERM
     run_backend "$backend") >"$work/out-$backend" 2>&1 &
    backend_pids="$backend_pids $!"
  done
  for p in $backend_pids; do wait "$p" || true; done
  backend_pids=""
  for backend in $BACKENDS; do cat "$work/out-$backend"; done
fi
failed=""
summary=""
for backend in $BACKENDS; do
  if [ -f "$work/result-$backend" ]; then
    summary="$summary
$(sed -n 1p "$work/result-$backend")"
    failed="$failed$(sed -n 2p "$work/result-$backend")"
  else
    summary="$summary
  $backend: did not finish"
    failed="$failed $backend"
  fi
done

printf '\nintegration summary (%ss):%s\n' "$(( $(date +%s) - started ))" "$summary"
if [ -n "$failed" ]; then
  echo "failed:$failed"
  exit 1
fi
echo "all integration tests passed"
