using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Replication.UsersApi;

/// <summary>
/// Creates the schema idempotently before the service takes traffic. An advisory lock serialises
/// the DDL, so primaryservice and backupservice can start at the same moment.
/// </summary>
internal sealed class SchemaMigration(UsersDatabase database, DatabaseRetries retries, ILogger<SchemaMigration> logger) : IHostedService
{
    private const long MigrationLockId = 0x5553_4552_53; // "USERS"

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS users (
            id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            name        text        NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
            email       text        NOT NULL CHECK (char_length(email) <= 320),
            created_at  timestamptz NOT NULL DEFAULT now()
        );
        CREATE UNIQUE INDEX IF NOT EXISTS users_email_key ON users (lower(email));
        CREATE TABLE IF NOT EXISTS idempotency_keys (
            key            text        PRIMARY KEY,
            request_hash   bytea       NOT NULL,
            response_body  text        NOT NULL
        );
        """;

    public Task StartAsync(CancellationToken cancellationToken) =>
        retries.Startup.ExecuteAsync(async token => await MigrateAsync(token), cancellationToken).AsTask();

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.Primary.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@id)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("id", MigrationLockId);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var schemaCommand = new NpgsqlCommand(Schema, connection, transaction))
        {
            await schemaCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        // Which server, beyond its address: a test run once saw a migration that no replica of the graph ever received.
        var node = await database.GetNodeNameAsync(connection, cancellationToken);
        await using var identity = new NpgsqlCommand(
            "SELECT (SELECT system_identifier FROM pg_control_system()), pg_current_wal_lsn()::text", connection);
        await using var reader = await identity.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        logger.LogInformation("Schema is up to date on {Host}:{Port} ({Node}, system {SystemIdentifier}, WAL at {Lsn})",
            connection.Host, connection.Port, node, reader.GetInt64(0), reader.GetString(1));
    }
}
