using System.Diagnostics;
using Replication.Benchmarks.Memory;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>Resident memory of every part of the graph at idle and under load, and its course during a soak with repeated failovers.</summary>
public static class MemorySection
{
    /// <summary>The graph runs inside the benchmark's process (DistributedApplicationTestingBuilder), so its AppHost row includes the load generator.</summary>
    public const string InProcessAppHost = "AppHost + benchmark (one process)";

    public static async Task<ResultTable> IdleAndLoadAsync(GraphFixture graph, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        Progress.Log("Memory: idle and under load");
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var idle = GraphMemory.Measure(Environment.ProcessId, InProcessAppHost);
        IReadOnlyList<MemoryGroup> loaded;
        await using (var load = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 16, WriteFraction = 0.2, Pause = TimeSpan.Zero }))
        {
            await Task.Delay(settings.ThroughputDuration + settings.Warmup, cancellationToken);
            loaded = GraphMemory.Measure(Environment.ProcessId, InProcessAppHost);
        }

        var table = MemoryTables.IdleAndLoad(idle, loaded);
        var largest = loaded.Where(group => group.Name != InProcessAppHost).MaxBy(group => group.PssMegabytes);
        table.Notes.Add("RSS counts shared pages in every process that maps them (PostgreSQL's shared buffers once per backend); PSS splits them, so PSS adds up. Read from /proc/<pid>/smaps_rollup.");
        table.Notes.Add($"Under load (LoadProbe, 16 clients without pause, 20 % writes) the largest part of the graph itself is {largest?.Name} ({largest?.PssMegabytes:F0} MB PSS).");
        table.Notes.Add("The AppHost row here is the benchmark's own process, which also runs the load generator; the boot section measures an AppHost on its own (dotnet run).");
        return table;
    }

    /// <summary>Constant load for the soak duration, a primaryservice fault (crash, hang, 500s in turn) every interval, memory sampled throughout.</summary>
    public static async Task<ResultTable> SoakAsync(GraphFixture graph, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        Progress.Log($"Memory: soak for {settings.SoakDuration.TotalMinutes:F1} min with repeated failovers");
        var samples = new List<IReadOnlyList<MemoryGroup>>();
        var clock = Stopwatch.StartNew();
        var faults = 0;
        LoadReport report;
        await using (var load = LoadProbe.Start(graph.Workload, ServiceFailoverSection.SteadyLoad))
        {
            var nextSample = TimeSpan.Zero;
            var nextFault = settings.SoakFaultInterval / 2;
            while (clock.Elapsed < settings.SoakDuration)
            {
                if (clock.Elapsed >= nextSample)
                {
                    samples.Add(GraphMemory.Measure(Environment.ProcessId, InProcessAppHost));
                    nextSample += settings.SoakSampleInterval;
                }

                if (clock.Elapsed >= nextFault)
                {
                    var fault = (ServiceFault)(faults++ % 3);
                    await ServiceFaultScenario.InjectAndRepairAsync(graph, fault, TimeSpan.FromSeconds(2), load, cancellationToken);
                    nextFault = clock.Elapsed + settings.SoakFaultInterval;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
            }

            samples.Add(GraphMemory.Measure(Environment.ProcessId, InProcessAppHost));
            report = await load.StopAsync();
        }

        await graph.WaitUntilBothServicesServeAsync(cancellationToken);
        var table = MemoryTables.Soak(settings.SoakDuration, faults, samples);
        table.Notes.Add($"{samples.Count} samples; load: LoadProbe, 8 clients, 20 % writes, {report.Total} requests, {report.Failed} failed through the gateway. " +
                        "Faults in turn: primaryservice SIGKILLed and restarted, hung 2 s, 500s for 2 s. A restarted primaryservice starts again from a fresh process.");
        return table;
    }
}
