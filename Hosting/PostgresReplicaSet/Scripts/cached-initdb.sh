#!/bin/sh
# initdb once per machine: the initial primary's data directory is a copy of a cluster initialised once per PostgreSQL
# build and initdb options, then given this run's superuser password (the cached cluster holds a throwaway one).
# A copy and one single-user run take a fraction of initdb's time, which runs the bootstrap backend several times and
# syncs every file.
#
# usage: cached-initdb.sh <bin directory> <cache directory> <data directory> <password file> <superuser> [initdb option...]
set -eu
bin=$1 cache=$2 data=$3 password_file=$4 superuser=$5
shift 5

random_word() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

if [ ! -f "$cache/PG_VERSION" ]; then
    staging="$cache.staging-$$"
    throwaway="$staging.password"
    rm -rf "$staging"
    (umask 077 && random_word > "$throwaway")
    "$bin/initdb" --pgdata "$staging" --username "$superuser" --pwfile "$throwaway" "$@"
    rm -f "$throwaway"
    # Published whole, by one rename; when another run published first, its copy is as good, and this one is dropped.
    mv -T "$staging" "$cache" 2>/dev/null || rm -rf "$staging"
    echo "Initialised the cached cluster $cache."
fi

cp -a "$cache" "$data"
# Dollar-quoted with a random tag, so that the password stands for itself whatever it holds; the statement is never
# logged, even on error.
tag="p$(random_word)"
{ printf 'ALTER ROLE "%s" PASSWORD $%s$' "$superuser" "$tag"; tr -d '\n' < "$password_file"; printf '$%s$\n' "$tag"; } |
    "$bin/postgres" --single -D "$data" -c log_min_error_statement=panic -c log_statement=none postgres > /dev/null
echo "Copied the cached cluster $cache to $data, with this run's superuser password."
