namespace Replication.Testing;

/// <summary>
/// What each node of the replica set looked like when a wait for a primary ran out: its resource state, what its HA
/// manager last reported (the dashboard properties: role, Patroni's state, sync state, primary, timeline, lag) and its
/// last log lines. Under Patroni those lines say why no replica took the leader lock ("not healthy enough for leader
/// race", "My wal position exceeds maximum replication lag", …), which the timeout alone does not.
/// </summary>
public static class NodeStatusReport
{
    private const int LinesPerNode = 12;

    private static readonly string[] Shown =
    [
        ReplicaSetProperties.Role, ReplicaSetProperties.PatroniState, ReplicaSetProperties.SyncState, ReplicaSetProperties.Primary,
        ReplicaSetProperties.Timeline, ReplicaSetProperties.LagBytes,
    ];

    public static string Describe(Graph graph)
    {
        var report = new System.Text.StringBuilder("Nodes:");
        foreach (var node in graph.Database.Nodes)
        {
            var state = graph.App.SnapshotOf(node.Name);
            var properties = Shown.Select(name => $"{name}={state.PropertyValue(name) ?? "-"}");
            report.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n- {node.Name}: {state?.State?.Text ?? "unknown"}; {string.Join(", ", properties)}");
            foreach (var line in graph.RecentLogs(node.Name).TakeLast(LinesPerNode))
            {
                report.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n    | {line}");
            }
        }

        return report.ToString();
    }

    /// <summary>
    /// Runs <paramref name="move"/>; when it times out or a wait in it ends unmet (<see cref="InvalidOperationException"/>),
    /// throws again with the nodes' report appended.
    /// </summary>
    public static async Task OnFailureAsync(Graph graph, Func<Task> move)
    {
        ArgumentNullException.ThrowIfNull(move);
        try
        {
            await move();
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\n{Describe(graph)}", timeout);
        }
        catch (InvalidOperationException unmet)
        {
            throw new InvalidOperationException($"{unmet.Message}\n{Describe(graph)}", unmet);
        }
    }

    /// <summary>Runs <paramref name="wait"/>; when it times out, throws again with the nodes' report appended.</summary>
    public static async Task<T> OnTimeoutAsync<T>(Graph graph, Func<Task<T>> wait)
    {
        try
        {
            return await wait();
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}\n{Describe(graph)}", timeout);
        }
    }
}
