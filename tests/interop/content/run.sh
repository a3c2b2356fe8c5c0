#!/bin/sh
# Cross-checks PHEME's CIDs against ipfs-unixfs-importer (see content.mjs). Installs the pinned
# packages with npm ci (skipped when node_modules matches the lockfile); builds nothing itself:
# give the binary with PHEME_BIN or leave build/pheme in place. Exits 77 (skip) without node.
#   tests/interop/content/run.sh                   random seed, printed
#   CONTENT_SEED=123 tests/interop/content/run.sh  replay a run
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
command -v node >/dev/null 2>&1 || { echo "content interop: node not found, skipping"; exit 77; }
bin=${PHEME_BIN:-$root/build/pheme}
[ -x "$bin" ] || { echo "content interop: $bin not built (cmake --build build --target pheme)" >&2; exit 1; }
cd "$here"
if ! node -e '
  const want = require("./package-lock.json").packages, have = require("./node_modules/.package-lock.json").packages;
  for (const k in want) if (k && (!have[k] || have[k].version !== want[k].version)) process.exit(1);' 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
PHEME_BIN=$bin exec node content.mjs
