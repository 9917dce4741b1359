using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Replication.Testing;

/// <summary>
/// A failover scenario's view of whichever HA manager runs the graph (the supervisor or Patroni): its bounds, and its
/// moves, which are the nodes' own commands (Switchover, Rejoin), the same under either manager.
/// </summary>
public sealed class HaManager(DistributedApplication app)
{
    private readonly ReplicaSetProbe database = new(app);

    public PostgresReplicaSetResource ReplicaSet { get; } =
        app.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<PostgresReplicaSetResource>().Single();

    /// <summary>
    /// How long a primary that stopped answering may take to be replaced: the HA manager's own delay (the supervisor's
    /// <c>FailoverAfter</c>, Patroni's leader lock), then the promotion; generous, for a loaded machine.
    /// </summary>
    public TimeSpan FailoverBound => ReplicaSet.FailoverDelay * 3 + TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a node may take to rejoin and stream from the primary: its start (a container's too), crash recovery,
    /// then a rewind or a fresh copy; twice the failover bound, for a loaded machine (a CI run's rewound container took
    /// longer than 90 s).
    /// </summary>
    public TimeSpan RejoinBound => FailoverBound * 2;

    /// <summary>A freeze long enough to cost the frozen primary its role: past the failover delay, with time to spare.</summary>
    public TimeSpan FreezeLongEnoughToFailOver => ReplicaSet.FailoverDelay + TimeSpan.FromSeconds(10);

    /// <summary>A planned handover from <paramref name="primary"/> to a standby: its Switchover command.</summary>
    public async Task SwitchoverAsync(string primary, CancellationToken cancellationToken)
    {
        await WaitForSynchronousStandbyAsync(primary, cancellationToken);
        await ExecuteAsync(primary, PostgresNodeCommands.Switchover, cancellationToken);
    }

    /// <summary>How long a running replica may take to stream again by itself (after a thaw, a repoint, Patroni's rewind) before it is rejoined.</summary>
    internal static TimeSpan FollowGrace { get; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Brings a former primary back as a replica of the current one (its Rejoin command); returns once it streams from
    /// the primary. A stopped, unhealthy or fenced one is rejoined at once; a healthy running one that does not stream (a
    /// Patroni replica that replays a diverged timeline) is given <see cref="FollowGrace"/> to follow by itself first, as
    /// its HA manager may be rewinding it.
    /// </summary>
    public Task RejoinAsync(string formerPrimary, string primary, CancellationToken cancellationToken) =>
        RejoinAsync(formerPrimary, primary, FollowGrace, cancellationToken);

    /// <summary>As <see cref="RejoinAsync(string, string, CancellationToken)"/>, with the grace a caller that waited already gives as zero.</summary>
    internal async Task RejoinAsync(string formerPrimary, string primary, TimeSpan grace, CancellationToken cancellationToken)
    {
        async Task<bool> StreamsFromPrimary(CancellationToken token) =>
            (await database.TryStreamingStandbysAsync(primary, token)).Standbys.Contains(formerPrimary);

        var running = database.IsNodeRunning(formerPrimary);
        // The grace poll's last answer stands; without a grace the primary is asked only when a rejoin is possible.
        bool? followedByItself = grace > TimeSpan.Zero && running && MayFollowByItself(formerPrimary)
            ? await Poll.UntilAsync(StreamsFromPrimary, grace, TimeSpan.FromMilliseconds(200), cancellationToken)
            : null;
        if (followedByItself != true && (!running || CanRejoin(formerPrimary)) && !(followedByItself ?? await StreamsFromPrimary(cancellationToken)))
        {
            await ExecuteAsync(formerPrimary, PostgresNodeCommands.Rejoin, cancellationToken);
        }

        await database.WaitForStandbysAsync(primary, [formerPrimary], RejoinBound, cancellationToken);
    }

    /// <summary>A running node its HA manager may still bring back by itself: healthy, and not fenced (the supervisor leaves a fenced one to Rejoin).</summary>
    private bool MayFollowByItself(string node) =>
        app.SnapshotOf(node) is { HealthStatus: HealthStatus.Healthy } snapshot && snapshot.PropertyValue(ReplicaSetProperties.Fenced) is null;

    /// <summary>Whether the HA manager offers to rejoin the node now (it is stopped, fenced or broken, and there is a primary it can follow).</summary>
    public bool CanRejoin(string node) =>
        app.SnapshotOf(node)?.Commands.FirstOrDefault(command => command.Name == PostgresNodeCommands.Rejoin)?.State == ResourceCommandState.Enabled;

    /// <summary>Runs a node's command; throws, with its message, when it fails.</summary>
    public async Task ExecuteAsync(string node, string command, CancellationToken cancellationToken)
    {
        var result = await app.ResourceCommands.ExecuteCommandAsync(node, command, cancellationToken).WaitAsync(FailoverBound * 2, cancellationToken);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{command} on {node} failed: {result.Message}");
        }
    }

    /// <summary>
    /// With <c>Sync</c>, waits until a standby of <paramref name="primary"/> is synchronous again (<c>sync</c> under
    /// Patroni, <c>quorum</c> under the supervisor's <c>ANY 1</c>), which after a failover or a rejoin takes a moment.
    /// Until then the set is not at full strength: Patroni in synchronous mode promotes only its synchronous standby, and
    /// refuses a switchover (412). The primary itself never counts: just after a failover the dashboard may still show it
    /// as the former primary's synchronous standby.
    /// </summary>
    public Task WaitForSynchronousStandbyAsync(string primary, CancellationToken cancellationToken) =>
        HasSynchronousStandbys
            ? Poll.UntilOrThrowAsync(_ => Task.FromResult(ReplicaSet.Nodes.Any(node => node.Name != primary && IsSynchronous(node.Name))),
                FailoverBound, TimeSpan.FromMilliseconds(200), $"a synchronous standby of {primary}", cancellationToken)
            : Task.CompletedTask;

    /// <summary>As <see cref="WaitForSynchronousStandbyAsync(string, CancellationToken)"/>, for the primary the set has now.</summary>
    public async Task WaitForSynchronousStandbyAsync(CancellationToken cancellationToken)
    {
        if (HasSynchronousStandbys)
        {
            await WaitForSynchronousStandbyAsync(await database.FindPrimaryAsync(cancellationToken), cancellationToken);
        }
    }

    private bool HasSynchronousStandbys => ReplicaSet.Settings.Durability == PostgresDurability.Sync && ReplicaSet.Nodes.Count > 1;

    /// <summary>Whether a node is a synchronous standby now, as the dashboard last showed it.</summary>
    public bool IsSynchronousStandbyNamed => ReplicaSet.Nodes.Any(node => IsSynchronous(node.Name));

    private bool IsSynchronous(string node) => app.SnapshotOf(node).PropertyValue(ReplicaSetProperties.SyncState) is "sync" or "quorum";

    /// <summary>Every node that accepts writes now, asked all at once: more than one is a split brain.</summary>
    public Task<IReadOnlyList<string>> WritableNodesAsync(CancellationToken cancellationToken) => database.WritableNodesAsync(cancellationToken);
}
