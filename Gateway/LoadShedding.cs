using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Replication.ServiceDefaults;

namespace Replication.Gateway;

/// <summary>
/// A concurrency limit on forwarded requests: past it, the gateway answers 429 with Retry-After at once instead of
/// queueing without bound and collapsing; a request that waited <see cref="GatewayOptions.QueueTimeout"/> in the queue is
/// shed too. Its own health endpoints are not limited. One limiter for the gateway's life, taken by the forwarder
/// itself: no per-request policy or partition lookup.
/// </summary>
public sealed class LoadShedding(IOptions<GatewayOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentRequests,
        QueueLimit = options.Value.QueuedRequests,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    private readonly TimeSpan queueTimeout = options.Value.QueueTimeout;

    /// <summary>
    /// A forwarding slot, at once or after a wait in the queue; a lease that is not acquired means shed the request. Throws
    /// <see cref="OperationCanceledException"/> only when <paramref name="cancellationToken"/> (the client) gave up.
    /// </summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var lease = limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return ValueTask.FromResult(lease);
        }

        lease.Dispose();
        return WaitInQueueAsync(cancellationToken);
    }

    private async ValueTask<RateLimitLease> WaitInQueueAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(queueTimeout);
        try
        {
            return await limiter.AcquireAsync(cancellationToken: timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return WaitedTooLong.Instance;
        }
    }

    private static readonly Refusal TooMany = new(StatusCodes.Status429TooManyRequests, "Too many requests",
        "The gateway is at its concurrency limit. Retry after a second.");

    public static Task RejectAsync(HttpContext context) => TooMany.WriteAsync(context, context.RequestAborted);

    public void Dispose() => limiter.Dispose();

    /// <summary>The lease of a request that waited its whole <see cref="GatewayOptions.QueueTimeout"/> in the queue.</summary>
    private sealed class WaitedTooLong : RateLimitLease
    {
        public static readonly WaitedTooLong Instance = new();

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }
    }
}
