#!/bin/sh
# Submissions through the checks, the builtin assessor and the panel draw to PEER_REVIEW on SQLite
# (issue 10 target: >= 1,000 submissions/s), against bare store steps that write the same state
# moves, measured in the same run (bench_pipeline.c says what each side does). Prints a markdown
# section for bench/RESULTS.md: one row per repetition, with wall clock, CPU time per submission
# (every thread of the process) and the load average around the measurement. Builds
# build/bench_pipeline unless BENCH_PIPELINE names a binary.
#   REPEAT=3 bench/pipeline/run.sh [SUBMISSIONS] [WORKERS] [VALIDATORS]     (defaults 5000 2 10)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${BENCH_PIPELINE:-}" ]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j 2 --target bench_pipeline >/dev/null
fi
bin=${BENCH_PIPELINE:-$root/build/bench_pipeline}
[ -x "$bin" ] || { echo "bench: $bin is not an executable" >&2; exit 1; }
db=$(mktemp -d /tmp/pheme-bench-pipeline.XXXXXX)
trap 'rm -rf "$db"' EXIT
start=$(date -u '+%Y-%m-%d %H:%M UTC')
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
rows=""
for rep in $(seq 1 "${REPEAT:-3}"); do
  out=$("$bin" "${1:-5000}" "${2:-2}" "$db/pheme.db" "${3:-10}" 2>/dev/null)
  v() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }
  rows="$rows| $rep | $(v load_before) → $(v load_after) | $(v submit_per_s)/s | **$(v ours_per_s)/s** | $(v ours_cpu_us) µs | $(v bare_per_s)/s | $(v bare_cpu_us) µs | $(v ratio) | $(v cpu_ratio) |
"
done
echo "### Submissions to PEER_REVIEW on SQLite — \`bench/pipeline/run.sh\`"
echo
echo "- **Date:** $start; machine: $cpu, $(nproc) cores; commit $(git -C "$root" rev-parse --short HEAD)"
echo "- **Setup:** $(v submissions) submissions (one person each, unique texts, one link) to one task with $(v validators) validators; the job pool ($(v workers) workers, claims of $(v batch)) runs submission.check, submission.assess (builtin) and submission.panel (three seats drawn); reference: the same three steps per submission as bare store steps (same moves, timeline rows, assessment row, seats and jobs; no checks, index, assessor or draw), one thread, one transaction per step, same run. CPU: the process's CPU time (every thread) over the span, per submission."
echo
echo "| rep | load average (1/5/15 min) | submit (1 tx each) | pipeline to PEER_REVIEW | CPU / submission | bare steps (ref.) | CPU / submission | pipeline / bare (wall) | bare / pipeline (CPU) |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s' "$rows"
