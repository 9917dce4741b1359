using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace Replication.Hosting.PostgresReplicaSet;

/// <summary>
/// One set of dashboard properties whatever the HA manager: each node's role (as the node itself reports it), WAL
/// position, timeline, lag and sync state, and the primary; the manager's own extras beside them. The role shows at a
/// glance too: in each node's icon, and in the set's state, which sums the set up ("Primary pg 1 with 2 of 2 replicas streaming").
/// The set's HA manager calls it once a second.
/// </summary>
internal static class ReplicaSetDashboard
{
    public const string Stopped = "stopped";

    /// <param name="context">The set.</param>
    /// <param name="primary">The primary as the HA manager knows it; null when there is none.</param>
    /// <param name="observations">What each running node said of itself.</param>
    /// <param name="extras">Properties of the HA manager's own, per node (e.g. Patroni's member state).</param>
    public static async Task PublishAsync(
        ReplicaSetContext context, PostgresNode? primary, IReadOnlyDictionary<PostgresNode, NodeObservation> observations,
        IReadOnlyDictionary<PostgresNode, IReadOnlyList<(string Name, object? Value)>>? extras = null)
    {
        var replicaSet = context.ReplicaSet;
        var standbys = (primary is not null ? observations.GetValueOrDefault(primary) : null)?.Standbys ?? [];
        foreach (var node in replicaSet.Nodes)
        {
            var observation = observations.GetValueOrDefault(node);
            var role = observation?.Role ?? Stopped;
            var standby = standbys.FirstOrDefault(candidate => candidate.Name == node.Name);
            await context.Notifications.PublishUpdateAsync(node.Resource, snapshot =>
            {
                var properties = snapshot.Properties
                    .WithProperty(ReplicaSetProperties.Role, role)
                    .WithProperty(ReplicaSetProperties.Primary, primary?.Name)
                    .WithProperty(ReplicaSetProperties.Lsn, observation?.Lsn)
                    .WithProperty(ReplicaSetProperties.Timeline, observation?.Timeline)
                    .WithProperty(ReplicaSetProperties.LagBytes, standby?.LagBytes)
                    .WithProperty(ReplicaSetProperties.LagSeconds, standby?.LagSeconds)
                    .WithProperty(ReplicaSetProperties.SyncState, standby?.SyncState);
                foreach (var (name, value) in extras?.GetValueOrDefault(node) ?? [])
                {
                    properties = properties.WithProperty(name, value);
                }

                return snapshot with { Properties = properties, IconName = IconOf(role, node == primary) };
            }).ConfigureAwait(false);
        }

        if (replicaSet.IsOpen)
        {
            var summary = Summary(replicaSet, primary, standbys);
            await context.Notifications.PublishUpdateAsync(replicaSet, snapshot => snapshot with
            {
                State = summary,
                Properties = snapshot.Properties.WithProperty(ReplicaSetProperties.Primary, primary?.Name),
            }).ConfigureAwait(false);
        }
    }

    /// <summary>The set's state: its primary and how many replicas stream from it, green when all do.</summary>
    private static ResourceStateSnapshot Summary(PostgresReplicaSetResource replicaSet, PostgresNode? primary, IReadOnlyList<StandbyObservation> standbys)
    {
        if (primary is null)
        {
            return new ResourceStateSnapshot("No primary", KnownResourceStateStyles.Error);
        }

        var replicas = replicaSet.Nodes.Count - 1;
        var streaming = standbys.Count(standby => standby.State == "streaming");
        var synchronous = standbys.Count(standby => standby.State == "streaming" && standby.SyncState is "sync" or "quorum");
        // Words and numbers only: the dashboard humanizes state text, which drops punctuation ("pg-1" shows as "pg 1").
        var text = string.Create(CultureInfo.InvariantCulture, $"Primary {primary.Name.Replace('-', ' ')}") +
                   (replicas == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" with {streaming} of {replicas} replicas streaming")) +
                   (replicas > 0 && replicaSet.Settings.Durability == PostgresDurability.Sync ? string.Create(CultureInfo.InvariantCulture, $" and {synchronous} synchronous") : "");
        var whole = streaming == replicas && (replicaSet.Settings.Durability == PostgresDurability.Async || replicas == 0 || synchronous > 0);
        return new ResourceStateSnapshot(text, whole ? KnownResourceStateStyles.Success : KnownResourceStateStyles.Warn);
    }

    private static string IconOf(string role, bool isPrimary) => role switch
    {
        NodeObservation.Primary when isPrimary => "Star",
        NodeObservation.Primary => "Warning", // A second writable node: a split brain the HA manager has not fenced yet.
        NodeObservation.Replica => "Database",
        _ => "DatabaseWarning",
    };
}
