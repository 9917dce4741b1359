using System.Diagnostics;
using System.Text;

namespace Replication.Benchmarks.Load;

/// <summary>What one load run measured; <paramref name="ClientCpu"/> is the load generator's own CPU time during it, when known.</summary>
public sealed record ThroughputResult(int Clients, int Requests, int Failed, double RequestsPerSecond, TimeSpan P50, TimeSpan P99, TimeSpan Max, TimeSpan? ClientCpu = null)
{
    /// <summary>Responses whose X-Served-By was backupservice: hedged or failed over by the gateway, or moved there by YARP's health checks.</summary>
    public int ServedByBackup { get; init; }

    /// <summary>2xx responses: the work that got done.</summary>
    public int Succeeded { get; init; }

    /// <summary>Refusals a client can act on: 503 or 429 with Retry-After (a service's or a proxy's admission control).</summary>
    public int Refused { get; init; }

    /// <summary>Every other 5xx: failures, not refusals.</summary>
    public int ServerErrors { get; init; }

    /// <summary>How long the slowest refusals took (the 99th percentile), when the load generator times each response (the C# client).</summary>
    public TimeSpan? RefusalP99 { get; init; }

    /// <summary>2xx responses per second.</summary>
    public double Goodput => RequestsPerSecond * (Requests == 0 ? 0 : (double)Succeeded / Requests);
}

/// <summary>How a response counts: done, refused with a Retry-After, or failed.</summary>
public enum ResponseKind
{
    Succeeded,
    Refused,
    ServerError,
    Other,
}

public static class ResponseKinds
{
    public static ResponseKind Of(int status, bool hasRetryAfter) => status switch
    {
        >= 200 and < 300 => ResponseKind.Succeeded,
        503 or 429 when hasRetryAfter => ResponseKind.Refused,
        >= 500 => ResponseKind.ServerError,
        _ => ResponseKind.Other,
    };
}

/// <summary>
/// The benchmark's C# load generator: <c>clients</c> concurrent loops, each sending the next request as soon as the
/// previous one answered (closed loop, no pacing), over one connection per client. Only requests started after the
/// warm-up count.
/// </summary>
public static class ClosedLoopLoad
{
    public static Task<ThroughputResult> RunAsync(
        Uri baseAddress, IReadOnlyList<string> paths, int clients, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken = default) =>
        RunAsync(baseAddress, Workload.Read, paths, clients, warmup, duration, cancellationToken);

    public static async Task<ThroughputResult> RunAsync(
        Uri baseAddress, Workload workload, IReadOnlyList<string> paths, int clients, TimeSpan warmup, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, UseProxy = false, UseCookies = false };
        using var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(15) };
        var runTag = Workloads.NewRunTag();
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var stopAt = warmup + duration;
        var cpuAtStart = TimeSpan.Zero;
        var measuring = Task.Delay(warmup, cancellationToken).ContinueWith(_ => cpuAtStart = ProcessCpu(), cancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
        var perClient = await Task.WhenAll(Enumerable.Range(0, clients).Select(index => Task.Run(async () =>
        {
            var latencies = new List<TimeSpan>();
            var refusalLatencies = new List<TimeSpan>();
            var kinds = new int[4];
            var failed = 0;
            var backup = 0;
            for (var sequence = index; clock.Elapsed < stopAt; sequence += clients)
            {
                var start = clock.Elapsed;
                bool succeeded;
                var servedByBackup = false;
                ResponseKind? kind = null;
                try
                {
                    using var request = workload == Workload.Read
                        ? new HttpRequestMessage(HttpMethod.Get, paths[sequence % paths.Count])
                        : new HttpRequestMessage(HttpMethod.Post, "/users")
                        {
                            Content = new StringContent(Workloads.WriteBody(runTag, index, sequence), Encoding.UTF8, "application/json"),
                        };
                    if (workload == Workload.KeyedWrite)
                    {
                        request.Headers.Add(ReplicationHeaders.IdempotencyKey, Workloads.WriteKey(runTag, index, sequence));
                    }

                    using var response = await client.SendAsync(request, cancellationToken);
                    await response.Content.LoadIntoBufferAsync(cancellationToken);
                    succeeded = response.IsSuccessStatusCode;
                    kind = ResponseKinds.Of((int)response.StatusCode, response.Headers.RetryAfter is not null);
                    servedByBackup = response.Headers.TryGetValues(ReplicationHeaders.ServedBy, out var servedBy) && servedBy.Contains(ResourceNames.BackupService);
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    succeeded = false;
                }

                if (start >= measureFrom)
                {
                    latencies.Add(clock.Elapsed - start);
                    if (kind is { } counted)
                    {
                        kinds[(int)counted]++;
                        if (counted == ResponseKind.Refused)
                        {
                            refusalLatencies.Add(clock.Elapsed - start);
                        }
                    }

                    failed += succeeded ? 0 : 1;
                    backup += servedByBackup ? 1 : 0;
                }
            }

            return (latencies, failed, backup, kinds, refusalLatencies);
        }, cancellationToken)));
        await measuring;
        var clientCpu = ProcessCpu() - cpuAtStart;

        var all = perClient.SelectMany(result => result.latencies).ToList();
        return new ThroughputResult(clients, all.Count, perClient.Sum(result => result.failed), all.Count / duration.TotalSeconds,
            Percentiles.Of(all, 0.50), Percentiles.Of(all, 0.99), all.Count == 0 ? TimeSpan.Zero : all.Max(), clientCpu)
        {
            ServedByBackup = perClient.Sum(result => result.backup),
            Succeeded = perClient.Sum(result => result.kinds[(int)ResponseKind.Succeeded]),
            Refused = perClient.Sum(result => result.kinds[(int)ResponseKind.Refused]),
            ServerErrors = perClient.Sum(result => result.kinds[(int)ResponseKind.ServerError]),
            RefusalP99 = perClient.Sum(result => result.refusalLatencies.Count) == 0 ? null : Percentiles.Of(perClient.SelectMany(result => result.refusalLatencies).ToList(), 0.99),
        };
    }

    private static TimeSpan ProcessCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
