using Npgsql;

namespace Replication.Testing;

/// <summary>
/// Faults that hit a PostgreSQL node (or a consensus member) as a machine would be hit, whatever runs it: the nodes'
/// own commands (Kill postmaster, Kill node, Freeze), which the runtime carries out on processes or containers. Each
/// returns only once the fault is seen from outside: the server no longer answers, or answers as a new postmaster.
/// </summary>
public sealed class NodeFaults(DistributedApplication app)
{
    private static readonly TimeSpan EffectTimeout = TimeSpan.FromSeconds(30);

    private readonly ReplicaSetProbe database = new(app);

    /// <summary>SIGKILLs the node's postmaster alone, as a crash of the server would; its HA agent lives on (and may restart it).</summary>
    public async Task KillPostmasterAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        var before = await database.PostmasterStartAsync(nodeName, cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(nodeName, PostgresNodeCommands.KillPostmaster, cancellationToken).ConfigureAwait(false);
        await Poll.UntilOrThrowAsync(async token => (await database.TryPostmasterStartAsync(nodeName, token).ConfigureAwait(false)) is not { } now || now != before,
            EffectTimeout, TimeSpan.FromMilliseconds(20), $"{nodeName}'s postmaster to die", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills everything of the node at once (its HA agent and its server, or its container), as a crash of its machine.</summary>
    public async Task KillNodeAsync(string nodeName, CancellationToken cancellationToken = default)
    {
        await ExecuteAsync(nodeName, PostgresNodeCommands.KillNode, cancellationToken).ConfigureAwait(false);
        await Poll.UntilOrThrowAsync(async token => await database.TryPostmasterStartAsync(nodeName, token).ConfigureAwait(false) is null,
            EffectTimeout, TimeSpan.FromMilliseconds(20), $"{nodeName} to stop answering", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Freezes the node as a paused machine until the returned <see cref="FrozenNode"/> is thawed: all of it and, when it
    /// is a standby, the walsender on the primary that streams to it, so no WAL reaches it while it is frozen.
    /// </summary>
    public Task<FrozenNode> FreezeAsync(string nodeName, CancellationToken cancellationToken = default) => new Faults(app).FreezeAsync(nodeName, cancellationToken);

    /// <summary>
    /// Freezes the node (<see cref="FreezeAsync"/>) for <paramref name="duration"/>, then resumes it. Returns once it is
    /// frozen; the returned task completes when it runs again.
    /// </summary>
    public Task<Task> FreezeNodeAsync(string nodeName, TimeSpan duration, CancellationToken cancellationToken = default) =>
        new Faults(app).HangAsync(nodeName, duration, cancellationToken);

    /// <summary>Kills one consensus member of the set (Patroni's etcd); returns its resource's name.</summary>
    public async Task<string> KillConsensusMemberAsync(int index, CancellationToken cancellationToken = default)
    {
        var members = database.ReplicaSet.ConsensusMembers;
        if (index >= members.Count)
        {
            throw new InvalidOperationException($"{database.ReplicaSet.Name}'s HA manager has {members.Count} consensus members; there is no member {index} to kill.");
        }

        var name = members[index].Name;
        await ExecuteAsync(name, ResourceFaultCommands.Kill, cancellationToken).ConfigureAwait(false);
        return name;
    }

    private async Task<string> ExecuteAsync(string resource, string command, CancellationToken cancellationToken)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(resource, command, cancellationToken).WaitAsync(EffectTimeout * 2, cancellationToken).ConfigureAwait(false);
        return result.Success ? result.Message ?? "" : throw new InvalidOperationException($"{command} on {resource} failed: {result.Message}");
    }
}
