#!/bin/sh
# Run once by the image's entrypoint, when it initialises pg-0's data: creates the replication role and lets it
# stream over the container network, with scram-sha-256 (the image already admits other connections that way).
set -e

echo "host replication $REPLICATION_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -v role="$REPLICATION_USER" -v password="$REPLICATION_PASSWORD" <<'SQL'
-- The init server runs with the node's settings, and with Sync its commits would wait for standbys that cannot exist yet.
SET synchronous_commit = local;
CREATE ROLE :"role" WITH LOGIN REPLICATION PASSWORD :'password';
SQL
