namespace Replication.Testing;

/// <summary>Brings a graph back to full strength after faults, so the next fault (or the next test) starts from it.</summary>
public static class GraphRepair
{
    private static readonly TimeSpan FollowGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Exactly one primary, every other node streaming from it (a node that does not follow by itself, e.g. a killed or
    /// fenced former primary, is brought back by the HA manager's own move), a synchronous standby where the set is
    /// synchronous, and then the app itself (<see cref="Graph.RestoreAppAsync"/>).
    /// </summary>
    public static async Task RestoreAsync(Graph graph, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var database = graph.Database;
        var haManager = new HaManager(graph.App);
        // A stopped node the HA manager can take back now is rejoined first. Under Patroni that is every stopped node (its
        // Rejoin starts it): in synchronous mode only the members the /sync key names may take the leader lock, and when
        // the primary died while it named no live standby, the dead former primary is the only one that can lead again.
        var rejoined = database.Nodes.Select(node => node.Name).Where(name => !database.IsNodeRunning(name) && haManager.CanRejoin(name)).ToList();
        foreach (var node in rejoined)
        {
            log?.Invoke($"repair: rejoining {node}, which is stopped");
            await haManager.ExecuteAsync(node, PostgresNodeCommands.Rejoin, cancellationToken);
        }

        string? primary = null;
        await NodeStatusReport.OnTimeoutAsync(graph, async () =>
        {
            await Poll.UntilOrThrowAsync(async token => (primary = await database.TryFindPrimaryAsync(token)) is not null,
                haManager.FailoverBound, TimeSpan.FromMilliseconds(100), "a primary", cancellationToken);
            return primary;
        });
        var others = database.Nodes.Select(node => node.Name).Where(name => name != primary).ToList();

        // A running replica that was frozen or repointed follows by itself within moments; only what does not, and what
        // is not running (killed, or stopped and fenced), is rejoined. A node rejoined above is left to finish: under
        // Patroni it may still be cloning itself, and a second move would start a second clone into the same data
        // directory (seen in CI: two pg_basebackups in one volume, neither finished).
        IReadOnlyList<string> streaming = [];
        await Poll.UntilAsync(async token => others.Where(database.IsNodeRunning).All((streaming = await database.StreamingStandbysAsync(primary!, token)).Contains),
            FollowGrace, TimeSpan.FromMilliseconds(200), cancellationToken);
        foreach (var node in others.Where(name => !streaming.Contains(name) && !rejoined.Contains(name)))
        {
            log?.Invoke($"repair: rejoining {node} to {primary}");
            await haManager.RejoinAsync(node, primary!, cancellationToken);
        }

        await database.WaitForStandbysAsync(primary!, others, haManager.FailoverBound, cancellationToken);
        await haManager.WaitForSynchronousStandbyAsync(cancellationToken);

        await graph.RestoreAppAsync(log, cancellationToken).ConfigureAwait(false);
    }
}
