using System.Globalization;
using System.Net.Http.Json;
using Replication.Tests.Kit;

namespace Replication.Tests.Durability;

/// <summary>
/// With synchronous replication, no acknowledged write (a 201, first answer or idempotent replay) is lost in any
/// sequence of faults. Each scenario is a Jepsen-style history of unique writes through the gateway, with same-key
/// retries of every indeterminate answer, checked against a final read from the current primary. Derive a sealed class
/// per collection to run them against another graph (runtime, HA manager); the graph needs synchronous replication.
/// </summary>
public abstract class DurabilityScenarios<TGraph>(TGraph graph) : GraphScenarios<TGraph>(graph)
    where TGraph : GraphFixture
{
    /// <summary>The seed of the random schedule; set REPLICATION_NEMESIS_SEED to replay another one.</summary>
    public const int RandomScheduleSeed = 1616;

    [Fact]
    public async Task AWriteWhoseReplicationWaitIsCancelled_Answers503_AndIsAcknowledgedOnlyOnceAStandbyHasIt()
    {
        await GraphRepair.RestoreAsync(Graph, Output, CancellationToken);
        var primary = await Graph.Database.FindPrimaryAsync(CancellationToken);
        using var service = Graph.App.CreateHttpClient(ResourceNames.PrimaryService, "http");
        service.Timeout = TimeSpan.FromMinutes(1);
        var email = UsersApiClient.UniqueEmail("unconfirmed");
        var context = new NemesisContext(Graph, new OperationHistory(), Output);
        var freeze = new FreezeStandbys();
        try
        {
            await freeze.StartAsync(context, CancellationToken);

            // The commit waits for a standby until the service's command timeout cancels the wait: it then stands on the
            // primary alone, and is not acknowledged.
            using (var first = await service.PostUserAsync("Unconfirmed", email, idempotencyKey: email, CancellationToken))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
                Assert.NotNull(first.Headers.RetryAfter);
                Assert.Equal("application/problem+json", first.Content.Headers.ContentType?.MediaType);
            }

            Assert.Equal(1, await Graph.Database.QueryAsync<long>(primary, "SELECT count(*) FROM users WHERE email = @email", CancellationToken, ("email", email)));

            // Its replay is a commit of its own, which cannot reach a standby either.
            using var replayWhileFrozen = await service.PostUserAsync("Unconfirmed", email, idempotencyKey: email, CancellationToken);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, replayWhileFrozen.StatusCode);
        }
        finally
        {
            await freeze.StopAsync(context, CancellationToken);
        }

        using var replay = await service.PostUserAsync("Unconfirmed", email, idempotencyKey: email, CancellationToken);
        Assert.Equal(HttpStatusCode.Created, replay.StatusCode);
        Assert.Equal("true", replay.Header("Idempotent-Replayed"));
        var user = await replay.Content.ReadFromJsonAsync<UserResponse>(CancellationToken);
        Assert.Equal(1, await Graph.Database.QueryAsync<long>(primary, "SELECT count(*) FROM users WHERE email = @email", CancellationToken, ("email", email)));
        foreach (var standby in Graph.Database.Nodes.Select(node => node.Name).Where(name => name != primary))
        {
            Assert.True(await Graph.Database.WaitForUserAsync(standby, user!.Id, TimeSpan.FromSeconds(30), CancellationToken), $"{standby} never received user {user.Id}.");
        }
    }

    [Fact]
    public async Task EveryStandbyFrozen_WhileWritesAndSameKeyRetriesGoOn_ThenThePrimaryKilled_NoAcknowledgedWriteIsLost()
    {
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        var freeze = new FreezeStandbys();
        var kill = new KillPrimary();
        var holdEnded = TimeSpan.Zero;
        await new NemesisSchedule()
            .Start(freeze)
            // WAL that waits for no standby, as vacuum, a checkpoint's full-page images or hint bits write it: more than an
            // asynchronous set may lose in a failover (1 MiB). The synchronous standby still holds every acknowledged
            // write, so it must be promoted all the same.
            .Then("the primary writes 2 MiB of WAL no commit waits for", (context, token) =>
                context.Graph.Database.QueryAsync<long>(freeze.Primary!,
                    "SELECT (pg_logical_emit_message(false, 'replication-tests', repeat('x', 2097152)) - '0/0')::bigint", token))
            .Hold(TimeSpan.FromSeconds(8))
            .Then("the hold ends", (context, _) =>
            {
                holdEnded = context.History.Elapsed;
                return Task.CompletedTask;
            })
            .Start(kill).Stop(freeze).Stop(kill)
            .RunAsync(run.Nemeses, CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        Assert.True(report.Valid, $"Acknowledged writes were lost, or failed writes were stored:\n{report}");
        HistoryAssert.EveryWriteResolved(report);
        // The fault bit: with every standby frozen no commit can complete its wait, so writes were in flight and none was
        // acknowledged (after a second's margin for answers already on their way when the freeze began).
        var heldFrom = freeze.FrozenAt!.Value + TimeSpan.FromSeconds(1);
        var inFlight = report.InFlightDuring(heldFrom, holdEnded);
        var acknowledged = report.AcknowledgedBetween(heldFrom, holdEnded);
        Output($"While every standby was frozen ({heldFrom.TotalSeconds:F1}–{holdEnded.TotalSeconds:F1} s): {inFlight} writes in flight, {acknowledged.Count} acknowledged.");
        Assert.True(inFlight > 0, $"No write was in flight while every standby was frozen, so the fault met no traffic:\n{report}");
        Assert.True(acknowledged.Count == 0,
            $"{acknowledged.Count} writes were acknowledged while every standby was frozen ({string.Join(", ", acknowledged.Take(5).Select(operation => $"{operation.Value} at {operation.CompletedAt?.TotalSeconds:F1} s"))}):\n{report}");
    }

    [Fact]
    public async Task TwoFailoversInARow_WritesResumeAfterEach_NoAcknowledgedWriteIsLost()
    {
        Assert.SkipWhen(Graph.Database.Nodes.Count < 4, "Two failovers with synchronous replication need at least three replicas.");
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        var failovers = new DoubleFailover();
        await new NemesisSchedule().Start(failovers).Stop(failovers).RunAsync(run.Nemeses, CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        Assert.True(report.Valid, $"Acknowledged writes were lost, or failed writes were stored:\n{report}");
        HistoryAssert.EveryWriteResolved(report);
        Assert.Equal(2, failovers.PromotedAt.Count);
        Assert.All(failovers.PromotedAt, promoted => Assert.True(report.AcknowledgedAfter(promoted) > 0,
            $"No write was acknowledged after the promotion at {promoted.TotalSeconds:F1} s:\n{report}"));
    }

    [Fact]
    public async Task ARandomScheduleOfFaults_NoAcknowledgedWriteIsLost()
    {
        var seed = NemesisSchedule.SeedFromEnvironment(RandomScheduleSeed);
        Output($"Random schedule seed {seed} (replay with REPLICATION_NEMESIS_SEED={seed}).");
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        // Two failovers in a row are a scenario of their own (every durability graph has the three replicas it needs), not
        // repeated here: in this schedule they cost about a minute on each Patroni graph (11 s on the supervisor's).
        Nemesis[] nemeses =
        [
            new KillPrimary(), new FreezePrimary(), new FreezeStandbys(), Nemesis.Staggered(TimeSpan.FromSeconds(3), new FreezeStandbys(), new KillPrimary()),
            new KillService(ResourceNames.PrimaryService), new KillService(ResourceNames.BackupService),
        ];
        // One full cycle: every nemesis starts once, however slow the machine (REPLICATION_NEMESIS_CYCLES runs more).
        var cycles = NemesisSchedule.CyclesFromEnvironment();
        var schedule = NemesisSchedule.Random(seed, nemeses, cycles);
        await schedule.RunAsync(run.Nemeses, CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        Assert.True(report.Valid, $"Seed {seed}: acknowledged writes were lost, or failed writes were stored:\n{report}");
        HistoryAssert.EveryWriteResolved(report);
        var missed = nemeses.Where(nemesis => schedule.Started.Count(name => name == nemesis.Name) < cycles).Select(nemesis => nemesis.Name).ToList();
        Assert.True(missed.Count == 0, $"Seed {seed}: the schedule ({schedule}) never started {string.Join(", ", missed)}; it started [{string.Join(", ", schedule.Started)}].");
    }
}

[Collection(SyncDurabilityGraph.Name)]
public sealed class SyncDurabilityScenarios(SyncDurabilityGraph graph) : DurabilityScenarios<SyncDurabilityGraph>(graph)
{
    // The supervisor's fencing, with a history and same-key retries. Under Patroni the same fault and the same claims
    // (nothing acknowledged is lost, one writable node once the former primary is back) are PatroniFailoverScenarios'
    // PrimaryFrozen scenario, and FreezePrimary is one of the random schedule's nemeses: run here too, it cost CI 90 s.
    // A standby promoted behind the HA manager's back (pg_promote) while the primary lives is a second writable node,
    // which clients may write to though no standby follows it. The supervisor fences it on its next look at the nodes;
    // the repair then rejoins it. (Patroni demotes such a node itself: it holds no leader lock. Where no HA manager acts,
    // the repair reports it as a split brain: SplitBrainReportTests.)
    [Fact]
    public async Task AStandbyPromotedBehindTheSupervisorsBack_IsFenced_AndTheRepairRejoinsIt()
    {
        var (primary, rogue) = await RestoredPrimaryAndAStandbyAsync();
        await PromoteBehindTheHaManagersBackAsync(rogue);
        var promoted = DateTime.UtcNow;
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(Graph.App.SnapshotOf(rogue).PropertyValue(ReplicaSetProperties.Fenced) is not null),
            new HaManager(Graph.App).FailoverBound, TimeSpan.FromMilliseconds(50), $"the supervisor to fence {rogue}", CancellationToken);
        Output($"{rogue} was fenced {(DateTime.UtcNow - promoted).TotalSeconds:F1} s after its promotion.");
        Assert.Equal([primary], await Graph.Database.WritableNodesAsync(CancellationToken));
        Assert.False(Graph.Database.IsNodeRunning(rogue), $"{rogue} is fenced but still runs.");

        await GraphRepair.RestoreAsync(Graph, Output, CancellationToken);
        Assert.Equal([primary], await Graph.Database.WritableNodesAsync(CancellationToken));
    }

    // The resolution of indeterminate writes is the kit's and the API's, whatever the HA manager: run once, here.
    [Fact]
    public async Task WritesLeftIndeterminateWhileEveryStandbyWasFrozen_AreResolvedByReplayingTheirKeys_AndEveryResolvedOneIsStored()
    {
        await GraphRepair.RestoreAsync(Graph, Output, CancellationToken);
        var history = new OperationHistory();
        var context = new NemesisContext(Graph, history, Output);
        var freeze = new FreezeStandbys();
        await using var writes = UniqueWrites.Start(Graph.Workload, history);
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(history.AcknowledgedSince(TimeSpan.Zero) >= 20), HistoryRun.AcknowledgementTimeout,
            TimeSpan.FromMilliseconds(20), "20 acknowledged writes", CancellationToken);
        try
        {
            // Every commit now waits for a standby until its wait is cancelled (503, retried with the same key): the
            // writes stop with those answers, so they end unknown.
            await freeze.StartAsync(context, CancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(6), CancellationToken);
            await writes.StopAsync();
        }
        finally
        {
            await freeze.StopAsync(context, CancellationToken);
        }

        var indeterminate = history.Operations.Count(operation => operation.Outcome == OperationOutcome.Unknown);
        await GraphRepair.RestoreAsync(Graph, Output, CancellationToken);
        var unresolved = await writes.ResolveUnknownAsync(CancellationToken);
        var report = HistoryChecker.Check(history, await Graph.Workload.StoredKeysAsync(writes.ValuePrefix, CancellationToken));
        Output(report.ToString());

        Assert.True(indeterminate > 0, $"No write was left indeterminate by the frozen standbys, so there was nothing to resolve:\n{report}");
        Assert.Equal((0, 0, indeterminate), (unresolved, report.Unknown, report.ResolvedAfterRepair));
        Assert.True(report.Valid, $"A write resolved as acknowledged is not stored, or one resolved as failed is:\n{report}");
    }

    [Fact]
    public async Task AFrozenPrimaryThawedAfterAReplicaWasPromoted_NeverAcknowledgesAWrite()
    {
        await using var run = await HistoryRun.StartAsync(Graph, output: Output, cancellationToken: CancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, CancellationToken);

        var freeze = new FreezePrimary();
        string? promoted = null;
        await new NemesisSchedule()
            .Start(freeze)
            .Then("a replica is promoted", async (context, token) =>
                promoted = await context.Graph.Database.WaitForNewPrimaryAsync(freeze.Frozen!, context.HaManager.FailoverBound, token))
            .Then("writes are acknowledged through it", (_, token) => run.WaitForAcknowledgedWritesAsync(20, token))
            .Stop(freeze).Hold(TimeSpan.FromSeconds(5))
            .RunAsync(run.Nemeses, CancellationToken);
        var writable = await Graph.Database.WritableNodesAsync(CancellationToken);
        var report = await run.FinishAsync(CancellationToken);

        Assert.True(writable.SequenceEqual([promoted!]), $"After the thaw, [{string.Join(", ", writable)}] accepted writes; only {promoted} may.");
        Assert.True(report.Valid, $"Acknowledged writes were lost (a split brain acknowledges writes the new primary never sees):\n{report}");
        HistoryAssert.EveryWriteResolved(report);
    }
}

[Collection(PatroniGraph.Name)]
public sealed class PatroniDurabilityScenarios(PatroniGraph graph) : DurabilityScenarios<PatroniGraph>(graph);

[Collection(PatroniOnContainersGraph.Name)]
public sealed class PatroniOnContainersDurabilityScenarios(PatroniOnContainersGraph graph) : DurabilityScenarios<PatroniOnContainersGraph>(graph);
