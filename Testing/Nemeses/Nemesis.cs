namespace Replication.Testing;

/// <summary>
/// A fault, as Jepsen's nemeses are: started, held while the workload runs, then stopped. A nemesis only injects and
/// undoes its own fault; <see cref="GraphRepair"/> brings the whole graph back to full strength afterwards. Compose
/// nemeses into a <see cref="NemesisSchedule"/>, or run several at once with <see cref="Together"/>.
/// </summary>
public abstract class Nemesis
{
    /// <summary>What the fault is, for the schedule and the history.</summary>
    public abstract string Name { get; }

    /// <summary>Injects the fault; returns once it has taken effect.</summary>
    public abstract Task StartAsync(NemesisContext context, CancellationToken cancellationToken);

    /// <summary>Ends the fault (thaws, restarts, or waits for the HA manager to replace what was killed).</summary>
    public abstract Task StopAsync(NemesisContext context, CancellationToken cancellationToken);

    /// <summary>Several faults at once: started in order, and stopped in the same order.</summary>
    public static Nemesis Together(params Nemesis[] nemeses) => new CompositeNemesis(nemeses, TimeSpan.Zero);

    /// <summary>
    /// Several faults, each started <paramref name="stagger"/> after the one before (e.g. every standby frozen, and the
    /// primary killed a few seconds later, while writes are stuck), and stopped in the same order.
    /// </summary>
    public static Nemesis Staggered(TimeSpan stagger, params Nemesis[] nemeses) => new CompositeNemesis(nemeses, stagger);

    public override string ToString() => Name;

    private sealed class CompositeNemesis(IReadOnlyList<Nemesis> parts, TimeSpan stagger) : Nemesis
    {
        public override string Name => string.Join(stagger > TimeSpan.Zero ? $", {stagger.TotalSeconds:0.#} s later " : " + ", parts.Select(part => part.Name));

        public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
        {
            for (var index = 0; index < parts.Count; index++)
            {
                if (index > 0 && stagger > TimeSpan.Zero)
                {
                    await Task.Delay(stagger, cancellationToken);
                }

                await parts[index].StartAsync(context, cancellationToken);
            }
        }

        public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
        {
            foreach (var part in parts)
            {
                await part.StopAsync(context, cancellationToken);
            }
        }
    }
}

/// <summary>What a nemesis works on: the graph, and the history its events are logged in.</summary>
public sealed class NemesisContext(Graph graph, OperationHistory history, Action<string>? output = null)
{
    private readonly List<FrozenNode> frozen = [];
    private readonly List<NetworkPartition> partitions = [];
    private readonly List<SlowLink> slowLinks = [];

    public Graph Graph { get; } = graph;

    /// <summary>Crashes and freezes of whole nodes.</summary>
    public NodeFaults NodeFaults { get; } = new(graph.App);

    /// <summary>The HA manager's moves and bounds (how long a promotion may take).</summary>
    public HaManager HaManager { get; } = new(graph.App);

    public OperationHistory History { get; } = history;

    /// <summary>Logs an event in the history (between the operations) and in the test output.</summary>
    public void Log(string message)
    {
        History.Nemesis(message);
        output?.Invoke($"{History.Elapsed.TotalSeconds,7:F1} s  {message}");
    }

    /// <summary>Freezes a node, and remembers it, so <see cref="ThawAllAsync"/> resumes it even when a scenario fails midway.</summary>
    public async Task<FrozenNode> FreezeAsync(string nodeName, CancellationToken cancellationToken)
    {
        var node = await NodeFaults.FreezeAsync(nodeName, cancellationToken);
        lock (frozen)
        {
            frozen.Add(node);
        }

        return node;
    }

    /// <summary>
    /// Cuts the network between two sides (<see cref="NetworkPartition"/>), and remembers it, so <see cref="ThawAllAsync"/>
    /// heals it even when a scenario fails midway.
    /// </summary>
    public async Task<NetworkPartition> PartitionAsync(IReadOnlyCollection<string> side, IReadOnlyCollection<string> otherSide, CancellationToken cancellationToken)
    {
        var partition = await NetworkPartition.CutAsync(Graph.App, side, otherSide, cancellationToken);
        lock (partitions)
        {
            partitions.Add(partition);
        }

        return partition;
    }

    /// <summary>
    /// Slows what <paramref name="from"/> sends to <paramref name="to"/> (<see cref="SlowLink"/>), and remembers it, so
    /// <see cref="ThawAllAsync"/> restores it even when a scenario fails midway.
    /// </summary>
    public async Task<SlowLink> SlowLinkAsync(string from, IReadOnlyCollection<string> to, int kilobitsPerSecond, CancellationToken cancellationToken)
    {
        var link = await SlowLink.ThrottleAsync(Graph.App, from, to, kilobitsPerSecond, cancellationToken);
        lock (slowLinks)
        {
            slowLinks.Add(link);
        }

        return link;
    }

    /// <summary>Thaws every node frozen through this context that is still frozen, and heals every partition and slow link it made.</summary>
    public async Task ThawAllAsync()
    {
        foreach (var node in TakeAll(frozen))
        {
            await node.ThawAsync();
        }

        foreach (var partition in TakeAll(partitions))
        {
            await partition.HealAsync();
        }

        foreach (var link in TakeAll(slowLinks))
        {
            await link.HealAsync();
        }
    }

    private static T[] TakeAll<T>(List<T> remembered)
    {
        lock (remembered)
        {
            T[] taken = [.. remembered];
            remembered.Clear();
            return taken;
        }
    }
}
