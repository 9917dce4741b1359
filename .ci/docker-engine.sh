#!/usr/bin/env bash
# A private Docker engine (containerd + dockerd) for machines without systemd, such as CI: it listens on a socket of its
# own, never on /var/run/docker.sock, so only the shells that export its DOCKER_HOST use it.
#
#   .ci/docker-engine.sh start DIR   starts it (as root), waits until it answers, prints "export DOCKER_HOST=…"
#   .ci/docker-engine.sh stop DIR    stops what start started, by PID, and removes its bridge
#
# DIR holds everything: sockets, PIDs, logs, and the engine's data (images stay there from one start to the next).
# The engine has its own bridge and address pool, and does not manage iptables, so it can run beside another engine.
# One thing it does add: an ACCEPT rule at the top of FORWARD for traffic inside its own address pool, removed at stop.
# Without it, a host where another Docker engine ran (even one stopped since) drops the traffic between this engine's
# containers: that engine left br_netfilter on (bridged frames go through iptables) and the FORWARD policy at DROP.
set -euo pipefail

command="${1:?usage: $0 start|stop DIR}"
dir="${2:?usage: $0 start|stop DIR}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"

# One bridge and one /16 per engine directory, so that two engines can run at once: 10.32.0.0/16 … 10.231.0.0/16,
# clear of Docker's own defaults (172.17+/16, 192.168/16). The default bridge is .200.0/24; Aspire's networks are in .0.0/17.
key="$(printf '%s' "$dir" | sha256sum | cut -c1-10)"
bridge="br$key" # Linux allows 15 characters.
subnet_prefix="${REPLICATION_DOCKER_SUBNET_PREFIX:-10.$(( 16#${key:0:4} % 200 + 32 ))}"

pool="$subnet_prefix.0.0/16"
rule_comment="replication-engine $dir"

answers() { DOCKER_HOST="unix://$dir/docker.sock" docker info >/dev/null 2>&1; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() {
    local pidfile="$1" name="$2"
    if alive "$pidfile"; then
        local pid; pid="$(cat "$pidfile")"
        kill -TERM "$pid"
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            echo "$name ($pid) did not stop within 30 s; killing it" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pidfile"
}

# The ACCEPT rule for the engine's own pool, in FORWARD: -C checks it, -I inserts it first, -D deletes it.
forward_rule() {
    local action="$1"; shift
    iptables -w "$action" FORWARD "$@" -s "$pool" -d "$pool" -m comment --comment "$rule_comment" -j ACCEPT
}

allow_forwarding() {
    command -v iptables >/dev/null 2>&1 || return 0
    forward_rule -C 2>/dev/null || forward_rule -I 1
}

remove_forwarding() {
    command -v iptables >/dev/null 2>&1 || return 0
    while forward_rule -C 2>/dev/null; do forward_rule -D; done
}

start() {
    allow_forwarding
    if answers; then
        echo "export DOCKER_HOST=unix://$dir/docker.sock"
        return 0
    fi

    if ! ip link show "$bridge" >/dev/null 2>&1; then
        ip link add name "$bridge" type bridge
        ip addr add "$subnet_prefix.200.1/24" dev "$bridge"
    fi
    ip link set "$bridge" up

    # A config of its own: the machine's /etc/containerd/config.toml would share paths with any other containerd.
    cat > "$dir/containerd.toml" <<TOML
version = 2
root = "$dir/containerd"
state = "$dir/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$dir/containerd/opt"
TOML
    containerd --config "$dir/containerd.toml" >"$dir/containerd.log" 2>&1 &
    echo $! > "$dir/containerd.pid"
    for _ in $(seq 1 100); do [ -S "$dir/containerd.sock" ] && break; sleep 0.1; done

    dockerd \
        --host "unix://$dir/docker.sock" \
        --containerd "$dir/containerd.sock" \
        --data-root "$dir/docker" \
        --exec-root "$dir/exec" \
        --pidfile "$dir/dockerd.pid" \
        --bridge "$bridge" \
        --default-address-pool "base=$subnet_prefix.0.0/17,size=24" \
        --iptables=false --ip-masq=false \
        >"$dir/dockerd.log" 2>&1 &
    for _ in $(seq 1 300); do answers && break; sleep 0.1; done
    if ! answers; then
        echo "The Docker engine in $dir did not answer within 30 s; its log:" >&2
        tail -n 30 "$dir/dockerd.log" >&2
        stop
        return 1
    fi

    echo "export DOCKER_HOST=unix://$dir/docker.sock"
}

stop() {
    stop_pid "$dir/dockerd.pid" dockerd
    stop_pid "$dir/containerd.pid" containerd
    if ip link show "$bridge" >/dev/null 2>&1; then
        ip link delete "$bridge"
    fi
    remove_forwarding
}

case "$command" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
