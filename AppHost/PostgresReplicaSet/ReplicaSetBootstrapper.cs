using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Creates the roles and databases on the initial primary once it accepts connections. Idempotent.
/// Passwords travel as parameters into <c>format('%L')</c>, never spliced into SQL text.
/// </summary>
internal static class ReplicaSetBootstrapper
{
    public static async Task BootstrapAsync(PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnections.OpenAdminAsync(replicaSet.InitialPrimary, cancellationToken);

        await EnsureRoleAsync(connection, PostgresReplicaSetResource.ReplicationUserName, "LOGIN REPLICATION",
            await replicaSet.ReplicationPassword.GetValueAsync(cancellationToken), cancellationToken);
        await EnsureRoleAsync(connection, PostgresReplicaSetResource.ApplicationUserName,
            "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
            await replicaSet.ApplicationPassword.GetValueAsync(cancellationToken), cancellationToken);

        await LimitApplicationSessionsAsync(connection, cancellationToken);
        await CreateReplicationSlotsAsync(connection, replicaSet, cancellationToken);

        foreach (var database in replicaSet.Databases)
        {
            await EnsureDatabaseAsync(connection, database.DatabaseName, cancellationToken);
        }
    }

    private static async Task EnsureRoleAsync(
        NpgsqlConnection connection, string role, string attributes, string? password, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT set_config('replication.role_password', @password, false);
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN
                    CREATE ROLE "{role}";
                END IF;
                EXECUTE format('ALTER ROLE "{role}" WITH {attributes} PASSWORD %L',
                               current_setting('replication.role_password'));
            END
            $$;
            SELECT set_config('replication.role_password', '', false);
            """, connection);
        command.Parameters.AddWithValue("password", password ?? throw new InvalidOperationException($"No password for role {role}."));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A service process that froze mid-transaction (SIGSTOP, a long GC pause, a dead VM) would otherwise hold its row
    /// locks for ever, and a retry of the same write on the other service would wait behind them. Postgres ends
    /// such a transaction after a second of silence, and bounds every statement.
    /// </summary>
    private static async Task LimitApplicationSessionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        const string role = PostgresReplicaSetResource.ApplicationUserName;
        await using var command = new NpgsqlCommand(
            $"ALTER ROLE \"{role}\" SET idle_in_transaction_session_timeout = '1s'; ALTER ROLE \"{role}\" SET statement_timeout = '5s'",
            connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// One physical slot per replica, reserving WAL from now on. Creating them here, before any base backup starts,
    /// matters: a slot that pg_basebackup creates itself reserves WAL only after its backup began, and a concurrent
    /// backup's checkpoint can recycle the segment in between.
    /// </summary>
    private static async Task CreateReplicationSlotsAsync(NpgsqlConnection connection, PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        foreach (var replica in replicaSet.Nodes.Where(node => node != replicaSet.InitialPrimary))
        {
            await using var command = new NpgsqlCommand(
                "SELECT pg_create_physical_replication_slot(@slot, true) WHERE NOT EXISTS (SELECT FROM pg_replication_slots WHERE slot_name = @slot)",
                connection);
            command.Parameters.AddWithValue("slot", replica.SlotName);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    private static async Task EnsureDatabaseAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // CREATE DATABASE takes no parameters; the name is an identifier chosen in the AppHost, quoted here.
            await using var create = new NpgsqlCommand(
                $"CREATE DATABASE \"{database}\" OWNER \"{PostgresReplicaSetResource.ApplicationUserName}\"", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var revoke = new NpgsqlCommand($"REVOKE ALL ON DATABASE \"{database}\" FROM PUBLIC", connection);
        await revoke.ExecuteNonQueryAsync(cancellationToken);
    }
}
