#!/bin/sh
# Keccak-256 benchmark: src/eth's keccak_256 vs nettle's sha3_256 (same permutation) in one
# process, plus `openssl speed -evp sha3-256` at 1 MiB for information. Prints a markdown
# snippet for bench/eth/RESULTS.md. Builds build/bench_keccak (RelWithDebInfo) unless
# BENCH_KECCAK names a binary.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ -z "${BENCH_KECCAK:-}" ]; then
  cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$root/build" -j "$(nproc 2>/dev/null || echo 2)" --target bench_keccak >/dev/null
fi
bin=${BENCH_KECCAK:-$root/build/bench_keccak}
[ -x "$bin" ] || { echo "bench: $bin is not an executable" >&2; exit 1; }
out=$("$bin" "${BENCH_SECONDS:-10}")
k=$(echo "$out" | awk '/pheme/ {print $3}')
n=$(echo "$out" | awk '/nettle/ {print $3}')
ratio=$(echo "$out" | awk '/ratio/ {print $2}')
ossl=""
if command -v openssl >/dev/null 2>&1; then
  # "sha3-256   <bytes/s in 1000s>k" for the single block size asked for
  ossl=$(openssl speed -seconds 3 -evp sha3-256 -bytes 1048576 2>/dev/null | awk '/^sha3-256/ {v=$NF; sub(/k$/, "", v); printf "%.1f", v * 1000 / 1048576}')
fi
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "### Keccak-256, 1 MiB inputs ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
samples=$(echo "$out" | awk '/samples/ {print $2}')
echo "Machine: $cpu, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg). $samples 1 MiB hashes each, alternating call by call, median call in thread CPU time."
echo
echo "| implementation | MiB/s | vs nettle sha3_256 |"
echo "|---|---:|---:|"
echo "| pheme keccak_256 (nettle's sha3_permute) | $k | $ratio |"
echo "| nettle sha3_256 (same permutation) | $n | 1.000 |"
if [ -n "$ossl" ]; then
  echo "| openssl speed -evp sha3-256 -bytes 1048576 (information) | $ossl | $(awk -v a="$ossl" -v b="$n" 'BEGIN {printf "%.3f", a / b}') |"
  echo
  echo "pheme / openssl: $(awk -v a="$k" -v b="$ossl" 'BEGIN {printf "%.3f", a / b}') (OpenSSL uses its own assembly Keccak; information only)."
fi
echo
echo "Target: pheme >= 0.95 x nettle. Result: $(awk -v r="$ratio" 'BEGIN {print (r >= 0.95) ? "met" : "NOT met"}')."
