using System.Text;
using Microsoft.AspNetCore.Http;
using Replication.Tests.Kit;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The gateway's hedging, in process against loopback services (<see cref="LoopbackServices"/>): the backup gets a
/// request only after the hedging delay or a failure, the first good answer wins, the losing attempt is cancelled, a
/// body is sent again whole, a write carries one Idempotency-Key to both, and the hedge budget bounds it all.
/// </summary>
public sealed class HedgingTests() : LoopbackGatewayTests($"--Gateway:HedgingDelay={HedgingDelay}")
{
    private static readonly TimeSpan HedgingDelay = TimeSpan.FromMilliseconds(200);

    /// <summary>.NET's timers fire on the coarse clock: a 200 ms delay may end a tick early.</summary>
    private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(10);

    [Fact]
    public async Task APrimaryThatAnswersWithinTheDelay_IsTheOnlyServiceAsked()
    {
        for (var i = 0; i < 20; i++)
        {
            using var response = await Services.Gateway.GetAsync($"/users/{i + 1}", CancellationToken);
            Assert.Equal(ResourceNames.PrimaryService, response.Header(ReplicationHeaders.ServedBy));
        }

        Assert.All(Services.Seen, seen => Assert.Equal(ResourceNames.PrimaryService, seen.Service));
    }

    [Fact]
    public async Task ASlowPrimary_IsHedgedAfterTheDelay_TheBackupsAnswerWins_AndThePrimarysAttemptIsCancelled()
    {
        Services.Slow(ResourceNames.PrimaryService, TimeSpan.FromMinutes(1));

        var sent = System.Diagnostics.Stopwatch.GetTimestamp();
        using var response = await Services.Gateway.GetAsync("/users/1", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Header(ReplicationHeaders.ServedBy));
        var primary = Services.Seen.Single(seen => seen.Service == ResourceNames.PrimaryService);
        var backup = Services.Seen.Single(seen => seen.Service == ResourceNames.BackupService);
        // The gateway got the request after it was sent, so the hedge cannot have left before the delay from then.
        var hedgedAfter = System.Diagnostics.Stopwatch.GetElapsedTime(sent, backup.ReceivedAt);
        Assert.True(hedgedAfter >= HedgingDelay - TimerResolution,
            $"The backup got the request {hedgedAfter.TotalMilliseconds:F0} ms after it was sent, before the {HedgingDelay.TotalMilliseconds:F0} ms hedging delay.");
        // The primary would answer only after a minute: its attempt must have been given up, not left running.
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(primary.Cancelled), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20),
            "the primary's losing attempt to be cancelled", CancellationToken);
    }

    [Fact]
    public async Task APrimaryThatAnswersAfterTheHedge_WinsOverASlowerBackup_AndTheBackupsAttemptIsCancelled()
    {
        Services.Slow(ResourceNames.PrimaryService, HedgingDelay * 3);
        Services.Slow(ResourceNames.BackupService, TimeSpan.FromMinutes(1));

        using var response = await Services.Gateway.GetAsync("/users/1", CancellationToken);

        Assert.Equal(ResourceNames.PrimaryService, response.Header(ReplicationHeaders.ServedBy));
        var backup = Services.Seen.Single(seen => seen.Service == ResourceNames.BackupService);
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(backup.Cancelled), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(20),
            "the backup's losing attempt to be cancelled", CancellationToken);
    }

    [Fact]
    public async Task APrimaryThatRefusesForOverload_IsRetriedOnTheBackup_WithinTheBudget()
    {
        Services.Refuse(ResourceNames.PrimaryService);

        using var response = await Services.Gateway.GetAsync("/users/1", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Header(ReplicationHeaders.ServedBy));
        var status = await Services.Gateway.GetGatewayStatusAsync(CancellationToken);
        Assert.True(status.Retries == 1 && status.HedgesRejected == 0, $"The refusal should have been sent on once, paid from the budget: {status}");
    }

    [Fact]
    public async Task AHedgedWrite_SendsTheWholeBodyAndOneIdempotencyKeyToBoth()
    {
        Services.Slow(ResourceNames.PrimaryService, TimeSpan.FromMinutes(1));
        var body = $$"""{"name":"{{new string('a', 150)}}","email":"hedged@example.com"}""";

        using var response = await Services.Gateway.PostAsync("/users", new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Header(ReplicationHeaders.ServedBy));
        var attempts = Services.Seen.ToList();
        Assert.Equal([ResourceNames.PrimaryService, ResourceNames.BackupService], attempts.Select(attempt => attempt.Service));
        Assert.All(attempts, attempt => Assert.Equal(body, attempt.Body));
        var key = Assert.Single(attempts.Select(attempt => attempt.Headers[ReplicationHeaders.IdempotencyKey]).Distinct());
        Assert.StartsWith("gateway-", key, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClientsOwnIdempotencyKey_IsTheOneBothServicesGet()
    {
        Services.Slow(ResourceNames.PrimaryService, TimeSpan.FromMinutes(1));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/users") { Content = new StringContent("""{"name":"A","email":"a@example.com"}""", Encoding.UTF8, "application/json") };
        request.Headers.Add(ReplicationHeaders.IdempotencyKey, "client-key-1");

        using var response = await Services.Gateway.SendAsync(request, CancellationToken);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(2, Services.Seen.Count);
        Assert.All(Services.Seen, attempt => Assert.Equal("client-key-1", attempt.Headers[ReplicationHeaders.IdempotencyKey]));
    }
}

/// <summary>The hedge budget at work: with no budget left, a slow primary is waited for, but a dead one is still failed over.</summary>
public sealed class HedgeBudgetScenarioTests() : LoopbackGatewayTests(
    "--Gateway:HedgingDelay=00:00:00.1", "--Gateway:HedgeBudgetPercent=0", "--Gateway:HedgeBudgetPerSecond=0")
{
    [Fact]
    public async Task WithTheBudgetSpent_ASlowPrimaryIsNotHedged_AndTheRefusalIsCounted()
    {
        Services.Slow(ResourceNames.PrimaryService, TimeSpan.FromMilliseconds(500));

        using var response = await Services.Gateway.GetAsync("/users/1", CancellationToken);

        Assert.Equal(ResourceNames.PrimaryService, response.Header(ReplicationHeaders.ServedBy));
        Assert.DoesNotContain(Services.Seen, seen => seen.Service == ResourceNames.BackupService);
        var status = await Services.Gateway.GetGatewayStatusAsync(CancellationToken);
        Assert.True(status.HedgesRejected >= 1, $"The refused hedge was not counted: {status}");
        Assert.Equal(0, status.Hedges);
    }

    [Fact]
    public async Task WithTheBudgetSpent_APrimaryThatRefusesForOverload_IsNotRetriedOnTheBackup_AndTheClientGetsTheRefusal()
    {
        // Both services write to one database: sending every refused write to the backup would double the load that made
        // the primary refuse it.
        Services.Refuse(ResourceNames.PrimaryService);

        using var response = await Services.Gateway.PostAsync("/users", new StringContent("""{"name":"a","email":"a@example.com"}""", Encoding.UTF8, "application/json"), CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.Equal(ResourceNames.PrimaryService, response.Header(ReplicationHeaders.ServedBy));
        Assert.DoesNotContain(Services.Seen, seen => seen.Service == ResourceNames.BackupService);
        var status = await Services.Gateway.GetGatewayStatusAsync(CancellationToken);
        Assert.True(status.HedgesRejected == 1 && status.Retries == 0, $"The refusal should have been refused by the budget once, and not sent on: {status}");
    }

    [Fact]
    public async Task WithTheBudgetSpent_APrimaryAnswering500_IsStillFailedOver()
    {
        Services.Behave(ResourceNames.PrimaryService, context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        });

        using var response = await Services.Gateway.GetAsync("/users/1", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Header(ReplicationHeaders.ServedBy));
        Assert.Equal(0, (await Services.Gateway.GetGatewayStatusAsync(CancellationToken)).HedgesRejected);
    }

    [Fact]
    public async Task WithTheBudgetSpent_APrimaryThatRefusesConnections_IsStillFailedOver()
    {
        // A primary whose port refuses connections: the request never reaches it, so failing over costs it nothing.
        await using var closed = await LoopbackServices.StartGatewayAsync(
            [$"--services:{ResourceNames.PrimaryService}:http:0=http://127.0.0.1:{ClosedPort()}", $"--services:{ResourceNames.BackupService}:http:0={Services.Backup}",
             "--Gateway:HedgeBudgetPercent=0", "--Gateway:HedgeBudgetPerSecond=0"], _ => { });

        using var response = await closed.Gateway.GetAsync("/users/1", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Header(ReplicationHeaders.ServedBy));
        Assert.Equal(0, (await closed.Gateway.GetGatewayStatusAsync(CancellationToken)).HedgesRejected);
    }

    [Fact]
    public async Task WithTheBudgetSpent_APrimarySlowerThanTheAttemptTimeout_TimesOut_IsFailedOver_AndTheTimeoutIsCounted()
    {
        await using var impatient = await LoopbackServices.StartGatewayAsync(
            [$"--services:{ResourceNames.PrimaryService}:http:0={Services.Primary}", $"--services:{ResourceNames.BackupService}:http:0={Services.Backup}",
             "--Gateway:AttemptTimeout=00:00:00.3", "--Gateway:HedgeBudgetPercent=0", "--Gateway:HedgeBudgetPerSecond=0"], _ => { });
        Services.Slow(ResourceNames.PrimaryService, TimeSpan.FromSeconds(30));

        using var response = await impatient.Gateway.GetAsync("/users/1", CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ResourceNames.BackupService, response.Header(ReplicationHeaders.ServedBy));
        var status = await impatient.Gateway.GetGatewayStatusAsync(CancellationToken);
        Assert.True(status.AttemptTimeouts == 1, $"The primary's attempt ran into the attempt timeout once, but the gateway counted {status.AttemptTimeouts}: {status}");
    }

    /// <summary>A loopback port nothing listens on: bound, then released.</summary>
    private static int ClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
