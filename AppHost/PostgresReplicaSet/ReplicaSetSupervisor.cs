using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The dev graph's HA manager: when the current primary has been unreachable for <c>Postgres:FailoverAfter</c>,
/// it promotes the replica that has received the most WAL. In production this is Patroni's or CloudNativePG's job.
/// </summary>
internal sealed class ReplicaSetSupervisor(
    DistributedApplicationModel model,
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLoggers,
    ReplicaSetFailover failover) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromMilliseconds(250);
    private readonly Dictionary<PostgresReplicaSetResource, DateTime> unreachableSince = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            foreach (var replicaSet in model.Resources.OfType<PostgresReplicaSetResource>())
            {
                if (replicaSet.Options.FailoverAfter > TimeSpan.Zero && notifications.IsRunning(replicaSet))
                {
                    await SuperviseAsync(replicaSet, stoppingToken);
                }
            }
        }
    }

    private async Task SuperviseAsync(PostgresReplicaSetResource replicaSet, CancellationToken cancellationToken)
    {
        var primary = replicaSet.CurrentPrimary;
        if (await AcceptsWritesAsync(primary, cancellationToken))
        {
            unreachableSince.Remove(replicaSet);
            return;
        }

        var now = DateTime.UtcNow;
        var since = unreachableSince.TryGetValue(replicaSet, out var first) ? first : unreachableSince[replicaSet] = now;
        if (now - since < replicaSet.Options.FailoverAfter)
        {
            return;
        }

        var log = resourceLoggers.GetLogger(replicaSet);
        var candidate = await MostAdvancedReplicaAsync(replicaSet, primary, cancellationToken);
        if (candidate is null)
        {
            log.LogError("{Primary} has been unreachable for {Seconds:F1} s, and no replica can be promoted", primary.Name, (now - since).TotalSeconds);
            unreachableSince[replicaSet] = now; // Say it again after another FailoverAfter, not every tick.
            return;
        }

        try
        {
            await failover.PromoteAsync(replicaSet, candidate.Value.Node,
                $"{primary.Name} has been unreachable for {(now - since).TotalSeconds:F1} s; {candidate.Value.Node.Name} has received WAL up to {candidate.Value.Lsn}",
                cancellationToken);
            unreachableSince.Remove(replicaSet);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            log.LogError(exception, "Automatic failover to {Candidate} failed; retrying", candidate.Value.Node.Name);
        }
    }

    private static async Task<bool> AcceptsWritesAsync(PostgresNode node, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await PostgresConnections.OpenAdminAsync(node, cancellationToken);
            return !await PostgresConnections.QueryScalarAsync<bool>(connection, "SELECT pg_is_in_recovery()", cancellationToken);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    private async Task<(PostgresNode Node, NpgsqlTypes.NpgsqlLogSequenceNumber Lsn)?> MostAdvancedReplicaAsync(
        PostgresReplicaSetResource replicaSet, PostgresNode primary, CancellationToken cancellationToken)
    {
        (PostgresNode Node, NpgsqlTypes.NpgsqlLogSequenceNumber Lsn)? best = null;
        foreach (var node in replicaSet.Nodes.Where(node => node != primary && notifications.IsRunning(node.Resource)))
        {
            try
            {
                await using var connection = await PostgresConnections.OpenAdminAsync(node, cancellationToken);
                await using var command = new NpgsqlCommand(
                    "SELECT pg_is_in_recovery(), greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())", connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                if (reader.GetBoolean(0) && !reader.IsDBNull(1))
                {
                    var lsn = reader.GetFieldValue<NpgsqlTypes.NpgsqlLogSequenceNumber>(1);
                    if (best is null || lsn > best.Value.Lsn)
                    {
                        best = (node, lsn);
                    }
                }
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                // An unreachable replica is not a candidate.
            }
        }

        return best;
    }

}
