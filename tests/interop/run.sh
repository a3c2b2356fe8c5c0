#!/bin/sh
# Cross-checks src/eth against viem (see interop.mjs). Installs the pinned packages with npm ci
# (idempotent: skipped when node_modules matches the lockfile), builds nothing itself: give the
# tool with PHEME_ETHTOOL or leave build/pheme-ethtool in place. Exits 77 (skip) without node.
#   tests/interop/run.sh                    random seed, printed
#   INTEROP_SEED=123 tests/interop/run.sh   replay a run
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
command -v node >/dev/null 2>&1 || { echo "interop: node not found, skipping"; exit 77; }
tool=${PHEME_ETHTOOL:-$root/build/pheme-ethtool}
[ -x "$tool" ] || { echo "interop: $tool not built (cmake --build build --target pheme-ethtool)" >&2; exit 1; }
cd "$here"
# npm ci wipes node_modules and reinstalls; only run it when some locked package is missing or
# at another version (npm keeps the installed tree in node_modules/.package-lock.json)
if ! node -e '
  const want = require("./package-lock.json").packages, have = require("./node_modules/.package-lock.json").packages;
  for (const k in want) if (k && (!have[k] || have[k].version !== want[k].version)) process.exit(1);' 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# the epoch's Merkle tree against @openzeppelin/merkle-tree (when pheme-merkletool is built)
merkletool=${PHEME_MERKLETOOL:-$root/build/pheme-merkletool}
if [ -x "$merkletool" ]; then PHEME_MERKLETOOL=$merkletool node merkle.mjs; else echo "interop: $merkletool not built, merkle check skipped"; fi
PHEME_ETHTOOL=$tool exec node interop.mjs
