#!/bin/sh
# Installs what PHEME needs to build, run and test, from Debian's packages and npm.
# Idempotent: a package already present is not touched, so a second run costs a few dpkg queries.
# Usage: scripts/deps.sh [build|run|test|all]   (default: all)
#   build  what `make` needs to compile build/pheme
#   run    build + Node.js and npm (`make run` builds the web app and installs anvil from npm)
#   test / all  run + the test servers and tools (clang, PostgreSQL, nginx, wrk, …)
set -eu
what=${1:-all}

build_pkgs="build-essential cmake pkg-config libmicrohttpd-dev libjansson-dev libsqlite3-dev
  libpq-dev libsecp256k1-dev nettle-dev libcurl4-openssl-dev zlib1g-dev libxxhash-dev libunistring-dev
  libhiredis-dev libwslay-dev
  ca-certificates"
test_pkgs="clang libclang-rt-14-dev postgresql sqlite3 redis-server wrk nginx-light procps curl"

case $what in
  build|run) pkgs=$build_pkgs ;;
  test|all) pkgs="$build_pkgs $test_pkgs" ;;
  *) echo "deps.sh: unknown set '$what' (build, run, test or all)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# Node.js and npm: Debian's nodejs/npm unless a Node.js with npm is already on the machine
# (a machine with NodeSource's nodejs must not get Debian's npm: the two conflict).
if [ "$what" != build ]; then
  command -v node >/dev/null 2>&1 || missing="$missing nodejs"
  command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi

if [ -n "$missing" ]; then
  echo "deps.sh: installing$missing"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # policy-rc.d keeps apt from starting nginx/postgresql services: the tests start their own.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
