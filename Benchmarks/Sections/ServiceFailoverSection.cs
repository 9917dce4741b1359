using Replication.Benchmarks.Graphs;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>Crash, hang and 500s of primaryservice under constant load, through our gateway and through the YARP baseline.</summary>
public static class ServiceFailoverSection
{
    public static readonly LoadOptions SteadyLoad = new() { Concurrency = 8, WriteFraction = 0.2 };

    public static async Task<ResultTable> RunAsync(
        GraphFixture graph, IReadOnlyList<EntryPoint> entries, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        var table = new ResultTable("service-failover", "Service failover under load (8 clients, 20 % writes)",
            "scenario", "through", "requests", "failed", "p99 ms", "max ms", "failover ms", "failback ms");
        foreach (var fault in Enum.GetValues<ServiceFault>())
        {
            foreach (var entry in entries)
            {
                Progress.Log($"Failover: {fault} through {entry.Name}");
                var report = await ServiceFaultScenario.RunAsync(graph, entry, fault, SteadyLoad, settings, cancellationToken);
                table.Add(ServiceFaultScenario.Describe(fault, settings.FaultDuration), entry.Name, report.Total, report.Failed,
                    ResultTable.Milliseconds(report.P99), ResultTable.Milliseconds(report.Max),
                    ResultTable.Milliseconds(report.TimeToFailover), ResultTable.Milliseconds(report.TimeToFailback));
            }
        }

        table.Notes.Add("Load: the kit's LoadProbe, 8 clients each pausing 10 ms between requests, 20 % POST /users with an Idempotency-Key, 80 % GET /users?limit=5.");
        if (entries.Any(entry => entry.Name == Graphs.HaproxyPeer.Name))
        {
            table.Notes.Add(GatewayOverheadTables.HaproxyNote);
        }

        table.Notes.Add("failover ms: from the fault to the first response served by backupservice (\"-\": traffic never moved). failback ms: from the repair to the first response served by primaryservice again.");
        return table;
    }
}
