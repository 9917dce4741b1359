namespace Replication.Testing;

/// <summary>The current primary frozen, as a paused machine (<see cref="FrozenNode"/>); resumed when stopped.</summary>
public sealed class FreezePrimary : Nemesis
{
    private FrozenNode? frozen;

    public override string Name => "freeze the primary";

    /// <summary>The node frozen by the last start.</summary>
    public string? Frozen { get; private set; }

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        Frozen = await context.Graph.Database.FindPrimaryAsync(cancellationToken);
        frozen = await context.FreezeAsync(Frozen, cancellationToken);
        context.Log($"froze {frozen} (the primary)");
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        if (frozen is not null)
        {
            await frozen.ThawAsync();
            context.Log($"resumed {frozen.Name}");
            frozen = null;
        }
    }
}

/// <summary>
/// Every standby frozen, as paused machines (<see cref="FrozenNode"/>: no WAL reaches them); resumed when stopped.
/// With synchronous replication, no commit can complete its wait for a standby meanwhile. It proves that it bit, or
/// throws: at least one standby frozen, each with its walsender on the primary, and no WAL sent to any of them while
/// they were frozen (their <c>sent_lsn</c> did not move, where the primary can still be asked).
/// </summary>
public sealed class FreezeStandbys : Nemesis
{
    private static readonly TimeSpan StreamingTimeout = TimeSpan.FromSeconds(30);

    private readonly List<FrozenNode> frozen = [];
    private readonly Dictionary<string, string> sentLsnAtFreeze = new(StringComparer.Ordinal);
    private string? primary;

    public override string Name => "freeze every standby";

    /// <summary>The primary whose standbys the last start froze.</summary>
    public string? Primary => primary;

    /// <summary>When the last start had every standby frozen, on the history's clock.</summary>
    public TimeSpan? FrozenAt { get; private set; }

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var database = context.Graph.Database;
        primary = await database.FindPrimaryAsync(cancellationToken).ConfigureAwait(false);
        var standbys = database.Nodes.Select(node => node.Name).Where(name => name != primary && database.IsNodeRunning(name)).ToList();
        if (standbys.Count == 0)
        {
            throw new InvalidOperationException($"{primary} has no running standby: freezing every standby would do nothing.");
        }

        // Frozen while streaming, so that what is frozen is the WAL on its way, not a standby that was not receiving any.
        await database.WaitForStandbysAsync(primary, standbys, StreamingTimeout, cancellationToken).ConfigureAwait(false);
        foreach (var standby in standbys)
        {
            frozen.Add(await context.FreezeAsync(standby, cancellationToken).ConfigureAwait(false));
        }

        sentLsnAtFreeze.Clear();
        foreach (var standby in standbys)
        {
            sentLsnAtFreeze[standby] = await database.SentLsnAsync(primary, standby, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"{standby} has no walsender on {primary} once frozen: nothing stops WAL from reaching it.");
        }

        FrozenAt = context.History.Elapsed;
        context.Log($"froze every standby of {primary}: {string.Join("; ", frozen)}; sent_lsn {string.Join(", ", sentLsnAtFreeze.Select(pair => $"{pair.Key} {pair.Value}"))}");
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var moved = await WalSentWhileFrozenAsync(context, cancellationToken).ConfigureAwait(false);
        foreach (var node in frozen)
        {
            await node.ThawAsync().ConfigureAwait(false);
        }

        context.Log($"resumed {string.Join(", ", frozen.Select(node => node.Name))}");
        frozen.Clear();
        if (moved.Count > 0)
        {
            throw new InvalidOperationException($"WAL reached standbys that were frozen: {string.Join("; ", moved)}.");
        }
    }

    /// <summary>The standbys whose walsender sent WAL while frozen; none can be checked once the primary is gone or demoted (a kill that followed).</summary>
    private async Task<List<string>> WalSentWhileFrozenAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        var moved = new List<string>();
        if (primary is null)
        {
            return moved;
        }

        try
        {
            if (await context.Graph.Database.IsInRecoveryAsync(primary, cancellationToken).ConfigureAwait(false))
            {
                return moved;
            }

            foreach (var (standby, before) in sentLsnAtFreeze)
            {
                if (await context.Graph.Database.SentLsnAsync(primary, standby, cancellationToken).ConfigureAwait(false) is { } now && now != before)
                {
                    moved.Add($"{primary} sent {standby} WAL up to {now} (from {before})");
                }
            }
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or TimeoutException or System.Net.Sockets.SocketException)
        {
            context.Log($"could not ask {primary} whether WAL moved while the standbys were frozen ({exception.GetType().Name}); it is down or unreachable");
        }

        return moved;
    }
}
