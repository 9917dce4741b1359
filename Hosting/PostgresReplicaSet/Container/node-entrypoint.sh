#!/bin/sh
# Entrypoint of every PostgreSQL node container of the replica set (pg-0 … pg-N), on the official postgres image.
#
# At every start the node looks for the current primary among the other nodes (OTHER_NODES, "host:port …"):
#   - none, and this is pg-0's first start (INITIAL_PRIMARY=true): the image's own entrypoint initialises the primary;
#   - one, and no data here yet: clone it with pg_basebackup and run as its hot standby;
#   - one, and the data here is a former primary's (no standby.signal): this node was fenced; clone afresh;
#   - one, and the data here is a standby's: point it at that primary.
# Environment: PGDATA (set by the image), NODE_NAME, INITIAL_PRIMARY, OTHER_NODES, REPLICATION_USER,
# REPLICATION_PASSWORD, REPLICATION_SLOT. Arguments: the server's settings, as "-c name=value".
set -eu

if [ "$(id -u)" = 0 ]; then
    # As the image's entrypoint does: own the data directory, then run as postgres.
    mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
    exec gosu postgres sh "$0" "$@"
fi

current_primary() {
    for node in $OTHER_NODES; do
        in_recovery=$(PGPASSWORD="$REPLICATION_PASSWORD" psql -Atc 'SELECT pg_is_in_recovery()' \
            "host=${node%:*} port=${node##*:} user=$REPLICATION_USER dbname=postgres connect_timeout=2" 2>/dev/null || true)
        if [ "$in_recovery" = f ]; then
            echo "$node"
            return 0
        fi
    done
}

primary=$(current_primary)

if [ -s "$PGDATA/PG_VERSION" ] && [ ! -f "$PGDATA/standby.signal" ] && [ -n "$primary" ]; then
    echo "$NODE_NAME: $primary is the primary, and this data is a former primary's: fenced, cloning afresh"
    rm -rf "${PGDATA:?}"/*
fi

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$primary" ] && [ "$INITIAL_PRIMARY" = true ]; then
        exec docker-entrypoint.sh postgres "$@"
    fi

    until [ -n "$primary" ]; do
        echo "$NODE_NAME: waiting for a primary among $OTHER_NODES"
        sleep 1
        primary=$(current_primary)
    done

    echo "$NODE_NAME: cloning $primary"
    PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --host "${primary%:*}" --port "${primary##*:}" \
        --username "$REPLICATION_USER" --no-password --pgdata "$PGDATA" \
        --write-recovery-conf --wal-method stream --slot "$REPLICATION_SLOT" --checkpoint fast
elif [ -n "$primary" ] && [ -f "$PGDATA/standby.signal" ]; then
    echo "$NODE_NAME: following $primary"
    cat >> "$PGDATA/postgresql.auto.conf" <<CONF
primary_conninfo = 'host=${primary%:*} port=${primary##*:} user=$REPLICATION_USER password=$REPLICATION_PASSWORD application_name=$NODE_NAME'
primary_slot_name = '$REPLICATION_SLOT'
CONF
fi

exec postgres "$@"
