#!/usr/bin/env bash
# The offline image's entrypoint, written from the official postgres image's documented behaviour:
#   - `docker-entrypoint.sh postgres …` (or only server options, `-c name=value …`) runs the server; anything else runs as given;
#   - started as root, it makes PGDATA the postgres user's, then runs as that user (gosu);
#   - on an empty PGDATA it initialises a cluster: POSTGRES_USER (default postgres) with POSTGRES_PASSWORD,
#     POSTGRES_INITDB_ARGS and POSTGRES_INITDB_WALDIR for initdb, "host all all all POSTGRES_HOST_AUTH_METHOD" in pg_hba,
#     POSTGRES_DB (default POSTGRES_USER) created, then /docker-entrypoint-initdb.d/*.sh (run if executable, sourced
#     otherwise), *.sql and *.sql.gz/.xz/.zst run against a server that listens on its socket only;
#   - each of POSTGRES_PASSWORD, POSTGRES_USER, POSTGRES_DB and POSTGRES_INITDB_ARGS may come from a file (…_FILE).
set -Eeo pipefail

# VAR_FILE=path sets VAR from the file's content.
file_env() {
    local variable="$1" file_variable="${1}_FILE"
    if [ -n "${!variable:-}" ] && [ -n "${!file_variable:-}" ]; then
        echo >&2 "error: both $variable and $file_variable are set"
        exit 1
    fi
    if [ -n "${!file_variable:-}" ]; then
        export "$variable"="$(< "${!file_variable}")"
        unset "$file_variable"
    fi
}

wants_help() {
    local argument
    for argument; do
        case "$argument" in -'?'|--help|--describe-config|-V|--version) return 0 ;; esac
    done
    return 1
}

# As psql on the init server: the superuser, over the socket, with no prompt and no .psqlrc.
init_psql() {
    psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

initialise() {
    for variable in POSTGRES_PASSWORD POSTGRES_USER POSTGRES_DB POSTGRES_INITDB_ARGS; do file_env "$variable"; done
    export POSTGRES_USER="${POSTGRES_USER:-postgres}"
    export POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
        echo >&2 "error: the database is uninitialised and POSTGRES_PASSWORD is not set."
        echo >&2 "       Set it (or POSTGRES_PASSWORD_FILE), or POSTGRES_HOST_AUTH_METHOD=trust to allow every connection without one."
        exit 1
    fi

    local waldir=()
    if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then waldir=(--waldir "$POSTGRES_INITDB_WALDIR"); fi
    # POSTGRES_INITDB_ARGS is split into words, as the official image does; --pwfile refuses an empty file, hence "\n".
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") "${waldir[@]}" $POSTGRES_INITDB_ARGS

    # Remote connections: the server's own password_encryption (scram-sha-256 unless the options say otherwise).
    local method="${POSTGRES_HOST_AUTH_METHOD:-$(postgres -C password_encryption "$@")}"
    printf '\nhost all all all %s\n' "$method" >> "$PGDATA/pg_hba.conf"

    # The init server: the given options, reachable only through its socket.
    export PGPASSWORD="${PGPASSWORD:-${POSTGRES_PASSWORD:-}}"
    pg_ctl -D "$PGDATA" -w start -o "$(printf '%q ' "$@" -c listen_addresses= -p "${PGPORT:-5432}")"

    if [ "$POSTGRES_DB" != postgres ]; then
        init_psql --dbname postgres --set db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
    fi

    local file
    for file in /docker-entrypoint-initdb.d/*; do
        case "$file" in
            *.sh) echo "running $file"; if [ -x "$file" ]; then "$file"; else . "$file"; fi ;;
            *.sql) echo "running $file"; init_psql --dbname "$POSTGRES_DB" -f "$file" ;;
            *.sql.gz) echo "running $file"; gunzip -c "$file" | init_psql --dbname "$POSTGRES_DB" ;;
            *.sql.xz) echo "running $file"; xzcat "$file" | init_psql --dbname "$POSTGRES_DB" ;;
            *.sql.zst) echo "running $file"; zstd -dc "$file" | init_psql --dbname "$POSTGRES_DB" ;;
            *) if [ -e "$file" ]; then echo "ignoring $file"; fi ;;
        esac
    done

    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo "PostgreSQL init process complete; ready for start up."
}

if [ "${1:0:1}" = - ]; then
    set -- postgres "$@"
fi

if [ "$1" = postgres ] && ! wants_help "$@"; then
    if [ "$(id -u)" = 0 ]; then
        mkdir -p "$PGDATA"
        find "$PGDATA" \! -user postgres -exec chown postgres:postgres '{}' +
        chmod 700 "$PGDATA"
        exec gosu postgres "${BASH_SOURCE[0]}" "$@"
    fi

    if [ -s "$PGDATA/PG_VERSION" ]; then
        echo "PostgreSQL database directory appears to contain a database; skipping initialisation"
    else
        initialise "${@:2}"
    fi
fi

exec "$@"
