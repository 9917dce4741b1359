using Replication.Benchmarks.Graphs;
using Replication.Benchmarks.Memory;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>
/// The same Sync graph on the process runtime and on the container runtime (the offline image), booted in turn, a few
/// rounds interleaved: boot to healthy, the primary killed under writes (promotion, first acknowledged write, losses),
/// and the memory the graph takes at idle. Medians per runtime.
/// </summary>
public static class RuntimeComparisonSection
{
    private const int Rounds = 3;

    private sealed record Round(TimeSpan Boot, DatabaseFailoverResult Failover, IReadOnlyList<MemoryGroup> Memory)
    {
        public double GraphPss => Memory.Where(group => group.Name != MemorySection.InProcessAppHost).Sum(group => group.PssMegabytes);

        public double NodesPss => Memory.Where(group => group.Name.StartsWith("pg-", StringComparison.Ordinal)).Sum(group => group.PssMegabytes);
    }

    public static async Task<ResultTable> RunAsync(BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var table = new ResultTable("runtimes", "Process and container runtimes, the same Sync graph (medians of interleaved rounds)",
            "runtime", "rounds", "boot to healthy s", "kill → promotion s", "kill → first acknowledged write s", "acknowledged", "lost",
            "graph PSS MB", "nodes PSS MB");
        if (await ContainerEngine.UnavailableBecauseAsync() is { } unavailable)
        {
            table.Error = unavailable;
            return table;
        }

        var image = await OfflinePostgresImage.ReferenceAsync();
        string[][] runtimes =
        [
            ["--Postgres:Runtime=Process"],
            ["--Postgres:Runtime=Container", $"--Postgres:Image={image}"],
        ];
        var rounds = runtimes.Select(_ => new List<Round>()).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            for (var runtime = 0; runtime < runtimes.Length; runtime++)
            {
                rounds[runtime].Add(await MeasureAsync(runtimes[runtime], round, cancellationToken));
            }
        }

        foreach (var (arguments, measured) in runtimes.Zip(rounds))
        {
            table.Add(arguments[0].Split('=')[1], measured.Count,
                ResultTable.Seconds(Median(measured.Select(r => r.Boot))),
                ResultTable.Seconds(Median(measured.Select(r => r.Failover.TimeToPromotion))),
                ResultTable.Seconds(Median(measured.Select(r => r.Failover.TimeToFirstWrite ?? TimeSpan.MaxValue))),
                measured.Sum(r => r.Failover.Writes.Acknowledged),
                measured.Sum(r => r.Failover.Writes.Lost),
                Median(measured.Select(r => r.GraphPss)),
                Median(measured.Select(r => r.NodesPss)));
        }

        table.Notes.Add("Each round boots a fresh graph (2 replicas, Postgres:Durability=Sync), waits 5 s, reads memory, then runs the kit's database failover (4 writing clients, the primary's postmaster or container SIGKILLed, automatic promotion after Postgres:FailoverAfter = 3 s). The first acknowledged write is the first one sent after the kill took effect. Acknowledged and lost are totals over the rounds.");
        table.Notes.Add("Graph PSS: every process of the graph but the benchmark's own (which hosts the AppHost): nodes, services (and their dotnet run wrappers, where projects start through one) and DCP. With containers the nodes are the containers' processes; the engine itself (dockerd, containerd, shims) is not counted.");
        foreach (var (arguments, measured) in runtimes.Zip(rounds))
        {
            table.Notes.Add($"{arguments[0].Split('=')[1]}, last round, PSS MB by part: " + string.Join(", ", measured[^1].Memory
                .Where(group => group.Name != MemorySection.InProcessAppHost)
                .Select(group => string.Create(CultureInfo.InvariantCulture, $"{group.Name} {group.PssMegabytes:F0} ({group.Processes})"))) + ".");
        }

        table.Notes.Add($"Image: {image} (Debian's PostgreSQL 15, built offline by Tests/ContainerImages/postgres/build.sh).");
        return table;
    }

    private static async Task<Round> MeasureAsync(string[] runtime, int round, CancellationToken cancellationToken)
    {
        await using var graph = await ConfiguredGraph.BootAsync($"{runtime[0]} (round {round + 1})", [.. runtime, "--Postgres:Durability=Sync"]);
        await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken);
        var memory = GraphMemory.Measure(Environment.ProcessId, MemorySection.InProcessAppHost, await ContainerProcessesAsync(graph, cancellationToken));
        var failover = await DatabaseFailoverScenario.KillPrimaryUnderWritesAsync(graph, cancellationToken);
        return new Round(graph.BootTime, failover, memory);
    }

    /// <summary>The main process of every node container (the engine parents them, not DCP); none on the process runtime.</summary>
    private static async Task<IReadOnlyList<int>> ContainerProcessesAsync(ConfiguredGraph graph, CancellationToken cancellationToken)
    {
        var pids = new List<int>();
        foreach (var node in graph.Database.Nodes)
        {
            if (graph.App.ResourceNotifications.TryGetCurrentState(node.Name, out var state)
                && state.Snapshot.Properties.FirstOrDefault(property => property.Name == "container.id")?.Value is string id)
            {
                var pid = await ContainerEngine.RunAsync(["inspect", "--format", "{{.State.Pid}}", id], cancellationToken: cancellationToken);
                pids.Add(int.Parse(pid.Trim(), CultureInfo.InvariantCulture));
            }
        }

        return pids;
    }

    private static TimeSpan Median(IEnumerable<TimeSpan> values) => Percentiles.Of([.. values], 0.5);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
