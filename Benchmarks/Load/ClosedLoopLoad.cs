using System.Diagnostics;

namespace Replication.Benchmarks.Load;

public sealed record ThroughputResult(int Clients, int Requests, int Failed, double RequestsPerSecond, TimeSpan P50, TimeSpan P99, TimeSpan Max);

/// <summary>
/// The load generator for throughput: <c>clients</c> concurrent loops, each sending the next GET as soon as the previous
/// answered (closed loop, no pacing), over one connection per client. Only requests started after the warm-up count.
/// </summary>
public static class ClosedLoopLoad
{
    public static async Task<ThroughputResult> RunAsync(
        Uri baseAddress, IReadOnlyList<string> paths, int clients, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var stopAt = warmup + duration;
        var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(index => Task.Run(async () =>
        {
            var latencies = new List<TimeSpan>();
            var failed = 0;
            for (var sequence = index; clock.Elapsed < stopAt; sequence += clients)
            {
                var start = clock.Elapsed;
                bool succeeded;
                try
                {
                    using var response = await client.GetAsync(paths[sequence % paths.Count], cancellationToken);
                    await response.Content.LoadIntoBufferAsync(cancellationToken);
                    succeeded = response.IsSuccessStatusCode;
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    succeeded = false;
                }

                if (start >= measureFrom)
                {
                    latencies.Add(clock.Elapsed - start);
                    failed += succeeded ? 0 : 1;
                }
            }

            return (latencies, failed);
        }, cancellationToken)));

        var all = perClient.SelectMany(result => result.latencies).ToList();
        return new ThroughputResult(clients, all.Count, perClient.Sum(result => result.failed), all.Count / duration.TotalSeconds,
            Percentiles.Of(all, 0.50), Percentiles.Of(all, 0.99), all.Count == 0 ? TimeSpan.Zero : all.Max());
    }
}
