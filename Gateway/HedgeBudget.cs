using Microsoft.Extensions.Options;

namespace Replication.Gateway;

/// <summary>
/// How many extra attempts the gateway may send: a share of the requests it forwarded over a sliding window, plus a
/// small reserve per second, as Finagle's <c>RetryBudget</c> (and Linkerd's, and Envoy's <c>retry_budget</c>) bound
/// retries. Every request deposits; every hedge (an extra attempt while the primary's is still running) withdraws. A
/// primary that is slow because the system is overloaded therefore gets at most that share of extra work, never twice
/// the load.
/// </summary>
/// <remarks>
/// Not System.Threading.RateLimiting's <c>TokenBucketRateLimiter</c>: it refills with time, not with traffic, and
/// replenishing it by hand takes a lock on every request. Here a request costs one interlocked increment on the current
/// second's counter; the window is summed only when a hedge is asked for. At the turn of a second a racing count may be
/// lost: a budget needs to be about right, not exact.
/// </remarks>
public sealed class HedgeBudget
{
    private readonly Second[] window;
    private readonly double share;
    private readonly long reserve;
    private readonly TimeProvider time;

    public HedgeBudget(IOptions<GatewayOptions> options, TimeProvider time)
    {
        var settings = options.Value;
        var seconds = Math.Max(1, (int)Math.Ceiling(settings.HedgeBudgetWindow.TotalSeconds));
        window = [.. Enumerable.Range(0, seconds).Select(_ => new Second())];
        share = Math.Clamp(settings.HedgeBudgetPercent, 0, 100) / 100;
        reserve = (long)Math.Max(0, settings.HedgeBudgetPerSecond) * seconds;
        this.time = time;
    }

    /// <summary>One forwarded request: it earns a share of a hedge.</summary>
    public void Deposit() => Interlocked.Increment(ref Current(out _).Requests);

    /// <summary>Takes one hedge from the budget, or says that the window's share is spent.</summary>
    public bool TryWithdraw()
    {
        var current = Current(out var now);
        long requests = 0, hedges = 0;
        foreach (var second in window)
        {
            if (now - Volatile.Read(ref second.Number) < window.Length)
            {
                requests += Volatile.Read(ref second.Requests);
                hedges += Volatile.Read(ref second.Hedges);
            }
        }

        if (hedges + 1 > reserve + share * requests)
        {
            return false;
        }

        Interlocked.Increment(ref current.Hedges);
        return true;
    }

    private Second Current(out long now)
    {
        now = time.GetTimestamp() / time.TimestampFrequency;
        var second = window[now % window.Length];
        var seen = Volatile.Read(ref second.Number);
        if (seen != now && Interlocked.CompareExchange(ref second.Number, now, seen) == seen)
        {
            // This slot last counted a second that has left the window: it starts again.
            Interlocked.Exchange(ref second.Requests, 0);
            Interlocked.Exchange(ref second.Hedges, 0);
        }

        return second;
    }

    private sealed class Second
    {
        public long Number = long.MinValue / 2;
        public long Requests;
        public long Hedges;
    }
}
