using Replication.Benchmarks.Graphs;
using Replication.Benchmarks.Load;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>
/// A way in that the overhead section loads: straight to primaryservice, or one of the proxies, an Aspire resource of
/// the graph (<see cref="Resource"/>) or a process the benchmark runs itself (<see cref="ProcessId"/>, HAProxy). The
/// gateway's own added latency is read from its meter (<see cref="HasAddedLatencyMeter"/>).
/// </summary>
public sealed record OverheadTarget(string Name, bool? Telemetry, Uri Address, string? Resource, bool HasAddedLatencyMeter = false, int? ProcessId = null)
{
    public string TelemetryLabel => Telemetry switch { true => "on", false => "off", null => "-" };

    /// <summary>Straight to the service, with no proxy.</summary>
    public bool IsDirect => Resource is null && ProcessId is null;
}

/// <summary>One cell of the comparison: a target under one workload, load generator and connection count.</summary>
public sealed record OverheadCell(Workload Workload, int Connections, LoadGenerator Generator, OverheadTarget Target);

/// <summary>
/// One measured run of <paramref name="Duration"/>, with the proxy's own CPU time during it (null for the direct path)
/// and, for the gateway at one connection, its <c>gateway.added_latency</c> per second of the run.
/// </summary>
public sealed record OverheadRun(ThroughputResult Result, TimeSpan Duration, TimeSpan? ProxyCpu, IReadOnlyList<HistogramQuantiles>? AddedLatency = null);

/// <summary>
/// Direct to primaryservice, through the gateway and through the YARP baseline, each proxy with telemetry on and off;
/// with wrk and with the C# client; at each connection count; reads and writes. Every run is preceded by a warm-up
/// and the runs are interleaved in rounds (the order of the targets rotates each round), so a burst of noise on a
/// shared machine does not land on one path only; the tables show the medians. Then the same at 1 connection, for
/// the latency each proxy adds.
/// </summary>
public static class GatewayOverheadSection
{
    public const string Key = "gateway-overhead";
    public const string WritesKey = "gateway-overhead-writes";
    public const string KeyedWritesKey = "gateway-overhead-keyed-writes";
    public const string AddedLatencyKey = "gateway-added-latency";
    public const string AddedLatencyInstrument = "gateway.added_latency";

    /// <summary>Every table this section makes.</summary>
    public static IReadOnlyList<string> Keys { get; } = [Key, WritesKey, KeyedWritesKey, AddedLatencyKey];

    public static async Task<IReadOnlyList<ResultTable>> RunAsync(
        GraphFixture graph, IReadOnlyList<OverheadTarget> targets, IReadOnlyList<string> paths, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var loadBefore = LoadAverage.Now();
        var generators = settings.LoadGenerators.Where(generator => generator != LoadGenerator.Wrk || WrkLoad.Executable is not null).ToList();
        var runs = new Dictionary<OverheadCell, List<OverheadRun>>();
        var latencyGenerator = generators.FirstOrDefault();
        for (var round = 0; round < settings.OverheadRounds; round++)
        {
            Progress.Log($"Gateway overhead: round {round + 1} of {settings.OverheadRounds}, load average {LoadAverage.Now()}");
            var order = targets.Skip(round % targets.Count).Concat(targets.Take(round % targets.Count)).ToList();
            foreach (var workload in settings.Workloads)
            {
                foreach (var connections in settings.OverheadConnections)
                {
                    foreach (var generator in generators)
                    {
                        foreach (var target in order)
                        {
                            var cell = new OverheadCell(workload, connections, generator, target);
                            var run = await MeasureAsync(graph, cell, paths, settings, cancellationToken);
                            (runs.TryGetValue(cell, out var list) ? list : runs[cell] = []).Add(run);
                        }
                    }
                }
            }

            foreach (var target in order)
            {
                var cell = new OverheadCell(Workload.Read, 1, latencyGenerator, target);
                var run = await MeasureAsync(graph, cell, paths, settings, cancellationToken);
                (runs.TryGetValue(cell, out var list) ? list : runs[cell] = []).Add(run);
            }
        }

        var loadNote = $"Load average (1 / 5 / 15 min) before the section: {loadBefore}; after it: {LoadAverage.Now()}.";
        var tables = new List<ResultTable>();
        foreach (var workload in settings.Workloads)
        {
            var key = workload switch { Workload.Read => Key, Workload.Write => WritesKey, _ => KeyedWritesKey };
            var table = GatewayOverheadTables.Throughput(key, workload, settings, generators, targets, runs);
            table.Notes.Add(loadNote);
            tables.Add(table);
        }

        var latency = GatewayOverheadTables.AddedLatency(AddedLatencyKey, latencyGenerator, targets, runs, settings);
        latency.Notes.Add(loadNote);
        tables.Add(latency);
        return tables;
    }

    /// <summary>How many times longer than <see cref="BenchmarkSettings.OverheadDuration"/> a cell's window may grow.</summary>
    public const int LongestWindowFactor = 4;

    private static async Task<OverheadRun> MeasureAsync(
        GraphFixture graph, OverheadCell cell, IReadOnlyList<string> paths, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var (workload, connections, generator, target) = cell;
        if (settings.OverheadWarmup > TimeSpan.Zero)
        {
            await generator.RunAsync(target.Address, workload, paths, connections, settings.OverheadWarmup, cancellationToken);
        }

        // On a stalled machine a short window (a second, in smoke mode) can close before the first response: such a
        // cell is measured again, twice as long, rather than reported at 0 req/s.
        for (var duration = settings.OverheadDuration; ; duration *= 2)
        {
            var run = await MeasureOnceAsync(graph, cell, paths, duration, cancellationToken);
            if (run.Result.Requests > 0 || duration >= settings.OverheadDuration * LongestWindowFactor)
            {
                return run;
            }

            Progress.Log($"Gateway overhead: {target.Name} (telemetry {target.TelemetryLabel}), {generator.Describe()}, {workload.Describe()}, {connections} connections " +
                         $"answered nothing in {duration.TotalSeconds:F0} s (load average {LoadAverage.Now()}); measuring it again for {(duration * 2).TotalSeconds:F0} s");
        }
    }

    private static async Task<OverheadRun> MeasureOnceAsync(
        GraphFixture graph, OverheadCell cell, IReadOnlyList<string> paths, TimeSpan duration, CancellationToken cancellationToken)
    {
        var (workload, connections, generator, target) = cell;
        var pid = target.ProcessId ?? (target.Resource is null ? null : graph.Faults.ProcessOf(target.Resource));
        // Only where the latency is the figure: the reader's own aggregation would be a cost the other proxies do not pay.
        await using var addedLatency = connections == 1 && target.HasAddedLatencyMeter && pid is not null
            ? HistogramReader.Start(pid.Value, MeterNames.Gateway, AddedLatencyInstrument, TimeSpan.FromSeconds(1))
            : null;
        var cpuBefore = pid is null ? null : ProcessCpu.Of(pid.Value);
        var result = await generator.RunAsync(target.Address, workload, paths, connections, duration, cancellationToken);
        var cpuAfter = pid is null ? null : ProcessCpu.Of(pid.Value);
        return new OverheadRun(result, duration, cpuAfter - cpuBefore, addedLatency is null ? null : await addedLatency.StopAsync());
    }
}
