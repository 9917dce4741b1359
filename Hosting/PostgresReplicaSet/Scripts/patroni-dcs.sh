# Sourced by patroni-node.sh and etcd-member.sh: which etcd API Patroni must use, decided where it runs (the machine,
# or the image), so that the AppHost and a deployed manifest decide alike.
#
# etcd3 from Patroni 3.0.3 on; the v2 API before it. Patroni 3.0.2 (Debian 12) regrants its lease after a pause longer
# than the ttl and then writes the leader key unconditionally: a primary frozen past the ttl took the lock back from the
# replica promoted meanwhile, which was rewound, and hundreds of writes it had acknowledged (synchronously) were lost.
# Its v2 client updates the key with compare-and-swap and lost none. Fixed in 3.0.3 (commit d98d6d0b).
patroni_needs_etcd_v2() {
    version=$(patroni --version 2>/dev/null || true)
    version=${version##* }
    [ -n "$version" ] && [ "$(printf '%s\n%s\n' "$version" 3.0.3 | sort -V | head -n 1)" != 3.0.3 ]
}
