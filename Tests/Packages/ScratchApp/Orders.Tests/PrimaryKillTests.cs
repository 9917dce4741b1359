using Replication.Testing;
using Xunit;

[assembly: AssemblyFixture(typeof(Orders.Tests.OrdersGraph))]

namespace Orders.Tests;

public sealed class PrimaryKillTests(OrdersGraph graph)
{
    [Fact]
    public async Task ThePrimaryKilledUnderWrites_NoAcknowledgedOrderIsLost()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        Assert.SkipWhen(graph.SkipReason is not null, graph.SkipReason ?? "");
        Action<string> output = line => TestContext.Current.TestOutputHelper?.WriteLine(line);

        // Orders go on while the primary's machine crashes, until a replica is promoted and takes them.
        await using var run = await HistoryRun.StartAsync(graph, output: output, cancellationToken: cancellationToken);
        await run.WaitForAcknowledgedWritesAsync(30, cancellationToken);
        var kill = new KillPrimary();
        await new NemesisSchedule().Start(kill).Stop(kill).RunAsync(run.Nemeses, cancellationToken);
        var report = await run.FinishAsync(cancellationToken);

        Assert.True(report.Valid, $"Acknowledged orders were lost, or refused orders were stored:\n{report}");
        Assert.True(report.Unknown == 0, $"Orders stayed indeterminate after they were replayed with their keys:\n{report}");
        Assert.NotNull(kill.Promoted);
    }
}
