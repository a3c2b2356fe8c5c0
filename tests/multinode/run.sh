#!/bin/sh
# Multi-node fault tests (issue 16): the topology of deploy/compose.yaml as plain processes on
# loopback — PostgreSQL (scripts/pg-test.sh), Redis, anvil, two `pheme serve --role api`, a worker,
# two indexers, nginx with deploy/nginx.conf in front — and what happens when parts of it die.
#
#   tests/multinode/run.sh PHEME_BINARY [TEST_FILE...]
#
# Every process is started by the test files and stopped by its PID; the PIDs are also left in a
# folder that this script's trap kills from, when a file dies or the run is interrupted. The
# PostgreSQL cluster is this script's (a test stops it hard and starts it again).
#   PHEME_IT_KEEP   1 keeps the work folder (logs) for a look afterwards
set -eu
[ $# -ge 1 ] || { echo "usage: $0 PHEME_BINARY [TEST_FILE...]" >&2; exit 2; }
bin=$1
shift
[ -x "$bin" ] || { echo "multinode: '$bin' is not an executable" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# nginx is in /usr/sbin, which is not on a non-root user's PATH on Debian (make test with sudo)
export PATH="$PATH:/usr/sbin:/sbin"
for tool in node redis-server nginx; do
  command -v $tool >/dev/null || { echo "multinode: $tool is not installed (scripts/deps.sh test)" >&2; exit 2; }
done
[ -x "$root/contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil" ] || "$root/scripts/contracts.sh" deps
# viem (a wallet's sign-in) from tests/auth's locked tree
[ -d "$root/tests/auth/node_modules/viem" ] || (cd "$root/tests/auth" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
reporter=""
if node --help 2>/dev/null | grep -q -- '--test-reporter'; then reporter="--test-reporter=spec"; fi

. "$root/scripts/procs.sh"
work=$(mktemp -d /tmp/pheme-mn.XXXXXX)
mkdir -p "$work/pids" "$work/logs"
PG_TEST_DIR=""
test_pid=""
cleanup() {
  rc=$?
  trap - EXIT HUP INT PIPE TERM
  runner_stop "$root" "$work" "$test_pid" "$PG_TEST_DIR"
  # a test that failed between its mount and its unmount (diskfull.test.mjs)
  for m in "$work"/tmpfs-*; do
    [ -d "$m" ] && mountpoint -q "$m" && umount "$m" 2>/dev/null || true
  done
  runner_done multinode "$work"
  exit $rc
}
on_exit cleanup

cp "$bin" "$work/pheme"
out=$("$root/scripts/pg-test.sh" start) || { echo "multinode: cannot start PostgreSQL" >&2; exit 1; }
eval "$out"
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
echo "multinode: PostgreSQL at $PG_TEST_URL (pid $PG_TEST_PID)"

if [ $# -gt 0 ]; then files=$*; else files=$(ls "$here"/*.test.mjs); fi
started=$(date +%s)
failed=""
for f in $files; do
  name=$(basename "$f" .test.mjs)
  logs="$work/logs/$name"
  mkdir -p "$logs"
  printf '\n==> multinode %s\n' "$name"
  fstart=$(date +%s)
  env PHEME_IT_BIN="$work/pheme" PHEME_IT_BACKEND=postgresql PHEME_IT_ROOT="$root" \
    PHEME_IT_WORK="$work" PHEME_IT_PIDS="$work/pids" PHEME_IT_LOGS="$logs" \
    PHEME_IT_PG_URL="$PG_TEST_URL" PHEME_IT_PG_BIN="$pgbin" PHEME_MN_PG_DIR="$PG_TEST_DIR" \
    timeout 240 node --test $reporter "$f" &
  test_pid=$!
  frc=0
  wait "$test_pid" || frc=$?
  test_pid=""
  for u in "$logs"/unstopped-*; do
    [ -e "$u" ] || continue
    echo "    $name: $(cat "$u")"
    frc=1
  done
  if [ "$frc" -eq 0 ]; then
    echo "    $name: ok in $(( $(date +%s) - fstart ))s"
  else
    failed="$failed $name"
    echo "    $name: FAILED in $(( $(date +%s) - fstart ))s; logs (last lines):"
    for l in "$logs"/*.log "$logs"/*.out; do
      [ -e "$l" ] || continue
      echo "    --- $(basename "$l")"
      tail -n 15 "$l" | sed 's/^/    /'
    done
  fi
done
printf '\nmultinode: %ss\n' "$(( $(date +%s) - started ))"
if [ -n "$failed" ]; then echo "multinode: failed:$failed"; exit 1; fi
echo "multinode: all passed"
