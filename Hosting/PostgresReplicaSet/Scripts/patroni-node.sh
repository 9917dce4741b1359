#!/bin/sh
# Entrypoint of every node of a Patroni replica set, as a process on the machine or in a container; nothing here needs
# the AppHost, so a deployed manifest runs it alike. Patroni owns the node's PostgreSQL: it bootstraps the cluster (or
# clones the leader), holds or follows the leader lock in etcd, fails over, and rewinds a former primary.
#
# Environment: REPLICATION_PATRONI_CONFIGURATION (the node's patroni.yml, with no secret and no address in it),
# PGDATA (the data directory), REPLICATION_WORK_DIR (where the configuration and the password file go), ETCD_HOSTS
# ("host:port,…"), and Patroni's own PATRONI_* variables (addresses, users, passwords), which take precedence over the
# file. The bootstrap script's variables (REPLICATION_USER, APP_USER, DATABASES, …) reach its post_bootstrap.
set -eu

if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses root: as the official image's entrypoint does, own the directories, then run as postgres.
    mkdir -p "$PGDATA" "$REPLICATION_WORK_DIR"
    chown postgres:postgres "$PGDATA" "$(dirname "$PGDATA")" "$REPLICATION_WORK_DIR"
    chmod 700 "$PGDATA"
    exec gosu postgres sh "$0" "$@"
fi

if ! command -v patroni >/dev/null 2>&1; then
    echo "patroni-node: patroni is not installed here; install Patroni, its etcd client and etcd (Debian: patroni python3-etcd etcd-server)." >&2
    exit 1
fi

. "$(dirname "$0")/patroni-dcs.sh"

umask 077
configuration="$REPLICATION_WORK_DIR/patroni.yml"
printf '%s\n' "$REPLICATION_PATRONI_CONFIGURATION" > "$configuration"
unset REPLICATION_PATRONI_CONFIGURATION

export PATRONI_POSTGRESQL_DATA_DIR="$PGDATA"
export PATRONI_POSTGRESQL_PGPASS="$REPLICATION_WORK_DIR/pgpass"
if patroni_needs_etcd_v2; then
    export PATRONI_ETCD_HOSTS="$ETCD_HOSTS"
else
    export PATRONI_ETCD3_HOSTS="$ETCD_HOSTS"
fi

exec patroni "$configuration"
