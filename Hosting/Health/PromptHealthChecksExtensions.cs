using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Health noticed as soon as it is reached, not at Aspire's next check.</summary>
public static class PromptHealthChecksExtensions
{
    /// <summary>How long one check keeps trying before it reports a resource unhealthy.</summary>
    public static readonly TimeSpan DefaultPatience = TimeSpan.FromSeconds(5);

    /// <summary>How often a check that keeps trying asks again.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Makes every health check of the AppHost's resources keep asking, every <paramref name="interval"/> for up to
    /// <paramref name="patience"/>, before it answers Unhealthy, and answer Healthy as soon as it is. Aspire checks a
    /// resource that is not yet healthy 1, 2, 3, 4 and then every 5 s after it starts running, and nothing wakes it in
    /// between, so each resource that waits for another (primary, replicas, database, services, gateway) started up to
    /// 5 s after it could have. The price: a resource that stays unhealthy says so after <paramref name="patience"/>,
    /// not at once. A check with its own timeout keeps asking for half of it at most.
    /// </summary>
    /// <param name="builder">The AppHost's builder.</param>
    /// <param name="patience">How long a check keeps trying; <see cref="DefaultPatience"/> if omitted.</param>
    /// <param name="interval">How often it asks again; <see cref="DefaultInterval"/> if omitted.</param>
    /// <returns>The same builder.</returns>
    public static IDistributedApplicationBuilder AddPromptHealthChecks(this IDistributedApplicationBuilder builder, TimeSpan? patience = null, TimeSpan? interval = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var keepTrying = patience ?? DefaultPatience;
        var pace = interval ?? DefaultInterval;
        ArgumentOutOfRangeException.ThrowIfLessThan(keepTrying, TimeSpan.Zero, nameof(patience));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(pace, TimeSpan.Zero, nameof(interval));
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            foreach (var registration in options.Registrations)
            {
                var inner = registration.Factory;
                var bound = registration.Timeout == Timeout.InfiniteTimeSpan ? keepTrying : TimeSpan.FromTicks(Math.Min(keepTrying.Ticks, registration.Timeout.Ticks / 2));
                registration.Factory = services => new PromptHealthCheck(inner(services), bound, pace, TimeProvider.System);
            }
        });
        return builder;
    }
}

/// <summary>
/// A check asked again until it is healthy or its patience runs out; the last answer is the answer. A check that throws
/// (a refused connection, say) is asked again too, and its last exception becomes the registration's failure status, as
/// the health check service itself reports one.
/// </summary>
internal sealed class PromptHealthCheck(IHealthCheck inner, TimeSpan patience, TimeSpan interval, TimeProvider time) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            HealthCheckResult result;
            try
            {
                result = await inner.CheckHealthAsync(context, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                result = new HealthCheckResult(context.Registration.FailureStatus, exception.Message, exception);
            }

            if (result.Status == HealthStatus.Healthy || time.GetElapsedTime(started) + interval > patience)
            {
                return result;
            }

            await Task.Delay(interval, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
