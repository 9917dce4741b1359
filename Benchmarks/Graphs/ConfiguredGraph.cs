using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Graphs;

/// <summary>The kit's graph fixture, booted with AppHost arguments chosen by the benchmark (replicas, durability).</summary>
public class ConfiguredGraph(string description, params string[] arguments) : GraphFixture
{
    public string Description { get; } = description;

    protected override IEnumerable<string> GraphArguments => arguments;

    public static Task<ConfiguredGraph> BootAsync(string description, params string[] arguments) =>
        StartAsync(new ConfiguredGraph(description, arguments));

    public static async Task<TGraph> StartAsync<TGraph>(TGraph graph) where TGraph : ConfiguredGraph
    {
        Progress.Log($"Booting graph: {graph.Description}");
        await graph.InitializeAsync();
        Progress.Log($"Graph healthy after {graph.BootTime.TotalSeconds:F1} s");
        return graph;
    }

    public Uri ServiceAddress(string service) => App.GetEndpoint(service, "http");
}
