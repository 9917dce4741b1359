using Npgsql;
using Replication.Benchmarks.Graphs;
using Replication.Benchmarks.Reporting;

namespace Replication.Benchmarks.Sections;

/// <summary>Write-to-visible on a replica at a steady write rate, and replay_lag under a pgbench write load.</summary>
public static class ReplicationLagSection
{
    public static ResultTable CreateTable(BenchmarkSettings settings)
    {
        var table = new ResultTable("replication-lag", "Replication lag",
            "durability", "steady writes/s", "write→visible p50 ms", "write→visible p99 ms", "pgbench tps", "replay_lag p50 ms", "replay_lag p99 ms", "replay_lag max ms", "max lag bytes");
        table.Notes.Add($"write→visible: {settings.LagWrites} rows inserted one at a time on the primary while the LoadProbe writes steadily through the gateway " +
                        "(2 clients, 10 ms pause); each row polled on one open replica connection until it appears.");
        table.Notes.Add($"replay_lag: pg_stat_replication on the primary, sampled every 100 ms while pgbench (TPC-B-like, 4 clients, scale 2) writes for {settings.PgbenchDuration.TotalSeconds:F0} s.");
        return table;
    }

    public static async Task MeasureAsync(ResultTable table, ConfiguredGraph graph, string durability, BenchmarkSettings settings, CancellationToken cancellationToken)
    {
        Progress.Log($"Replication lag: {durability}");
        var primary = await graph.Database.FindPrimaryAsync(cancellationToken);
        var replica = graph.Database.Nodes.First(node => node.Name != primary).Name;

        IReadOnlyList<TimeSpan> visible;
        LoadReport steady;
        await using (var writes = LoadProbe.Start(graph.Workload, new LoadOptions { Concurrency = 2, WriteFraction = 1 }))
        {
            await writes.WaitForResponsesAsync(20, cancellationToken);
            visible = await graph.Database.MeasureWriteToVisibleAsync(primary, replica, settings.LagWrites, cancellationToken);
            steady = await writes.StopAsync();
        }

        var pgbench = new Pgbench(graph.Database, graph.App);
        await pgbench.InitializeAsync(primary, cancellationToken);
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var samples = SampleReplayLagAsync(graph.Database, primary, sampling.Token);
        var tps = await pgbench.WriteAsync(primary, clients: 4, settings.PgbenchDuration, cancellationToken);
        await sampling.CancelAsync();
        var (lags, maxBytes) = await samples;

        table.Add(durability, steady.RequestsPerSecond, ResultTable.Milliseconds(Percentiles.Of(visible, 0.50)), ResultTable.Milliseconds(Percentiles.Of(visible, 0.99)),
            tps, ResultTable.Milliseconds(Percentiles.Of(lags, 0.50)), ResultTable.Milliseconds(Percentiles.Of(lags, 0.99)),
            ResultTable.Milliseconds(lags.Count == 0 ? null : lags.Max()), maxBytes);
    }

    private static async Task<(List<TimeSpan> Lags, long MaxBytes)> SampleReplayLagAsync(ReplicaSetProbe database, string primary, CancellationToken cancellationToken)
    {
        var lags = new List<TimeSpan>();
        long maxBytes = 0;
        await using var connection = await database.OpenAsync(primary, "postgres", CancellationToken.None);
        await using var query = new NpgsqlCommand(
            "SELECT extract(epoch FROM replay_lag)::float8 * 1000, coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::bigint FROM pg_stat_replication", connection);
        try
        {
            while (true)
            {
                await using (var reader = await query.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        if (!reader.IsDBNull(0))
                        {
                            lags.Add(TimeSpan.FromMilliseconds(reader.GetDouble(0)));
                        }

                        maxBytes = Math.Max(maxBytes, reader.GetInt64(1));
                    }
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            return (lags, maxBytes);
        }
    }
}
