#!/usr/bin/env bash
# Runs one graph test as an ordinary user, from a copy of the repository in that user's home (mode 750, as current
# Ubuntu makes homes), with that user's own NuGet and dotnet caches and build output. The suite itself runs as root,
# which hides what only an ordinary user meets: PostgreSQL running as the AppHost's own user, temp directories shared
# with root's runs, no access to root's files. Run as root; the TRX file is copied to the directory given.
set -euo pipefail
cd "$(dirname "$0")/.."

user=replication-ci
results="$1"
filter="FullyQualifiedName~Replication.Tests.Foundation.GraphStartupTests"

id -u "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
home="$(getent passwd "$user" | cut -d: -f6)"
chmod 750 "$home"

# The tracked files as they are now (a clone by the user would refuse a repository owned by root).
clone="$home/replication"
rm -rf "$clone" "$home/results"
install -d -o "$user" -g "$user" "$clone"
git ls-files -z | tar --null -T - -c | runuser -u "$user" -- tar -x -C "$clone"

# NuGet's cache is per user. Seeding it from root's (the suite above has just restored everything) saves a download
# of about 2 GB; without one, the restore fetches the packages, as for any new user.
if [ ! -d "$home/.nuget/packages" ] && [ -d "$HOME/.nuget/packages" ]; then
  echo "Seeding $user's NuGet cache from $HOME/.nuget/packages..."
  install -d -o "$user" -g "$user" "$home/.nuget"
  cp -r "$HOME/.nuget/packages" "$home/.nuget/packages"
  chown -R "$user:" "$home/.nuget"
fi

# Resource logs (REPLICATION_RESOURCE_LOG_DIR, set by .ci/run with CI_RESULTS_DIR) go to a directory of the user's own,
# and are copied beside root's afterwards: the user cannot write in root's.
logs="${REPLICATION_RESOURCE_LOG_DIR:-}"
user_logs=""
[ -z "$logs" ] || user_logs="$home/results/resource-logs"

echo "Running $filter as $user from $clone..."
status=0
runuser -u "$user" -- env HOME="$home" REPLICATION_RESOURCE_LOG_DIR="$user_logs" bash -c 'cd "$1" && dotnet test Tests/Replication.Tests.csproj --filter "$2" --logger "trx;LogFileName=unprivileged.trx" --results-directory "$3"' \
  _ "$clone" "$filter" "$home/results" || status=$?

mkdir -p "$results"
find "$home/results" -name '*.trx' -exec cp {} "$results/" \; 2>/dev/null || true
if [ -n "$logs" ] && [ -d "$user_logs" ]; then mkdir -p "$logs/unprivileged" && cp -r "$user_logs/." "$logs/unprivileged/"; fi
exit "$status"
