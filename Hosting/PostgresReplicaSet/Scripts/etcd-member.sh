#!/bin/sh
# Entrypoint of every etcd member of a Patroni replica set, as a process on the machine or in a container; nothing here
# needs the AppHost. etcd reads its configuration from its ETCD_* variables (name, data directory, URLs, initial
# cluster); REPLICATION_ETCD_CLIENTS lists every member's client address ("host:port,…").
#
# A member that starts without data although it ran in the cluster before (its entry has client URLs: a container
# started again is a new container, with no data) cannot join as "new": it takes its own place, as etcd's runtime
# reconfiguration does it. Its old entry is removed, it is added again, and it joins the existing cluster. A member
# that never ran (the others formed their quorum first) joins as "new", as in any static bootstrap.
set -eu

if ! command -v etcd >/dev/null 2>&1; then
    echo "etcd-member: etcd is not installed here; install etcd (Debian: etcd-server)." >&2
    exit 1
fi

. "$(dirname "$0")/patroni-dcs.sh"

if patroni_needs_etcd_v2; then
    export ETCD_ENABLE_V2=true
fi

own_client=$(printf '%s' "$ETCD_ADVERTISE_CLIENT_URLS" | sed 's|^http://||')
others=$(printf '%s' "$REPLICATION_ETCD_CLIENTS" | tr ',' '\n' | grep -vx "$own_client" | sed 's|^|http://|' | paste -sd, -)

if [ ! -d "$ETCD_DATA_DIR/member" ] && [ -n "$others" ] && command -v etcdctl >/dev/null 2>&1 \
    && members=$(ETCDCTL_API=3 etcdctl --endpoints="$others" --dial-timeout=2s --command-timeout=5s member list 2>/dev/null) \
    && old=$(printf '%s\n' "$members" | awk -F', ' -v peer="$ETCD_INITIAL_ADVERTISE_PEER_URLS" '$4 == peer && $5 != "" { print $1 }') \
    && [ -n "$old" ]; then
    echo "etcd-member: $ETCD_NAME has no data, but ran in the cluster before: replacing its entry $old" >&2
    ETCDCTL_API=3 etcdctl --endpoints="$others" member remove "$old" >&2
    # It prints the ETCD_INITIAL_CLUSTER and ETCD_INITIAL_CLUSTER_STATE the new member must start with.
    eval "$(ETCDCTL_API=3 etcdctl --endpoints="$others" member add "$ETCD_NAME" --peer-urls="$ETCD_INITIAL_ADVERTISE_PEER_URLS" | grep '^ETCD_' | sed 's/^/export /')"
fi

exec etcd
