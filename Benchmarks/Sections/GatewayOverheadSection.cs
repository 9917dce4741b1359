using Replication.Benchmarks.Graphs;
using Replication.Benchmarks.Load;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>GET /users/{id} direct to primaryservice, through our gateway, and through the YARP baseline: same clients, same run.</summary>
public static class GatewayOverheadSection
{
    public static async Task<ResultTable> RunAsync(
        IReadOnlyList<EntryPoint> entries, IReadOnlyList<string> paths, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        // Rounds interleave the paths, so a burst of noise on a shared machine does not land on one path only.
        var rounds = entries.ToDictionary(entry => entry, _ => new List<ThroughputResult>());
        for (var round = 0; round < settings.OverheadRounds; round++)
        {
            foreach (var entry in entries)
            {
                rounds[entry].Add(await ClosedLoopLoad.RunAsync(entry.Address, paths, settings.OverheadClients, settings.Warmup, settings.ThroughputDuration, cancellationToken));
            }
        }

        var table = new ResultTable("gateway-overhead", $"Gateway overhead: GET /users/{{id}}, {settings.OverheadClients} clients, closed loop",
            "path", "requests", "failed", "req/s", "p50 ms", "p99 ms", "req/s vs direct", "p50 vs direct", "p99 vs direct");
        var direct = Median(rounds[entries[0]]);
        foreach (var entry in entries)
        {
            var results = rounds[entry];
            var median = Median(results);
            table.Add(entry.Name, results.Sum(result => result.Requests), results.Sum(result => result.Failed), median.RequestsPerSecond,
                ResultTable.Milliseconds(median.P50), ResultTable.Milliseconds(median.P99),
                ResultTable.Ratio(median.RequestsPerSecond / direct.RequestsPerSecond), ResultTable.Ratio(median.P50 / direct.P50), ResultTable.Ratio(median.P99 / direct.P99));
        }

        table.Notes.Add($"Load generator: the benchmark's own C# client (HttpClient), {settings.OverheadClients} concurrent loops, each sending its next request when the last one answered; " +
                        $"{settings.OverheadRounds} interleaved rounds of {settings.Warmup.TotalSeconds:F1} s warm-up + {settings.ThroughputDuration.TotalSeconds:F1} s per path; medians of the rounds. " +
                        "The client runs on the same cores as the graph.");
        table.Notes.Add("The YARP baseline is Yarp.ReverseProxy 2.3.0 hosted by the benchmark: FirstAlphabetical over primaryservice and backupservice, " +
                        "active health checks (GET /health every 1 s, 1 s timeout, unhealthy after 2 failures), passive transport-failure checks over a 2 s window " +
                        "with 2 s reactivation (the gateway's circuit breaks for 2 s), no retries.");
        return table;
    }

    /// <summary>Per figure, the median over the rounds.</summary>
    private static ThroughputResult Median(List<ThroughputResult> results)
    {
        static T MedianOf<T>(IEnumerable<T> values) => values.Order().ElementAt(values.Count() / 2);
        return new ThroughputResult(results[0].Clients, results.Sum(result => result.Requests), results.Sum(result => result.Failed),
            MedianOf(results.Select(result => result.RequestsPerSecond)), MedianOf(results.Select(result => result.P50)),
            MedianOf(results.Select(result => result.P99)), results.Max(result => result.Max));
    }
}
