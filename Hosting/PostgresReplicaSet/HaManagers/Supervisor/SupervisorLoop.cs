using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// The supervisor's automatic failover for one set: when the current primary has been unreachable for
/// <c>FailoverAfter</c>, it promotes the replica that has received the most WAL; while the set has no primary at all,
/// it elects one. In production this is Patroni's job. The set's watch tells it, every tick, whether the primary
/// accepts writes, and what every node says of itself.
/// </summary>
internal sealed class SupervisorLoop(SupervisorFailover failover, TimeSpan failoverAfter)
{
    // Since when the primary (null: the set has none) has been unreachable; a new primary starts its own clock.
    private (PostgresNode? Primary, DateTime Since)? unreachableSince;

    public async Task SuperviseAsync(ReplicaSetContext context, PostgresNode primary, bool primaryAcceptsWrites, CancellationToken cancellationToken)
    {
        if (primaryAcceptsWrites)
        {
            unreachableSince = null;
            return;
        }

        if (LostFor(primary) is not { } lost)
        {
            return;
        }

        var candidate = await MostAdvancedReplicaAsync(context, primary, cancellationToken).ConfigureAwait(false);
        if (candidate is null)
        {
            context.Log.LogError("{Primary} has been unreachable for {Seconds:F1} s, and no replica can be promoted", primary.Name, lost.TotalSeconds);
            unreachableSince = (primary, DateTime.UtcNow); // Say it again after another FailoverAfter, not every tick.
            return;
        }

        var (node, received) = candidate.Value;
        await ReplaceAsync(context, primary, node,
            $"{primary.Name} has been unreachable for {lost.TotalSeconds:F1} s; {node.Name} has received WAL up to {received}",
            token => FurthestReplicaAsync(context, primary, token), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A set whose nodes all run as replicas (an AppHost that stopped between fencing a primary and promoting another)
    /// gets one promoted: the replica on the newest timeline with the most WAL, once every node has answered for
    /// <c>FailoverAfter</c>. A node that does not answer may hold the newest data, so nothing is elected without it.
    /// </summary>
    public async Task ElectAsync(ReplicaSetContext context, IReadOnlyDictionary<PostgresNode, NodeObservation> observations, CancellationToken cancellationToken)
    {
        var replicas = observations.Where(observation => observation.Value.Role == NodeObservation.Replica).ToList();
        if (replicas.Count < context.ReplicaSet.Nodes.Count)
        {
            unreachableSince = null;
            return;
        }

        if (LostFor(null) is null)
        {
            return;
        }

        var (node, observation) = replicas
            .OrderByDescending(replica => replica.Value.Timeline ?? 0)
            .ThenByDescending(replica => replica.Value.Received ?? default)
            .First();
        await ReplaceAsync(context, null, node,
            $"every node runs as a replica; {node.Name} is the furthest, at {observation.Received} on timeline {observation.Timeline}",
            chooseAfterFence: null, cancellationToken).ConfigureAwait(false);
    }

    private async Task ReplaceAsync(
        ReplicaSetContext context, PostgresNode? replaced, PostgresNode candidate, string reason,
        Func<CancellationToken, Task<PostgresNode?>>? chooseAfterFence, CancellationToken cancellationToken)
    {
        try
        {
            await failover.ReplaceAsync(context, replaced, candidate, reason, chooseAfterFence, cancellationToken).ConfigureAwait(false);
            unreachableSince = null;
        }
        catch (Exception exception) when (exception is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            context.Log.LogError(exception, "Promoting {Candidate} failed ({Reason}); retrying", candidate.Name, reason);
        }
    }

    /// <summary>How long the set has been without a reachable primary, once that is <c>FailoverAfter</c> or more; else null.</summary>
    private TimeSpan? LostFor(PostgresNode? primary)
    {
        var now = DateTime.UtcNow;
        if (unreachableSince is not { } unreachable || unreachable.Primary != primary)
        {
            unreachableSince = unreachable = (primary, now);
        }

        var lost = now - unreachable.Since;
        return lost >= failoverAfter ? lost : null;
    }

    /// <summary><see cref="MostAdvancedReplicaAsync"/>'s node alone: whom to promote once the primary is fenced.</summary>
    public static async Task<PostgresNode?> FurthestReplicaAsync(ReplicaSetContext context, PostgresNode primary, CancellationToken cancellationToken) =>
        (await MostAdvancedReplicaAsync(context, primary, cancellationToken).ConfigureAwait(false))?.Node;

    /// <summary>The replica that has received the most WAL (or one already promoted on the newest timeline); null if none answers.</summary>
    public static async Task<(PostgresNode Node, NpgsqlLogSequenceNumber Received)?> MostAdvancedReplicaAsync(
        ReplicaSetContext context, PostgresNode primary, CancellationToken cancellationToken)
    {
        var observations = await context.ObserveAsync(context.ReplicaSet.Nodes.Where(node => node != primary), cancellationToken).ConfigureAwait(false);
        // A node already out of recovery on the newest timeline was promoted by an attempt whose answer was lost (a
        // timeout): it is the one to finish promoting. Another would make two primaries. (A writable node on an older
        // timeline is a former primary, never a candidate.)
        var newestTimeline = observations.Select(observation => observation.Value.Timeline ?? 0).DefaultIfEmpty().Max();
        if (observations.FirstOrDefault(observation => observation.Value.AcceptsWrites && observation.Value.Timeline == newestTimeline)
            is { Key: { } promoted, Value.Lsn: { } lsn })
        {
            return (promoted, NpgsqlLogSequenceNumber.Parse(lsn));
        }

        // An unreachable replica, or one that has received nothing, is not a candidate.
        return observations
            .Where(observation => observation.Value.Received is not null)
            .Select(observation => ((PostgresNode Node, NpgsqlLogSequenceNumber Received)?)(observation.Key, observation.Value.Received!.Value))
            .OrderByDescending(candidate => candidate!.Value.Received)
            .FirstOrDefault();
    }
}
