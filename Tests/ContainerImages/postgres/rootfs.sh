#!/usr/bin/env bash
# The offline image's root file system: Debian's own PostgreSQL 15 and gosu, and Patroni with its etcd client and etcd (for the
# Patroni replica sets, whose nodes and etcd members run this same image), from the Debian mirror apt uses, written as
# a tar stream to stdout. The only step that needs the network. Run as root (debootstrap). Called by build.sh, which
# keys its cache on this file's content: change what it installs here, and the next build makes a new root file system.
set -euo pipefail

suite=bookworm
packages=postgresql-15,gosu,ca-certificates,patroni,python3-etcd,etcd-server,etcd-client
mirror="${REPLICATION_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >&2

# Debian's package creates and configures a "main" cluster on install; the image's entrypoint makes its own in PGDATA.
rm -rf "$root"/var/lib/postgresql/15/main "$root"/etc/postgresql/15/main

# No JIT (the official image has it): LLVM is a third of the size, and these small dev and test servers never use it.
# Without llvmjit.so the server turns JIT off by itself (pg_jit_available() is false).
chroot "$root" dpkg --purge --force-depends libllvm14 libz3-4 >&2
rm -rf "$root"/usr/lib/postgresql/15/lib/llvmjit* "$root"/usr/lib/postgresql/15/lib/bitcode

rm -rf "$root"/var/cache/apt/* "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*

tar --numeric-owner -C "$root" -c .
