#!/usr/bin/env bash
# Builds the offline PostgreSQL image where no registry is reachable, and prints its reference (the last line of stdout).
# Used by .ci/run and by the container tests; run it by hand to get the image for `--Postgres:Image=…`.
#
# Cached by content: the tag is a hash of this folder's files, so a second run finds the image and returns at once.
#   1. the base, from rootfs.sh (debootstrap; the only step that needs the Debian mirror, and root), also kept as a tar
#      in REPLICATION_IMAGE_CACHE (default ~/.cache/replication), so a fresh engine imports it in seconds;
#   2. the image, from the Dockerfile on that base, offline.
# The engine is the one Aspire uses: ASPIRE_CONTAINER_RUNTIME (docker by default), and DOCKER_HOST if set.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
runtime="${ASPIRE_CONTAINER_RUNTIME:-${DOTNET_ASPIRE_CONTAINER_RUNTIME:-docker}}"
cache="${REPLICATION_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/replication}"

hash_of() { cat "$@" | sha256sum | cut -c1-16; }

base_key="$(hash_of "$here/rootfs.sh")"
image_key="$(printf '%s' "$base_key" | cat - "$here/build.sh" "$here/Dockerfile" "$here/docker-entrypoint.sh" | sha256sum | cut -c1-16)"
base="replication/postgres-rootfs:$base_key"
image="replication/postgres:15-offline-$image_key"

exists() { "$runtime" image inspect "$1" >/dev/null 2>&1; }

if exists "$image"; then
    echo "$image"
    exit 0
fi

mkdir -p "$cache"
# One build at a time per cache (the tests and .ci/run may both ask).
exec 9>"$cache/postgres-image.lock"
flock 9
if exists "$image"; then
    echo "$image"
    exit 0
fi

if ! exists "$base"; then
    tarball="$cache/postgres-rootfs-$base_key.tar"
    if [ ! -s "$tarball" ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "Building the PostgreSQL image's root file system needs root (debootstrap); run $0 as root once." >&2
            exit 1
        fi
        echo "Building the root file system with debootstrap (a minute or two; needs the Debian mirror)..." >&2
        bash "$here/rootfs.sh" > "$tarball.partial"
        mv "$tarball.partial" "$tarball"
        # Older root file systems are of no use any more.
        find "$cache" -maxdepth 1 -name 'postgres-rootfs-*.tar' ! -name "$(basename "$tarball")" -delete
    fi
    echo "Importing $tarball as $base..." >&2
    "$runtime" import --message "rootfs.sh $base_key" - "$base" < "$tarball" >&2
fi

echo "Building $image..." >&2
DOCKER_BUILDKIT=0 "$runtime" build --quiet \
    --build-arg "BASE=$base" \
    --label "org.opencontainers.image.title=Replication offline PostgreSQL" \
    --label "replication.inputs=$image_key" \
    --tag "$image" "$here" >&2
echo "$image"
