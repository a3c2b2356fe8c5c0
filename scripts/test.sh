#!/bin/sh
# make test: installs what is missing, builds, and runs every test layer in turn.
#   LAYERS    which layers (default: all, in this order)
#   CTEST_JOBS    tests at a time in the unit and chain layers (default: twice the cores)
#   FUZZ_SECONDS  seconds per fuzz target (default 8; 30 targets, two at a time, each starting with a
#                 full replay of its committed corpus: `make fuzz` runs longer)
set -eu
cd "$(dirname "$0")/.."
LAYERS=${LAYERS:-"unit asan fuzz integration multinode auth interop contracts chain web"}
FUZZ_SECONDS=${FUZZ_SECONDS:-8}
JOBS=$(nproc 2>/dev/null || echo 2)
# tests at a time in the unit, asan and chain layers, whose tests mostly wait (docs/testing.md); a loaded
# machine may want CTEST_JOBS=$JOBS
CTEST_JOBS=${CTEST_JOBS:-$((JOBS * 2))}

scripts/deps.sh all

step() { printf '\n==> %s\n' "$*"; }
sanitized_server() {
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPHEME_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$JOBS" --target pheme
}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
started=$(date +%s)

times=""
for layer in $LAYERS; do
  layer_started=$(date +%s)
  case $layer in
  unit)
    step "unit tests and fuzz corpora (RelWithDebInfo, gcc)"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j "$JOBS"
    # Most of these wait (commits to disk, worker crash loops, job sleeps): 108 CPU-s, PostgreSQL's
    # included, for tests whose times add up to ~260 s on a quiet machine (CTEST_JOBS).
    (cd build && ctest --output-on-failure -LE "interop|anvil" -j "$CTEST_JOBS")
    ;;
  asan)
    step "unit tests and fuzz corpora under AddressSanitizer + UndefinedBehaviorSanitizer"
    cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DPHEME_SANITIZE=ON >/dev/null
    # what ctest runs here (tests/CMakeLists.txt), not the benchmarks, tools and chain tests
    cmake --build build-asan -j "$JOBS" --target unit-tests
    # The long randomized tests run a fifth of their rounds here (tests/unit/test.h, test_scaled):
    # the unit layer runs them in full, and the sanitizers' slowdown made them half of this layer.
    # CTEST_JOBS as in the unit layer: at one test per core the cores were 41% busy (83 CPU-s in
    # 101 s); at two per core 71 s, three runs alike (docs/testing.md, session 11).
    (cd build-asan && PHEME_TEST_SCALE=${PHEME_TEST_SCALE:-5} ctest --output-on-failure -LE "interop|anvil" -j "$CTEST_JOBS")
    ;;
  fuzz)
    step "libFuzzer targets, ${FUZZ_SECONDS}s each (clang, ASan + UBSan)"
    CC=clang cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DPHEME_FUZZ=ON >/dev/null
    cmake --build build-fuzz -j "$JOBS" --target fuzz-targets
    scripts/fuzz.sh build-fuzz "$FUZZ_SECONDS"
    ;;
  integration)
    # The server under test is the sanitizer build: every request of the suite also runs under
    # ASan + UBSan, and a leak or error at exit fails the shutdown tests. Its SQLite and PostgreSQL
    # passes run at the same time (tests/integration/run.sh; PHEME_IT_SERIAL=1 runs them in turn).
    step "HTTP integration tests against a real pheme serve (SQLite and PostgreSQL; ASan + UBSan server)"
    sanitized_server
    tests/integration/run.sh build-asan/pheme
    ;;
  multinode)
    # The compose topology as processes on loopback, and its faults (tests/multinode/run.sh).
    step "multi-node: nginx, two API nodes, a worker, two indexers, PostgreSQL, Redis, anvil; their faults; disk full"
    scripts/contracts.sh deps
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j "$JOBS" --target pheme
    tests/multinode/run.sh build/pheme
    ;;
  interop)
    if [ -x tests/interop/run.sh ]; then
      step "cross-checks of the Ethereum primitives against viem"
      cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
      # every tool the layer's scripts run: on a fresh checkout (LAYERS=interop alone) nothing else
      # has built them, and the merkle check would be skipped, the review check would fail
      cmake --build build -j "$JOBS" --target pheme-ethtool pheme-merkletool pheme-reviewtool
      tests/interop/run.sh
      tests/validation/review-interop.sh
    fi
    if [ -x tests/interop/content/run.sh ]; then
      step "CIDs of files against ipfs-unixfs-importer (kubo's options), both ways"
      cmake --build build -j "$JOBS" --target pheme
      tests/interop/content/run.sh
    fi
    if [ -x tests/graphql/run.sh ]; then
      step "GraphQL: the schema and 500+ documents against graphql-js (same decision, rule, message)"
      cmake --build build -j "$JOBS" --target pheme-gqltool
      tests/graphql/run.sh
    fi
    ;;
  auth)
    if [ -x tests/auth/run.sh ]; then
      step "sign-in, sessions and roles end to end (viem signing against a real ASan + UBSan server)"
      sanitized_server
      PHEME_BIN="$PWD/build-asan/pheme" tests/auth/run.sh
    fi
    ;;
  web)
    if [ -x scripts/web.sh ]; then
      step "web app: unit tests and a browser smoke test in Chromium"
      scripts/web.sh test
    fi
    if [ -x tests/graphql/graphiql.sh ]; then
      step "GraphiQL at GET /graphql in Chromium, under the static files' CSP"
      cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
      cmake --build build -j "$JOBS" --target pheme
      tests/graphql/graphiql.sh
    fi
    ;;
  chain)
    # Each chain test starts its own anvil (the npm package) on loopback and stops it by PID.
    step "chain client, transaction manager, deployer and indexer against real anvil nodes"
    scripts/contracts.sh deps
    # viem for scripts/signin-demo.mjs, which the whole-stack test runs (tests/auth's locked tree)
    [ -d tests/auth/node_modules/viem ] || (cd tests/auth && npm ci --prefer-offline --no-audit --no-fund --loglevel=error)
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j "$JOBS"
    # These tests mostly wait on anvil and on their servers (34 CPU-s in 94 s with -j2; CTEST_JOBS).
    (cd build && ctest --output-on-failure -L anvil -j "$CTEST_JOBS")
    ;;
  contracts)
    if [ -x scripts/contracts.sh ]; then
      step "smart contracts (forge, offline)"
      scripts/contracts.sh test
    fi
    ;;
  *) echo "test.sh: unknown layer '$layer'" >&2; exit 2 ;;
  esac
  times="$times $layer $(( $(date +%s) - layer_started ))s"
  printf '\n--- %s passed in %ss\n' "$layer" $(( $(date +%s) - layer_started ))
done
printf '\nall layers passed in %ss:%s\n' $(( $(date +%s) - started )) "$times"
