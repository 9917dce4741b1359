using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Replication.Gateway;

/// <summary>
/// A concurrency limit on forwarded requests: past it, the gateway answers 429 with Retry-After at once instead of
/// queueing without bound and collapsing. Its own health endpoints are not limited.
/// </summary>
internal static class LoadShedding
{
    public const string PolicyName = "forwarded";

    public static IServiceCollection AddLoadShedding(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(PolicyName, context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value;
                return RateLimitPartition.GetConcurrencyLimiter(PolicyName, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = options.MaxConcurrentRequests,
                    QueueLimit = options.QueuedRequests,
                    QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
                });
            });
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                var response = rejected.HttpContext.Response;
                response.Headers.RetryAfter = "1";
                rejected.HttpContext.RequestServices.GetRequiredService<GatewayTelemetry>().RecordResponse(null, StatusCodes.Status429TooManyRequests);
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
                        detail: "The gateway is at its concurrency limit. Retry after a second.")
                    .ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }
}
