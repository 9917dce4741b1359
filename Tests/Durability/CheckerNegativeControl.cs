using Replication.Tests.Kit;

namespace Replication.Tests.Durability;

/// <summary>
/// The checkers are trusted only because they can fail: with asynchronous replication, writes acknowledged while
/// every standby was frozen are gone once the primary is killed, and both the history checker and the load probe's
/// (<see cref="AcknowledgedWrites"/>) must report them as lost.
/// </summary>
public abstract class CheckerNegativeControl<TGraph>(TGraph graph) where TGraph : GraphFixture
{
    [Fact]
    public async Task WithAsyncReplication_StandbysFrozenThenThePrimaryKilled_TheCheckerReportsLostWrites()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var run = await HistoryRun.StartAsync(graph, output: line => TestContext.Current.TestOutputHelper?.WriteLine(line),
            cancellationToken: cancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, cancellationToken);

        var freeze = new FreezeStandbys();
        var kill = new KillPrimary();
        await new NemesisSchedule()
            .Start(freeze).Then("writes are acknowledged by the primary alone", (_, token) => run.WaitForAcknowledgedWritesAsync(20, token))
            .Start(kill).Stop(freeze).Stop(kill)
            .RunAsync(run.Nemeses, cancellationToken);
        var report = await run.FinishAsync(cancellationToken);

        Assert.True(report.Lost > 0, $"The checker reported no lost write, though the primary acknowledged writes no standby could receive:\n{report}");
        Assert.False(report.Valid);
    }

    [Fact]
    public async Task WithAsyncReplication_StandbysFrozenThenThePrimaryKilled_TheLoadProbesCheckReportsLostWrites()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Action<string> output = line => TestContext.Current.TestOutputHelper?.WriteLine(line);
        var context = new NemesisContext(graph, new OperationHistory(), output);
        var freeze = new FreezeStandbys();
        var kill = new KillPrimary();
        LoadReport report;
        await using (var load = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 4, WriteFraction = 1, IdempotentWrites = true }))
        {
            await load.WaitForResponsesAsync(50, cancellationToken);
            try
            {
                await freeze.StartAsync(context, cancellationToken);
                var frozenAt = load.Elapsed;
                await Poll.UntilOrThrowAsync(_ => Task.FromResult(load.AcknowledgedWritesSince(frozenAt) >= 20), TimeSpan.FromSeconds(30),
                    TimeSpan.FromMilliseconds(50), "writes acknowledged by the primary alone", cancellationToken);
                await kill.StartAsync(context, cancellationToken);
            }
            finally
            {
                await freeze.StopAsync(context, cancellationToken);
            }

            await kill.StopAsync(context, cancellationToken);
            report = await load.StopAsync();
        }

        var writes = await AcknowledgedWrites.VerifyAsync(report, cancellationToken);
        output(writes.ToString());
        await GraphRepair.RestoreAsync(graph, output, cancellationToken);

        Assert.True(writes.Lost > 0, $"The load probe's check reported no lost write, though the primary acknowledged writes no standby could receive: {writes}\n{report}");
    }
}

// The default graph is Async.
[Collection(ServiceFaultsGraph.Name)]
public sealed class AsyncCheckerNegativeControl(GraphFixture graph) : CheckerNegativeControl<GraphFixture>(graph);
