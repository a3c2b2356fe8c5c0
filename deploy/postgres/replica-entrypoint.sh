#!/bin/sh
# postgres-replica: on first start, clone the primary with pg_basebackup (-R writes
# standby.signal and primary_conninfo), then run as a hot standby that streams WAL from it.
# The primary keeps wal_keep_size of WAL for a replica that falls behind briefly; a replica that
# falls further behind is re-cloned by removing its volume.
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in secrets/postgres.env}"
PGDATA=${PGDATA:-/var/lib/postgresql/data}
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -q -h postgres-primary -p 5432; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h postgres-primary -p 5432 -U replicator \
    -D "$PGDATA" -R -X stream --checkpoint=fast
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
