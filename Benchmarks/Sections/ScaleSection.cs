using Replication.Benchmarks.Graphs;
using Replication.Benchmarks.Load;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>What one graph does at one load: gateway throughput, a primaryservice crash, and (with replicas) a database failover.</summary>
public sealed record ScalePoint(
    int Replicas, int Clients, ThroughputResult Throughput, LoadReport Crash, DatabaseFailoverResult? DatabaseFailover);

/// <summary>How gateway throughput and failover time change with the number of clients and of replicas.</summary>
public static class ScaleSection
{
    private static readonly string[] Columns = ["gateway req/s", "p50 ms", "p99 ms", "crash: failed", "crash: failover ms", "crash: p99 ms"];
    private static readonly string[] DatabaseColumns = ["db kill → promotion s", "db kill → first write s"];

    public static async Task<ScalePoint> MeasureAsync(
        GraphFixture graph, EntryPoint gateway, IReadOnlyList<string> paths, int replicas, int clients, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        Progress.Log($"Scale: {replicas} replicas, {clients} clients");
        var throughput = await ClosedLoopLoad.RunAsync(gateway.Address, paths, clients, settings.Warmup, settings.ThroughputDuration, cancellationToken);
        var crash = await ServiceFaultScenario.RunAsync(graph, gateway, ServiceFault.Crash,
            ServiceFailoverSection.SteadyLoad with { Concurrency = clients }, settings, cancellationToken);
        return new ScalePoint(replicas, clients, throughput, crash, null);
    }

    public static ResultTable ByClients(IEnumerable<ScalePoint> points) => Table("scale-clients", "Scale: concurrent clients (2 replicas)", "clients",
        points.OrderBy(point => point.Clients), point => point.Clients.ToString(CultureInfo.InvariantCulture), includeDatabase: false);

    public static ResultTable ByReplicas(IEnumerable<ScalePoint> points) => Table("scale-replicas", "Scale: replicas (8 clients)", "replicas",
        points.OrderBy(point => point.Replicas), point => point.Replicas.ToString(CultureInfo.InvariantCulture), includeDatabase: true);

    private static ResultTable Table(string key, string title, string first, IEnumerable<ScalePoint> points, Func<ScalePoint, string> label, bool includeDatabase)
    {
        var table = new ResultTable(key, title, [first, .. Columns, .. includeDatabase ? DatabaseColumns : []]);
        foreach (var point in points)
        {
            object?[] cells = [label(point), point.Throughput.RequestsPerSecond, ResultTable.Milliseconds(point.Throughput.P50), ResultTable.Milliseconds(point.Throughput.P99),
                point.Crash.Failed, ResultTable.Milliseconds(point.Crash.TimeToFailover), ResultTable.Milliseconds(point.Crash.P99)];
            table.Add(includeDatabase
                ? [.. cells, ResultTable.Seconds(point.DatabaseFailover?.TimeToPromotion), ResultTable.Seconds(point.DatabaseFailover?.TimeToFirstWrite)]
                : cells);
        }

        table.Notes.Add("gateway req/s, p50, p99: GET /users/{id} through the gateway, closed loop. crash: primaryservice SIGKILLed under the LoadProbe with that many clients (10 ms pause each).");
        if (includeDatabase)
        {
            table.Notes.Add("db: the primary's postmaster SIGKILLed under 4 writing clients; \"-\" with 0 replicas, where there is nothing to promote.");
        }

        return table;
    }
}
