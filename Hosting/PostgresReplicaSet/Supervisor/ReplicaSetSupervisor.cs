using Microsoft.Extensions.Logging;
using Npgsql;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The dev graph's HA manager: when the current primary has been unreachable for <c>Postgres:FailoverAfter</c>,
/// it promotes the replica that has received the most WAL. In production this is Patroni's or CloudNativePG's job.
/// <see cref="ReplicaSetWatcher"/> tells it, every tick, whether the primary accepts writes; and, while the set has no
/// primary at all, what every node says of itself, so that it can elect one.
/// </summary>
internal sealed class ReplicaSetSupervisor(
    ResourceNotificationService notifications,
    ResourceLoggerService resourceLoggers,
    ReplicaSetFailover failover)
{
    // Since when the set's primary (null: the set has none) has been unreachable; a new primary starts its own clock.
    private readonly Dictionary<PostgresReplicaSetResource, (PostgresNode? Primary, DateTime Since)> unreachableSince = [];

    public async Task SuperviseAsync(PostgresReplicaSetResource replicaSet, PostgresNode primary, bool primaryAcceptsWrites, CancellationToken cancellationToken)
    {
        if (primaryAcceptsWrites)
        {
            unreachableSince.Remove(replicaSet);
            return;
        }

        if (LostFor(replicaSet, primary) is not { } lost)
        {
            return;
        }

        var candidate = await MostAdvancedReplicaAsync(replicaSet, primary, cancellationToken);
        if (candidate is null)
        {
            resourceLoggers.GetLogger(replicaSet).LogError("{Primary} has been unreachable for {Seconds:F1} s, and no replica can be promoted", primary.Name, lost.TotalSeconds);
            unreachableSince[replicaSet] = (primary, DateTime.UtcNow); // Say it again after another FailoverAfter, not every tick.
            return;
        }

        var (node, received) = candidate.Value;
        await ReplaceAsync(replicaSet, primary, node,
            $"{primary.Name} has been unreachable for {lost.TotalSeconds:F1} s; {node.Name} has received WAL up to {received}", cancellationToken);
    }

    /// <summary>
    /// A set whose nodes all run as replicas (an AppHost that stopped between fencing a primary and promoting another)
    /// gets one promoted: the replica on the newest timeline with the most WAL, once every node has answered for
    /// <c>Postgres:FailoverAfter</c>. A node that does not answer may hold the newest data, so nothing is elected without it.
    /// </summary>
    public async Task ElectAsync(
        PostgresReplicaSetResource replicaSet, IReadOnlyDictionary<PostgresNode, NodeObservation> observations, CancellationToken cancellationToken)
    {
        var replicas = observations.Where(observation => observation.Value.Role == NodeObservation.Replica).ToList();
        if (replicas.Count < replicaSet.Nodes.Count)
        {
            unreachableSince.Remove(replicaSet);
            return;
        }

        if (LostFor(replicaSet, null) is null)
        {
            return;
        }

        var (node, observation) = replicas
            .OrderByDescending(replica => replica.Value.Timeline ?? 0)
            .ThenByDescending(replica => replica.Value.Received ?? default)
            .First();
        await ReplaceAsync(replicaSet, null, node,
            $"every node runs as a replica; {node.Name} is the furthest, at {observation.Received} on timeline {observation.Timeline}", cancellationToken);
    }

    private async Task ReplaceAsync(PostgresReplicaSetResource replicaSet, PostgresNode? replaced, PostgresNode candidate, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await failover.ReplaceAsync(replicaSet, replaced, candidate, reason, cancellationToken);
            unreachableSince.Remove(replicaSet);
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            resourceLoggers.GetLogger(replicaSet).LogError(exception, "Promoting {Candidate} failed ({Reason}); retrying", candidate.Name, reason);
        }
    }

    /// <summary>How long the set has been without a reachable primary, once that is <c>FailoverAfter</c> or more; else null.</summary>
    private TimeSpan? LostFor(PostgresReplicaSetResource replicaSet, PostgresNode? primary)
    {
        var now = DateTime.UtcNow;
        var lost = now - SinceFor(replicaSet, primary, now);
        return lost >= replicaSet.Options.FailoverAfter ? lost : null;
    }

    private DateTime SinceFor(PostgresReplicaSetResource replicaSet, PostgresNode? primary, DateTime now)
    {
        if (unreachableSince.TryGetValue(replicaSet, out var unreachable) && unreachable.Primary == primary)
        {
            return unreachable.Since;
        }

        unreachableSince[replicaSet] = (primary, now);
        return now;
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
