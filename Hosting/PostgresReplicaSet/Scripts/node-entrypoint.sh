#!/bin/sh
# Entrypoint of every PostgreSQL node container of the replica set (pg-0 … pg-N), on the official postgres image or
# any image with its contract. The node bootstraps itself; nothing here needs the AppHost, so a deployed manifest works.
#
# At every start the node looks for the current primary among the other nodes (OTHER_NODES, "host:port …"), then:
#   - no data, no primary, and this is pg-0 (INITIAL_PRIMARY=true): the image's own entrypoint initialises the
#     primary, and its init files create the roles, the replication slots and the databases;
#   - no data: it waits for a primary, clones it (pg_basebackup) and runs as its hot standby;
#   - fenced data (a "<PGDATA>.fenced" file beside it: written on the node's data volume when another node was
#     promoted, and while a clone is under way): it is never started; once a primary answers, it is cloned afresh;
#   - a standby's data: it follows the primary that answers (or, if none does yet, the one it followed last);
#   - a primary's data: it is the primary, unless another node is. Then this is a former primary whose fence was
#     never written: its data is cloned afresh only if it is on an older timeline than that primary's; otherwise it
#     may hold the newest writes, and the node refuses to start rather than delete them.
# Environment: PGDATA (set by the image), NODE_NAME, INITIAL_PRIMARY, OTHER_NODES, REPLICATION_USER,
# REPLICATION_PASSWORD, REPLICATION_SLOT. Arguments: the server's settings, as "-c name=value".
set -eu

# Beside PGDATA, not in it: it survives the data being replaced, and pg_basebackup wants an empty directory.
FENCE_FILE="${PGDATA%/}.fenced"

if [ "$(id -u)" = 0 ]; then
    # As the image's entrypoint does: own the data directory (and its parent, for the fence file), then run as postgres.
    mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" "$(dirname "$PGDATA")" && chmod 700 "$PGDATA"
    exec gosu postgres sh "$0" "$@"
fi

# "host:port timeline" of the first other node that is a primary, or nothing.
current_primary() {
    for node in $OTHER_NODES; do
        timeline=$(PGPASSWORD="$REPLICATION_PASSWORD" psql -Atc \
            "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int WHERE NOT pg_is_in_recovery()" \
            "host=${node%:*} port=${node##*:} user=$REPLICATION_USER dbname=postgres connect_timeout=2" 2>/dev/null || true)
        if [ -n "$timeline" ]; then
            echo "$node $timeline"
            return 0
        fi
    done
}

# The newest timeline this data has seen: its highest timeline history file, or 1.
local_timeline() {
    newest=$(ls "$PGDATA"/pg_wal/ 2>/dev/null | sed -n 's/^\([0-9A-F]\{8\}\)\.history$/\1/p' | sort | tail -n 1)
    echo $((0x${newest:-1}))
}

wait_for_primary() {
    found=$(current_primary)
    until [ -n "$found" ]; do
        echo "$NODE_NAME: waiting for a primary among $OTHER_NODES" >&2
        sleep 1
        found=$(current_primary)
    done
    echo "$found"
}

# Replaces the data with a hot standby's copy of $1; fenced until the copy is whole, so a half-made one never runs.
clone() {
    echo "$NODE_NAME: cloning $1"
    [ -f "$FENCE_FILE" ] || touch "$FENCE_FILE"
    rm -rf "${PGDATA:?}"/*
    PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup --host "${1%:*}" --port "${1##*:}" \
        --username "$REPLICATION_USER" --no-password --pgdata "$PGDATA" \
        --write-recovery-conf --wal-method stream --slot "$REPLICATION_SLOT" --checkpoint fast
    rm -f "$FENCE_FILE"
}

found=$(current_primary)
primary=${found% *}

if [ -f "$FENCE_FILE" ]; then
    echo "$NODE_NAME: this data is fenced (another node was promoted, or a clone was cut short); it never runs as it is"
    found=$(wait_for_primary)
    clone "${found% *}"
elif [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$found" ] && [ "$INITIAL_PRIMARY" = true ]; then
        exec docker-entrypoint.sh postgres "$@"
    fi
    found=$(wait_for_primary)
    clone "${found% *}"
elif [ -f "$PGDATA/standby.signal" ]; then
    if [ -n "$found" ]; then
        echo "$NODE_NAME: following $primary"
        sed -i '/^primary_conninfo\|^primary_slot_name/d' "$PGDATA/postgresql.auto.conf"
        cat >> "$PGDATA/postgresql.auto.conf" <<CONF
primary_conninfo = 'host=${primary%:*} port=${primary##*:} user=$REPLICATION_USER application_name=$NODE_NAME'
primary_slot_name = '$REPLICATION_SLOT'
CONF
    else
        echo "$NODE_NAME: no primary answers yet; starting as a standby of the primary it followed last"
    fi
elif [ -n "$found" ]; then
    ours=$(local_timeline)
    theirs=${found##* }
    if [ "$ours" -ge "$theirs" ]; then
        echo "$NODE_NAME: refusing to start: $primary is a primary on timeline $theirs, and this data is a primary's on timeline $ours." >&2
        echo "$NODE_NAME: it may hold writes that $primary lacks, so it is kept. Stop one of the two, and Rejoin it." >&2
        exit 1
    fi
    echo "$NODE_NAME: $primary is the primary on timeline $theirs, and this data is a former primary's (timeline $ours): cloning afresh"
    clone "$primary"
fi

# The walreceiver's libpq reads the replication password from here: primary_conninfo holds none, since PostgreSQL logs
# it whenever a reload changes it (the supervisor repoints a running replica so).
export PGPASSWORD="$REPLICATION_PASSWORD"
exec postgres "$@"
