#!/bin/sh
# Near-duplicate lookup against 1,000,000 stored signatures (issue 10 target: p99 <= 5 ms, memory
# reported), with the references measured in the same run (one signature's computation; a
# brute-force scan of every stored signature). Prints a markdown section for bench/RESULTS.md.
# Builds build/bench_dedup (bench/CMakeLists.txt) unless BENCH_DEDUP names a binary.
#   bench/dedup/run.sh [ENTRIES] [QUERIES] [SCANS]     (defaults 1000000 10000 20)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${BENCH_DEDUP:-}" ]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j "$(nproc 2>/dev/null || echo 2)" --target bench_dedup >/dev/null
fi
bin=${BENCH_DEDUP:-$root/build/bench_dedup}
[ -x "$bin" ] || { echo "bench: $bin is not an executable" >&2; exit 1; }
load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u '+%Y-%m-%d %H:%M UTC')
set +e
out=$("$bin" "${1:-1000000}" "${2:-10000}" "${3:-20}")
rc=$?
set -e
v() { echo "$out" | awk -v k="$1" '$1 == k {print $2}'; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "### Near-duplicate lookup — \`bench/dedup/run.sh\`"
echo
echo "- **Date:** $start; machine: $cpu, $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); load average before the run $load"
echo "- **Setup:** $(v entries) signatures of generated texts (100-300 words, 20,000-word vocabulary, one person each) in the index; $(v hashes) MinHash values, LSH $(v bands) bands x $(v rows) rows (tuned for threshold $(v threshold)); built in $(v build_s) s. $(v queries) lookups: half copies of stored texts with 2% of the words changed, half fresh texts. One thread."
echo
echo "| lookup p50 | lookup p99 | max | one signature (ref.) | brute-force scan (ref.) | p99 / signature | p99 / scan | index memory | RSS growth |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| $(v p50_ms) ms | **$(v p99_ms) ms** | $(v max_ms) ms | $(v signature_ms) ms | $(v scan_ms) ms | $(v ratio_p99_to_signature) | $(v ratio_p99_to_scan) | $(v index_mib) MiB | $(v rss_growth_mib) MiB |"
echo
echo "Copies found $(v copies_found); LSH recall against the signatures' own verdict (estimate >= threshold) $(v lsh_recall); false matches $(v false_matches); brute-force scans agreeing with the index: $(v scan_agree) of $(v scan_truth) matches."
[ $rc -eq 0 ] || { echo "bench_dedup exited $rc (recall or false matches out of bounds)" >&2; exit $rc; }
