#!/bin/sh
# The layer check (DESIGN §2, STYLE §11): every `#include "dir/…"` in src/ must name the file's
# own layer or one the table below allows. The build enforces the same by giving each layer's
# library only the include roots of the layers below it (CMakeLists.txt, pheme_layer); this check
# says which include broke the rule, in one line, before the compiler does.
#
#   scripts/check-layers.sh        exits 0 when every include is allowed, 1 otherwise
set -eu
cd "$(dirname "$0")/../src"

# layer: the layers it may include besides itself, lowest first. Engines take a principal and
# reach storage through store.h; they never see HTTP. Among engines, a later one may use an
# earlier one (validation runs as jobs on work's state machines and reads content).
allowed() {
  case $1 in
  core) echo "" ;;
  eth) echo "core" ;;
  http) echo "core eth" ;;
  store) echo "core eth" ;;
  auth) echo "core eth store" ;;
  chain) echo "core eth store" ;;
  jobs) echo "core eth store" ;;
  content) echo "core eth store" ;;
  work) echo "core eth store" ;;
  validation) echo "core eth store chain auth jobs content work" ;;
  game) echo "core eth store chain jobs work" ;;
  reputation) echo "core eth store chain jobs work game" ;;
  matching) echo "core eth store jobs work game reputation" ;;
  graphql) echo "core eth http store auth chain jobs content work validation game reputation matching" ;;
  api) echo "core eth http store auth chain jobs content work validation game reputation matching graphql" ;;
  *) echo "?" ;;
  esac
}

check() {
  for f in $(find . -name '*.c' -o -name '*.h' | sed 's|^\./||' | sort); do
    layer=${f%%/*}
    [ "$layer" = "$f" ] && continue # src/main.c: the top, may include anything
    ok=$(allowed "$layer")
    if [ "$ok" = "?" ]; then
      echo "check-layers: $f: the layer '$layer' is not in the table of scripts/check-layers.sh"
      continue
    fi
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[a-z_]*/' "$f" | while IFS= read -r line; do
      target=$(echo "$line" | sed 's|^[^"]*"\([a-z_]*\)/.*|\1|')
      [ "$target" = "$layer" ] && continue
      case " $ok " in *" $target "*) continue ;; esac
      echo "check-layers: src/$f:${line%%:*}: the $layer layer may not include $target/ (allowed: ${ok:-none})"
    done
  done
}
out=$(check)
if [ -n "$out" ]; then
  echo "$out"
  exit 1
fi
echo "check-layers: every include of src/ goes down a layer (or stays in its own)"
