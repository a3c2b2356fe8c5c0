#!/usr/bin/env bash
# `make bench`: every benchmark of PHEME, one after the other. Each writes its own RESULTS.md
# (bench/http/RESULTS.md, …); bench/RESULTS.md is the lead's summary of them.
#
#   bench/run.sh            all benchmarks
#   bench/run.sh http       only the HTTP one (names are the directories under bench/)
# Exit status: the first non-zero status of a benchmark (bench/http: 1 invalid run, 3 target missed).
set -euo pipefail
cd "$(dirname "$0")/.."

which=("$@")
[ ${#which[@]} -gt 0 ] || which=(http eth)

rc=0
for b in "${which[@]}"; do
  if [ -x "bench/$b/run.sh" ]; then
    echo "== bench/$b"
    code=0
    bench/$b/run.sh || code=$?
    [ $rc != 0 ] || rc=$code
  elif [ "$b" != eth ]; then # bench/eth is optional until it lands
    echo "bench/run.sh: no benchmark bench/$b/run.sh" >&2
    rc=2
  fi
done
exit $rc
