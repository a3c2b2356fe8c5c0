#!/bin/sh
# Submissions through the checks and the builtin assessor to PEER_REVIEW on SQLite (issue 10
# target: >= 1,000 submissions/s), against bare store steps that write the same state moves
# measured in the same run (bench_pipeline.c says what each side does). Prints a markdown section
# for bench/RESULTS.md. Builds build/bench_pipeline unless BENCH_PIPELINE names a binary.
#   bench/pipeline/run.sh [SUBMISSIONS] [WORKERS]     (defaults 5000 2)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${BENCH_PIPELINE:-}" ]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j "$(nproc 2>/dev/null || echo 2)" --target bench_pipeline >/dev/null
fi
bin=${BENCH_PIPELINE:-$root/build/bench_pipeline}
[ -x "$bin" ] || { echo "bench: $bin is not an executable" >&2; exit 1; }
db=$(mktemp -d /tmp/pheme-bench-pipeline.XXXXXX)
trap 'rm -rf "$db"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u '+%Y-%m-%d %H:%M UTC')
out=$("$bin" "${1:-5000}" "${2:-2}" "$db/pheme.db" 2>/dev/null)
v() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "### Submissions to PEER_REVIEW on SQLite — \`bench/pipeline/run.sh\`"
echo
echo "- **Date:** $start; machine: $cpu, $(nproc) cores; load average before the run $load"
echo "- **Setup:** $(v submissions) submissions (one person each, unique texts, one link) to one task; the job pool with $(v workers) workers runs submission.check and submission.assess (builtin); reference: the same two steps per submission as bare store steps (same moves, timeline rows and jobs; no checks, index or assessor), one thread, same run."
echo
echo "| submit (1 tx each) | pipeline to PEER_REVIEW | bare steps (ref.) | pipeline / bare |"
echo "|---:|---:|---:|---:|"
echo "| $(v submit_per_s)/s | **$(v ours_per_s)/s** | $(v bare_per_s)/s | $(v ratio) |"
