using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Creates the roles, the slots and the databases on the initial primary once it accepts connections. Idempotent.
/// Passwords travel as parameters into <c>format('%L')</c>, never spliced into SQL text; identifiers are quoted by
/// Npgsql.
/// </summary>
internal static class ReplicaSetBootstrapper
{
    private static readonly NpgsqlCommandBuilder Sql = new();

    public static async Task BootstrapAsync(PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        await using var connection = await PostgresConnections.OpenAdminAsync(replicaSet.InitialPrimary, cancellationToken);

        await EnsureRoleAsync(connection, PostgresReplicaSetResource.ReplicationUserName, "LOGIN REPLICATION",
            await replicaSet.ReplicationPassword.GetValueAsync(cancellationToken), cancellationToken);
        await EnsureRoleAsync(connection, PostgresReplicaSetResource.ApplicationUserName,
            ApplicationRole.Attributes,
            await replicaSet.ApplicationPassword.GetValueAsync(cancellationToken), cancellationToken);

        await LimitApplicationSessionsAsync(connection, cancellationToken);
        // Before any base backup starts: a slot that pg_basebackup creates itself reserves WAL only after its backup
        // began, and a concurrent backup's checkpoint can recycle the segment in between.
        await ReplicationSlots.EnsureAsync(connection, replicaSet.Nodes.Where(node => node != replicaSet.InitialPrimary), cancellationToken);

        foreach (var database in replicaSet.Databases)
        {
            await EnsureDatabaseAsync(connection, database.DatabaseName, cancellationToken);
        }
    }

    private static async Task EnsureRoleAsync(
        NpgsqlConnection connection, string role, string attributes, string? password, CancellationToken cancellationToken)
    {
        // A DO block takes no parameters: the name and the password reach it as session settings, and the server
        // quotes them itself (format's %I and %L). The attributes are this class's own constants.
        await using var command = new NpgsqlCommand(
            $"""
            SELECT set_config('replication.role_name', @role, false), set_config('replication.role_password', @password, false);
            DO $$
            BEGIN
                IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = current_setting('replication.role_name')) THEN
                    EXECUTE format('CREATE ROLE %I', current_setting('replication.role_name'));
                END IF;
                EXECUTE format('ALTER ROLE %I WITH {attributes} PASSWORD %L',
                               current_setting('replication.role_name'), current_setting('replication.role_password'));
            END
            $$;
            SELECT set_config('replication.role_password', '', false);
            """, connection);
        command.Parameters.AddWithValue("role", role);
        command.Parameters.AddWithValue("password", password ?? throw new InvalidOperationException($"No password for role {role}."));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task LimitApplicationSessionsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var role = Sql.QuoteIdentifier(PostgresReplicaSetResource.ApplicationUserName);
        await using var command = new NpgsqlCommand(
            string.Join("; ", ApplicationRole.SessionSettings.Select(setting => $"ALTER ROLE {role} SET {setting.Name} = '{setting.Value}'")),
            connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task EnsureDatabaseAsync(NpgsqlConnection connection, string database, CancellationToken cancellationToken)
    {
        var quotedDatabase = Sql.QuoteIdentifier(database);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = @name", connection);
        exists.Parameters.AddWithValue("name", database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is null)
        {
            // CREATE DATABASE takes no parameters and cannot run in a DO block.
            await using var create = new NpgsqlCommand(
                $"CREATE DATABASE {quotedDatabase} OWNER {Sql.QuoteIdentifier(PostgresReplicaSetResource.ApplicationUserName)}", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var revoke = new NpgsqlCommand($"REVOKE ALL ON DATABASE {quotedDatabase} FROM PUBLIC", connection);
        await revoke.ExecuteNonQueryAsync(cancellationToken);
    }
}
