using System.Globalization;

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
    private const string ContainerIdProperty = "container.id";
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    private static readonly string[] RequiredPrograms = ["nsenter", "iptables", "bash", "timeout"];

    private readonly List<(Member Member, string[] Rule)> rules = [];

    private NetworkPartition(string description) => Description = description;

    /// <summary>Which sides were cut, with their addresses.</summary>
    public string Description { get; }

    /// <summary>How the kit runs <c>nsenter</c>: itself as root, through <c>sudo -n</c> where that needs no password, or not at all (null).</summary>
    private static readonly Lazy<string[]?> Privilege = new(() =>
        !OperatingSystem.IsLinux() ? null
        : Posix.EffectiveUserId() == 0 ? []
        : ProgramOnPath("sudo") && CommandRunner.Run("sudo", ["-n", "true"], CommandTimeout).Succeeded ? ["sudo", "-n"]
        : null);

    /// <summary>
    /// Why partitions cannot be made here, or null when they can: they need Linux, root (or <c>sudo</c> without a
    /// password), <c>nsenter</c> and <c>iptables</c>, and members in containers.
    /// </summary>
    public static string? UnavailableBecause(DistributedApplication app, IEnumerable<string> members)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (Privilege.Value is null)
        {
            return "Network partitions set iptables rules in the members' network namespaces, which needs root on Linux (or sudo without a password).";
        }

        if (RequiredPrograms.FirstOrDefault(program => !ProgramOnPath(program)) is { } missing)
        {
            return $"Network partitions need {missing} (apt-get install util-linux iptables).";
        }

        return members.FirstOrDefault(member => ContainerIdOf(app, member) is null) is { } notContained
            ? $"{notContained} does not run in a container: partitions cut members at their own addresses, which only the container runtime gives them (Postgres:Runtime=Container)."
            : null;
    }

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

        var probePort = ListeningPortOf(app, otherSide.First());
        var left = await Task.WhenAll(side.Select(name => MemberAsync(app, name, cancellationToken)));
        var right = await Task.WhenAll(otherSide.Select(name => MemberAsync(app, name, cancellationToken)));
        var partition = new NetworkPartition($"[{string.Join(", ", left.Select(m => m.ToString()))}] cut from [{string.Join(", ", right.Select(m => m.ToString()))}]");
        try
        {
            foreach (var (one, other) in left.SelectMany(one => right.Select(other => (one, other))).SelectMany(pair => new[] { pair, (pair.other, pair.one) }))
            {
                await partition.AddRuleAsync(one, ["INPUT", "-s", other.Address, "-j", "DROP"], cancellationToken);
                await partition.AddRuleAsync(one, ["OUTPUT", "-d", other.Address, "-j", "DROP"], cancellationToken);
            }

            // Each probe of a working cut waits out its connect timeout: all at once.
            var connects = await Task.WhenAll(left.Select(member => ConnectsAsync(member, right[0].Address, probePort, cancellationToken)));
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
        (Member Member, string[] Rule)[] set;
        lock (rules)
        {
            set = [.. rules];
            rules.Clear();
        }

        foreach (var (member, rule) in set)
        {
            await NsenterAsync(member, ["iptables", "-w", "-D", .. rule], CancellationToken.None);
        }
    }

    private async Task AddRuleAsync(Member member, string[] rule, CancellationToken cancellationToken)
    {
        var result = await NsenterAsync(member, ["iptables", "-w", "-I", .. rule], cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"iptables -I {string.Join(' ', rule)} in {member}'s network namespace failed: {result.Describe()}");
        }

        lock (rules)
        {
            rules.Add((member, rule));
        }
    }

    /// <summary>Whether a TCP connection from inside <paramref name="member"/>'s namespace reaches <paramref name="address"/>.</summary>
    private static async Task<bool> ConnectsAsync(Member member, string address, int port, CancellationToken cancellationToken)
    {
        var seconds = ProbeTimeout.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
        return (await NsenterAsync(member, ["timeout", seconds, "bash", "-c", $"exec 3<>/dev/tcp/{address}/{port}"], cancellationToken)).Succeeded;
    }

    /// <summary>Runs a host program inside <paramref name="member"/>'s network namespace.</summary>
    private static Task<CommandResult> NsenterAsync(Member member, IReadOnlyList<string> command, CancellationToken cancellationToken)
    {
        string[] line = [.. Privilege.Value!, "nsenter", "-t", member.Pid, "-n", .. command];
        return CommandRunner.RunAsync(line[0], line[1..], CommandTimeout, cancellationToken);
    }

    private static async Task<Member> MemberAsync(DistributedApplication app, string name, CancellationToken cancellationToken)
    {
        var id = ContainerIdOf(app, name) ?? throw new InvalidOperationException($"{name} has no running container.");
        var inspected = (await ContainerEngine.RunAsync(["inspect", "--format", "{{.State.Pid}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", id],
            CommandTimeout, cancellationToken)).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return inspected is [var pid, var address, ..] && pid != "0"
            ? new Member(name, pid, address)
            : throw new InvalidOperationException($"{name}'s container {id[..12]} has no running process or no address: {string.Join(' ', inspected)}");
    }

    private static int ListeningPortOf(DistributedApplication app, string resourceName) =>
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(resource => resource.Name == resourceName)
            .Annotations.OfType<EndpointAnnotation>().FirstOrDefault()?.TargetPort
        ?? throw new InvalidOperationException($"{resourceName} has no endpoint with a port to prove the cut on.");

    private static string? ContainerIdOf(DistributedApplication app, string resourceName) =>
        app.SnapshotOf(resourceName)?.Properties.FirstOrDefault(property => property.Name == ContainerIdProperty)?.Value is string { Length: > 0 } id ? id : null;

    private static bool ProgramOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(directory => File.Exists(Path.Combine(directory, program)));

    private sealed record Member(string Name, string Pid, string Address)
    {
        public override string ToString() => $"{Name} {Address}";
    }
}
