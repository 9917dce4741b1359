using Replication.Tests.Kit;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The gateway's promise: not one failed client request when the primary service crashes, hangs or errors,
/// and traffic returns to the primary by itself once it is healthy.
/// </summary>
[Collection(ServiceFaultsGraph.Name)]
public sealed class GatewayFailoverTests(GraphFixture graph) : IAsyncLifetime
{
    private static readonly LoadOptions SteadyLoad = new() { Concurrency = 8, WriteFraction = 0.2 };

    public async ValueTask InitializeAsync() => await graph.WaitUntilBothServicesServeAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task PrimaryKilledAndRestartedUnderLoad_NoRequestFails_TrafficFailsOverAndBack()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(graph.Gateway, SteadyLoad);
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault("SIGKILL primaryservice");
        await graph.Faults.KillAsync("primaryservice", cancellationToken);
        await load.WaitForResponsesAsync(300, cancellationToken);
        var killedAt = load.Elapsed;

        load.MarkRecovery("start primaryservice");
        await graph.Faults.StartAsync("primaryservice", cancellationToken);
        await graph.WaitUntilServedByAsync("primaryservice", cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken); // the circuit closes on its first probe
        var failedBackAt = load.Elapsed;
        await load.WaitForResponsesAsync(300, cancellationToken);
        var report = await load.StopAsync();
        Log(report);

        Assert.True(report.Failed == 0, $"Requests failed while the primary was killed and restarted:\n{report}");
        Assert.True(report.TimeToFailover is not null, $"No response was served by the backup after the kill:\n{report}");
        Assert.True(report.TimeToFailback is not null, $"Traffic did not return to the primary after its restart:\n{report}");
        Assert.True(report.ServedAfter(failedBackAt).All(sample => sample.ServedBy == "primaryservice"),
            $"The primary does not serve everything again after failback:\n{report}");
        Assert.Contains(report.ServedAfter(killedAt - TimeSpan.FromSeconds(1)), sample => sample.ServedBy == "backupservice");
    }

    [Fact]
    public async Task PrimaryHungUnderLoad_NoRequestFails_AndNoneWaitsMuchLongerThanTheHedgingDelay()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(graph.Gateway, SteadyLoad);
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault("SIGSTOP primaryservice for 5 s");
        var resumed = await graph.Faults.HangAsync("primaryservice", TimeSpan.FromSeconds(5), cancellationToken);
        await resumed;
        load.MarkRecovery("SIGCONT primaryservice");
        await graph.WaitUntilServedByAsync("primaryservice", cancellationToken);
        await load.WaitForResponsesAsync(200, cancellationToken);
        var report = await load.StopAsync();
        Log(report);

        Assert.True(report.Failed == 0, $"Requests failed while the primary hung:\n{report}");
        // Hedging delay (300 ms) plus one backup round trip; the rest is slack for a shared 2-core machine.
        Assert.True(report.Max < TimeSpan.FromSeconds(2), $"A request waited {report.Max.TotalMilliseconds:F0} ms:\n{report}");
        Assert.True(report.TimeToFailover is not null, $"The backup served nothing while the primary hung:\n{report}");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    public async Task PrimaryReturning500s_NoClientRequestFails(double rate)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(graph.Gateway, SteadyLoad);
        await load.WaitForResponsesAsync(100, cancellationToken);
        try
        {
            load.MarkFault($"primaryservice fails {rate:P0} of requests with 500");
            await graph.Faults.FailRequestsAsync("primaryservice", rate, 500, cancellationToken);
            await load.WaitForResponsesAsync(400, cancellationToken);
        }
        finally
        {
            await graph.Faults.ClearFaultsAsync("primaryservice", cancellationToken);
            load.MarkRecovery("faults cleared");
        }

        await graph.WaitUntilServedByAsync("primaryservice", cancellationToken);
        var report = await load.StopAsync();
        Log(report);

        Assert.True(report.Failed == 0, $"Client requests failed while the primary returned 500s:\n{report}");
        Assert.True(report.TimeToFailover is not null, $"The backup served nothing:\n{report}");
    }

    [Fact]
    public async Task WritesDuringAPrimaryKill_EveryAcknowledgedWriteExistsExactlyOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // The client sends no key: the gateway adds one, which is what makes a retried POST safe.
        await using var load = LoadProbe.Start(graph.Gateway, new LoadOptions { Concurrency = 8, WriteFraction = 1, IdempotentWrites = false });
        await load.WaitForResponsesAsync(100, cancellationToken);

        load.MarkFault("SIGKILL primaryservice");
        await graph.Faults.KillAsync("primaryservice", cancellationToken);
        await load.WaitForResponsesAsync(200, cancellationToken);
        var report = await load.StopAsync();
        await graph.Faults.StartAsync("primaryservice", cancellationToken);

        var writes = await AcknowledgedWrites.VerifyAsync(report, load.EmailPrefix, graph.Database, cancellationToken);
        Log(report, writes.ToString());

        Assert.True(report.Failed == 0, $"Writes failed across the failover:\n{report}");
        Assert.True(writes.Lost == 0 && writes.Errored == 0, writes.ToString());
        // One row per acknowledged write and no more: nothing was applied twice, nothing unacknowledged was kept.
        Assert.Equal(writes.Acknowledged, writes.RowsWritten);
    }

    [Fact]
    public async Task BothServicesDown_GatewayAnswers503Quickly_AndRecoversWhenOneReturns()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await graph.Faults.StopAsync("primaryservice", cancellationToken);
        await graph.Faults.StopAsync("backupservice", cancellationToken);
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var response = await graph.Gateway.GetAsync("/users?limit=1", cancellationToken);
            var elapsed = started.Elapsed;

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
            TestContext.Current.TestOutputHelper?.WriteLine($"503 after {elapsed.TotalMilliseconds:F0} ms");
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"The 503 took {elapsed.TotalMilliseconds:F0} ms.");

            await graph.Faults.StartAsync("backupservice", cancellationToken);
            await graph.WaitUntilServedByAsync("backupservice", cancellationToken);
        }
        finally
        {
            await graph.Faults.StartAsync("primaryservice", cancellationToken);
            if (graph.App.ResourceNotifications.TryGetCurrentState("backupservice", out var backup)
                && backup.Snapshot.State?.Text != KnownResourceStates.Running)
            {
                await graph.Faults.StartAsync("backupservice", cancellationToken);
            }
        }
    }

    [Fact]
    public async Task OversizedBodyGets413AndNothingReachesTheServices()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var before = await graph.Database.CountUsersAsync("pg-0", cancellationToken);
        var name = new string('x', 2 * 1024 * 1024);

        using var response = await graph.Gateway.PostUserAsync(name, UsersApiClient.UniqueEmail(), cancellationToken: cancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Header("X-Served-By")); // The gateway answered itself; no service saw the request.
        Assert.Equal(before, await graph.Database.CountUsersAsync("pg-0", cancellationToken));
    }

    private void Log(LoadReport report, string? extra = null)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine("Gateway log (last lines):\n  " + string.Join("\n  ", graph.RecentLogs("gateway").TakeLast(15)));
        if (extra is not null)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(extra);
        }
    }
}
