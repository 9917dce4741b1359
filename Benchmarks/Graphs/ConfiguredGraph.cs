using Replication.Benchmarks.Reporting;
namespace Replication.Benchmarks.Graphs;

/// <summary>The kit's graph fixture, booted with AppHost arguments chosen by the benchmark (replicas, durability).</summary>
public sealed class ConfiguredGraph(string description, params string[] arguments) : GraphFixture
{
    public string Description { get; } = description;

    protected override IEnumerable<string> Arguments => arguments;

    public static async Task<ConfiguredGraph> BootAsync(string description, params string[] arguments)
    {
        var graph = new ConfiguredGraph(description, arguments);
        Progress.Log($"Booting graph: {description}");
        await graph.InitializeAsync();
        Progress.Log($"Graph healthy after {graph.BootTime.TotalSeconds:F1} s");
        return graph;
    }

    public Uri ServiceAddress(string service) => App.GetEndpoint(service, "http");
}
