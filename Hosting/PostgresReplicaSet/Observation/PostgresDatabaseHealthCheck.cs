using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>A database is healthy when the application role can open a read-write session on it.</summary>
internal sealed class PostgresDatabaseHealthCheck(PostgresReplicaSetDatabaseResource database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(await database.ConnectionStringExpression.GetValueAsync(cancellationToken))
            {
                Pooling = false,
                Timeout = 2,
            };
            // Npgsql accepts a target session only over several hosts; a set without replicas has one, the primary.
            if (connectionString.Host?.Contains(',', StringComparison.Ordinal) == true)
            {
                connectionString.TargetSessionAttributes = "read-write";
            }

            await using var connection = new NpgsqlConnection(connectionString.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            return HealthCheckResult.Healthy($"Writable on {connection.Host}:{connection.Port}.");
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"No writable node: {exception.Message}", exception);
        }
    }
}
