namespace Replication.Testing;

/// <summary>
/// The primary's link to every running standby slowed to a rate (<see cref="SlowLink"/>): its WAL reaches them late,
/// while clients and the HA manager still reach it at full speed. Needs a graph on containers, and root.
/// </summary>
public sealed class SlowPrimaryToStandbys(int kilobitsPerSecond) : Nemesis
{
    /// <summary>The node that was primary when the link was slowed.</summary>
    public string? Primary { get; private set; }

    /// <summary>The slowed link while it holds (its counters say whether it bit); null before and after.</summary>
    public SlowLink? Link { get; private set; }

    /// <summary>When the link was slowed, on the history's clock.</summary>
    public TimeSpan? SlowedAt { get; private set; }

    public override string Name => $"slow the primary's link to every standby to {kilobitsPerSecond} kbit/s";

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var database = context.Graph.Database;
        Primary = await database.FindPrimaryAsync(cancellationToken);
        var primary = Primary;
        var standbys = database.Nodes.Select(node => node.Name).Where(name => name != primary && database.IsNodeRunning(name)).ToList();
        if (standbys.Count == 0)
        {
            throw new InvalidOperationException($"{Name}: {primary} has no running standby.");
        }

        Link = await context.SlowLinkAsync(primary, standbys, kilobitsPerSecond, cancellationToken);
        SlowedAt = context.History.Elapsed;
        context.Log($"slowed: {Link.Description}");
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Link is not { } link)
        {
            return;
        }

        Link = null;
        await link.HealAsync();
        context.Log($"restored: {link.Description}");
    }
}
