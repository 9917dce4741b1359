using System.Diagnostics;
using Replication.Tests.Kit;

namespace Replication.Tests.GatewayFailover;

/// <summary>
/// The gateway's own load shedding, in process: past its concurrency limit a request waits in the queue, at most
/// <c>Gateway:QueueTimeout</c>, then gets 429 with Retry-After without reaching a service.
/// </summary>
public sealed class LoadSheddingTests() : LoopbackGatewayTests(
    "--Gateway:MaxConcurrentRequests=1", "--Gateway:QueuedRequests=4", $"--Gateway:QueueTimeout={QueueTimeout}", "--Gateway:HedgingDelay=00:00:10")
{
    private static readonly TimeSpan QueueTimeout = TimeSpan.FromSeconds(1);

    /// <summary>.NET's timers fire on the coarse clock: a 1 s timeout may end a tick early.</summary>
    private static readonly TimeSpan TimerResolution = TimeSpan.FromMilliseconds(20);

    [Fact]
    public async Task ARequestQueuedBehindASlowOne_IsShedWith429_OnceItHasWaitedTheQueueTimeout()
    {
        Services.Slow(ResourceNames.PrimaryService, TimeSpan.FromSeconds(2.5));
        var holding = Services.Gateway.GetAsync("/users/1", CancellationToken);
        await Poll.UntilOrThrowAsync(_ => Task.FromResult(!Services.Seen.IsEmpty), TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(10),
            "the first request to hold the gateway's only slot", CancellationToken);

        var sent = Stopwatch.GetTimestamp();
        using var queued = await Services.Gateway.GetAsync("/users/2", CancellationToken);
        var waited = Stopwatch.GetElapsedTime(sent);

        Assert.Equal(HttpStatusCode.TooManyRequests, queued.StatusCode);
        Assert.NotNull(queued.Headers.RetryAfter);
        Assert.True(waited >= QueueTimeout - TimerResolution,
            $"The request was shed after {waited.TotalMilliseconds:F0} ms, before it had waited its {QueueTimeout.TotalMilliseconds:F0} ms in the queue.");
        Assert.Single(Services.Seen);
        using var held = await holding;
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);
    }

    [Fact]
    public async Task ARequestQueuedWhileASlotFreesWithinTheQueueTimeout_IsForwarded()
    {
        Services.Slow(ResourceNames.PrimaryService, TimeSpan.FromMilliseconds(10));
        var first = Services.Gateway.GetAsync("/users/1", CancellationToken);
        var second = Services.Gateway.GetAsync("/users/2", CancellationToken);

        using var answeredFirst = await first;
        using var answeredSecond = await second;

        Assert.Equal(HttpStatusCode.OK, answeredFirst.StatusCode);
        Assert.Equal(HttpStatusCode.OK, answeredSecond.StatusCode);
        Assert.Equal(2, Services.Seen.Count);
    }
}
