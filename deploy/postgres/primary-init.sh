#!/bin/sh
# Runs once, when postgres-primary initialises its data directory (docker-entrypoint-initdb.d):
# the replication role the streaming replica connects as, and its pg_hba line.
set -eu
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD in secrets/postgres.env}"
psql -v ON_ERROR_STOP=1 -v pw="$REPLICATION_PASSWORD" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
