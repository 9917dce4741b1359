using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;

using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// A node is healthy when it accepts connections. A node in recovery (a replica) must also be
/// streaming from a primary; a replica that lost its primary is Unhealthy, with the reason.
/// </summary>
internal sealed class PostgresNodeHealthCheck(PostgresNode node) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await using var connection = await PostgresConnections.OpenAdminAsync(node, cancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT pg_is_in_recovery(), (SELECT status FROM pg_stat_wal_receiver)", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var inRecovery = reader.GetBoolean(0);
            var receiverStatus = reader.IsDBNull(1) ? null : reader.GetString(1);

            if (!inRecovery)
            {
                return HealthCheckResult.Healthy("Primary: accepting connections.");
            }

            return receiverStatus == "streaming"
                ? HealthCheckResult.Healthy("Replica: streaming.")
                : HealthCheckResult.Unhealthy($"Replica is not streaming (WAL receiver: {receiverStatus ?? "not running"}).");
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy($"Not accepting connections: {exception.Message}", exception);
        }
    }
}
