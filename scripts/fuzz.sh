#!/bin/sh
# Runs every libFuzzer target in BUILD for SECONDS each, two at a time, starting from the committed
# corpus (read-only: new inputs go to a temporary folder). Any crash fails the run and keeps the
# crashing input in build-fuzz/crashes/.
#   scripts/fuzz.sh build-fuzz 30
set -eu
build=${1:-build-fuzz}
seconds=${2:-30}
corpus=tests/fuzz/corpus
mkdir -p "$build/crashes"
targets=$(find "$build" -maxdepth 2 -type f -name "fuzz_*" -perm -u+x 2>/dev/null | sort)
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets in $build" >&2; exit 1; }
fail=0
run_one() {
  t=$1
  name=$(basename "$t" | sed 's/^fuzz_//')
  work=$(mktemp -d)
  "$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$build/crashes/$name-" "$work" "$corpus/$name" >"$build/fuzz-$name.log" 2>&1
  rc=$?
  rm -rf "$work"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/fuzz-$name.log" | grep -o '[0-9]*$' || echo "?")
  if [ $rc -ne 0 ]; then
    echo "FAIL fuzz $name (see $build/fuzz-$name.log)"; tail -n 30 "$build/fuzz-$name.log"; return 1
  fi
  echo "ok   fuzz $name: $runs inputs in ${seconds}s"
}
set +e
pids=""
for t in $targets; do
  run_one "$t" &
  pids="$pids $!"
  if [ $(echo $pids | wc -w) -ge 2 ]; then
    for p in $pids; do wait "$p" || fail=1; done
    pids=""
  fi
done
for p in $pids; do wait "$p" || fail=1; done
exit $fail
