using Npgsql;

using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>Short-lived superuser connections from the AppHost to one node, for checks and commands.</summary>
internal static class PostgresConnections
{
    public static async Task<NpgsqlConnection> OpenAdminAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await node.AdminConnectionString.GetValueAsync(cancellationToken))
        {
            // Unpooled: a node that was killed must not hand back a dead pooled connection.
            Pooling = false,
            Timeout = 2,
            CommandTimeout = 5,
            ApplicationName = "apphost",
        };
        var connection = new NpgsqlConnection(connectionString.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public static async Task<T> QueryScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await QueryScalarAsync<T>(command, cancellationToken);
    }

    public static async Task<T> QueryScalarAsync<T>(NpgsqlCommand command, CancellationToken cancellationToken) =>
        (T)(await command.ExecuteScalarAsync(cancellationToken))!;
}
