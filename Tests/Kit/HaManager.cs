namespace Replication.Tests.Kit;

/// <summary>
/// What a failover scenario needs from whichever HA manager runs the graph (<c>Postgres:HaManager</c>): the faults
/// hit the same processes, but a switchover and a former primary's return are the HA manager's own moves. Under the
/// supervisor they are the Promote and Rejoin commands; under Patroni, its Switchover command, and a restart of the
/// node's Patroni (which rewinds and rejoins by itself).
/// </summary>
public sealed class HaManager(DistributedApplication app)
{
    private readonly ReplicaSetProbe database = new(app);

    public PostgresReplicaSetResource ReplicaSet { get; } =
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<PostgresReplicaSetResource>().Single();

    public bool IsPatroni => ReplicaSet.Options.HaManager == PostgresHaManager.Patroni;

    /// <summary>
    /// How long a primary that stopped answering may take to be replaced: the supervisor waits <c>FailoverAfter</c>,
    /// Patroni waits for the leader lock to expire (<c>ttl</c>), then each promotes; generous, for a loaded machine.
    /// </summary>
    public TimeSpan FailoverBound => (IsPatroni ? TimeSpan.FromSeconds(ReplicaSet.Options.Patroni.Ttl) : ReplicaSet.Options.FailoverAfter) * 3
                                     + TimeSpan.FromSeconds(30);

    /// <summary>A freeze long enough to cost the frozen primary its role: past the failover delay, with time to spare.</summary>
    public TimeSpan FreezeLongEnoughToFailOver => (IsPatroni ? TimeSpan.FromSeconds(ReplicaSet.Options.Patroni.Ttl) : ReplicaSet.Options.FailoverAfter)
                                                  + TimeSpan.FromSeconds(10);

    /// <summary>A planned handover from <paramref name="primary"/>: Patroni's Switchover, or the supervisor's Promote of a replica.</summary>
    public async Task SwitchoverAsync(string primary, CancellationToken cancellationToken)
    {
        await WaitForSynchronousStandbyAsync(cancellationToken);
        var (resource, command) = IsPatroni
            ? (primary, PostgresNodeCommands.Switchover)
            : ((await database.StreamingStandbysAsync(primary, cancellationToken)) is [var first, ..] ? first : throw new InvalidOperationException($"No replica streams from {primary}: nothing to switch over to."), PostgresNodeCommands.Promote);
        var result = await app.ResourceCommands.ExecuteCommandAsync(resource, command, cancellationToken);
        Assert.True(result.Success, $"{command} on {resource} failed: {result.Message}");
    }

    /// <summary>
    /// Brings a former primary back as a replica of the current one: the supervisor's Rejoin; under Patroni, a Start of a
    /// node whose Patroni is gone (it rewinds itself), nothing otherwise. Returns once it streams from the primary.
    /// </summary>
    public async Task RejoinAsync(string formerPrimary, string primary, CancellationToken cancellationToken)
    {
        if (!IsPatroni)
        {
            await database.RejoinAsync(formerPrimary, cancellationToken);
        }
        else if (!database.IsNodeRunning(formerPrimary))
        {
            await StartNodeAsync(formerPrimary, cancellationToken);
        }

        await database.WaitForStandbysAsync(primary, [formerPrimary], FailoverBound, cancellationToken);
    }

    /// <summary>Starts a node's resource again (under Patroni: its Patroni, which rejoins or leads by itself).</summary>
    public async Task StartNodeAsync(string node, CancellationToken cancellationToken)
    {
        var started = await app.ResourceCommands.ExecuteCommandAsync(node, KnownResourceCommands.StartCommand, cancellationToken);
        Assert.True(started.Success, $"Start {node} failed: {started.Message}");
    }

    /// <summary>
    /// Under Patroni with <c>Sync</c>, waits until Patroni has named a synchronous standby again, which after a failover or
    /// a rejoin takes it a loop or two. Until then the set is not at full strength: in synchronous mode only that standby
    /// may be promoted (a leader lost before it is named is not replaced), and a switchover is refused (412).
    /// </summary>
    public Task WaitForSynchronousStandbyAsync(CancellationToken cancellationToken) =>
        IsPatroni && ReplicaSet.Options.Durability == PostgresDurability.Sync && ReplicaSet.Nodes.Count > 1
            ? Poll.UntilOrThrowAsync(_ => Task.FromResult(IsSynchronousStandbyNamed),
                FailoverBound, TimeSpan.FromMilliseconds(200), "Patroni to name a synchronous standby", cancellationToken)
            : Task.CompletedTask;

    /// <summary>Whether a node is named synchronous standby now, as the HA manager last reported (under Patroni: its /sync key).</summary>
    public bool IsSynchronousStandbyNamed => ReplicaSet.Nodes.Any(node => SyncStateOf(node.Name) == "sync");

    private string? SyncStateOf(string node) => app.SnapshotOf(node).PropertyOf(ReplicaSetProperties.SyncState);

    /// <summary>Every node that accepts writes now, asked all at once: more than one is a split brain.</summary>
    public Task<IReadOnlyList<string>> WritableNodesAsync(CancellationToken cancellationToken) => database.WritableNodesAsync(cancellationToken);
}
