using Replication.Tests.Kit;

namespace Replication.Tests.Durability;

/// <summary>
/// The kit's two checkers are trusted only because they can fail: with asynchronous replication, writes acknowledged
/// while every standby was frozen are gone once the primary is killed, and each checker must report them as lost. One
/// fault, judged twice: the history checker (<see cref="HistoryRun"/>'s unique writes) and the load probe's
/// (<see cref="AcknowledgedWrites"/>, from the probe's own writes).
/// </summary>
public abstract class CheckerNegativeControl<TGraph>(TGraph graph) where TGraph : GraphFixture
{
    [Fact]
    public async Task WithAsyncReplication_StandbysFrozenThenThePrimaryKilled_BothCheckersReportLostWrites()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var run = await HistoryRun.StartAsync(graph, output: line => TestContext.Current.TestOutputHelper?.WriteLine(line),
            cancellationToken: cancellationToken);
        await using var probe = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 2, WriteFraction = 1 });
        await run.WaitForAcknowledgedWritesAsync(30, cancellationToken);

        var freeze = new FreezeStandbys();
        var kill = new KillPrimary();
        var probeAcknowledgedWhileFrozen = 0;
        await new NemesisSchedule()
            .Start(freeze).Then("writes of both checkers are acknowledged by the primary alone", async (_, token) =>
            {
                var frozenAt = probe.Elapsed;
                await run.WaitForAcknowledgedWritesAsync(20, token);
                await Poll.UntilOrThrowAsync(_ => Task.FromResult(probe.AcknowledgedWritesSince(frozenAt) >= 10), HistoryRun.AcknowledgementTimeout,
                    TimeSpan.FromMilliseconds(20), "10 acknowledged writes of the load probe", token);
                probeAcknowledgedWhileFrozen = probe.AcknowledgedWritesSince(frozenAt);
            })
            .Start(kill).Stop(freeze).Stop(kill)
            .RunAsync(run.Nemeses, cancellationToken);
        var report = await run.FinishAsync(cancellationToken);
        var probeReport = await probe.StopAsync();
        var probeWrites = await AcknowledgedWrites.VerifyAsync(probeReport, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine($"Load probe: {probeAcknowledgedWhileFrozen} writes acknowledged while the standbys were frozen; {probeWrites}");

        Assert.True(report.Lost > 0, $"The history checker reported no lost write, though the primary acknowledged writes no standby could receive:\n{report}");
        Assert.False(report.Valid);
        Assert.True(probeWrites.Lost > 0, $"The load probe's check reported no lost write, though the primary acknowledged {probeAcknowledgedWhileFrozen} of its writes while no standby could receive them:\n{probeWrites}");
    }
}

// The default graph is Async.
[Collection(ServiceFaultsGraph.Name)]
public sealed class AsyncCheckerNegativeControl(GraphFixture graph) : CheckerNegativeControl<GraphFixture>(graph);
