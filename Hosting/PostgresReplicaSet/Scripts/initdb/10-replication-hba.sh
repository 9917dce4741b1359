#!/bin/sh
# Run once by the image's entrypoint, when it initialises pg-0's data: lets the replication role stream over the
# container network, with scram-sha-256 (the image already admits other connections that way).
set -e

echo "host replication $REPLICATION_USER all scram-sha-256" >> "$PGDATA/pg_hba.conf"
