using Replication.Gateway;
using Replication.Tests.Kit;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The gateway's promise: not one failed client request when the primary service crashes, hangs or errors,
/// and traffic returns to the primary by itself once it is healthy.
/// </summary>
public abstract class GatewayFailoverScenarios<TGraph>(TGraph graph) : GraphScenarios<TGraph>(graph)
    where TGraph : GraphFixture
{
    protected const string Primary = ResourceNames.PrimaryService;
    protected const string Backup = ResourceNames.BackupService;
    protected static readonly LoadOptions SteadyLoad = new() { Concurrency = 8, WriteFraction = 0.2 };

    /// <summary>
    /// .NET's timers run on the coarse monotonic clock (one kernel tick: 4 ms at HZ=250, 10 ms at HZ=100), so a 300 ms
    /// hedging delay may elapse after 296 ms by the probe's stopwatch. A hedge that did not wait would take a few ms.
    /// </summary>
    private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(10);

    protected GatewayOptions Settings => GatewaySettings.Of(Graph.App);

    /// <summary>Whether the request took at least the gateway's hedging delay, as one hedged after waiting for it does.</summary>
    protected bool WaitedTheHedgingDelay(LoadSample sample) => sample.Latency >= Settings.HedgingDelay - TimerResolution;

    /// <summary>The first few samples, one a line, for a failure message: when each was sent, how long it took, who served it.</summary>
    protected static string Describe(IEnumerable<LoadSample> samples) => string.Join("\n", samples.Take(5).Select(sample =>
        $"  sent at {sample.Start.TotalSeconds:F3} s, {sample.Kind}, {sample.Latency.TotalMilliseconds:F1} ms, served by {sample.ServedBy ?? "none"}"));

    // Whatever an earlier scenario broke, even one that failed half-way, is repaired before the next one starts.
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Graph.RestoreServicesAsync(TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task PrimaryKilledAndRestartedUnderLoad_NoRequestFails_TrafficFailsOverAndBack()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(Graph.Workload, SteadyLoad);
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault("SIGKILL primaryservice");
        await Graph.Faults.KillAsync(Primary, cancellationToken);
        var killedAt = load.Elapsed;
        await load.WaitForResponsesAsync(300, cancellationToken);

        load.MarkRecovery("start primaryservice");
        var restartedAt = load.Elapsed;
        await Graph.Faults.StartAsync(Primary, cancellationToken);
        await Graph.WaitUntilServedByAsync(Primary, cancellationToken);
        await WaitUntilCircuitClosedAsync(Primary, cancellationToken);
        var failedBackAt = load.Elapsed;
        await load.WaitForResponsesAsync(300, cancellationToken);
        var report = await load.StopAsync();
        Log(report);

        Assert.True(report.Failed == 0, $"Requests failed while the primary was killed and restarted:\n{report}");
        Assert.True(report.TimeToFailover is not null, $"No response was served by the backup after the kill:\n{report}");
        Assert.True(report.TimeToFailback is not null, $"Traffic did not return to the primary after its restart:\n{report}");
        var whileDead = report.Samples.Where(sample => sample.Start >= killedAt && sample.Start < restartedAt).ToList();
        Assert.True(whileDead.Count > 0 && whileDead.All(sample => sample.ServedBy == Backup),
            $"While the primary was dead, not every request was served by the backup:\n{report}");
        AssertThePrimaryServesAgain(report, failedBackAt);
    }

    [Fact]
    public async Task WritesDuringAPrimaryKill_EveryAcknowledgedWriteExistsExactlyOnce()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // The client sends no key: the gateway adds one, which is what makes a retried POST safe.
        await using var load = LoadProbe.Start(Graph.Workload, new LoadOptions { Concurrency = 8, WriteFraction = 1, IdempotentWrites = false });
        await load.WaitForResponsesAsync(100, cancellationToken);
        LoadReport report;
        try
        {
            load.MarkFault("SIGKILL primaryservice");
            await Graph.Faults.KillAsync(Primary, cancellationToken);
            await load.WaitForResponsesAsync(200, cancellationToken);
            report = await load.StopAsync();
        }
        finally
        {
            await Graph.Faults.StartAsync(Primary, cancellationToken);
        }

        var writes = await AcknowledgedWrites.VerifyAsync(report, cancellationToken);
        Log(report, writes.ToString());

        Assert.True(report.Failed == 0, $"Writes failed across the failover:\n{report}");
        Assert.True(writes.Lost == 0, writes.ToString());
        // One row per acknowledged write and no more: nothing was applied twice, nothing unacknowledged was kept.
        Assert.Equal(writes.Acknowledged, writes.Stored);
    }

    /// <summary>
    /// After failback the primary serves again. The backup may still answer a request now and then, but only one the
    /// primary was slower than the hedging delay for, never one sent straight to it as if the primary were down.
    /// </summary>
    protected void AssertThePrimaryServesAgain(LoadReport report, TimeSpan failedBackAt)
    {
        var afterFailback = report.ServedAfter(failedBackAt).ToList();
        Assert.True(afterFailback.Count > 0, $"No request was sent after failback:\n{report}");
        var unexpected = afterFailback.Where(sample => sample.ServedBy != Primary && !(sample.ServedBy == Backup && WaitedTheHedgingDelay(sample))).ToList();
        Assert.True(unexpected.Count == 0,
            $"After failback the backup answered a request the primary had not been slow for:\n{Describe(unexpected)}\n{report}");
        Assert.Contains(afterFailback, sample => sample.ServedBy == Primary);
    }

    protected Task WaitUntilCircuitClosedAsync(string service, CancellationToken cancellationToken) =>
        Poll.UntilOrThrowAsync(async token => (await Graph.Gateway.GetGatewayStatusAsync(token)).Circuits[service] == "Closed",
            TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(100), $"the gateway's circuit for {service} to close", cancellationToken);

    protected void Log(LoadReport report, string? extra = null)
    {
        TestContext.Current.TestOutputHelper?.WriteLine(report.ToString());
        TestContext.Current.TestOutputHelper?.WriteLine("Gateway log (last lines):\n  " + string.Join("\n  ", Graph.RecentLogs("gateway").TakeLast(15)));
        if (extra is not null)
        {
            TestContext.Current.TestOutputHelper?.WriteLine(extra);
        }
    }
}

/// <summary>
/// The gateway's own behaviour, which does not depend on how the database runs: on the process graph only. The
/// scenarios above, which kill a service under writes, run on both runtimes.
/// </summary>
[Collection(ServiceFaultsGraph.Name)]
public sealed class GatewayFailoverTests(GraphFixture graph) : GatewayFailoverScenarios<GraphFixture>(graph)
{
    [Fact]
    public async Task PrimaryHungUnderLoad_NoRequestFails_TheBackupAnswersAfterTheHedgingDelay_AndNoneWaitsForTheHungAttempt()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var hang = TimeSpan.FromSeconds(5);
        var timeoutsBefore = (await Graph.Gateway.GetGatewayStatusAsync(cancellationToken)).AttemptTimeouts;
        await using var load = LoadProbe.Start(Graph.Workload, SteadyLoad);
        await load.WaitForResponsesAsync(200, cancellationToken);

        load.MarkFault("SIGSTOP primaryservice for 5 s");
        TimeSpan frozenAt, resumedAt;
        try
        {
            var resumed = await Graph.Faults.HangAsync(Primary, hang, cancellationToken);
            frozenAt = load.Elapsed;
            await resumed;
            resumedAt = load.Elapsed;
        }
        finally
        {
            await Graph.ServiceFaults.ClearAsync(Primary, cancellationToken);
        }

        load.MarkRecovery("SIGCONT primaryservice");
        await Graph.WaitUntilServedByAsync(Primary, cancellationToken);
        await load.WaitForResponsesAsync(200, cancellationToken);
        var report = await load.StopAsync();
        Log(report);

        Assert.True(report.Failed == 0, $"Requests failed while the primary hung:\n{report}");
        // Requests sent and answered while the primary was certainly frozen (the resume may lag our clock by a moment).
        var whileFrozen = report.Samples.Where(sample => sample.Start >= frozenAt && sample.Start + sample.Latency <= resumedAt - TimeSpan.FromSeconds(1)).ToList();
        Assert.True(whileFrozen.Count > 0, $"No request was both sent and answered while the primary was frozen:\n{report}");
        Assert.True(whileFrozen.All(sample => sample.ServedBy == Backup), $"A frozen primary cannot answer, yet the backup did not serve everything:\n{report}");
        // Where the time went: each of them waited the hedging delay at the frozen primary, then the backup answered.
        var early = whileFrozen.Where(sample => !WaitedTheHedgingDelay(sample)).ToList();
        Assert.True(early.Count == 0,
            $"A request sent to the frozen primary was answered before the {Settings.HedgingDelay.TotalMilliseconds:F0} ms hedging delay:\n{Describe(early)}\n{report}");
        // None waited for the frozen attempt to time out: that is what hedging saves. Counted by the gateway, not
        // judged from latencies, which a busy machine stretches.
        var timeouts = (await Graph.Gateway.GetGatewayStatusAsync(cancellationToken)).AttemptTimeouts - timeoutsBefore;
        Assert.True(timeouts == 0,
            $"{timeouts} attempts ran into the {Settings.AttemptTimeout.TotalSeconds:F0} s attempt timeout: a client waited for the hung primary:\n{report}");
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.3)]
    public async Task PrimaryReturning500s_NoClientRequestFails(double rate)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var load = LoadProbe.Start(Graph.Workload, SteadyLoad);
        await load.WaitForResponsesAsync(100, cancellationToken);
        TimeSpan failingFrom, failingUntil;
        try
        {
            load.MarkFault($"primaryservice fails {rate:P0} of requests with 500");
            await Graph.ServiceFaults.FailRequestsAsync(Primary, rate, 500, cancellationToken);
            failingFrom = load.Elapsed;
            await load.WaitForResponsesAsync(400, cancellationToken);
            failingUntil = load.Elapsed;
        }
        finally
        {
            await Graph.ServiceFaults.ClearAsync(Primary, cancellationToken);
            load.MarkRecovery("faults cleared");
        }

        await Graph.WaitUntilServedByAsync(Primary, cancellationToken);
        var report = await load.StopAsync();
        Log(report);

        Assert.True(report.Failed == 0, $"Client requests failed while the primary returned 500s:\n{report}");
        Assert.True(report.TimeToFailover is not null, $"The backup served nothing:\n{report}");
        if (rate == 1.0)
        {
            var whileFailing = report.Samples.Where(sample => sample.Start >= failingFrom && sample.Start + sample.Latency <= failingUntil);
            Assert.True(whileFailing.All(sample => sample.ServedBy == Backup), $"A primary that fails every request served one:\n{report}");
        }
    }

    [Fact]
    public async Task BothServicesDown_GatewayAnswers503WithoutWaitingForATimeout_AndRecoversWhenOneReturns()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        try
        {
            await Graph.Faults.StopAsync(Primary, cancellationToken);
            await Graph.Faults.StopAsync(Backup, cancellationToken);
            var timeoutsBefore = (await Graph.Gateway.GetGatewayStatusAsync(cancellationToken)).AttemptTimeouts;
            var started = System.Diagnostics.Stopwatch.StartNew();
            using var response = await Graph.Gateway.GetAsync("/users?limit=1", cancellationToken);
            var elapsed = started.Elapsed;

            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Null(response.Header(ReplicationHeaders.ServedBy)); // The gateway answered itself.
            TestContext.Current.TestOutputHelper?.WriteLine($"503 after {elapsed.TotalMilliseconds:F0} ms");
            // A stopped service refuses connections at once, so no attempt may have waited for its timeout (counted by
            // the gateway: the 503's latency alone would also grow on a busy machine).
            var timeouts = (await Graph.Gateway.GetGatewayStatusAsync(cancellationToken)).AttemptTimeouts - timeoutsBefore;
            Assert.True(timeouts == 0, $"The 503 came after {timeouts} attempts ran into the {Settings.AttemptTimeout.TotalSeconds:F0} s attempt timeout ({elapsed.TotalMilliseconds:F0} ms).");

            await Graph.Faults.StartAsync(Backup, cancellationToken);
            await Graph.WaitUntilServedByAsync(Backup, cancellationToken);
        }
        finally
        {
            foreach (var service in (string[])[Primary, Backup])
            {
                if (!Graph.IsRunning(service))
                {
                    await Graph.Faults.StartAsync(service, cancellationToken);
                }
            }
        }
    }

    [Fact]
    public async Task OversizedBodyGets413AndNothingReachesTheServices()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var before = await Graph.Database.CountWrittenRowsAsync(cancellationToken);
        var name = new string('x', 2 * 1024 * 1024);

        using var response = await Graph.Gateway.PostUserAsync(name, UsersApiClient.UniqueEmail(), cancellationToken: cancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Null(response.Header("X-Served-By")); // The gateway answered itself; no service saw the request.
        Assert.Equal(before, await Graph.Database.CountWrittenRowsAsync(cancellationToken));
    }
}

[Collection(ContainerGraph.Name)]
public sealed class GatewayFailoverOnContainersTests(ContainerGraphFixture graph) : GatewayFailoverScenarios<ContainerGraphFixture>(graph);
