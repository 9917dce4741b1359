using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// Running replicas that do not stream from the primary, pointed at it. A promotion repoints only the replicas that run:
/// one stopped meanwhile starts again on its old primary_conninfo and would never stream by itself. A replica gets
/// <see cref="Grace"/> to stream first, as one that has just started needs; one that still does not stream once pointed
/// at the primary (a former primary on a diverged timeline, which needs Rejoin) is pointed again only after <see cref="Pause"/>.
/// </summary>
internal sealed class StrayReplicas
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(30);

    private readonly Dictionary<PostgresNode, DateTime> notStreamingSince = [];
    private readonly Dictionary<PostgresNode, DateTime> pointedAt = [];

    /// <summary>Points at <paramref name="primary"/> every replica in <paramref name="observations"/> (what every running node said this tick) that has not streamed from it for <see cref="Grace"/>.</summary>
    public async Task RepointAsync(
        ReplicaSetContext context, PostgresNode primary, IReadOnlyDictionary<PostgresNode, NodeObservation> observations, CancellationToken cancellationToken)
    {
        if (observations.GetValueOrDefault(primary) is not { AcceptsWrites: true } primaryObservation)
        {
            return;
        }

        var following = primaryObservation.Standbys.Select(standby => standby.Name).ToHashSet(StringComparer.Ordinal);
        var now = DateTime.UtcNow;
        foreach (var node in context.ReplicaSet.Nodes)
        {
            if (node == primary || observations.GetValueOrDefault(node)?.Role != NodeObservation.Replica || following.Contains(node.Name))
            {
                notStreamingSince.Remove(node);
                continue;
            }

            var since = notStreamingSince.TryAdd(node, now) ? now : notStreamingSince[node];
            if (now - since < Grace || (pointedAt.TryGetValue(node, out var pointed) && now - pointed < Pause))
            {
                continue;
            }

            pointedAt[node] = now;
            context.Log.LogWarning("{Node} runs as a replica but has not streamed from the primary for {Seconds:F0} s: pointing it at {Primary}",
                node.Name, (now - since).TotalSeconds, primary.Name);
            try
            {
                await SupervisorFailover.FollowAsync(node, primary, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                context.Log.LogWarning(exception, "Pointing {Node} at {Primary} failed", node.Name, primary.Name);
            }
        }
    }
}
