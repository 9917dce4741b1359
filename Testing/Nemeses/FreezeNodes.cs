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
/// With synchronous replication, no commit can complete its wait for a standby meanwhile.
/// </summary>
public sealed class FreezeStandbys : Nemesis
{
    private readonly List<FrozenNode> frozen = [];

    public override string Name => "freeze every standby";

    public override async Task StartAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        var database = context.Graph.Database;
        var primary = await database.FindPrimaryAsync(cancellationToken);
        foreach (var standby in database.Nodes.Select(node => node.Name).Where(name => name != primary && database.IsNodeRunning(name)))
        {
            frozen.Add(await context.FreezeAsync(standby, cancellationToken));
        }

        context.Log($"froze every standby of {primary}: {string.Join("; ", frozen)}");
    }

    public override async Task StopAsync(NemesisContext context, CancellationToken cancellationToken)
    {
        foreach (var node in frozen)
        {
            await node.ThawAsync();
        }

        context.Log($"resumed {string.Join(", ", frozen.Select(node => node.Name))}");
        frozen.Clear();
    }
}
