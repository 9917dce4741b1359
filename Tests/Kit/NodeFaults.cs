namespace Replication.Tests.Kit;

/// <summary>
/// Faults that hit a PostgreSQL node as a machine would be hit, whatever HA manager runs it: the processes come from
/// <see cref="PostgresNodeProcesses"/>, so under Patroni they include the postmaster Patroni started detached.
/// </summary>
public sealed class NodeFaults(DistributedApplication app)
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    private PostgresNode Node(string name) =>
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<PostgresReplicaSetResource>().Single()
            .Nodes.Single(node => node.Name == name);

    /// <summary>SIGKILLs the node's postmaster alone, as a crash of the server would; its HA manager lives on.</summary>
    public async Task KillPostmasterAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var pid = PostgresNodeProcesses.PostmasterOf(Node(nodeName), app.Services)
                  ?? throw new InvalidOperationException($"{nodeName} has no running postmaster.");
        Signals.Send(pid, Signal.Kill);
        await WaitUntilGoneAsync([pid], cancellationToken);
    }

    /// <summary>
    /// SIGKILLs every process of the node at once (its HA manager and its server), as a crash of its machine would:
    /// each root is stopped first, so none can react while the others die.
    /// </summary>
    public async Task KillNodeAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var roots = PostgresNodeProcesses.RootsOf(Node(nodeName), app.Services);
        var all = Freeze(roots);
        foreach (var pid in all.AsEnumerable().Reverse())
        {
            Send(pid, Signal.Kill);
        }

        await WaitUntilGoneAsync(all, cancellationToken);
    }

    /// <summary>
    /// Freezes every process of the node (SIGSTOP), as a paused machine, for <paramref name="duration"/>, then resumes
    /// them. Returns once they are stopped; the returned task completes when they run again.
    /// </summary>
    public Task<Task> FreezeNodeAsync(string nodeName, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var frozen = Freeze(PostgresNodeProcesses.RootsOf(Node(nodeName), app.Services));
        return Task.FromResult(ThawAfterAsync(frozen, duration));
    }

    /// <summary>SIGKILLs one etcd member of a Patroni replica set; returns its resource's name.</summary>
    public async Task<string> KillEtcdMemberAsync(int index, CancellationToken cancellationToken = default)
    {
        var name = $"{Node("pg-0").Parent.Name}-etcd-{index}";
        await new Faults(app).KillAsync(name, cancellationToken);
        return name;
    }

    /// <summary>Stops the roots (so none forks or notices), then everything below them; returns all, in that order.</summary>
    private static List<int> Freeze(IReadOnlyList<int> roots)
    {
        var stopped = new List<int>();
        foreach (var root in roots)
        {
            Send(root, Signal.Stop);
            stopped.Add(root);
        }

        foreach (var pid in roots.SelectMany(ProcessTree.Descendants).Distinct())
        {
            Send(pid, Signal.Stop);
            stopped.Add(pid);
        }

        return stopped;
    }

    private static async Task ThawAfterAsync(IReadOnlyList<int> frozen, TimeSpan duration)
    {
        await Task.Delay(duration);
        foreach (var pid in frozen.Reverse())
        {
            Send(pid, Signal.Continue);
        }
    }

    private static Task WaitUntilGoneAsync(IReadOnlyList<int> pids, CancellationToken cancellationToken) =>
        Poll.UntilOrThrowAsync(_ => Task.FromResult(!pids.Any(ProcessTree.IsAlive)), EffectTimeout, TimeSpan.FromMilliseconds(20),
            $"processes {string.Join(", ", pids)} to exit", cancellationToken);

    /// <summary>Signals a process that may have exited meanwhile (e.g. a backend whose client went away).</summary>
    private static void Send(int pid, Signal signal)
    {
        try
        {
            if (ProcessTree.IsAlive(pid))
            {
                Signals.Send(pid, signal);
            }
        }
        catch (InvalidOperationException) when (!ProcessTree.IsAlive(pid))
        {
            // It exited between the check and the signal.
        }
    }
}
