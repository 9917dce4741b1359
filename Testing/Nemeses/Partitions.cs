namespace Replication.Testing;

/// <summary>
/// A partition nemesis: members of the graph cut from each other by the network (<see cref="NetworkPartition"/>), while
/// clients still reach every one; stopped by healing the cut. Needs a graph on containers, and root.
/// </summary>
public abstract class Partition : Nemesis
{
    private NetworkPartition? partition;

    /// <summary>When the cut took effect, on the history's clock.</summary>
    public TimeSpan? CutAt { get; private set; }

    /// <summary>The two sides to cut apart, as the graph stands when the nemesis starts.</summary>
    protected abstract Task<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)> SidesAsync(NemesisContext context, CancellationToken cancellationToken);

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (side, otherSide) = await SidesAsync(context, cancellationToken);
        if (side.Count == 0 || otherSide.Count == 0)
        {
            throw new InvalidOperationException($"{Name}: one side is empty ([{string.Join(", ", side)}] and [{string.Join(", ", otherSide)}]).");
        }

        partition = await context.PartitionAsync(side, otherSide, cancellationToken);
        CutAt = context.History.Elapsed;
        context.Log(partition.Description);
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (partition is null)
        {
            return;
        }

        await partition.HealAsync();
        context.Log($"healed: {partition.Description}");
        partition = null;
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

    protected override async Task<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)> SidesAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Primary = await context.Graph.Database.FindPrimaryAsync(cancellationToken);
        return ([Primary], OtherSide(context, Primary));
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

    protected override Task<(IReadOnlyList<string> Side, IReadOnlyList<string> OtherSide)> SidesAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        var members = Members(context).ToArray();
        new Random(seed).Shuffle(members);
        var half = members.Length / 2;
        return Task.FromResult<(IReadOnlyList<string>, IReadOnlyList<string>)>(([.. members[..half].Order()], [.. members[half..].Order()]));
    }
}
