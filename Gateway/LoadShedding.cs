using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Replication.ServiceDefaults;

namespace Replication.Gateway;

/// <summary>
/// A concurrency limit on forwarded requests: past it, the gateway answers 429 with Retry-After at once instead of
/// queueing without bound and collapsing. Its own health endpoints are not limited. One limiter for the gateway's
/// life, taken by the forwarder itself: no per-request policy or partition lookup.
/// </summary>
public sealed class LoadShedding(IOptions<GatewayOptions> options) : IDisposable
{
    private readonly ConcurrencyLimiter limiter = new(new ConcurrencyLimiterOptions
    {
        PermitLimit = options.Value.MaxConcurrentRequests,
        QueueLimit = options.Value.QueuedRequests,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    /// <summary>A forwarding slot, at once or after a wait in the queue; a lease that is not acquired means shed the request.</summary>
    public ValueTask<RateLimitLease> AcquireAsync(CancellationToken cancellationToken)
    {
        var lease = limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return ValueTask.FromResult(lease);
        }

        lease.Dispose();
        return limiter.AcquireAsync(cancellationToken: cancellationToken);
    }

    private static readonly Refusal TooMany = new(StatusCodes.Status429TooManyRequests, "Too many requests",
        "The gateway is at its concurrency limit. Retry after a second.");

    public static Task RejectAsync(HttpContext context) => TooMany.WriteAsync(context, context.RequestAborted);

    public void Dispose() => limiter.Dispose();
}
