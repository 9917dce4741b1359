using System.Diagnostics;

namespace Replication.Gateway;

/// <summary>
/// How long the attempt that answered spent at its service (request sent to response headers), measured innermost in
/// the forwarding pipeline, below hedging and service discovery. The gateway's own added latency is its time minus this.
/// One per forwarded request, shared by its hedged attempts through the request's options (<see cref="HedgedRequest"/> copies them).
/// </summary>
internal sealed class UpstreamTiming
{
    private static readonly HttpRequestOptionsKey<UpstreamTiming> OptionsKey = new("Replication.Gateway.UpstreamTiming");

    private long elapsedTicks;

    /// <summary>The answering attempt's time at its service; zero when no attempt got a response.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Volatile.Read(ref elapsedTicks));

    public void Attach(HttpRequestMessage request) => request.Options.Set(OptionsKey, this);

    /// <summary>The innermost handler: times each attempt, and keeps the time of the last one that got a response.</summary>
    public sealed class Handler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await base.SendAsync(request, cancellationToken);
            if (request.Options.TryGetValue(OptionsKey, out var timing))
            {
                Volatile.Write(ref timing.elapsedTicks, Stopwatch.GetElapsedTime(started).Ticks);
            }

            return response;
        }
    }
}
