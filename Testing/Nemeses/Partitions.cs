namespace Replication.Testing;

/// <summary>
/// A partition nemesis: members of the graph cut from each other by the network (<see cref="NetworkPartition"/>), while
/// clients still reach every one; stopped by healing every cut. Needs a graph on containers, and root.
/// </summary>
public abstract class Partition : Nemesis
{
    private readonly List<NetworkPartition> cuts = [];

    /// <summary>When the cuts took effect, on the history's clock.</summary>
    public TimeSpan? CutAt { get; private set; }

    /// <summary>
    /// The cuts to make, as the graph stands when the nemesis starts: each cuts every member of one side from every member
    /// of the other. Two halves are one cut; a ring is several.
    /// </summary>
    protected abstract Task<IReadOnlyList<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)>> CutsAsync(NemesisContext context, CancellationToken cancellationToken);

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var planned = await CutsAsync(context, cancellationToken);
        if (planned.Count == 0 || planned.Any(cut => cut.Side.Count == 0 || cut.OtherSide.Count == 0))
        {
            throw new InvalidOperationException($"{Name}: nothing to cut ({string.Join("; ", planned.Select(cut => $"[{string.Join(", ", cut.Side)}] from [{string.Join(", ", cut.OtherSide)}]"))}).");
        }

        // All at once: each cut waits out a connect timeout to prove itself.
        var making = planned.Select(cut => context.PartitionAsync(cut.Side, cut.OtherSide, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(making);
        }
        catch
        {
            cuts.AddRange(making.Where(cut => cut.IsCompletedSuccessfully).Select(cut => cut.Result));
            await HealAsync();
            throw;
        }

        cuts.AddRange(making.Select(cut => cut.Result));

        CutAt = context.History.Elapsed;
        context.Log(Described());
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (cuts.Count == 0)
        {
            return;
        }

        var healed = Described();
        await HealAsync();
        context.Log($"healed: {healed}");
    }

    private string Described() => string.Join("; ", cuts.Select(cut => cut.Description));

    private async Task HealAsync()
    {
        foreach (var cut in cuts)
        {
            await cut.HealAsync();
        }

        cuts.Clear();
    }

    /// <summary>Every running node and every consensus member (Patroni's etcd), by resource name.</summary>
    protected static IReadOnlyList<string> Members(NemesisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var database = context.Graph.Database;
        return [.. database.Nodes.Select(node => node.Name).Where(database.IsNodeRunning), .. database.ReplicaSet.ConsensusMembers.Select(member => member.Name)];
    }
}

/// <summary>The current primary on one side of the cut, the members <see cref="OtherSide"/> names on the other.</summary>
public abstract class PartitionPrimary : Partition
{
    /// <summary>The node that was primary when the cut was made.</summary>
    public string? Primary { get; private set; }

    /// <summary>The members the primary is cut from.</summary>
    protected abstract IReadOnlyList<string> OtherSide(NemesisContext context, string primary);

    protected override async Task<IReadOnlyList<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)>> CutsAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Primary = await context.Graph.Database.FindPrimaryAsync(cancellationToken);
        return [([Primary], OtherSide(context, Primary))];
    }
}

/// <summary>The primary cut from every running standby: no WAL reaches them, and the primary still takes writes from clients.</summary>
public sealed class PartitionPrimaryFromStandbys : PartitionPrimary
{
    public override string Name => "cut the primary from every standby";

    protected override IReadOnlyList<string> OtherSide(NemesisContext context, string primary) =>
        [.. context.Graph.Database.Nodes.Select(node => node.Name).Where(name => name != primary && context.Graph.Database.IsNodeRunning(name))];
}

/// <summary>
/// The primary cut from its HA manager's consensus (Patroni's etcd members), and from nothing else: it can no longer
/// hold its leader lock, while clients and standbys still reach it.
/// </summary>
public sealed class PartitionPrimaryFromConsensus : PartitionPrimary
{
    public override string Name => "cut the primary from the consensus";

    protected override IReadOnlyList<string> OtherSide(NemesisContext context, string primary) =>
        [.. context.Graph.Database.ReplicaSet.ConsensusMembers.Select(member => member.Name)];
}

/// <summary>
/// Jepsen's random halves: every running node and consensus member, shuffled by <paramref name="seed"/>, split in two
/// halves cut from each other. Which half keeps a majority of etcd, the primary or a synchronous standby depends on the
/// draw; whatever it is, no acknowledged write may be lost and only one node may take writes.
/// </summary>
public sealed class PartitionRandomHalves(int seed) : Partition
{
    public override string Name => $"cut the members into two random halves (seed {seed})";

    protected override Task<IReadOnlyList<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)>> CutsAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        var members = Members(context).ToArray();
        new Random(seed).Shuffle(members);
        var half = members.Length / 2;
        return Task.FromResult<IReadOnlyList<(IReadOnlyList<string>, IReadOnlyList<string>)>>([([.. members[..half].Order()], [.. members[half..].Order()])]);
    }
}

/// <summary>
/// Jepsen's majorities ring: every running node and consensus member, shuffled by <paramref name="seed"/> into a ring,
/// each one reaching only the members nearest it on either side, enough to make a majority with itself. Every member
/// sees a majority, and no two see the same one: each node's view of etcd and of its peers differs from every other's.
/// </summary>
public sealed class PartitionMajoritiesRing(int seed) : Partition
{
    public override string Name => $"cut the members into a majorities ring (seed {seed})";

    protected override Task<IReadOnlyList<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)>> CutsAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        var ring = Members(context).ToArray();
        new Random(seed).Shuffle(ring);
        return Task.FromResult(Ring(ring));
    }

    /// <summary>
    /// The cuts of a ring: each member keeps the <c>reach</c> nearest on either side, enough that with itself they are a
    /// majority, and is cut from every member further away.
    /// </summary>
    private static IReadOnlyList<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)> Ring(string[] ring)
    {
        var majority = ring.Length / 2 + 1;
        var reach = majority / 2;
        int Distance(int one, int other) => Math.Min(other - one, ring.Length - (other - one));
        return [.. Enumerable.Range(0, ring.Length)
            .Select(one => (Side: (IReadOnlyList<string>)[ring[one]],
                OtherSide: (IReadOnlyList<string>)[.. Enumerable.Range(one + 1, ring.Length - one - 1).Where(other => Distance(one, other) > reach).Select(other => ring[other])]))
            .Where(cut => cut.OtherSide.Count > 0)];
    }
}
