namespace Replication.Testing;

/// <summary>Brings a graph back to full strength after faults, so the next fault (or the next test) starts from it.</summary>
public static class GraphRepair
{
    /// <summary>
    /// First a check, not a repair: a second writable node is a split brain, and it fails the run with the nodes' report
    /// instead of being rejoined away. (A former primary that was frozen may answer as one for moments after its thaw,
    /// until its HA manager demotes or fences it; only one that is still writable after the HA manager's failover bound
    /// counts.) Then exactly one primary, every other node streaming from it (a node that does not follow by itself, e.g. a killed or
    /// fenced former primary, is brought back by the HA manager's own move), a synchronous standby where the set is
    /// synchronous, and then the app itself (<see cref="Graph.RestoreAppAsync"/>).
    /// </summary>
    public static async Task RestoreAsync(Graph graph, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        var database = graph.Database;
        var haManager = new HaManager(graph.App);
        await AssertNoSplitBrainAsync(graph, haManager, cancellationToken).ConfigureAwait(false);

        // A stopped node the HA manager can take back now is rejoined first. Under Patroni that is every stopped node (its
        // Rejoin starts it): in synchronous mode only the members the /sync key names may take the leader lock, and when
        // the primary died while it named no live standby, the dead former primary is the only one that can lead again.
        var rejoined = database.Nodes.Select(node => node.Name).Where(name => !database.IsNodeRunning(name) && haManager.CanRejoin(name)).ToList();
        foreach (var node in rejoined)
        {
            log?.Invoke($"repair: rejoining {node}, which is not running ({graph.App.SnapshotOf(node)?.State?.Text ?? "no state"})");
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
        // A primary that did not answer the last time (a busy machine) says nothing about who follows it: then only what
        // is not running is rejoined, and the wait below tells whether the rest follows.
        (IReadOnlyList<string> Standbys, string? Error) answer = ([], null);
        await Poll.UntilAsync(async token => others.Where(database.IsNodeRunning).All((answer = await database.TryStreamingStandbysAsync(primary!, token)).Standbys.Contains),
            HaManager.FollowGrace, TimeSpan.FromMilliseconds(200), cancellationToken);
        var notFollowing = others.Where(name => !rejoined.Contains(name) && !answer.Standbys.Contains(name) && (answer.Error is null || !database.IsNodeRunning(name)));
        await NodeStatusReport.OnFailureAsync(graph, async () =>
        {
            foreach (var node in notFollowing)
            {
                log?.Invoke($"repair: rejoining {node} to {primary}");
                await haManager.RejoinAsync(node, primary!, grace: TimeSpan.Zero, cancellationToken);
            }

            await database.WaitForStandbysAsync(primary!, others, haManager.RejoinBound, cancellationToken);
        });
        await haManager.WaitForSynchronousStandbyAsync(primary!, cancellationToken);

        await graph.RestoreAppAsync(log, cancellationToken).ConfigureAwait(false);
    }

    private static async Task AssertNoSplitBrainAsync(Graph graph, HaManager haManager, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> writable = [];
        if (!await Poll.UntilAsync(async token => (writable = await graph.Database.WritableNodesAsync(token)).Count <= 1,
                haManager.FailoverBound, TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException(
                $"Split brain: {writable.Count} nodes accept writes ({string.Join(", ", writable)}) {haManager.FailoverBound.TotalSeconds:F0} s after the check began; not repaired.\n{NodeStatusReport.Describe(graph)}");
        }
    }
}
