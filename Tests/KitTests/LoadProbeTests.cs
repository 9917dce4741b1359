using Replication.Tests.Kit;

namespace Replication.Tests.KitTests;

[Collection(ServiceFaultsGraph.Name)]
public sealed class LoadProbeTests(GraphFixture graph) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await graph.RestoreServicesAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task WhenEveryRequestFailsTheProbeCountsEveryRequestAsFailed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        try
        {
            await graph.ServiceFaults.FailRequestsAsync("primaryservice", rate: 1, status: 500, cancellationToken);
            await graph.ServiceFaults.FailRequestsAsync("backupservice", rate: 1, status: 500, cancellationToken);

            // A count of responses, not a time: the first requests through a fresh gateway can take seconds on a busy machine.
            var report = await LoadProbe.RunAsync(graph.Workload, responses: 20, new LoadOptions { Concurrency = 2 }, cancellationToken);
            TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());

            Assert.True(report.Total >= 20, report.ToString());
            Assert.Equal(report.Total, report.Failed);
            Assert.Empty(report.AcknowledgedWrites);
        }
        finally
        {
            await graph.RestoreServicesAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task OnAHealthyGraphEveryRequestSucceedsAndEveryWriteIsConfirmed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 4, WriteFraction = 0.5 });
        await load.WaitForResponsesAsync(100, cancellationToken);
        var report = await load.StopAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());

        var writes = await AcknowledgedWrites.VerifyAsync(report, cancellationToken);
        TestContext.Current.TestOutputHelper?.WriteLine(writes.ToString());

        Assert.Equal(0, report.Failed);
        Assert.True(writes.Acknowledged > 0, $"The probe acknowledged no write, so nothing was checked:\n{report}");
        Assert.Equal(report.Samples.Count(s => s.Kind == RequestKind.Write), writes.Acknowledged);
        Assert.Equal(writes.Acknowledged, writes.Confirmed);
        Assert.Equal(writes.Acknowledged, writes.Stored);
    }
}

/// <summary>
/// Two tests of one collection see one graph: the fixture is booted once for the collection and handed to every test.
/// Each test checks it against the record the fixture keeps of its own boots, so neither depends on running second.
/// </summary>
[Collection(ServiceFaultsGraph.Name)]
public sealed class GraphSharingTests(GraphFixture graph)
{
    [Fact]
    public void FirstTestSeesTheSharedGraph() => AssertTheCollectionBootedOnlyThisGraph();

    [Fact]
    public void SecondTestSeesTheSameGraph() => AssertTheCollectionBootedOnlyThisGraph();

    private void AssertTheCollectionBootedOnlyThisGraph()
    {
        var booted = GraphFixture.BootedForCurrentCollection;
        Assert.True(booted.Count == 1, $"The collection booted {booted.Count} graphs, not one.");
        Assert.Same(graph, booted.Single());
    }
}
