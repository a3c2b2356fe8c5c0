#!/bin/sh
# CID of a 100 MiB file (src/content/cid.c, the computation every upload streams through) vs
# `sha256sum` of the same file, in the same run, on the same core, from the page cache. The CID
# hashes every byte once with SHA-256 (the raw leaves) plus the small dag-pb nodes, so sha256sum is
# its ceiling. Prints a markdown snippet for bench/RESULTS.md.
#   bench/content/run.sh [MiB]     default 100; REPEAT=7 runs of each, alternating; CORE=1
# Target (issue 10): the CID at >= 80% of sha256sum's speed. Exit 3 when missed.
set -eu
cd "$(dirname "$0")/../.."
build=${BUILD:-build}
mib=${1:-100}
repeat=${REPEAT:-7}
core=${CORE:-1}
out=bench/out/content
mkdir -p "$out"
cmake --build "$build" --target bench_cid >/dev/null   # bench/CMakeLists.txt
cp "$build/bench_cid" "$out/bench_cid"
work=$(mktemp -d /tmp/pheme-bench-content.XXXXXX)
trap 'rm -rf "$work"' EXIT
file=$work/file
head -c $((mib * 1048576)) /dev/urandom > "$file"
cat "$file" > /dev/null # into the page cache
# CPU seconds (user + system) of a command, the same measure for every contender: the machine is
# shared, so wall time would also count other programs' turns on the core.
cpu() {
  python3 -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, check=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.6f" % (u.ru_utime + u.ru_stime))' taskset -c "$core" "$@"
}
cids=""
sha=""
ossl=""
for i in $(seq "$repeat"); do
  cids="$cids $(cpu "$out/bench_cid" "$file")"
  sha="$sha $(cpu sha256sum "$file")"
  if command -v openssl >/dev/null 2>&1; then ossl="$ossl $(cpu openssl dgst -sha256 "$file")"; fi
done
median() { echo "$@" | tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
c=$(median $cids)
s=$(median $sha)
cid=$(taskset -c "$core" "$out/bench_cid" "$file" | awk '/^cid/ {print $2}')
ratio=$(awk -v c="$c" -v s="$s" 'BEGIN {printf "%.3f", s / c}')
cpu=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
echo "### Content: CID of a $mib MiB file vs sha256sum ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "Machine: $cpu, $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg); nettle $(pkg-config --modversion nettle), $(sha256sum --version | head -n 1). Each pinned to core $core, file in the page cache, $repeat runs each alternating; median CPU time (user + system) of the process."
echo
echo "| computation | CPU seconds | MiB/s | speed vs sha256sum |"
echo "|---|---:|---:|---:|"
echo "| pheme CID (cid_builder, read() in 1 MiB pieces) | $c | $(awk -v c="$c" -v m="$mib" 'BEGIN {printf "%.0f", m / c}') | $ratio |"
echo "| sha256sum | $s | $(awk -v s="$s" -v m="$mib" 'BEGIN {printf "%.0f", m / s}') | 1.000 |"
if [ -n "$ossl" ]; then
  o=$(median $ossl)
  echo "| openssl dgst -sha256 (information) | $o | $(awk -v o="$o" -v m="$mib" 'BEGIN {printf "%.0f", m / o}') | $(awk -v o="$o" -v s="$s" 'BEGIN {printf "%.3f", s / o}') |"
fi
echo
echo "The file's CID: \`$cid\` (random bytes; differs every run)."
echo
met=$(awk -v r="$ratio" 'BEGIN {print (r >= 0.8) ? "met" : "NOT met"}')
echo "Target: the CID at >= 0.80 x sha256sum's speed. Result: **$ratio — $met**."
[ "$met" = met ] || exit 3
