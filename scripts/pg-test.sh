#!/bin/sh
# A throwaway PostgreSQL cluster for tests and benchmarks: a copy of a cluster fresh from initdb
# (made once, see template) in a temporary folder, run as an unprivileged user, listening on
# loopback only, stopped by its PID.
#
#   eval "$(scripts/pg-test.sh start)"   # sets PG_TEST_DIR, PG_TEST_URL, PG_TEST_PID
#   scripts/pg-test.sh stop "$PG_TEST_DIR"
set -eu

bindir() {
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$d" ] || { echo "pg-test.sh: PostgreSQL is not installed (scripts/deps.sh test)" >&2; exit 1; }
  echo "$d"
}

# Runs a command as the cluster's owner: postgres when we are root (initdb refuses root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

INITDB_OPTS="-U pheme --auth=trust -E UTF8 --no-locale"

# A cluster fresh from initdb, made once per machine, user, PostgreSQL and options, then copied:
# a test suite starts dozens of clusters, and a copy costs a tenth of an initdb's CPU. Made under a
# lock (tests start clusters in parallel) in a folder of its own, then renamed into place.
template() {
  tpl=/tmp/pheme-pg-template-$(id -u)-$(printf '%s %s' "$bin" "$INITDB_OPTS" | cksum | cut -d' ' -f1)
  if [ ! -f "$tpl/data/PG_VERSION" ]; then
    exec 9>"$tpl.lock"
    flock 9
    if [ ! -f "$tpl/data/PG_VERSION" ]; then
      new=$(mktemp -d "$tpl.new.XXXXXX")
      chmod 755 "$new"
      [ "$(id -u)" -eq 0 ] && chown postgres "$new"
      as_owner "$bin/initdb" -D "$new/data" $INITDB_OPTS >"$new/initdb.log" 2>&1 ||
        { cat "$new/initdb.log" >&2; rm -rf "$new"; exit 1; }
      rm -rf "$tpl"
      mv "$new" "$tpl"
    fi
    exec 9>&-
  fi
  echo "$tpl"
}

case ${1:-} in
start)
  bin=$(bindir)
  dir=$(mktemp -d /tmp/pheme-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  tpl=$(template)
  cp -a "$tpl/data" "$dir/data"
  # Try ports until one is free; fsync off because the cluster is thrown away.
  port=$(( 20000 + $$ % 20000 ))
  for try in 1 2 3 4 5 6 7 8 9 10; do
    if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
         -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
         start >/dev/null 2>&1; then
      pid=$(head -n 1 "$dir/data/postmaster.pid")
      as_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U pheme pheme
      echo "PG_TEST_DIR=$dir"
      echo "PG_TEST_PID=$pid"
      echo "PG_TEST_URL=postgresql://pheme@127.0.0.1:$port/pheme"
      exit 0
    fi
    port=$((port + 1))
  done
  cat "$dir/server.log" >&2
  exit 1
  ;;
stop)
  dir=${2:?usage: pg-test.sh stop DIR}
  if [ -f "$dir/data/postmaster.pid" ]; then
    pid=$(head -n 1 "$dir/data/postmaster.pid")
    kill -TERM "$pid" 2>/dev/null || true
    i=0
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  case $dir in /tmp/pheme-pg.*) rm -rf "$dir" ;; esac
  ;;
*)
  echo "usage: pg-test.sh start | stop DIR" >&2
  exit 2
  ;;
esac
