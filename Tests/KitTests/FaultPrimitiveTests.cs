using Replication.Tests.Kit;

namespace Replication.Tests.KitTests;

/// <summary>Each fault primitive of the kit, proven against the real graph.</summary>
[Collection(ServiceFaultsGraph.Name)]
public sealed class FaultPrimitiveTests(GraphFixture graph) : IAsyncLifetime
{
    public async ValueTask InitializeAsync() => await graph.RestoreServicesAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task KillAsyncEndsTheServiceProcessAndStartAsyncBringsItBack()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var pid = graph.Faults.ProcessOf("backupservice");
        try
        {
            await graph.Faults.KillAsync("backupservice", cancellationToken);

            Assert.False(ProcessTree.IsAlive(pid), $"Process {pid} survived SIGKILL.");
            Assert.False(graph.IsRunning("backupservice"), "backupservice is still Running after its process was killed.");
        }
        finally
        {
            await graph.Faults.StartAsync("backupservice", cancellationToken);
        }

        using var client = graph.App.CreateHttpClient("backupservice", "http");
        using var response = await client.GetAsync("/users?limit=1", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(pid, graph.Faults.ProcessOf("backupservice"));
    }

    [Fact]
    public async Task HangAsyncMakesRequestsTimeOutThenRecover()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = graph.App.CreateHttpClient("backupservice", "http");

        var resumed = await graph.Faults.HangAsync("backupservice", TimeSpan.FromSeconds(3), cancellationToken);
        try
        {
            Assert.Equal('T', ProcessTree.StateOf(graph.Faults.ProcessOf("backupservice")));
            // A frozen process cannot answer, however long it is given; one second shows it without waiting out the hang.
            using var oneSecond = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            oneSecond.CancelAfter(TimeSpan.FromSeconds(1));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAsync("/users?limit=1", oneSecond.Token));
            await resumed;
        }
        finally
        {
            await graph.ServiceFaults.ClearAsync("backupservice", cancellationToken);
        }
        using var response = await client.GetAsync("/users?limit=1", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task FailRequestsAsyncFailsAboutTheGivenShareWithTheGivenStatusUntilCleared()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = graph.App.CreateHttpClient("backupservice", "http");
        try
        {
            await graph.ServiceFaults.FailRequestsAsync("backupservice", rate: 0.5, status: 503, cancellationToken);
            var statuses = new List<HttpStatusCode>();
            for (var i = 0; i < 200; i++)
            {
                using var response = await client.GetAsync("/users?limit=1", cancellationToken);
                statuses.Add(response.StatusCode);
            }

            var failed = statuses.Count(status => status == HttpStatusCode.ServiceUnavailable);
            Assert.InRange(failed, 60, 140); // 50% of 200; binomial standard deviation ≈ 7.
            Assert.Equal(200, failed + statuses.Count(status => status == HttpStatusCode.OK));
        }
        finally
        {
            await graph.ServiceFaults.ClearAsync("backupservice", cancellationToken);
        }

        for (var i = 0; i < 50; i++)
        {
            using var response = await client.GetAsync("/users?limit=1", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
