using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Publishes each node's role, WAL position, lag and sync state as dashboard properties, once a second.
/// The role is what the node says of itself, so the dashboard follows failovers.
/// </summary>
internal sealed class ReplicaSetMonitor(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ILogger<ReplicaSetMonitor> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var replicaSet in model.Resources.OfType<PostgresReplicaSetResource>())
            {
                await PublishAsync(replicaSet, stoppingToken);
            }
        }
    }

    private async Task PublishAsync(PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        var observations = new Dictionary<PostgresNode, NodeObservation>();
        foreach (var node in replicaSet.Nodes)
        {
            if (notifications.IsRunning(node.Resource))
            {
                observations[node] = await ObserveAsync(node, cancellationToken);
            }
        }

        var standbys = observations.Values.FirstOrDefault(observation => observation.Role == "primary")?.Standbys ?? [];
        foreach (var (node, observation) in observations)
        {
            var standby = standbys.FirstOrDefault(s => s.Name == node.Name);
            await notifications.PublishUpdateAsync(node.Resource, snapshot => snapshot with
            {
                Properties = snapshot.Properties
                    .With(ReplicaSetProperties.Role, observation.Role)
                    .With(ReplicaSetProperties.Lsn, observation.Lsn)
                    .With(ReplicaSetProperties.LagBytes, standby?.LagBytes)
                    .With(ReplicaSetProperties.LagSeconds, standby?.LagSeconds)
                    .With(ReplicaSetProperties.SyncState, standby?.SyncState),
            });
        }
    }

    private async Task<NodeObservation> ObserveAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await PostgresConnections.OpenAdminAsync(node, cancellationToken);
            var inRecovery = await PostgresConnections.QueryScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()", cancellationToken);
            if (inRecovery)
            {
                var replayed = await PostgresConnections.QueryScalarAsync<object>(
                    connection, "SELECT pg_last_wal_replay_lsn()::text", cancellationToken);
                return new NodeObservation("replica", replayed as string, []);
            }

            var current = await PostgresConnections.QueryScalarAsync<string>(connection, "SELECT pg_current_wal_lsn()::text", cancellationToken);
            return new NodeObservation("primary", current, await ReadStandbysAsync(connection, cancellationToken));
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            logger.LogDebug("Could not observe {Node}: {Message}", node.Name, exception.Message);
            return new NodeObservation("unreachable", null, []);
        }
    }

    private static async Task<List<StandbyObservation>> ReadStandbysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT application_name,
                   pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint,
                   extract(epoch FROM coalesce(replay_lag, interval '0'))::float8,
                   sync_state
            FROM pg_stat_replication
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var standbys = new List<StandbyObservation>();
        while (await reader.ReadAsync(cancellationToken))
        {
            standbys.Add(new StandbyObservation(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetInt64(1),
                reader.IsDBNull(2) ? null : Math.Round(reader.GetDouble(2), 3),
                reader.GetString(3)));
        }

        return standbys;
    }

    private sealed record NodeObservation(string Role, string? Lsn, IReadOnlyList<StandbyObservation> Standbys);

    private sealed record StandbyObservation(string Name, long? LagBytes, double? LagSeconds, string SyncState);
}

internal static class ResourcePropertyExtensions
{
    /// <summary>
    /// Sets or replaces one property; a null value removes it. The property is highlighted: the dashboard hides
    /// properties it does not know unless they are.
    /// </summary>
    public static ImmutableArray<ResourcePropertySnapshot> With(this ImmutableArray<ResourcePropertySnapshot> properties, string name, object? value)
    {
        var without = properties.RemoveAll(property => property.Name == name);
        return value is null ? without : without.Add(new ResourcePropertySnapshot(name, value) { IsHighlighted = true });
    }
}
