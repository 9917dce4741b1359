using Replication.Tests.Kit;

namespace Replication.Tests.KitTests;

[Collection(ServiceFaultsGraph.Name)]
public sealed class LoadProbeTests(GraphFixture graph)
{
    [Fact]
    public async Task WhenEveryRequestFailsTheProbeCountsEveryRequestAsFailed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        try
        {
            await graph.Faults.FailRequestsAsync("primaryservice", rate: 1, status: 500, cancellationToken);
            await graph.Faults.FailRequestsAsync("backupservice", rate: 1, status: 500, cancellationToken);

            var report = await LoadProbe.RunAsync(graph.Gateway, TimeSpan.FromSeconds(2), new LoadOptions { Concurrency = 2 }, cancellationToken);
            TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());

            Assert.True(report.Total > 10, report.ToString());
            Assert.Equal(report.Total, report.Failed);
            Assert.Empty(report.AcknowledgedWrites);
        }
        finally
        {
            await graph.Faults.ClearFaultsAsync("primaryservice", cancellationToken);
            await graph.Faults.ClearFaultsAsync("backupservice", cancellationToken);
            await graph.WaitUntilBothServicesServeAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task OnAHealthyGraphEveryRequestSucceedsAndEveryWriteIsConfirmed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(graph.Gateway, new LoadOptions { Concurrency = 4, WriteFraction = 0.5 });
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var report = await load.StopAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());

        var writes = await AcknowledgedWrites.VerifyAsync(report, load.EmailPrefix, graph.Database, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(writes.ToString());

        Assert.Equal(0, report.Failed);
        Assert.Equal(report.Samples.Count(s => s.Kind == RequestKind.Write), writes.Acknowledged);
        Assert.Equal(writes.Acknowledged, writes.Confirmed);
        Assert.Equal(writes.Acknowledged, writes.RowsWritten);
    }
}

/// <summary>Two tests of one collection see one graph: the fixture is booted once and shared.</summary>
[Collection(ServiceFaultsGraph.Name)]
public sealed class GraphSharingTests(GraphFixture graph)
{
    private static readonly List<GraphFixture> Seen = [];

    [Fact]
    public void FirstTestSeesTheSharedGraph() => RecordAndCompare();

    [Fact]
    public void SecondTestSeesTheSameGraph() => RecordAndCompare();

    private void RecordAndCompare()
    {
        lock (Seen)
        {
            Seen.Add(graph);
            Assert.All(Seen, seen => Assert.Same(graph, seen));
        }
    }
}
