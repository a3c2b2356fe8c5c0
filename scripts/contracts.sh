#!/bin/sh
# PHEME contracts: the one entry point the Makefile calls.
#
#   scripts/contracts.sh deps          install the npm toolchain into contracts/node_modules (idempotent)
#   scripts/contracts.sh build         compile (offline, npm solc behind contracts/tools/solc)
#   scripts/contracts.sh test          fresh build + artifacts check + upgrade-safety check
#                                      + every forge test (unit, fuzz, invariant) + gas benchmark
#   scripts/contracts.sh deploy-local  deploy the suite to a throw-away anvil (or to PHEME_RPC_URL)
#                                      and write the manifest (PHEME_MANIFEST: extra copy to this path)
#   scripts/contracts.sh gas           gas benchmark + forge gas report; rewrites contracts/GAS.md
#   scripts/contracts.sh artifacts     rebuild and rewrite contracts/artifacts/ (then commit them)
#
# Any anvil started here listens on 127.0.0.1 only, on a free port, and is stopped by its PID.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
C="$ROOT/contracts"
FORGE="$C/node_modules/@foundry-rs/forge-linux-amd64/bin/forge"
ANVIL="$C/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
CAST="$C/node_modules/@foundry-rs/cast-linux-amd64/bin/cast"
# anvil's first default development account (public test key, funded only on local dev chains)
DEV_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80

ANVIL_PID=""
cleanup() {
  if [ -n "$ANVIL_PID" ]; then
    kill "$ANVIL_PID" 2>/dev/null || true
    wait "$ANVIL_PID" 2>/dev/null || true
    ANVIL_PID=""
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

say() { printf 'contracts: %s\n' "$*"; }

deps() {
  if ! command -v node >/dev/null 2>&1; then
    say "installing Debian's nodejs and npm"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
  fi
  command -v npm >/dev/null 2>&1 || { say "npm is missing (node is there): install npm"; exit 1; }
  stamp="$C/node_modules/.pheme-lock"
  want=$(cksum < "$C/package-lock.json")
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$FORGE" ] && [ -x "$ANVIL" ] && [ -x "$CAST" ]; then
    return 0
  fi
  say "npm ci (exact versions from contracts/package-lock.json)"
  (cd "$C" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s\n' "$want" > "$stamp"
}

forge() { (cd "$C" && "$FORGE" "$@"); }

build() {
  deps
  forge build "$@"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

start_anvil() {
  port=$(free_port)
  "$ANVIL" --host 127.0.0.1 --port "$port" --silent >"$C/out/anvil.log" 2>&1 &
  ANVIL_PID=$!
  RPC="http://127.0.0.1:$port"
  i=0
  until "$CAST" chain-id --rpc-url "$RPC" >/dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 100 ] || ! kill -0 "$ANVIL_PID" 2>/dev/null; then
      say "anvil did not start"; cat "$C/out/anvil.log" >&2; exit 1
    fi
    sleep 0.1
  done
}

gasbench() { # $1: markdown output file or ""
  start_anvil
  say "gas benchmark: broadcasting script/GasBench.s.sol to anvil at $RPC"
  (cd "$C" && PHEME_BENCH_KEY=$DEV_KEY "$FORGE" script script/GasBench.s.sol --rpc-url "$RPC" \
    --broadcast --slow --non-interactive >"$C/out/gasbench.log" 2>&1) || { cat "$C/out/gasbench.log" >&2; exit 1; }
  chain=$("$CAST" chain-id --rpc-url "$RPC")
  cleanup
  res="$C/out/gasbench-result.log"
  if node "$C/tools/gasbench.js" "$C/broadcast/GasBench.s.sol/$chain/run-latest.json" ${1:+--markdown "$1"} >"$res" 2>&1; then
    cat "$res"
  else
    cat "$res"; say "gas benchmark: a target was missed"; exit 1
  fi
}

cmd_test() {
  deps
  say "fresh build (forge build --force)"
  forge build --force
  say "artifacts equal the fresh build?"
  node "$C/tools/artifacts.js" check
  say "bytecode embedded in C (sigcheck) and tests/data equals the fresh build?"
  node "$C/test/wallet/embedded.js" check
  say "upgrade safety (OpenZeppelin upgrades-core)"
  (cd "$C" && node node_modules/@openzeppelin/upgrades-core/dist/cli/cli.js validate out/build-info)
  say "forge test (unit, fuzz, invariants)"
  log="$C/out/forge-test.log"
  { forge test 2>&1 && echo ok > "$log.status" || echo failed > "$log.status"; } | tee "$log"
  [ "$(cat "$log.status")" = ok ] || { say "forge test failed"; exit 1; }
  gasbench ""
  summary=$(grep -E '^Ran [0-9]+ test suites' "$log" | tail -1)
  passed=$(printf '%s' "$summary" | sed -n 's/.*: \([0-9]*\) tests passed, \([0-9]*\) failed.*/\1/p')
  failed=$(printf '%s' "$summary" | sed -n 's/.*: \([0-9]*\) tests passed, \([0-9]*\) failed.*/\2/p')
  gpass=$(sed -n 's/^gasbench: \([0-9]*\) passed.*/\1/p' "$C/out/gasbench-result.log")
  say "forge: $summary"
  say "also passed: artifacts check, embedded bytecode check, upgrade-safety check, $gpass gas targets"
  echo "contracts: $((passed + gpass + 3)) passed, $failed failed"
}

cmd_deploy_local() {
  build
  mkdir -p "$C/deployments" "$C/out"
  if [ -n "${PHEME_RPC_URL:-}" ]; then
    RPC=$PHEME_RPC_URL
  else
    start_anvil
  fi
  key=${PHEME_DEPLOYER_KEY:-$DEV_KEY}
  chain=$("$CAST" chain-id --rpc-url "$RPC")
  file="deployments/$chain.json"
  say "deploying to chain $chain at $RPC"
  (cd "$C" && PHEME_MANIFEST_FILE=$file "$FORGE" script script/Deploy.s.sol --rpc-url "$RPC" \
    --private-key "$key" --broadcast --slow --non-interactive >"$C/out/deploy.log" 2>&1) || { cat "$C/out/deploy.log" >&2; exit 1; }
  # every address in the manifest must hold code
  for a in $(node -e 'const m=require(process.argv[1]);for(const v of Object.values(m.contracts))console.log(v)' "$C/$file"); do
    code=$("$CAST" code "$a" --rpc-url "$RPC")
    [ "$code" != "0x" ] || { say "no code at $a"; exit 1; }
  done
  cleanup
  if [ -n "${PHEME_MANIFEST:-}" ]; then cp "$C/$file" "$PHEME_MANIFEST"; fi
  say "manifest: contracts/$file${PHEME_MANIFEST:+ (copied to $PHEME_MANIFEST)}"
  cat "$C/$file"
}

cmd_gas() {
  build
  mkdir -p "$C/out"
  table="$C/out/gas-table.md"
  gasbench "$table"
  say "forge gas report"
  forge test --gas-report --no-match-path 'test/Invariants.t.sol' | tee "$C/out/gas-report.txt"
  cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -1)
  {
    echo "# PHEME contracts: gas"
    echo
    echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -sm), ${cpu:-unknown CPU}, $(nproc) cores;"
    echo "forge $("$FORGE" --version | sed -n 's/^forge Version: //p'), solc $("$C/tools/solc" --version | sed -n 's/^Version: //p'), anvil (local chain, default hardfork)."
    echo
    echo "Transaction gas used (receipts of real transactions on anvil, script/GasBench.s.sol),"
    echo "against plain OpenZeppelin baselines deployed in the same run (bench/Baselines.sol)."
    echo "Produced by \`scripts/contracts.sh gas\`; \`scripts/contracts.sh test\` checks the same targets."
    echo
    cat "$table"
  } > "$C/GAS.md"
  say "wrote contracts/GAS.md"
}

cmd_artifacts() {
  build --force
  node "$C/tools/artifacts.js" export
}

case ${1:-} in
  deps) deps ;;
  build) build ;;
  test) cmd_test ;;
  deploy-local) cmd_deploy_local ;;
  gas) cmd_gas ;;
  artifacts) cmd_artifacts ;;
  *) echo "usage: scripts/contracts.sh deps|build|test|deploy-local|gas|artifacts" >&2; exit 2 ;;
esac
