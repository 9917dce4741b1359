using System.Globalization;
using System.Text.RegularExpressions;

namespace Replication.Testing;

/// <summary>
/// A slow link from one member of a graph on containers to others: the packets it sends them limited to a rate by a
/// token bucket (<c>tc</c>'s htb qdisc, with u32 filters on their addresses), set on its interface inside its network
/// namespace. What it sends anyone else, clients included, is not slowed. A delay would need <c>netem</c>, which not
/// every kernel has; a rate limit slows a stream of WAL just as surely, and its counters prove that it did: the link
/// carried about its rate (<see cref="SlowLinkCounters.Bytes"/> over the time it was slow), so more waited behind it.
/// </summary>
public sealed partial class SlowLink
{
    private const string SlowClass = "1:2";

    private readonly ContainerNamespaces.Member from;
    private readonly string device;
    private bool healed;

    private SlowLink(ContainerNamespaces.Member from, string device, string description) =>
        (this.from, this.device, Description) = (from, device, description);

    /// <summary>Which member, to whom, how slow.</summary>
    public string Description { get; }

    /// <summary>
    /// Why slow links cannot be made here, or null when they can: they need Linux, root (or <c>sudo</c> without a
    /// password), <c>nsenter</c>, <c>tc</c> and <c>ip</c>, and members in containers.
    /// </summary>
    public static string? UnavailableBecause(DistributedApplication app, IEnumerable<string> members) =>
        ContainerNamespaces.UnavailableBecause(app, members, "A slow link", ["tc", "ip"], "util-linux iproute2");

    /// <summary>Limits what <paramref name="from"/> sends to each member of <paramref name="to"/> to <paramref name="kilobitsPerSecond"/> in all.</summary>
    /// <exception cref="InvalidOperationException">Slow links cannot be made here (<see cref="UnavailableBecause"/>), or <c>tc</c> refused.</exception>
    public static async Task<SlowLink> ThrottleAsync(
        DistributedApplication app, string from, IReadOnlyCollection<string> to, int kilobitsPerSecond, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kilobitsPerSecond);
        ArgumentOutOfRangeException.ThrowIfZero(to.Count);
        if (UnavailableBecause(app, [from, .. to]) is { } reason)
        {
            throw new InvalidOperationException(reason);
        }

        var sender = await ContainerNamespaces.MemberAsync(app, from, cancellationToken);
        var receivers = await Task.WhenAll(to.Select(name => ContainerNamespaces.MemberAsync(app, name, cancellationToken)));
        var route = await ContainerNamespaces.RunOrThrowAsync(sender, ["ip", "-o", "route", "get", receivers[0].Address], cancellationToken);
        var device = DeviceInRoute().Match(route.StandardOutput) is { Success: true } match
            ? match.Groups[1].Value
            : throw new InvalidOperationException($"No device in {sender}'s route to {receivers[0]}: {route.StandardOutput}");
        var rate = kilobitsPerSecond.ToString(CultureInfo.InvariantCulture) + "kbit";
        var link = new SlowLink(sender, device, $"{sender} → [{string.Join(", ", receivers.Select(receiver => receiver.ToString()))}] at {rate}/s");
        try
        {
            await link.TcAsync(["qdisc", "add", "dev", device, "root", "handle", "1:", "htb", "default", "1"], cancellationToken);
            await link.TcAsync(["class", "add", "dev", device, "parent", "1:", "classid", "1:1", "htb", "rate", "10gbit"], cancellationToken);
            await link.TcAsync(["class", "add", "dev", device, "parent", "1:", "classid", SlowClass, "htb", "rate", rate, "ceil", rate], cancellationToken);
            foreach (var receiver in receivers)
            {
                await link.TcAsync(["filter", "add", "dev", device, "parent", "1:", "protocol", "ip", "prio", "1", "u32", "match", "ip", "dst", $"{receiver.Address}/32", "flowid", SlowClass], cancellationToken);
            }
        }
        catch
        {
            await link.HealAsync();
            throw;
        }

        return link;
    }

    /// <summary>What went through the slow class so far: bytes and packets sent, and how often the rate held a packet back.</summary>
    public async Task<SlowLinkCounters> CountersAsync(CancellationToken cancellationToken = default)
    {
        var shown = await ContainerNamespaces.RunOrThrowAsync(from, ["tc", "-s", "class", "show", "dev", device, "classid", SlowClass], cancellationToken);
        return SentCounters().Match(shown.StandardOutput) is { Success: true } sent
            ? new SlowLinkCounters(long.Parse(sent.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(sent.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(sent.Groups[3].Value, CultureInfo.InvariantCulture))
            : throw new InvalidOperationException($"No counters for {Description} in: {shown.Describe()}");
    }

    /// <summary>Removes the limit; a member that is gone took it with its namespace.</summary>
    public async Task HealAsync()
    {
        if (healed)
        {
            return;
        }

        healed = true;
        await ContainerNamespaces.RunAsync(from, ["tc", "qdisc", "del", "dev", device, "root"], CancellationToken.None);
    }

    private Task<CommandResult> TcAsync(string[] arguments, CancellationToken cancellationToken) =>
        ContainerNamespaces.RunOrThrowAsync(from, ["tc", .. arguments], cancellationToken);

    [GeneratedRegex(@"\bdev (\S+)")]
    private static partial Regex DeviceInRoute();

    [GeneratedRegex(@"Sent (\d+) bytes (\d+) pkt \(dropped \d+, overlimits (\d+)")]
    private static partial Regex SentCounters();
}

/// <summary>
/// A <see cref="SlowLink"/>'s counters: what it sent, and how many times the rate made a packet wait. The bytes over the
/// time it was slow say whether it bit; <see cref="Overlimits"/> alone does not (htb counts some far below the rate).
/// </summary>
public readonly record struct SlowLinkCounters(long Bytes, long Packets, long Overlimits);
