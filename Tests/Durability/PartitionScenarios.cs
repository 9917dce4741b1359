using Replication.Tests.Kit;

namespace Replication.Tests.Durability;

/// <summary>
/// Network partitions on a graph on containers, where every node (and etcd member) has an address of its own: iptables
/// rules in the members' network namespaces cut them apart while clients still reach every one (the kit's
/// <see cref="NetworkPartition"/>), or slow what one sends the others (<see cref="SlowLink"/>). A Jepsen-style history of unique writes runs through each, and the final read
/// comes straight from the primary. The scenarios here hold for either HA manager; Patroni's own follow.
/// </summary>
public abstract class PartitionScenarios<TGraph>(TGraph graph) : GraphScenarios<TGraph>(graph)
    where TGraph : GraphFixture
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        var members = Graph.Database.Nodes.Select(node => node.Name).Concat(Graph.Database.ReplicaSet.ConsensusMembers.Select(member => member.Name)).ToList();
        var unavailable = NetworkPartition.UnavailableBecause(Graph.App, members) ?? SlowLink.UnavailableBecause(Graph.App, members);
        Assert.SkipWhen(unavailable is not null, unavailable ?? "");
    }

    /// <summary>
    /// With synchronous replication a commit waits for a standby, so while none can be reached nothing is acknowledged;
    /// the primary is then killed, and the standby the HA manager promotes must hold every write that was. The HA
    /// manager still reaches every node (Patroni through etcd, the supervisor from the AppHost): only replication is cut.
    /// </summary>
    [Fact]
    public async Task ThePrimaryCutFromEveryStandby_AcknowledgesNothing_ThenKilled_NoAcknowledgedWriteIsLost()
    {
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        var cut = new PartitionPrimaryFromStandbys();
        var kill = new KillPrimary();
        var holdEnded = TimeSpan.Zero;
        await new NemesisSchedule()
            .Start(cut).Hold(TimeSpan.FromSeconds(8))
            .Then("the hold ends", (context, _) =>
            {
                holdEnded = context.History.Elapsed;
                return Task.CompletedTask;
            })
            .Start(kill).Stop(kill).Stop(cut)
            .RunAsync(run.Nemeses, CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        Assert.True(report.Valid, $"Acknowledged writes were lost, or failed writes were stored:\n{report}");
        HistoryAssert.EveryWriteResolved(report);
        // The cut bit: writes were in flight while it held, and none was acknowledged (after a second's margin for
        // answers already on their way).
        var heldFrom = cut.CutAt!.Value + TimeSpan.FromSeconds(1);
        var inFlight = report.InFlightDuring(heldFrom, holdEnded);
        var acknowledged = report.AcknowledgedBetween(heldFrom, holdEnded).Count;
        Output($"While {cut.Primary} was cut from every standby ({heldFrom.TotalSeconds:F1}–{holdEnded.TotalSeconds:F1} s): {inFlight} writes in flight, {acknowledged} acknowledged; {kill.Promoted} promoted after the kill.");
        Assert.True(inFlight > 0, $"No write was in flight while the primary was cut from its standbys, so the cut met no traffic:\n{report}");
        Assert.True(acknowledged == 0, $"{acknowledged} writes were acknowledged while no standby could receive them:\n{report}");
    }


    /// <summary>
    /// The primary's link to every standby slowed (a rate limit on what it sends them), under Sync: each commit waits
    /// longer for a standby, and the standbys fall behind what the primary has written. The primary is then killed while
    /// the link is still slow, and the standby promoted must hold every acknowledged write, since Sync acknowledges only
    /// what a standby has. The link's counters prove that the WAL filled it: it ran at its rate.
    /// </summary>
    [Fact]
    public async Task ThePrimarysLinkToEveryStandbySlowed_ThenThePrimaryKilled_NoAcknowledgedWriteIsLost()
    {
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        var hold = TimeSpan.FromSeconds(8);
        var slow = new SlowPrimaryToStandbys(SlowLinkKilobitsPerSecond);
        var kill = new KillPrimary();
        var holdEnded = TimeSpan.Zero;
        SlowLinkCounters counters = default;
        await new NemesisSchedule()
            .Start(slow).Hold(hold)
            .Then("the hold ends", async (context, token) =>
            {
                holdEnded = context.History.Elapsed;
                counters = await slow.Link!.CountersAsync(token);
            })
            .Start(kill).Stop(kill).Stop(slow)
            .RunAsync(run.Nemeses, CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        var held = holdEnded - slow.SlowedAt!.Value;
        var during = report.AcknowledgedBetween(slow.SlowedAt.Value, holdEnded).Count;
        var carried = counters.Bytes * 8 / 1000 / held.TotalSeconds;
        Output($"{slow.Primary}'s link to its standbys at {SlowLinkKilobitsPerSecond} kbit/s for {held.TotalSeconds:F1} s: {counters.Bytes:N0} bytes " +
               $"({carried:F0} kbit/s) in {counters.Packets:N0} packets, held back {counters.Overlimits:N0} times; " +
               $"{during} writes acknowledged meanwhile; {kill.Promoted} promoted after the kill.");
        // The fault first: a link that never held the WAL back would make the rest prove nothing. A link that ran at its
        // rate had more to carry than the rate let through (htb counts packets held back even far below the rate: 218 in
        // 8 s at 1 Gbit/s, where the stream used 0.2 % of it).
        Assert.True(carried >= SlowLinkKilobitsPerSecond * 0.8,
            $"The slow link carried {carried:F0} kbit/s, less than its rate of {SlowLinkKilobitsPerSecond}: the WAL stream never queued behind it.");
        Assert.True(report.Valid, $"Acknowledged writes were lost, or failed writes were stored:\n{report}");
        HistoryAssert.EveryWriteResolved(report);
        Assert.True(during > 0, $"No write was acknowledged while the link was slow: a slow standby must slow commits, not stop them:\n{report}");
    }

    /// <summary>Slow enough that a stream of writes' WAL queues behind it (32 KB/s), fast enough that commits still go through.</summary>
    private const int SlowLinkKilobitsPerSecond = 256;
}

/// <summary>Patroni's graph on containers: its nodes and its etcd members cut apart in Jepsen's patterns.</summary>
[Collection(PatroniOnContainersGraph.Name)]
public sealed class PatroniPartitionScenarios(PatroniOnContainersGraph graph) : PartitionScenarios<PatroniOnContainersGraph>(graph)
{
    /// <summary>
    /// Jepsen's random halves over every node and etcd member, held past Patroni's leader lock (ttl + 10 s), then healed:
    /// whichever half the draw gives a majority of etcd, the primary or a synchronous standby, nothing acknowledged is
    /// lost, and once healed only one node takes writes (the repair's split-brain check). The seed is printed;
    /// REPLICATION_NEMESIS_SEED replays another draw.
    /// </summary>
    [Fact]
    public Task RandomHalves_HeldPastTheLeaderLock_ThenHealed_NoAcknowledgedWriteIsLost() =>
        HeldPastTheLeaderLockThenHealedAsync(seed => new PartitionRandomHalves(seed));

    /// <summary>
    /// Jepsen's majorities ring, the same way: every member sees a majority of the others, and no two see the same one,
    /// so each Patroni sees its own part of etcd and of its peers.
    /// </summary>
    [Fact]
    public Task MajoritiesRing_HeldPastTheLeaderLock_ThenHealed_NoAcknowledgedWriteIsLost() =>
        HeldPastTheLeaderLockThenHealedAsync(seed => new PartitionMajoritiesRing(seed));

    private async Task HeldPastTheLeaderLockThenHealedAsync(Func<int, Partition> partitionOf)
    {
        var seed = NemesisSchedule.SeedFromEnvironment(DurabilityScenarios<PatroniOnContainersGraph>.RandomScheduleSeed);
        var partition = partitionOf(seed);
        Output($"{partition.Name} (replay with REPLICATION_NEMESIS_SEED={seed}).");
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        var held = TimeSpan.FromSeconds(Graph.Database.ReplicaSet.Settings.Patroni!.Ttl + 10);
        TimeSpan healedAt = default;
        await new NemesisSchedule()
            .Start(partition).Hold(held)
            .Then("the hold ends", (context, _) =>
            {
                healedAt = context.History.Elapsed;
                return Task.CompletedTask;
            })
            .Stop(partition)
            .RunAsync(run.Nemeses, CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        var during = report.Operations.Select(checkedOperation => checkedOperation.Operation)
            .Where(operation => operation.CompletedAt > partition.CutAt && operation.CompletedAt < healedAt).ToList();
        Output($"While cut ({partition.CutAt?.TotalSeconds:F1}–{healedAt.TotalSeconds:F1} s): {during.Count(operation => operation.Outcome == OperationOutcome.Ok)} writes acknowledged, " +
               $"{during.Count(operation => operation.Outcome != OperationOutcome.Ok)} not.");
        Assert.True(report.Valid, $"Seed {seed}: acknowledged writes were lost, or failed writes were stored:\n{report}");
        HistoryAssert.EveryWriteResolved(report);
    }

    /// <summary>
    /// The primary cut from etcd alone: clients and standbys still reach it, but it can no longer renew its leader lock.
    /// Patroni must demote it before the lock expires and another node is promoted, so that two nodes never take
    /// writes at once; sampled every 100 ms from both. Nothing acknowledged is lost.
    /// </summary>
    [Fact]
    public async Task ThePrimaryCutFromEtcd_StopsTakingWritesBeforeAnotherIsPromoted_NoAcknowledgedWriteIsLost()
    {
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        var cut = new PartitionPrimaryFromConsensus();
        TimeSpan? demotedAt = null;
        TimeSpan? promotedAt = null;
        string? promoted = null;
        var bothWritable = new List<TimeSpan>();
        await new NemesisSchedule()
            .Start(cut)
            .Then("the old primary is demoted and another promoted", async (context, token) =>
            {
                var deadline = context.History.Elapsed + context.HaManager.FailoverBound * 2;
                while (promoted is null && context.History.Elapsed < deadline)
                {
                    var writable = await context.Graph.Database.WritableNodesAsync(token);
                    var at = context.History.Elapsed;
                    demotedAt ??= writable.Contains(cut.Primary!) ? null : at;
                    if (writable.Count > 1)
                    {
                        bothWritable.Add(at);
                    }

                    if (writable.FirstOrDefault(node => node != cut.Primary) is { } other)
                    {
                        (promoted, promotedAt) = (other, at);
                        context.Log($"{other} promoted in place of {cut.Primary}, which {(demotedAt is { } demoted ? $"stopped taking writes at {demoted.TotalSeconds:F1} s" : "still takes writes")}");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(100), token);
                }
            })
            .Then("writes are acknowledged through the new primary", (_, token) => run.WaitForAcknowledgedWritesAsync(20, token))
            .Stop(cut)
            .RunAsync(run.Nemeses, CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        Assert.True(promoted is not null, $"No node was promoted within {(2 * new HaManager(Graph.App).FailoverBound).TotalSeconds:F0} s of {cut.Primary}'s cut from etcd:\n{report}");
        Assert.True(bothWritable.Count == 0, $"Two nodes took writes at once at {string.Join(", ", bothWritable.Select(at => $"{at.TotalSeconds:F1} s"))}:\n{report}");
        Assert.True(demotedAt <= promotedAt, $"{cut.Primary} still took writes when {promoted} was promoted at {promotedAt?.TotalSeconds:F1} s:\n{report}");
        Assert.True(report.Valid, $"Acknowledged writes were lost, or failed writes were stored:\n{report}");
        HistoryAssert.EveryWriteResolved(report);
    }
}

/// <summary>The supervisor's graph on containers (Sync): its nodes cut apart while the AppHost's supervisor still reaches each.</summary>
[Collection(ContainerGraph.Name)]
public sealed class SupervisorPartitionScenarios(ContainerGraphFixture graph) : PartitionScenarios<ContainerGraphFixture>(graph);
