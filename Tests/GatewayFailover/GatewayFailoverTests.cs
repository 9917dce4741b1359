using Replication.Tests.Kit;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The gateway's promise: not one failed client request when the primary service crashes, hangs or errors,
/// and traffic returns to the primary by itself once it is healthy.
/// </summary>
public abstract class GatewayFailoverScenarios<TGraph>(TGraph graph) : GraphScenarios<TGraph>(graph)
    where TGraph : GraphFixture
{
    private static readonly LoadOptions SteadyLoad = new() { Concurrency = 8, WriteFraction = 0.2 };

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Graph.WaitUntilBothServicesServeAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PrimaryKilledAndRestartedUnderLoad_NoRequestFails_TrafficFailsOverAndBack()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(Graph.Gateway, SteadyLoad);
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault("SIGKILL primaryservice");
        await Graph.Faults.KillAsync("primaryservice", cancellationToken);
        await load.WaitForResponsesAsync(300, cancellationToken);
        var killedAt = load.Elapsed;

        load.MarkRecovery("start primaryservice");
        await Graph.Faults.StartAsync("primaryservice", cancellationToken);
        await Graph.WaitUntilServedByAsync("primaryservice", cancellationToken);
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
        await using var load = LoadProbe.Start(Graph.Gateway, SteadyLoad);
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault("SIGSTOP primaryservice for 5 s");
        var resumed = await Graph.Faults.HangAsync("primaryservice", TimeSpan.FromSeconds(5), cancellationToken);
        await resumed;
        load.MarkRecovery("SIGCONT primaryservice");
        await Graph.WaitUntilServedByAsync("primaryservice", cancellationToken);
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
        await using var load = LoadProbe.Start(Graph.Gateway, SteadyLoad);
        await load.WaitForResponsesAsync(100, cancellationToken);
        try
        {
            load.MarkFault($"primaryservice fails {rate:P0} of requests with 500");
            await Graph.Faults.FailRequestsAsync("primaryservice", rate, 500, cancellationToken);
            await load.WaitForResponsesAsync(400, cancellationToken);
        }
        finally
        {
            await Graph.Faults.ClearFaultsAsync("primaryservice", cancellationToken);
            load.MarkRecovery("faults cleared");
        }

        await Graph.WaitUntilServedByAsync("primaryservice", cancellationToken);
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
        await using var load = LoadProbe.Start(Graph.Gateway, new LoadOptions { Concurrency = 8, WriteFraction = 1, IdempotentWrites = false });
        await load.WaitForResponsesAsync(100, cancellationToken);

        load.MarkFault("SIGKILL primaryservice");
        await Graph.Faults.KillAsync("primaryservice", cancellationToken);
        await load.WaitForResponsesAsync(200, cancellationToken);
        var report = await load.StopAsync();
        await Graph.Faults.StartAsync("primaryservice", cancellationToken);

        var writes = await AcknowledgedWrites.VerifyAsync(report, load.EmailPrefix, Graph.Database, cancellationToken);
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
        await Graph.Faults.StopAsync("primaryservice", cancellationToken);
        await Graph.Faults.StopAsync("backupservice", cancellationToken);
        try
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var response = await Graph.Gateway.GetAsync("/users?limit=1", cancellationToken);
            var elapsed = started.Elapsed;

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
            TestContext.Current.TestOutputHelper?.WriteLine($"503 after {elapsed.TotalMilliseconds:F0} ms");
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"The 503 took {elapsed.TotalMilliseconds:F0} ms.");

            await Graph.Faults.StartAsync("backupservice", cancellationToken);
            await Graph.WaitUntilServedByAsync("backupservice", cancellationToken);
        }
        finally
        {
            await Graph.Faults.StartAsync("primaryservice", cancellationToken);
            if (Graph.App.ResourceNotifications.TryGetCurrentState("backupservice", out var backup)
                && backup.Snapshot.State?.Text != KnownResourceStates.Running)
            {
                await Graph.Faults.StartAsync("backupservice", cancellationToken);
            }
        }
    }

    [Fact]
    public async Task OversizedBodyGets413AndNothingReachesTheServices()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var primary = await Graph.Database.FindPrimaryAsync(cancellationToken);
        var before = await Graph.Database.CountUsersAsync(primary, cancellationToken);
        var name = new string('x', 2 * 1024 * 1024);

        using var response = await Graph.Gateway.PostUserAsync(name, UsersApiClient.UniqueEmail(), cancellationToken: cancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Header("X-Served-By")); // The gateway answered itself; no service saw the request.
        Assert.Equal(before, await Graph.Database.CountUsersAsync(primary, cancellationToken));
    }

    private void Log(LoadReport report, string? extra = null)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine("Gateway log (last lines):\n  " + string.Join("\n  ", Graph.RecentLogs("gateway").TakeLast(15)));
        if (extra is not null)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(extra);
        }
    }
}

[Collection(ServiceFaultsGraph.Name)]
public sealed class GatewayFailoverTests(GraphFixture graph) : GatewayFailoverScenarios<GraphFixture>(graph);

[Collection(ContainerGraph.Name)]
public sealed class GatewayFailoverOnContainersTests(ContainerGraphFixture graph) : GatewayFailoverScenarios<ContainerGraphFixture>(graph);
