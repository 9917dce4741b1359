using Replication.Benchmarks.Load;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>The gateway-overhead section's tables: medians over the rounds, and ratios against direct and against YARP.</summary>
public static class GatewayOverheadTables
{
    private const string Yarp = "YARP baseline";

    public const string HaproxyNote =
        "HAProxy 2.6 (Debian), as operators configure an active/backup pair: primaryservice active, backupservice a backup server (used once the primary is down), " +
        "active health checks (GET /health every 1 s, 1 s timeout, down after 2 failures, up after 2 successes), passive ones (observe layer7, 10 errors in a row mark a server down), " +
        "retries 2 with option redispatch 1, retry-on conn-failure, empty-response, response-timeout, 500, 502, 503, 504; timeout server 3 s (the gateway's attempt timeout); " +
        "option http-buffer-request; no logging. A process of the benchmark's own, on loopback; no telemetry (compared with YARP with telemetry off).";

    public static ResultTable Throughput(
        string key, Workload workload, BenchmarkSettings settings, IReadOnlyList<LoadGenerator> generators, IReadOnlyList<OverheadTarget> targets,
        IReadOnlyDictionary<OverheadCell, List<OverheadRun>> runs)
    {
        var table = new ResultTable(key, $"Gateway overhead: {workload.Describe()}, closed loop, medians of {settings.OverheadRounds} interleaved rounds",
            "connections", "client", "path", "telemetry", "req/s", "p50 ms", "p99 ms", "failed", "req/s ÷ direct", "req/s ÷ YARP", "÷ YARP by round", "p99 ÷ YARP",
            "proxy CPU µs/req", "client CPU %", "served by backup", "goodput req/s", "refused", "other 5xx", "refusal p99 ms");
        foreach (var connections in settings.OverheadConnections)
        {
            foreach (var generator in generators)
            {
                List<OverheadRun>? RunsOf(Func<OverheadTarget, bool> predicate) =>
                    targets.FirstOrDefault(predicate) is { } found && runs.TryGetValue(new OverheadCell(workload, connections, generator, found), out var list)
                        ? list
                        : null;

                var direct = RunsOf(target => target.IsDirect) is { } directRuns ? OverheadMedian.Of(directRuns) : null;
                foreach (var target in targets)
                {
                    var targetRuns = RunsOf(candidate => candidate == target)!;
                    var median = OverheadMedian.Of(targetRuns);
                    // HAProxy exports no telemetry: it compares with YARP with telemetry off.
                    var yarpRuns = RunsOf(candidate => candidate.Name == Yarp && candidate.Telemetry == (target.Telemetry ?? false));
                    var yarp = yarpRuns is null ? null : OverheadMedian.Of(yarpRuns);
                    table.Add(connections, generator.Describe(), target.Name, target.TelemetryLabel, median.RequestsPerSecond,
                        ResultTable.Milliseconds(median.P50), ResultTable.Milliseconds(median.P99), median.Failed,
                        direct is null ? null : ResultTable.Ratio(median.RequestsPerSecond / direct.RequestsPerSecond),
                        yarp is null || target.IsDirect ? null : ResultTable.Ratio(median.RequestsPerSecond / yarp.RequestsPerSecond),
                        yarpRuns is null || target.IsDirect || targetRuns == yarpRuns ? null : RatioSpread(targetRuns, yarpRuns),
                        yarp is null || target.IsDirect ? null : ResultTable.Ratio(median.P99 / yarp.P99),
                        median.ProxyCpuMicrosecondsPerRequest, median.ClientCpuPercent, median.ServedByBackup,
                        median.Goodput, median.Refused, median.ServerErrors, median.RefusalP99 is { } refusal ? ResultTable.Milliseconds(refusal) : null);
                }
            }
        }

        table.Notes.Add($"Each cell: {settings.OverheadWarmup.TotalSeconds:F0} s warm-up (not counted), then {settings.OverheadDuration.TotalSeconds:F0} s measured, " +
                        $"{settings.OverheadRounds} rounds interleaving every cell (the order of the paths rotates each round); median of the rounds. " +
                        workload switch
                        {
                            Workload.Read => "Reads cycle through the seeded users.",
                            Workload.Write => "Each write creates a user with a new email and no Idempotency-Key: the gateway adds one (so it may hedge or fail over the write), " +
                                              "which the service stores with the user; YARP forwards the write as it is, once, to one service.",
                            _ => "Each write creates a user with a new email and carries the client's own Idempotency-Key, which every path forwards and the service stores: " +
                                 "the database does the same work behind each proxy.",
                        } +
                        " ÷ YARP by round: the lowest and highest of the rounds' ratios, each round's run against YARP's run of the same round.");
        AddRemeasuredNote(table, settings, runs.Where(pair => pair.Key.Workload == workload && settings.OverheadConnections.Contains(pair.Key.Connections)).SelectMany(pair => pair.Value));
        table.Notes.Add("Load generators: wrk (C, an external process; 2 threads) and the benchmark's C# client (HttpClient loops in the benchmark's process, which also hosts the AppHost); " +
                        "each connection sends its next request when the last one answered. client CPU %: the load generator's CPU time over the run (100 % is one core; for the C# client, the whole benchmark process).");
        table.Notes.Add("Every proxy is its own process, started by Aspire the same way from a Release build, with the same ServiceDefaults, logging (Warning) and environment, " +
                        "listening on its own port (no Aspire proxy in front); telemetry on: traces, metrics and logs exported over OTLP to the Aspire dashboard; off: OTEL_SDK_DISABLED=true. " +
                        "req/s ÷ YARP and p99 ÷ YARP compare with YARP under the same telemetry, client and connections. proxy CPU µs/req: the proxy process's CPU time over the run divided by its requests. " +
                        "served by backup: responses (all rounds) that backupservice answered; through the gateway, a request the primary did not answer within the hedging delay (300 ms) is hedged there, so on an overloaded machine the gateway does extra work that YARP does not.");
        table.Notes.Add("The YARP baseline (Benchmarks/YarpBaseline) is Yarp.ReverseProxy 2.3.0: FirstAlphabetical over primaryservice and backupservice, " +
                        "active health checks (GET /health every 1 s, 1 s timeout, unhealthy after 2 failures), passive transport-failure checks over a 2 s window " +
                        "with 2 s reactivation (the gateway's circuit breaks for 2 s), no retries.");
        if (targets.Any(target => target.Name == Graphs.HaproxyPeer.Name))
        {
            table.Notes.Add(HaproxyNote);
        }

        table.Notes.Add("goodput: 2xx responses per second. refused: 503 or 429 with Retry-After (admission control turning the excess away); other 5xx: failures. " +
                        "refusal p99: how long the slowest refusals took (the C# client times each response; wrk cannot).");
        return table;
    }

    /// <summary>The lowest and highest of the per-round throughput ratios (the runs of one round are neighbours in time).</summary>
    private static string? RatioSpread(IReadOnlyList<OverheadRun> runs, IReadOnlyList<OverheadRun> baseline)
    {
        var ratios = runs.Zip(baseline, (run, yarp) => run.Result.RequestsPerSecond / yarp.Result.RequestsPerSecond)
            .Where(double.IsFinite).Order().ToList();
        return ratios.Count == 0 ? null : $"{ResultTable.Ratio(ratios[0])}–{ResultTable.Ratio(ratios[^1])}";
    }

    /// <summary>Says so when a cell's window held no response and was measured again for longer (<see cref="GatewayOverheadSection"/>).</summary>
    private static void AddRemeasuredNote(ResultTable table, BenchmarkSettings settings, IEnumerable<OverheadRun> runs)
    {
        var longer = runs.Where(run => run.Duration > settings.OverheadDuration).ToList();
        if (longer.Count > 0)
        {
            table.Notes.Add($"{longer.Count} of these runs answered nothing in their {settings.OverheadDuration.TotalSeconds:F0} s window and were measured again, " +
                            $"twice as long each time (up to {GatewayOverheadSection.LongestWindowFactor}×): the machine stalled. Their figures are from the longer window.");
        }
    }

    private static string OwnMilliseconds(IEnumerable<double> seconds) =>
        (OverheadMedian.MedianOf(seconds) * 1000).ToString("F2", CultureInfo.InvariantCulture);

    public static ResultTable AddedLatency(
        string key, LoadGenerator generator, IReadOnlyList<OverheadTarget> targets, IReadOnlyDictionary<OverheadCell, List<OverheadRun>> runs, BenchmarkSettings settings)
    {
        var table = new ResultTable(key, $"Added latency: GET /users/{{id}}, 1 connection, {generator.Describe()}, medians of {settings.OverheadRounds} rounds",
            "path", "telemetry", "req/s", "p50 ms", "p99 ms", "p50 − direct p50 ms", "proxy CPU µs/req", "own added p50 ms", "own added p99 ms");
        var medians = targets.ToDictionary(target => target, target => OverheadMedian.Of(runs[new OverheadCell(Workload.Read, 1, generator, target)]));
        var direct = medians.First(pair => pair.Key.IsDirect).Value;
        foreach (var (target, median) in medians)
        {
            var own = runs[new OverheadCell(Workload.Read, 1, generator, target)].SelectMany(run => run.AddedLatency ?? []).ToList();
            table.Add(target.Name, target.TelemetryLabel, median.RequestsPerSecond, ResultTable.Milliseconds(median.P50), ResultTable.Milliseconds(median.P99),
                target.IsDirect ? null : ResultTable.Milliseconds(median.P50 - direct.P50), median.ProxyCpuMicrosecondsPerRequest,
                own.Count == 0 ? null : OwnMilliseconds(own.Select(interval => interval.P50)),
                own.Count == 0 ? null : OwnMilliseconds(own.Select(interval => interval.P99)));
        }

        AddRemeasuredNote(table, settings, targets.SelectMany(target => runs[new OverheadCell(Workload.Read, 1, generator, target)]));
        table.Notes.Add("One connection, one request at a time: the p50 difference to the direct path is what the proxy adds to a request, its own work plus one more loopback hop.");
        table.Notes.Add("own added: the gateway's gateway.added_latency histogram (its time minus the answering attempt's time at the service), read from the gateway process over EventPipe " +
                        "as dotnet-counters does, one percentile per second of every round; the median of those. YARP has no such meter.");
        return table;
    }
}

/// <summary>Per figure, the median over the rounds of one cell.</summary>
public sealed record OverheadMedian(
    double RequestsPerSecond, TimeSpan P50, TimeSpan P99, int Failed, string? ProxyCpuMicrosecondsPerRequest, string? ClientCpuPercent, int ServedByBackup)
{
    public double Goodput { get; init; }

    public int Refused { get; init; }

    public int ServerErrors { get; init; }

    public TimeSpan? RefusalP99 { get; init; }

    public static OverheadMedian Of(IReadOnlyList<OverheadRun> runs)
    {
        var proxyCpu = runs.Where(run => run.ProxyCpu is not null && run.Result.Requests > 0)
            .Select(run => run.ProxyCpu!.Value.TotalMicroseconds / run.Result.Requests).ToList();
        var clientCpu = runs.Where(run => run.Result.ClientCpu is not null).Select(run => 100 * run.Result.ClientCpu!.Value / run.Duration).ToList();
        return new OverheadMedian(
            MedianOf(runs.Select(run => run.Result.RequestsPerSecond)), MedianOf(runs.Select(run => run.Result.P50)), MedianOf(runs.Select(run => run.Result.P99)),
            runs.Sum(run => run.Result.Failed),
            proxyCpu.Count == 0 ? null : MedianOf(proxyCpu).ToString("F0", CultureInfo.InvariantCulture),
            clientCpu.Count == 0 ? null : MedianOf(clientCpu).ToString("F0", CultureInfo.InvariantCulture),
            runs.Sum(run => run.Result.ServedByBackup))
        {
            Goodput = MedianOf(runs.Select(run => run.Result.Goodput)),
            Refused = runs.Sum(run => run.Result.Refused),
            ServerErrors = runs.Sum(run => run.Result.ServerErrors),
            RefusalP99 = runs.Where(run => run.Result.RefusalP99 is not null).Select(run => run.Result.RefusalP99!.Value).ToList() is { Count: > 0 } refusals
                ? MedianOf(refusals)
                : null,
        };
    }

    internal static double MedianOf(IEnumerable<double> values)
    {
        var ordered = values.Order().ToList();
        return ordered.Count % 2 == 1 ? ordered[ordered.Count / 2] : (ordered[ordered.Count / 2 - 1] + ordered[ordered.Count / 2]) / 2;
    }

    private static TimeSpan MedianOf(IEnumerable<TimeSpan> values) => TimeSpan.FromTicks((long)MedianOf(values.Select(value => (double)value.Ticks)));
}
