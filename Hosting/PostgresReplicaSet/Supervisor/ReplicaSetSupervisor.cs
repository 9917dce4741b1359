using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The dev graph's HA manager: when the current primary has been unreachable for <c>Postgres:FailoverAfter</c>,
/// it promotes the replica that has received the most WAL. In production this is Patroni's or CloudNativePG's job.
/// <see cref="ReplicaSetWatcher"/> tells it, every tick, whether the primary accepts writes.
/// </summary>
internal sealed class ReplicaSetSupervisor(
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLoggers,
    ReplicaSetFailover failover)
{
    private readonly Dictionary<PostgresReplicaSetResource, DateTime> unreachableSince = [];

    public async Task SuperviseAsync(PostgresReplicaSetResource replicaSet, PostgresNode primary, bool primaryAcceptsWrites, CancellationToken cancellationToken)
    {
        if (primaryAcceptsWrites)
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

        var (node, received) = candidate.Value;
        try
        {
            await failover.PromoteAsync(replicaSet, node,
                $"{primary.Name} has been unreachable for {(now - since).TotalSeconds:F1} s; {node.Name} has received WAL up to {received}",
                cancellationToken);
            unreachableSince.Remove(replicaSet);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            log.LogError(exception, "Automatic failover to {Candidate} failed; retrying", node.Name);
        }
    }

    private async Task<(PostgresNode Node, NpgsqlTypes.NpgsqlLogSequenceNumber Received)?> MostAdvancedReplicaAsync(
        PostgresReplicaSetResource replicaSet, PostgresNode primary, CancellationToken cancellationToken)
    {
        (PostgresNode Node, NpgsqlTypes.NpgsqlLogSequenceNumber Received)? best = null;
        foreach (var node in replicaSet.Nodes.Where(node => node != primary && notifications.IsRunning(node.Resource)))
        {
            // An unreachable replica, or one that has received nothing, is not a candidate.
            if ((await NodeObservation.OfAsync(node, cancellationToken)).Received is { } received
                && (best is null || received > best.Value.Received))
            {
                best = (node, received);
            }
        }

        return best;
    }
}
