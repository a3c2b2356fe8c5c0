#!/bin/sh
# The reputation engine at scale (issue 12): EigenTrust, the formula for everybody and an epoch
# (Merkle tree + every proof) for PEOPLE people and ENDORSEMENTS endorsements, with the reference
# measured in the same run: scipy.sparse's power iteration on the same graph (python3-scipy).
# Prints a markdown section for bench/RESULTS.md.
#   bench/reputation/run.sh [PEOPLE] [ENDORSEMENTS] [THREADS]   (defaults 1000000 10000000 2)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$root/build" -j2 --target bench_reputation >/dev/null
n=${1:-1000000}
m=${2:-10000000}
threads=${3:-2}
graph=$(mktemp /tmp/pheme-rep-graph.XXXXXX)
trap 'rm -f "$graph"' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u '+%Y-%m-%d %H:%M UTC')
out=$("$root/build/bench_reputation" "$n" "$m" "$threads" "$graph")
ref=$(/usr/bin/python3 "$root/bench/reputation/scipy_power.py" "$graph" "$n" 20 2>&1 || echo "scipy_iteration_ms n/a")
v() { printf '%s\n%s\n' "$out" "$ref" | awk -v k="$1" '$1 == k {print $2}'; }
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
wall=$(ratio "$(v scipy_iteration_ms)" "$(v iteration_ms)")
cpu1=$(ratio "$(v scipy_iteration_cpu_ms)" "$(v iteration_1thread_cpu_ms)")
echo "### Reputation engine — \`bench/reputation/run.sh $n $m $threads\`"
echo
echo "- **Date:** $start; machine: $cpu, $(nproc) cores; load average before the run $load"
echo "- **Setup:** $n people, $m random endorsements (half aimed at the first 1% of people), 1,000 seeds; $threads threads; scipy $(v scipy_version)."
echo
echo "EigenTrust, one iteration over the same graph (wall clock: $threads threads against scipy's one; CPU time: one thread each):"
echo
echo "| pheme wall | scipy wall (ref.) | **speed-up, wall** | pheme 1 thread CPU | scipy CPU (ref.) | speed-up per CPU |"
echo "|---:|---:|---:|---:|---:|---:|"
echo "| $(v iteration_ms) ms | $(v scipy_iteration_ms) ms | **${wall}x** | $(v iteration_1thread_cpu_ms) ms | $(v scipy_iteration_cpu_ms) ms | ${cpu1}x |"
echo
echo "Full recompute (graph build, EigenTrust to 1e-10, the formula for everybody, from memory) and an epoch (tree + every proof):"
echo
echo "| iterations | graph build | trust | formula | **recompute wall** | recompute CPU | peak RSS | tree | all proofs | **epoch wall** | epoch CPU |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
echo "| $(v trust_iterations) | $(v graph_build_s) s | $(v trust_s) s | $(v formula_s) s | **$(v recompute_s) s** | $(v recompute_cpu_s) s | $(v rss_peak_mib) MiB | $(v tree_s) s | $(v proofs_s) s | **$(v epoch_s) s** | $(v epoch_cpu_s) s |"
echo
echo "CPU time of each part: graph build $(v graph_build_cpu_s) s ($threads threads), trust $(v trust_cpu_s) s ($threads threads), formula $(v formula_cpu_s) s (1 thread), tree $(v tree_cpu_s) s ($threads threads), all proofs $(v proofs_cpu_s) s (1 thread)."
