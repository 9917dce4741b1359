-- The replica set's roles, replication slots and databases, created once on the initial primary, by psql:
-- by the image's entrypoint in the container runtime (this is an init file), by the pg-0-bootstrap helper in the
-- process runtime. Idempotent. Environment: REPLICATION_USER, REPLICATION_PASSWORD, APP_USER, APP_PASSWORD, and
-- DATABASES and REPLICA_SLOTS, each a space-separated list (empty when there are none).
\set ON_ERROR_STOP on
\getenv replication_user REPLICATION_USER
\getenv replication_password REPLICATION_PASSWORD
\getenv app_user APP_USER
\getenv app_password APP_PASSWORD
\getenv databases DATABASES
\getenv replica_slots REPLICA_SLOTS
\if :{?databases} \else \set databases '' \endif
\if :{?replica_slots} \else \set replica_slots '' \endif

-- psql quotes the passwords (:'name'); neither these statements (the nodes log DDL) nor one that fails is logged, so
-- they never reach the server log.
SET log_statement = none;
SET log_min_error_statement = panic;
-- With Sync the node already names its standbys, and none exists yet: these commits are durable locally only.
SET synchronous_commit = local;

SELECT format('CREATE ROLE %I', :'replication_user')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'replication_user') \gexec
ALTER ROLE :"replication_user" WITH LOGIN REPLICATION PASSWORD :'replication_password';

SELECT format('CREATE ROLE %I', :'app_user')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
ALTER ROLE :"app_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';

-- A service process that froze mid-transaction (SIGSTOP, a long GC pause, a dead VM) would otherwise hold its row
-- locks for ever, and a retry of the same write on the other service would wait behind them: end such a transaction
-- after a second of silence, and bound every statement.
ALTER ROLE :"app_user" SET idle_in_transaction_session_timeout = '1s';
ALTER ROLE :"app_user" SET statement_timeout = '5s';
-- A read with a consistency token asks a standby which timeline it receives (pg_stat_wal_receiver.received_tli), which
-- only roles with pg_read_all_stats may see: positions on different timelines do not compare.
GRANT pg_read_all_stats TO :"app_user";

-- One physical slot per replica, reserving WAL from now on. Created before any base backup starts: a slot that
-- pg_basebackup creates itself reserves WAL only after its backup began, and a concurrent backup's checkpoint can
-- recycle the segment in between.
SELECT pg_create_physical_replication_slot(slot, true)
FROM unnest(string_to_array(:'replica_slots', ' ')) AS slot
WHERE slot <> '' AND NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = slot);

SELECT format('CREATE DATABASE %I OWNER %I', name, :'app_user')
FROM unnest(string_to_array(:'databases', ' ')) AS name
WHERE name <> '' AND NOT EXISTS (SELECT FROM pg_database WHERE datname = name) \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', name)
FROM unnest(string_to_array(:'databases', ' ')) AS name
WHERE name <> '' \gexec
