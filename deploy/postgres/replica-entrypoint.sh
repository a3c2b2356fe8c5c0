#!/bin/sh
# postgres-replica: on first start, clone the primary with pg_basebackup (-R writes
# standby.signal and primary_conninfo), then run as a hot standby that streams WAL from it.
# The primary keeps wal_keep_size of WAL for a replica that falls behind briefly; a replica that
# falls further behind is re-cloned by removing its volume.
# PRIMARY_HOST/PRIMARY_PORT name the primary (compose: postgres-primary:5432); arguments are
# passed to postgres (tests/deploy/replication.sh runs this script on loopback).
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in secrets/postgres.env}"
PGDATA=${PGDATA:-/var/lib/postgresql/data}
PRIMARY_HOST=${PRIMARY_HOST:-postgres-primary}
PRIMARY_PORT=${PRIMARY_PORT:-5432}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h "$PRIMARY_HOST" -p "$PRIMARY_PORT"; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U replicator \
    -D "$PGDATA" -R -X stream --checkpoint=fast
  chmod 0700 "$PGDATA"
fi
exec postgres -D "$PGDATA" -c hot_standby=on "$@"
