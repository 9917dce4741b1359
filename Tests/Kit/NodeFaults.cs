using Npgsql;

namespace Replication.Tests.Kit;

/// <summary>
/// Faults that hit a PostgreSQL node as a machine would be hit, whatever HA manager runs it: the processes come from
/// <see cref="PostgresNodeProcesses"/>, so under Patroni they include the postmaster Patroni started detached.
/// </summary>
public sealed class NodeFaults(DistributedApplication app)
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    private readonly ReplicaSetProbe database = new(app);

    /// <summary>SIGKILLs the node's postmaster alone, as a crash of the server would; its HA manager lives on.</summary>
    public async Task KillPostmasterAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var pid = PostgresNodeProcesses.PostmasterOf(database.Node(nodeName), app.Services)
                  ?? throw new InvalidOperationException($"{nodeName} has no running postmaster.");
        Signals.Send(pid, Signal.Kill);
        await WaitUntilGoneAsync([pid], cancellationToken);
    }

    /// <summary>
    /// SIGKILLs every process of the node at once (its HA manager and its server), as a crash of its machine would:
    /// all are stopped first, so none can react (restart a child, reinitialise) while the others die.
    /// </summary>
    public async Task KillNodeAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var all = StopEverythingBelow(RootsOf(nodeName), []);
        foreach (var pid in all.AsEnumerable().Reverse())
        {
            FrozenNode.Send(pid, Signal.Kill);
        }

        await WaitUntilGoneAsync(all, cancellationToken);
    }

    /// <summary>
    /// Freezes the node (SIGSTOP), as a paused machine, until the returned <see cref="FrozenNode"/> is thawed: every
    /// process of the node, and first, when it is a standby, the walsender on the primary that streams to it (the
    /// current primary, found when <paramref name="primary"/> is not given), so no WAL reaches it while it is frozen.
    /// </summary>
    public async Task<FrozenNode> FreezeAsync(string nodeName, string? primary = null, CancellationToken cancellationToken = default)
    {
        primary ??= await database.TryFindPrimaryAsync(cancellationToken);
        var walsenders = primary is null || primary == nodeName ? [] : await WalsendersToAsync(primary, nodeName, cancellationToken);
        var roots = RootsOf(nodeName);
        foreach (var pid in walsenders)
        {
            FrozenNode.Send(pid, Signal.Stop);
        }

        var frozen = new FrozenNode(nodeName, [.. walsenders, .. StopEverythingBelow(roots, walsenders)]);

        // SIGSTOP is delivered asynchronously: a process running on another core shows 'R' for a moment after kill()
        // returned. Return once every process is stopped (or gone), so the caller's fault is in force.
        await Poll.UntilAsync(_ => Task.FromResult(frozen.Processes.All(pid => ProcessTree.StateOf(pid) is null or 'T' or 't' or 'Z' or 'X')),
            TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10), cancellationToken);
        return frozen;
    }

    /// <summary>
    /// Freezes the node (<see cref="FreezeAsync"/>) for <paramref name="duration"/>, then resumes it. Returns once it is
    /// stopped; the returned task completes when it runs again.
    /// </summary>
    public async Task<Task> FreezeNodeAsync(string nodeName, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var frozen = await FreezeAsync(nodeName, cancellationToken: cancellationToken);
        return ThawAfterAsync(frozen, duration);
    }

    /// <summary>SIGKILLs one etcd member of a Patroni replica set; returns its resource's name.</summary>
    public async Task<string> KillEtcdMemberAsync(int index, CancellationToken cancellationToken = default)
    {
        var name = $"{database.Node("pg-0").Parent.Name}-etcd-{index}";
        await new Faults(app).KillAsync(name, cancellationToken);
        return name;
    }

    /// <summary>
    /// SIGSTOPs each root, then everything below it, parents before children, and looks again until nothing new turns
    /// up: a child forked before its parent stopped is caught by the next look. Returns what it stopped, in order.
    /// </summary>
    private static List<int> StopEverythingBelow(IReadOnlyList<int> roots, IReadOnlyList<int> alreadyStopped)
    {
        var stopped = new List<int>();
        var seen = new HashSet<int>(alreadyStopped);
        bool foundMore;
        do
        {
            foundMore = false;
            foreach (var pid in roots.SelectMany(root => ProcessTree.Descendants(root).Prepend(root)))
            {
                if (seen.Add(pid))
                {
                    FrozenNode.Send(pid, Signal.Stop);
                    stopped.Add(pid);
                    foundMore = true;
                }
            }
        }
        while (foundMore);

        return stopped;
    }

    private static async Task ThawAfterAsync(FrozenNode frozen, TimeSpan duration)
    {
        await Task.Delay(duration);
        await frozen.ThawAsync();
    }

    private IReadOnlyList<int> RootsOf(string nodeName)
    {
        var node = database.Node(nodeName);
        if (node.Resource is ContainerResource)
        {
            throw new NotSupportedException(
                $"{nodeName} is a container: its processes are not this host's to signal. Crash it with its Kill postmaster command.");
        }

        return PostgresNodeProcesses.RootsOf(node, app.Services) is { Count: > 0 } roots
            ? roots
            : throw new InvalidOperationException($"No process of {nodeName} runs.");
    }

    private async Task<IReadOnlyList<int>> WalsendersToAsync(string primary, string standby, CancellationToken cancellationToken)
    {
        var primaryProcesses = RootsOf(primary).SelectMany(ProcessTree.Descendants).ToHashSet();
        await using var connection = await database.OpenAsync(primary, "postgres", cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_replication WHERE application_name = @standby", connection);
        command.Parameters.AddWithValue("standby", standby);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var walsenders = new List<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var pid = reader.GetInt32(0);
            // A walsender with another pid on the host (a container's) must not be looked for here: stopping whatever has
            // that pid on this host would be worse than failing.
            if (!primaryProcesses.Contains(pid))
            {
                throw new NotSupportedException($"The walsender {pid} streaming to {standby} is not a process of {primary} on this host.");
            }

            walsenders.Add(pid);
        }

        return walsenders;
    }

    private static Task WaitUntilGoneAsync(IReadOnlyList<int> pids, CancellationToken cancellationToken) =>
        Poll.UntilOrThrowAsync(_ => Task.FromResult(!pids.Any(ProcessTree.IsAlive)), EffectTimeout, TimeSpan.FromMilliseconds(20),
            $"processes {string.Join(", ", pids)} to exit", cancellationToken);
}
