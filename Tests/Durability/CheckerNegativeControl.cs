using Replication.Tests.Kit;

namespace Replication.Tests.Durability;

/// <summary>
/// The history checker is trusted only because it can fail: with asynchronous replication, writes acknowledged while
/// every standby was frozen are gone once the primary is killed, and the checker must report them as lost.
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
}

// The default graph is Async.
[Collection(ServiceFaultsGraph.Name)]
public sealed class AsyncCheckerNegativeControl(GraphFixture graph) : CheckerNegativeControl<GraphFixture>(graph);
