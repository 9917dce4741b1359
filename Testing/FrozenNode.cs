namespace Replication.Testing;

/// <summary>
/// A member frozen with its Freeze command, as a paused machine is: every process of the node (or its container) and,
/// for a standby, the walsender on the primary that streams to it. Thaw it with <see cref="ThawAsync"/> (or by disposing it).
/// </summary>
/// <remarks>
/// Stopping the standby alone would not cut it off on one host: the kernel keeps accepting the WAL into the frozen
/// walreceiver's socket, and the standby reads it the moment it is thawed, even after the primary died. A paused
/// machine acknowledges nothing, so the WAL stays on the primary; freezing the walsender does the same here.
/// </remarks>
public sealed class FrozenNode : IAsyncDisposable
{
    private readonly DistributedApplication app;

    internal FrozenNode(DistributedApplication app, string name, string description)
    {
        this.app = app;
        Name = name;
        Description = description;
    }

    public string Name { get; }

    /// <summary>What the Freeze command says it froze.</summary>
    public string Description { get; }

    public bool IsFrozen { get; private set; } = true;

    /// <summary>Resumes the member (its Resume command); a member killed while frozen stays dead.</summary>
    public async ValueTask ThawAsync()
    {
        if (IsFrozen)
        {
            IsFrozen = false;
            await app.ResourceCommands.ExecuteCommandAsync(Name, PostgresNodeCommands.Resume);
        }
    }

    public ValueTask DisposeAsync() => ThawAsync();

    public override string ToString() => Description;
}
