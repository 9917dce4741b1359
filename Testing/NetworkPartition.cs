namespace Replication.Testing;

/// <summary>
/// A network partition between members of a graph that runs on containers (nodes, consensus members): <c>iptables</c>
/// rules that DROP every packet between the two sides, set inside each member's own network namespace (entered with
/// <c>nsenter</c>, as Jepsen's nemesis does on each machine), in both directions. Clients keep reaching every member:
/// they come through the engine's published ports, from addresses the rules do not name. <see cref="HealAsync"/>
/// removes every rule; a member whose container was killed meanwhile took its namespace, and its rules, with it.
/// </summary>
public sealed class NetworkPartition
{
    private readonly List<(ContainerNamespaces.Member Member, string[] Rule)> rules = [];

    private NetworkPartition(string description) => Description = description;

    /// <summary>Which sides were cut, with their addresses.</summary>
    public string Description { get; }

    /// <summary>
    /// Why partitions cannot be made here, or null when they can: they need Linux, root (or <c>sudo</c> without a
    /// password), <c>nsenter</c> and <c>iptables</c>, and members in containers.
    /// </summary>
    public static string? UnavailableBecause(DistributedApplication app, IEnumerable<string> members) =>
        ContainerNamespaces.UnavailableBecause(app, members, "A network partition", ["iptables", "bash", "timeout"], "util-linux iptables");

    /// <summary>
    /// Cuts every member of <paramref name="side"/> from every member of <paramref name="otherSide"/>, and proves it: a TCP
    /// connection from each member of <paramref name="side"/> to the other side's first member (at its first endpoint's
    /// port in the container) no longer goes through.
    /// </summary>
    /// <exception cref="InvalidOperationException">Partitions cannot be made here (<see cref="UnavailableBecause"/>), or the cut did not take.</exception>
    public static async Task<NetworkPartition> CutAsync(
        DistributedApplication app, IReadOnlyCollection<string> side, IReadOnlyCollection<string> otherSide, CancellationToken cancellationToken = default)
    {
        if (UnavailableBecause(app, [.. side, .. otherSide]) is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var probePort = ContainerNamespaces.ListeningPortOf(app, otherSide.First());
        var left = await Task.WhenAll(side.Select(name => ContainerNamespaces.MemberAsync(app, name, cancellationToken)));
        var right = await Task.WhenAll(otherSide.Select(name => ContainerNamespaces.MemberAsync(app, name, cancellationToken)));
        var partition = new NetworkPartition($"[{string.Join(", ", left.Select(m => m.ToString()))}] cut from [{string.Join(", ", right.Select(m => m.ToString()))}]");
        try
        {
            foreach (var (one, other) in left.SelectMany(one => right.Select(other => (one, other))).SelectMany(pair => new[] { pair, (pair.other, pair.one) }))
            {
                await partition.AddRuleAsync(one, ["INPUT", "-s", other.Address, "-j", "DROP"], cancellationToken);
                await partition.AddRuleAsync(one, ["OUTPUT", "-d", other.Address, "-j", "DROP"], cancellationToken);
            }

            // Each probe of a working cut waits out its connect timeout: all at once.
            var connects = await Task.WhenAll(left.Select(member => ContainerNamespaces.ConnectsAsync(member, right[0].Address, probePort, cancellationToken)));
            if (left.Zip(connects).FirstOrDefault(probe => probe.Second).First is { } through)
            {
                throw new InvalidOperationException($"{through} still connects to {right[0]}:{probePort} after the cut.");
            }
        }
        catch
        {
            await partition.HealAsync();
            throw;
        }

        return partition;
    }

    /// <summary>Removes every rule this partition set; a member that is gone has nothing to remove.</summary>
    public async Task HealAsync()
    {
        (ContainerNamespaces.Member Member, string[] Rule)[] set;
        lock (rules)
        {
            set = [.. rules];
            rules.Clear();
        }

        foreach (var (member, rule) in set)
        {
            await ContainerNamespaces.RunAsync(member, ["iptables", "-w", "-D", .. rule], CancellationToken.None);
        }
    }

    private async Task AddRuleAsync(ContainerNamespaces.Member member, string[] rule, CancellationToken cancellationToken)
    {
        await ContainerNamespaces.RunOrThrowAsync(member, ["iptables", "-w", "-I", .. rule], cancellationToken);
        lock (rules)
        {
            rules.Add((member, rule));
        }
    }
}
